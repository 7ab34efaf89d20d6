import type { CompiledMatch, CompiledRule } from '../policy/compiled.js';
import type { Facts } from './facts.js';
import { messageOf } from './envelope.js';
import { candidateRules, type EnginePlan } from './plan.js';
import type { RuleEntry } from './rule-index.js';

/**
 * The conditions the rule index does not already guarantee: close code, error, empty body,
 * envelope, job state, message (tested with `message`, the rule's pattern or a thawed twin of it).
 */
function residualHolds(m: CompiledMatch, message: RegExp | undefined, facts: Facts): boolean {
  const obs = facts.obs;
  if (m.closeCodes && (facts.closeCode === undefined || !m.closeCodes.has(facts.closeCode))) return false;
  if (m.errors && (facts.error === undefined || !m.errors.has(facts.error))) return false;
  if (m.emptyBody && !facts.emptyBody) return false;
  if (m.envelopes && (obs === undefined || !m.envelopes.has(obs.envelope))) return false;
  if (m.jobStatuses && (obs?.jobStatus === undefined || !m.jobStatuses.has(obs.jobStatus))) return false;
  if (message) {
    const text = obs === undefined ? undefined : messageOf(obs);
    if (text === undefined || !message.test(text)) return false;
  }
  return true;
}

/** True when every condition the rule names holds for these facts. */
export function ruleMatches(rule: CompiledRule, facts: Facts): boolean {
  const m = rule.match;
  const obs = facts.obs;
  if (m.transport !== undefined && m.transport !== facts.transport) return false;
  if (m.phases && !m.phases.has(facts.phase)) return false;
  if (m.statuses && (facts.status === undefined || !m.statuses.has(facts.status))) return false;
  if (m.codes && (obs?.code === undefined || !m.codes.has(obs.code))) return false;
  return residualHolds(m, m.message, facts);
}

/**
 * The first matching rule (rules are already ordered code-first), or `undefined`. Only the rules
 * the plan lists for this transport, phase, code and status are tested, in the same order, and
 * only for the conditions the listing does not already guarantee: the answer is the one a scan of
 * every rule with {@link ruleMatches} would give.
 */
export function findRule(plan: EnginePlan, facts: Facts): RuleEntry | undefined {
  const entries = candidateRules(plan, facts.transport, facts.phase, facts.obs?.code, facts.status);
  for (const entry of entries) {
    if (!entry.residual || residualHolds(entry.rule.match, entry.message, facts)) return entry;
  }
  return undefined;
}
