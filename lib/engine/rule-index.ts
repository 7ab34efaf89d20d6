import type { CompiledRule } from '../policy/compiled.js';
import { thaw } from './thaw.js';
import type { Phase, Transport } from './types.js';

/**
 * A rule as the index lists it. Being listed already guarantees the rule's transport, phase,
 * status and code conditions; `residual` says whether any other condition is left to test.
 */
export interface RuleEntry {
  rule: CompiledRule;
  residual: boolean;
  /** `: <summary>; `, the rule's part of every reason it gives, built once. */
  summaryText: string;
  /** The rule's `messagePattern`, thawed. */
  message: RegExp | undefined;
}

/** Entries that can still match once the code is known, narrowed again by status. */
interface StatusTable {
  /** Per status some rule names: the rules without a status condition plus those naming it, in policy order. */
  byStatus: ReadonlyMap<number, readonly RuleEntry[]>;
  /** For a status no rule names (or none): only the rules without a status condition. */
  other: readonly RuleEntry[];
}

/** Candidate rules for one transport and phase, by the vendor code the payload carried. */
export interface RuleIndex {
  byCode: ReadonlyMap<string, StatusTable>;
  /** No code, or a code no rule names: only the rules without a code condition. */
  noCode: StatusTable;
}

/** The transports and phases of the contract; a value outside them gets the rules that do not name one. */
const TRANSPORTS: readonly (Transport | undefined)[] = ['http', 'ws', undefined];
const PHASES: readonly (Phase | undefined)[] = ['submit', 'poll', 'stream', undefined];

function entry(rule: CompiledRule): RuleEntry {
  const m = rule.match;
  return {
    rule,
    residual:
      m.closeCodes !== undefined ||
      m.errors !== undefined ||
      m.emptyBody ||
      m.envelopes !== undefined ||
      m.jobStatuses !== undefined ||
      m.message !== undefined,
    summaryText: `: ${rule.summary}; `,
    message: m.message && thaw(m.message),
  };
}

function statusTable(entries: readonly RuleEntry[]): StatusTable {
  const statuses = new Set<number>();
  for (const e of entries) for (const s of e.rule.match.statuses ?? []) statuses.add(s);
  const byStatus = new Map<number, readonly RuleEntry[]>();
  for (const s of statuses) {
    byStatus.set(
      s,
      entries.filter((e) => e.rule.match.statuses === undefined || e.rule.match.statuses.has(s)),
    );
  }
  return { byStatus, other: entries.filter((e) => e.rule.match.statuses === undefined) };
}

function ruleIndex(entries: readonly RuleEntry[]): RuleIndex {
  const codes = new Set<string>();
  for (const e of entries) for (const c of e.rule.match.codes ?? []) codes.add(c);
  const byCode = new Map<string, StatusTable>();
  for (const code of codes) {
    byCode.set(
      code,
      statusTable(entries.filter((e) => e.rule.match.codes === undefined || e.rule.match.codes.has(code))),
    );
  }
  return { byCode, noCode: statusTable(entries.filter((e) => e.rule.match.codes === undefined)) };
}

/** One index per transport and phase (including "neither"), in the order {@link indexSlot} numbers them. */
export function buildRuleIndexes(rules: readonly CompiledRule[]): readonly RuleIndex[] {
  const entries = rules.map(entry);
  const indexes: RuleIndex[] = [];
  for (const transport of TRANSPORTS) {
    for (const phase of PHASES) {
      indexes.push(
        ruleIndex(
          entries.filter((e) => {
            const m = e.rule.match;
            if (m.transport !== undefined && m.transport !== transport) return false;
            return m.phases === undefined || (phase !== undefined && m.phases.has(phase));
          }),
        ),
      );
    }
  }
  return indexes;
}

/** Where {@link buildRuleIndexes} put the index for a transport and phase. */
export function indexSlot(transport: Transport, phase: Phase): number {
  const t = transport === 'http' ? 0 : transport === 'ws' ? 1 : 2;
  const p = phase === 'submit' ? 0 : phase === 'poll' ? 1 : phase === 'stream' ? 2 : 3;
  return t * PHASES.length + p;
}

/** The entries that could match a code and status, in policy order. */
export function candidates(
  index: RuleIndex,
  code: string | undefined,
  status: number | undefined,
): readonly RuleEntry[] {
  const table = (code !== undefined ? index.byCode.get(code) : undefined) ?? index.noCode;
  return (status !== undefined ? table.byStatus.get(status) : undefined) ?? table.other;
}
