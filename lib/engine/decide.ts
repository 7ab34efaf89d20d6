import type { Backoff, CompiledPolicy } from '../policy/compiled.js';
import { computedBackoffMs, scheduledPollIntervalMs } from './backoff.js';
import { readFacts, type Facts } from './facts.js';
import { fallback } from './fallback.js';
import { findRule } from './match.js';
import { describeSignal, formatMs, nextStep } from './reason.js';
import { serverWait, type ServerWait } from './server-wait.js';
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

/** Builds a decision with its keys in the order of the Decision contract (so JSON reads like DESIGN.md). */
function makeDecision(
  action: Action,
  code: string | undefined,
  category: string,
  delayMs: number,
  delaySource: DelaySource,
  retryAfterMs: number | undefined,
  rule: string,
  reason: string,
): Decision {
  if (code !== undefined) {
    return retryAfterMs !== undefined
      ? { action, code, category, delayMs, delaySource, retryAfterMs, rule, reason }
      : { action, code, category, delayMs, delaySource, rule, reason };
  }
  return retryAfterMs !== undefined
    ? { action, category, delayMs, delaySource, retryAfterMs, rule, reason }
    : { action, category, delayMs, delaySource, rule, reason };
}

/** The wait before the next step, and where it came from; `undefined` when a server wait over the cap means failing. */
function chooseDelay(
  policy: CompiledPolicy,
  facts: Facts,
  verdict: Verdict,
  action: Action,
  wait: ServerWait | undefined,
  env: EngineEnvironment,
): { delayMs: number; source: DelaySource } | undefined {
  if (wait !== undefined) {
    let asked = wait.ms;
    if (asked > policy.serverWait.maxMs) {
      if (policy.serverWait.overCap === 'fail') return undefined;
      asked = policy.serverWait.maxMs;
    }
    return {
      delayMs: Math.ceil(asked * (1 + policy.serverWait.jitterRatio * env.random())),
      source: wait.source,
    };
  }
  if (action === 'poll') {
    const scheduled = scheduledPollIntervalMs(policy, facts.attempt);
    return {
      delayMs: Math.ceil(scheduled * (1 + policy.serverWait.jitterRatio * env.random())),
      source: 'computed',
    };
  }
  return { delayMs: computedBackoffMs(verdict.backoff, facts.attempt, env.random), source: 'computed' };
}

/**
 * Decides what to do about one signal under one policy (DESIGN.md rules 1–4). Pure: reads time
 * and randomness only through `env`; never throws for any payload bytes.
 */
export function decide(policy: CompiledPolicy, signal: Signal, env: EngineEnvironment): Decision {
  const facts = readFacts(policy, signal);
  const verdict = verdictFor(policy, facts);
  const action = forTransport(verdict.action, facts);
  const code = reportedCode(verdict, facts);
  const wait = serverWait(policy, signal, facts.obs, env.clock.now(), action === 'poll');
  const retryAfterMs = wait?.ms;
  const what = `${describeSignal(policy.vendor, facts, code)}: ${verdict.summary}; `;

  if (action === 'ok' || action === 'fail') {
    const reason = `${what}${nextStep(action, policy.vendor, 0, '', 0, undefined)}.`;
    return makeDecision(action, code, verdict.category, 0, 'none', retryAfterMs, verdict.name, reason);
  }
  const maxAttempts = action === 'poll' ? undefined : (verdict.maxAttempts ?? policy.maxAttempts[action]);
  if (maxAttempts !== undefined && facts.attempt >= maxAttempts) {
    const reason = `${what}gave up: ${facts.attempt} attempts made and the rule allows ${maxAttempts}.`;
    return makeDecision('fail', code, verdict.category, 0, 'none', retryAfterMs, verdict.name, reason);
  }
  const chosen = chooseDelay(policy, facts, verdict, action, wait, env);
  if (chosen === undefined) {
    const cap = formatMs(policy.serverWait.maxMs);
    const reason = `${what}the server asked to wait ${formatMs(retryAfterMs ?? 0)}, beyond this policy's cap of ${cap}, so fail now.`;
    return makeDecision('fail', code, verdict.category, 0, 'none', retryAfterMs, verdict.name, reason);
  }
  // A wait the server asked for means "slow down": hold back the whole vendor, not just this call.
  const finalAction =
    wait !== undefined && (action === 'retry' || action === 'reconnect') ? 'backoff' : action;
  // The policy's minimum poll interval can only lengthen a wait; when it does, it is the source.
  const raised = finalAction === 'poll' && policy.polling.minIntervalMs > chosen.delayMs;
  const delayMs = raised ? policy.polling.minIntervalMs : chosen.delayMs;
  const source: DelaySource = raised ? 'computed' : chosen.source;
  const how = raised
    ? "the policy's minimum poll interval"
    : wait !== undefined
      ? `as the ${wait.via} asked`
      : finalAction === 'poll'
        ? "the vendor's poll schedule"
        : 'computed backoff';
  const step = nextStep(finalAction, policy.vendor, delayMs, how, facts.attempt, maxAttempts);
  return makeDecision(
    finalAction,
    code,
    verdict.category,
    delayMs,
    source,
    retryAfterMs,
    verdict.name,
    `${what}${step}.`,
  );
}
