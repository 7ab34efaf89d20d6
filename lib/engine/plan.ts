import type { SignalPart } from '../policy/document.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import { buildReaders, type EnvelopeReader } from './envelope-reader.js';
import { printable, stepWords, type StepWords, type WaitAction } from './reason.js';
import { buildRuleIndexes, candidates, indexSlot, type RuleEntry, type RuleIndex } from './rule-index.js';
import { thaw } from './thaw.js';
import type { Phase, Transport } from './types.js';

/**
 * What the engine derives once from a compiled policy so that each decision looks things up
 * instead of scanning: the envelopes that apply to each signal part, the rules that can possibly
 * match a transport, phase, code and status (still in policy order), fixed reason text, and
 * unfrozen copies of the policy's regular expressions (see thaw.ts).
 */
export interface EnginePlan {
  envelopes: Readonly<Record<SignalPart, readonly EnvelopeReader[]>>;
  /** See {@link indexSlot}. */
  rules: readonly RuleIndex[];
  /** Whether the policy's rate-limit header names are printable ASCII (see headers.ts). */
  resetHeaderAscii: boolean;
  remainingHeaderAscii: boolean;
  /** `as the <reset header> header asked`, when the policy names one. */
  resetHeaderHow: string;
  /** Every code the policy's rules name or report, as a reason quotes it ({@link printable}). */
  quotedCodes: ReadonlyMap<string, string>;
  /** `serverWait.messagePatterns`, thawed. */
  messagePatterns: readonly RegExp[];
  /** The closing words of reasons, with the vendor's name in place. */
  steps: Readonly<Record<WaitAction, StepWords>>;
}

const isAscii = (name: string | undefined): boolean => name === undefined || /^[\x20-\x7e]*$/.test(name);

function codesOf(policy: CompiledPolicy): string[] {
  const codes: string[] = [];
  for (const rule of policy.rules) {
    for (const code of rule.match.codes ?? []) codes.push(code);
    if (rule.code !== undefined) codes.push(rule.code);
  }
  return codes;
}

function buildPlan(policy: CompiledPolicy): EnginePlan {
  return {
    envelopes: buildReaders(policy),
    rules: buildRuleIndexes(policy.rules),
    resetHeaderAscii: isAscii(policy.serverWait.resetHeader),
    remainingHeaderAscii: isAscii(policy.serverWait.remainingHeader),
    resetHeaderHow: `as the ${policy.serverWait.resetHeader ?? ''} header asked`,
    quotedCodes: new Map(codesOf(policy).map((code) => [code, printable(code)])),
    messagePatterns: policy.serverWait.messagePatterns.map(thaw),
    steps: stepWords(policy.vendor),
  };
}

// Keyed by the policy object itself (not stored on it): compiled policies stay exactly as
// compilePolicy froze them, and a copy with different envelopes or rules gets its own plan.
const plans = new WeakMap<CompiledPolicy, EnginePlan>();
let lastPolicy: CompiledPolicy | undefined;
let lastPlan: EnginePlan | undefined;

/**
 * The plan for a policy, built on first use. Compiled policies are frozen, so a plan never goes
 * stale; a policy object assembled by hand must likewise not change after its first decision.
 */
export function planFor(policy: CompiledPolicy): EnginePlan {
  // Consecutive decisions are usually for the same vendor: skip the WeakMap lookup then.
  if (policy === lastPolicy && lastPlan !== undefined) return lastPlan;
  let plan = plans.get(policy);
  if (plan === undefined) {
    plan = buildPlan(policy);
    plans.set(policy, plan);
  }
  lastPolicy = policy;
  lastPlan = plan;
  return plan;
}

/** Every rule entry that could match this transport, phase, code and status, in policy order. */
export function candidateRules(
  plan: EnginePlan,
  transport: Transport,
  phase: Phase,
  code: string | undefined,
  status: number | undefined,
): readonly RuleEntry[] {
  return candidates(plan.rules[indexSlot(transport, phase)] as RuleIndex, code, status);
}
