import type { Phase } from '../engine/types.js';
import type { BackoffDocument, OneOrMany, PolicyDocument, RuleDocument, SignalPart } from './document.js';
import type {
  Backoff,
  CompiledEnvelope,
  CompiledMatch,
  CompiledPolicy,
  CompiledRule,
  EnvelopeField,
  PathCondition,
} from './compiled.js';
import {
  DEFAULT_BACKOFF,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_POLL_DEADLINE_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_SERVER_WAIT_JITTER_RATIO,
  DEFAULT_SERVER_WAIT_MAX_MS,
} from './defaults.js';
import { compileJob } from './compile-job.js';
import { ImmutableSet } from './immutable-set.js';
import { patternHazard, type PatternUse } from './pattern-safety.js';
import { PolicyError } from './policy-error.js';

const TEXT_GROUPS = new Set(['code', 'message', 'retryAfterSeconds']);

function list<T>(value: OneOrMany<T> | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function set<T>(value: OneOrMany<T> | undefined): ReadonlySet<T> | undefined {
  const items = list(value);
  return items ? new ImmutableSet(items) : undefined;
}

/** A match in canonical form (lists sorted, single values as lists), so equivalent matches compare equal. */
export function canonicalMatch(match: RuleDocument['match']): string {
  const entries = Object.entries(match)
    .map(([key, value]) => [key, Array.isArray(value) ? [...(value as unknown[])].sort() : [value]] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(entries);
}

/** Every policy pattern is searched (tried from every position), as `exec` and `test` do. */
const SEARCHED: PatternUse = { searchRestarts: true };

function regex(source: string, flags: string, file: string, field: string, use = SEARCHED): RegExp {
  let compiled: RegExp;
  try {
    compiled = new RegExp(source, flags);
  } catch (error) {
    throw new PolicyError(file, field, `is not a valid regular expression (${(error as Error).message})`);
  }
  // The policy is trusted; the vendor text it reads is not: a pattern that backtracks for seconds on it is refused.
  const hazard = patternHazard(source, flags, use);
  if (hazard !== undefined) throw new PolicyError(file, field, hazard);
  return compiled;
}

function splitPath(path: string): readonly string[] {
  return path.split('.');
}

function resolveBackoff(
  base: Backoff,
  doc: BackoffDocument | undefined,
  file: string,
  field: string,
): Backoff {
  const merged: Backoff = { ...base, ...doc };
  if (merged.minMs > merged.maxMs) {
    throw new PolicyError(
      file,
      `${field}.minMs`,
      `(${merged.minMs}) must not exceed maxMs (${merged.maxMs})`,
    );
  }
  return Object.freeze(merged);
}

function compileEnvelopes(doc: PolicyDocument, file: string): CompiledEnvelope[] {
  const seen = new Set<string>();
  return doc.envelopes.map((env, i) => {
    const at = `envelopes[${i}]`;
    if (seen.has(env.id)) throw new PolicyError(file, `${at}.id`, `duplicates envelope id "${env.id}"`);
    seen.add(env.id);
    let pattern: RegExp | undefined;
    if (env.format === 'text') {
      if (env.pattern === undefined)
        throw new PolicyError(file, `${at}.pattern`, 'is required for a text envelope');
      if (env.when !== undefined || env.fields !== undefined) {
        throw new PolicyError(
          file,
          at,
          'a text envelope takes named groups in `pattern`, not `when` or `fields`',
        );
      }
      pattern = regex(env.pattern, 's', file, `${at}.pattern`);
      // `(?<` not followed by `=` or `!` opens a named group (those two are lookbehinds).
      const groups = [...env.pattern.matchAll(/\(\?<(?![=!])([^>]*)>/g)].map((m) => m[1] ?? '');
      const unknown = groups.find((g) => !TEXT_GROUPS.has(g));
      if (unknown !== undefined) {
        throw new PolicyError(
          file,
          `${at}.pattern`,
          `names group "${unknown}"; use code, message or retryAfterSeconds`,
        );
      }
    } else {
      if (env.pattern !== undefined)
        throw new PolicyError(file, `${at}.pattern`, 'is only for text envelopes');
      if (env.fields === undefined)
        throw new PolicyError(file, `${at}.fields`, 'is required for a json envelope');
    }
    const when: PathCondition[] = Object.entries(env.when ?? {}).map(([path, cond]) => ({
      path: splitPath(path),
      values: cond === true ? undefined : (list(cond as OneOrMany<string | number | boolean>) ?? []),
    }));
    const fields: Partial<Record<EnvelopeField, readonly (readonly string[])[]>> = {};
    for (const [name, paths] of Object.entries(env.fields ?? {}) as [EnvelopeField, readonly string[]][]) {
      fields[name] = paths.map(splitPath);
    }
    return Object.freeze({
      id: env.id,
      format: env.format,
      parts: new ImmutableSet<SignalPart>(env.in ?? ['body', 'streamLine', 'message']),
      when,
      pattern,
      fields,
      isError: env.isError ?? true,
    });
  });
}

/**
 * Rule ids the engine and the adapters give their own decisions (`vendor#fallback-5xx` when no rule
 * matched, `vendor#deadline`, …): a policy rule of the same name would make a decision's `rule`
 * ambiguous, and `explain` would credit the engine's decision to the policy's rule.
 */
const RESERVED_RULE_IDS: ReadonlySet<string> = new Set([
  'deadline',
  'retry-budget',
  'cluster-pacing',
  'ws-connected',
]);
const RESERVED_RULE_PREFIX = 'fallback-';

/** A rule that names what went wrong (not only the status) is tried first: vendor code beats status. */
function identifies(match: RuleDocument['match']): boolean {
  return (
    match.code !== undefined ||
    match.messagePattern !== undefined ||
    match.jobStatus !== undefined ||
    match.closeCode !== undefined ||
    match.error !== undefined ||
    match.envelope !== undefined ||
    match.emptyBody === true
  );
}

function compileRules(
  doc: PolicyDocument,
  file: string,
  envelopeIds: ReadonlySet<string>,
  backoff: Backoff,
  ruleFiles: readonly string[] | undefined,
): CompiledRule[] {
  const ids = new Map<string, number>();
  const shapes = new Map<string, number>();
  const first: CompiledRule[] = [];
  const rest: CompiledRule[] = [];
  doc.rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    const dupe = ids.get(rule.id);
    if (dupe !== undefined)
      throw new PolicyError(file, `${at}.id`, `duplicates the id of rules[${dupe}] ("${rule.id}")`);
    ids.set(rule.id, i);
    if (RESERVED_RULE_IDS.has(rule.id) || rule.id.startsWith(RESERVED_RULE_PREFIX)) {
      throw new PolicyError(
        file,
        `${at}.id`,
        `"${rule.id}" is reserved: the engine names its own decisions ${RESERVED_RULE_PREFIX}…, ${[...RESERVED_RULE_IDS].join(', ')}; choose another id`,
      );
    }
    const shape = canonicalMatch(rule.match);
    const sameShape = shapes.get(shape);
    if (sameShape !== undefined) {
      throw new PolicyError(
        file,
        `${at}.match`,
        `is the same as rules[${sameShape}].match, so this rule can never apply`,
      );
    }
    shapes.set(shape, i);
    for (const env of list(rule.match.envelope) ?? []) {
      if (!envelopeIds.has(env))
        throw new PolicyError(file, `${at}.match.envelope`, `names unknown envelope "${env}"`);
    }
    if (rule.action === 'ok' && rule.maxAttempts !== undefined) {
      throw new PolicyError(file, `${at}.maxAttempts`, 'makes no sense for action "ok"');
    }
    const m = rule.match;
    const match: CompiledMatch = {
      transport: m.transport,
      phases: set<Phase>(m.phase),
      statuses: set(m.status),
      codes: set(m.code),
      message:
        m.messagePattern === undefined
          ? undefined
          : regex(m.messagePattern, 'i', file, `${at}.match.messagePattern`),
      envelopes: set(m.envelope),
      jobStatuses:
        m.jobStatus === undefined
          ? undefined
          : new ImmutableSet((list(m.jobStatus) ?? []).map((s) => s.toLowerCase())),
      closeCodes: set(m.closeCode),
      errors: set(m.error),
      emptyBody: m.emptyBody === true,
    };
    const compiled: CompiledRule = Object.freeze({
      id: rule.id,
      name: `${doc.vendor}#${rule.id}`,
      match: Object.freeze(match),
      action: rule.action,
      category: rule.category,
      summary: rule.summary,
      source: rule.source,
      code: rule.code,
      maxAttempts: rule.maxAttempts,
      backoff: rule.backoff ? resolveBackoff(backoff, rule.backoff, file, `${at}.backoff`) : backoff,
      file: ruleFiles?.[i] ?? file,
    });
    (identifies(m) ? first : rest).push(compiled);
  });
  return [...first, ...rest];
}

/** Freezes plain objects, arrays and RegExps all the way down (ImmutableSets are already immutable). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || value instanceof ImmutableSet) return value;
  // Non-global RegExps never write lastIndex in exec/test, so freezing them is safe.
  if (!Object.isFrozen(value)) Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

/** Where a merged policy's parts were written (a policy that `extends` another). */
export interface PolicyOrigin {
  /** The file of each rule of the document, by index. */
  ruleFiles: readonly string[];
  /** The policy's own file, then each base it extends, nearest first. */
  files: readonly string[];
}

/**
 * {@link compilePolicy} without the schema check, for a document known to match the schema: the
 * built-in policies (test/unit/core/policy/builtin-schema.test.ts checks each), so that using them
 * never loads the schema validator, and merged documents (checked before). `origin` says where a
 * merged document's rules were written; without it, all in `file`.
 */
export function compileSchemaValidPolicy(
  document: unknown,
  file: string,
  origin?: PolicyOrigin,
): CompiledPolicy {
  const doc = deepFreeze(structuredClone(document) as PolicyDocument);
  const backoff = resolveBackoff(DEFAULT_BACKOFF, doc.defaults?.backoff, file, 'defaults.backoff');
  const envelopes = compileEnvelopes(doc, file);
  const rules = compileRules(doc, file, new Set(envelopes.map((e) => e.id)), backoff, origin?.ruleFiles);
  const sw = doc.serverWait ?? {};
  const messagePatterns = (sw.messagePatterns ?? []).map((p, i) =>
    regex(p, 'i', file, `serverWait.messagePatterns[${i}]`),
  );
  const polling = doc.polling;
  const schedule = [...(polling?.schedule ?? [])];
  for (let i = 1; i < schedule.length; i++) {
    if ((schedule[i]?.afterMs ?? 0) <= (schedule[i - 1]?.afterMs ?? 0)) {
      throw new PolicyError(file, `polling.schedule[${i}].afterMs`, 'must be larger than the step before it');
    }
  }
  if (polling && polling.minIntervalMs !== undefined && polling.intervalMs < polling.minIntervalMs) {
    throw new PolicyError(file, 'polling.intervalMs', `(${polling.intervalMs}) is below minIntervalMs`);
  }
  return deepFreeze({
    vendor: doc.vendor,
    title: doc.title,
    document: doc,
    files: origin?.files ?? [file],
    envelopes: Object.freeze(envelopes),
    rules: Object.freeze(rules),
    backoff,
    maxAttempts: Object.freeze({ ...DEFAULT_MAX_ATTEMPTS, ...doc.defaults?.maxAttempts }),
    serverWait: Object.freeze({
      maxMs: sw.maxMs ?? DEFAULT_SERVER_WAIT_MAX_MS,
      overCap: sw.overCap ?? 'fail',
      jitterRatio: sw.jitterRatio ?? DEFAULT_SERVER_WAIT_JITTER_RATIO,
      messagePatterns: Object.freeze(messagePatterns),
      resetHeader: sw.resetHeader?.toLowerCase(),
      remainingHeader: sw.remainingHeader?.toLowerCase(),
    }),
    resend: Object.freeze({
      submit: 'unsafe' as const,
      poll: 'safe' as const,
      stream: 'unsafe' as const,
      ...doc.resendAfterPossibleDelivery,
    }),
    polling: Object.freeze({
      intervalMs: polling?.intervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      minIntervalMs: polling?.minIntervalMs ?? 0,
      schedule: Object.freeze(schedule),
      deadlineMs: polling?.deadlineMs ?? DEFAULT_POLL_DEADLINE_MS,
    }),
    limits: Object.freeze({
      requestsPerMinute: doc.limits?.requestsPerMinute,
      maxConcurrent: doc.limits?.maxConcurrent,
    }),
    job: compileJob(doc, file),
  });
}
