import type { Backoff, CompiledPolicy } from '../policy/compiled.js';
import { computedBackoffMs, scheduledPollIntervalMs } from './backoff.js';
import { readFacts, type Facts } from './facts.js';
import { fallback } from './fallback.js';
import { findRule } from './match.js';
import { describeSignal, formatMs, nextStep } from './reason.js';
import { serverWait } from './server-wait.js';
import type { Action, Decision, DelaySource, EngineEnvironment, Signal } from './types.js';

/** The rule (or fallback) that applies, reduced to what the decision needs. */
interface Verdict {
  name: string;
  action: Action;
  category: string;
  summary: string;
  code: string | undefined;
  maxAttempts: number | undefined;
  backoff: Backoff;
}

/** `retry` on a WebSocket means a new connection; `reconnect` on HTTP means sending again. */
function forTransport(action: Action, facts: Facts): Action {
  if (facts.transport === 'ws' && action === 'retry') return 'reconnect';
  if (facts.transport === 'http' && action === 'reconnect') return 'retry';
  return action;
}

function verdictFor(policy: CompiledPolicy, facts: Facts): Verdict {
  const rule = findRule(policy.rules, facts);
  if (rule) {
    return {
      name: rule.name,
      action: rule.action,
      category: rule.category,
      summary: rule.summary,
      code: rule.code,
      maxAttempts: rule.maxAttempts,
      backoff: rule.backoff,
    };
  }
  const fb = fallback(policy, facts);
  return {
    ...fb,
    name: `${policy.vendor}#${fb.id}`,
    code: undefined,
    maxAttempts: undefined,
    backoff: policy.backoff,
  };
}

function reportedCode(verdict: Verdict, facts: Facts): string | undefined {
  if (verdict.code !== undefined) return verdict.code;
  if (facts.obs?.code !== undefined) return facts.obs.code;
  if (facts.closeCode !== undefined) return String(facts.closeCode);
  return undefined;
}

/**
 * Decides what to do about one signal under one policy (DESIGN.md rules 1–4). Pure: reads time
 * and randomness only through `env`; never throws for any payload bytes.
 */
export function decide(policy: CompiledPolicy, signal: Signal, env: EngineEnvironment): Decision {
  const facts = readFacts(policy, signal);
  const verdict = verdictFor(policy, facts);
  let action = forTransport(verdict.action, facts);
  const code = reportedCode(verdict, facts);
  const what = describeSignal(policy.vendor, facts, code);
  const wait = serverWait(policy, signal, facts.obs, env.clock.now(), action === 'poll');

  const decision = (
    finalAction: Action,
    delayMs: number,
    delaySource: DelaySource,
    reason: string,
  ): Decision => {
    // Keys in the order of the Decision contract, so JSON output reads like DESIGN.md.
    const d: Decision = {
      action: finalAction,
      ...(code === undefined ? {} : { code }),
      category: verdict.category,
      delayMs,
      delaySource,
    } as Decision;
    if (wait !== undefined) d.retryAfterMs = wait.ms;
    d.rule = verdict.name;
    d.reason = reason;
    return d;
  };
  const say = (step: string): string => `${what}: ${verdict.summary}; ${step}.`;

  if (action === 'ok' || action === 'fail')
    return decision(action, 0, 'none', say(nextStep(action, policy.vendor, 0, 'none', 0, undefined)));

  const maxAttempts = action === 'poll' ? undefined : (verdict.maxAttempts ?? policy.maxAttempts[action]);
  if (maxAttempts !== undefined && facts.attempt >= maxAttempts) {
    return decision(
      'fail',
      0,
      'none',
      say(`gave up: ${facts.attempt} attempts made and the rule allows ${maxAttempts}`),
    );
  }

  let delayMs: number;
  let source: DelaySource;
  if (wait !== undefined) {
    let asked = wait.ms;
    if (asked > policy.serverWait.maxMs) {
      if (policy.serverWait.overCap === 'fail') {
        return decision(
          'fail',
          0,
          'none',
          say(
            `the server asked to wait ${formatMs(asked)}, beyond this policy's cap of ${formatMs(policy.serverWait.maxMs)}, so fail now`,
          ),
        );
      }
      asked = policy.serverWait.maxMs;
    }
    delayMs = Math.ceil(asked * (1 + policy.serverWait.jitterRatio * env.random()));
    source = wait.source;
    if (action === 'retry' || action === 'reconnect') action = 'backoff';
  } else if (action === 'poll') {
    delayMs = Math.ceil(
      scheduledPollIntervalMs(policy, facts.attempt) * (1 + policy.serverWait.jitterRatio * env.random()),
    );
    source = 'computed';
  } else {
    delayMs = computedBackoffMs(verdict.backoff, facts.attempt, env.random);
    source = 'computed';
  }
  if (action === 'poll') delayMs = Math.max(delayMs, policy.polling.minIntervalMs);
  return decision(
    action,
    delayMs,
    source,
    say(nextStep(action, policy.vendor, delayMs, source, facts.attempt, maxAttempts)),
  );
}
