import type { Backoff, CompiledPolicy } from '../policy/compiled.js';
import { computedBackoffMs, scheduledPollIntervalMs } from './backoff.js';
import { readFacts, type Facts } from './facts.js';
import { fallback } from './fallback.js';
import { findRule } from './match.js';
import { describeSignal, DONE_STEP, formatMs, stepWords, waitStep } from './reason.js';
import { serverWait } from './server-wait.js';
import type { Action, Decision, DelaySource, EngineEnvironment, Signal } from './types.js';
import { ArgumentCheck, isCompiledPolicyShape, isRecord } from '../../run/validate-arguments.js';

/** The rule (or fallback) that applies, reduced to what the decision needs. A matched rule is one as it is. */
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

function fallbackVerdict(policy: CompiledPolicy, facts: Facts): Verdict {
  const fb = fallback(policy, facts);
  return {
    name: `${policy.vendor}#${fb.id}`,
    action: fb.action,
    category: fb.category,
    summary: fb.summary,
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

/** Builds a decision with its keys in the order of the Decision contract (so JSON reads like docs/design.md). */
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

/** A wait plus up to `jitterRatio` of it, so clients told the same wait do not all come back at once. */
function jittered(policy: CompiledPolicy, ms: number, env: EngineEnvironment): number {
  return Math.ceil(ms * (1 + policy.serverWait.jitterRatio * env.random()));
}

function checkDecideArguments(policy: unknown, signal: unknown, env: unknown): void {
  const check: ArgumentCheck = new ArgumentCheck('decide');
  check.compiledPolicy('policy', policy);
  check.object('signal', signal, 'a signal object (parseSignal checks untrusted input)');
  const environment = env as { clock?: { now?: unknown }; random?: unknown } | null;
  const ok = isRecord(environment) && typeof environment.random === 'function';
  check.that(
    ok && typeof environment.clock?.now === 'function',
    'env',
    'an environment ({ clock: { now }, random })',
    env,
  );
}

/**
 * Decides what to do about one signal under one policy (docs/design.md rules 1–4). Pure: reads time
 * and randomness only through `env`; never throws for any payload bytes.
 */
export function decide(policy: CompiledPolicy, signal: Signal, env: EngineEnvironment): Decision {
  // Every decision passes here: the checker is only made when an argument is wrong.
  if (
    !isRecord(signal) ||
    typeof env?.random !== 'function' ||
    typeof env.clock?.now !== 'function' ||
    !isCompiledPolicyShape(policy)
  ) {
    checkDecideArguments(policy, signal, env);
  }
  const facts = readFacts(policy, signal);
  const verdict: Verdict = findRule(policy, facts) ?? fallbackVerdict(policy, facts);
  const action = forTransport(verdict.action, facts);
  const code = reportedCode(verdict, facts);
  const wait = serverWait(policy, signal, facts.obs, env.clock.now(), action === 'poll');
  const retryAfterMs = wait?.ms;
  const what = `${describeSignal(policy.vendor, facts, code)}: ${verdict.summary}; `;

  if (action === 'ok' || action === 'fail') {
    const reason = what + DONE_STEP[action];
    return makeDecision(action, code, verdict.category, 0, 'none', retryAfterMs, verdict.name, reason);
  }
  const maxAttempts = action === 'poll' ? undefined : (verdict.maxAttempts ?? policy.maxAttempts[action]);
  if (maxAttempts !== undefined && facts.attempt >= maxAttempts) {
    const reason = `${what}gave up: ${facts.attempt} attempts made and the rule allows ${maxAttempts}.`;
    return makeDecision('fail', code, verdict.category, 0, 'none', retryAfterMs, verdict.name, reason);
  }
  // The wait before the next step: the server's (capped), else the poll schedule, else computed backoff.
  let chosenMs: number;
  if (wait !== undefined) {
    let asked = wait.ms;
    if (asked > policy.serverWait.maxMs) {
      if (policy.serverWait.overCap === 'fail') {
        const cap = formatMs(policy.serverWait.maxMs);
        const reason = `${what}the server asked to wait ${formatMs(wait.ms)}, beyond this policy's cap of ${cap}, so fail now.`;
        return makeDecision('fail', code, verdict.category, 0, 'none', retryAfterMs, verdict.name, reason);
      }
      asked = policy.serverWait.maxMs;
    }
    chosenMs = jittered(policy, asked, env);
  } else if (action === 'poll') {
    chosenMs = jittered(policy, scheduledPollIntervalMs(policy, facts.attempt), env);
  } else {
    chosenMs = computedBackoffMs(verdict.backoff, facts.attempt, env.random);
  }
  // A wait the server asked for means "slow down": hold back the whole vendor, not just this call.
  const finalAction =
    wait !== undefined && (action === 'retry' || action === 'reconnect') ? 'backoff' : action;
  // The policy's minimum poll interval can only lengthen a wait; when it does, it is the source.
  const raised = finalAction === 'poll' && policy.polling.minIntervalMs > chosenMs;
  const delayMs = raised ? policy.polling.minIntervalMs : chosenMs;
  const source: DelaySource = raised ? 'computed' : wait !== undefined ? wait.source : 'computed';
  const how = raised
    ? "the policy's minimum poll interval"
    : wait !== undefined
      ? wait.how
      : finalAction === 'poll'
        ? "the vendor's poll schedule"
        : 'computed backoff';
  const step = waitStep(stepWords(policy.vendor)[finalAction], delayMs, how, facts.attempt, maxAttempts);
  return makeDecision(
    finalAction,
    code,
    verdict.category,
    delayMs,
    source,
    retryAfterMs,
    verdict.name,
    what + step,
  );
}
