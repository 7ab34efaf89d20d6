import type { CompiledPolicy, CompiledRule } from '../policy/compiled.js';
import type { Facts } from './facts.js';

/** True when every condition the rule names holds for these facts. */
export function ruleMatches(rule: CompiledRule, facts: Facts): boolean {
  const m = rule.match;
  const obs = facts.obs;
  if (m.transport !== undefined && m.transport !== facts.transport) return false;
  if (m.phases && !m.phases.has(facts.phase)) return false;
  if (m.statuses && (facts.status === undefined || !m.statuses.has(facts.status))) return false;
  if (m.codes && (obs?.code === undefined || !m.codes.has(obs.code))) return false;
  if (m.closeCodes && (facts.closeCode === undefined || !m.closeCodes.has(facts.closeCode))) return false;
  if (m.errors && (facts.error === undefined || !m.errors.has(facts.error))) return false;
  if (m.emptyBody && !facts.emptyBody) return false;
  if (m.envelopes && (obs === undefined || !m.envelopes.has(obs.envelope))) return false;
  if (m.jobStatuses && (obs?.jobStatus === undefined || !m.jobStatuses.has(obs.jobStatus))) return false;
  if (m.message && (obs?.message === undefined || !m.message.test(obs.message))) return false;
  return true;
}

/** The first rule, in policy order (code-identifying rules first), whose conditions all hold. */
export function findRule(policy: CompiledPolicy, facts: Facts): CompiledRule | undefined {
  return policy.rules.find((rule) => ruleMatches(rule, facts));
}
