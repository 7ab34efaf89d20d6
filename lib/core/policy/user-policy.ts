import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { CompiledPolicy } from './compiled.js';
import { canonicalMatch, compileSchemaValidPolicy } from './compile.js';
import type { EnvelopeDocument, PolicyDocument, RuleDocument } from './document.js';
import { builtinPolicy, builtinPolicyNames, namesPolicyFile, readPolicyDocument } from './load.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';
import { isPolicyError, PolicyError, type PolicyProblem } from './policy-error.js';
import { assertMatchesSchema } from './schema-validate.js';

/**
 * A user's policy, compiled from a document, a file or a name ({@link compilePolicy},
 * {@link loadPolicyFile}, {@link resolvePolicy}), following `extends`.
 *
 * `extends`: a policy file that adjusts another policy (a built-in or a file) instead of copying
 * it. The merge, as docs/policies.md ("Extending a policy") states it:
 * - object sections (`limits`, `polling`, `defaults`, `serverWait`, `resendAfterPossibleDelivery`,
 *   `job`) merge key by key, all the way down; any other value (a number, a string, a list such as
 *   `polling.schedule`) replaces the base's;
 * - `vendor` and `title` are the base's unless given; `docs` are appended to the base's;
 * - a rule or envelope whose `id` is a base one's replaces it whole, in place; the others come
 *   before the base's (the compiler still tries code-identifying rules before status-only ones);
 *   `removeRules` drops base rules by id.
 * The base is compiled (so checked) on its own first, so a problem the merged policy has was made
 * by the extending file, and is reported against it.
 */

/** A parsed policy document that names a base in `extends`. */
export interface ExtendingDocument {
  extends: unknown;
  [field: string]: unknown;
}

/** Whether a parsed document extends another policy (it has an own `extends` field). */
export function extendsAnother(document: unknown): document is ExtendingDocument {
  return typeof document === 'object' && document !== null && Object.hasOwn(document, 'extends');
}

/** The fields that are not object sections merged key by key. */
const LISTS_AND_NAMES = new Set([
  '$schema',
  'extends',
  'removeRules',
  'vendor',
  'title',
  'docs',
  'envelopes',
  'rules',
]);

/** Where each rule and envelope of a merged document was written. */
interface MergeOrigins {
  /** Per merged rule: its file, and its index in the extending file when it was written there. */
  rules: readonly { file: string; childIndex: number | undefined; id: string }[];
  envelopes: readonly { file: string; childIndex: number | undefined; id: string }[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merged key by key, all the way down; any other value in `over` replaces the base's. */
function mergeDeep(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  // Built from entries, so a key named `__proto__` stays a plain key.
  const merged = new Map<string, unknown>(Object.entries(base));
  for (const [key, value] of Object.entries(over)) merged.set(key, mergeDeep(merged.get(key), value));
  return Object.fromEntries(merged);
}

/** The base rules' files, by rule id (a compiled rule keeps the file it was written in). */
function baseRuleFiles(base: CompiledPolicy): ReadonlyMap<string, string> {
  return new Map(base.rules.map((rule) => [rule.id, rule.file]));
}

/** Merges the rules: replacements in place, new rules first, `removeRules` dropped. */
function mergeRules(
  base: CompiledPolicy,
  child: ExtendingDocument,
  file: string,
): { rules: RuleDocument[]; origins: MergeOrigins['rules'] } {
  const own = (child['rules'] ?? []) as readonly RuleDocument[];
  const removed = (child['removeRules'] ?? []) as readonly string[];
  const files = baseRuleFiles(base);
  const baseIds = new Set(base.document.rules.map((r) => r.id));
  const ownIndex = new Map<string, number>();
  own.forEach((rule, i) => {
    const dupe = ownIndex.get(rule.id);
    if (dupe !== undefined)
      throw new PolicyError(file, `rules[${i}].id`, `duplicates the id of rules[${dupe}] ("${rule.id}")`);
    ownIndex.set(rule.id, i);
  });
  removed.forEach((id, i) => {
    if (!baseIds.has(id))
      throw new PolicyError(
        file,
        `removeRules[${i}]`,
        `names "${id}", which is not a rule of the base policy`,
      );
    const given = ownIndex.get(id);
    if (given !== undefined) {
      throw new PolicyError(
        file,
        `removeRules[${i}]`,
        `names "${id}", which rules[${given}] replaces; give the rule or remove it, not both`,
      );
    }
  });
  const gone = new Set(removed);
  const kept = base.document.rules.filter((r) => !gone.has(r.id));
  if (kept.length === 0 && own.length === 0)
    throw new PolicyError(file, 'removeRules', 'removes every rule of the base; a policy needs at least one');
  // A rule of yours whose match repeats another's could never apply (or would hide the base's):
  // said here, against your file, rather than by the compiler against a merged index.
  const shapes = new Map<string, { what: string; hint: string }>();
  for (const rule of kept) {
    if (ownIndex.has(rule.id)) continue;
    shapes.set(canonicalMatch(rule.match), {
      what: `the match of rule "${rule.id}" of ${files.get(rule.id) ?? 'the base'}`,
      hint: '; to change that rule, give yours its id',
    });
  }
  own.forEach((rule, i) => {
    const shape = canonicalMatch(rule.match);
    const other = shapes.get(shape);
    if (other !== undefined) {
      throw new PolicyError(
        file,
        `rules[${i}].match`,
        `is the same as ${other.what}, so one of them can never apply${other.hint}`,
      );
    }
    shapes.set(shape, { what: `rules[${i}].match`, hint: '' });
  });
  const added = own.filter((r) => !baseIds.has(r.id));
  const rules: RuleDocument[] = [];
  const origins: MergeOrigins['rules'][number][] = [];
  for (const rule of added) {
    rules.push(rule);
    origins.push({ file, childIndex: ownIndex.get(rule.id), id: rule.id });
  }
  for (const rule of kept) {
    const mine = ownIndex.get(rule.id);
    rules.push(mine === undefined ? rule : (own[mine] as RuleDocument));
    origins.push({
      file: mine === undefined ? (files.get(rule.id) ?? file) : file,
      childIndex: mine,
      id: rule.id,
    });
  }
  return { rules, origins };
}

/** Merges the envelopes: replacements in place, new envelopes first. */
function mergeEnvelopes(
  base: CompiledPolicy,
  child: ExtendingDocument,
  file: string,
): { envelopes: EnvelopeDocument[]; origins: MergeOrigins['envelopes'] } {
  const own = (child['envelopes'] ?? []) as readonly EnvelopeDocument[];
  const ownIndex = new Map<string, number>();
  own.forEach((envelope, i) => {
    const dupe = ownIndex.get(envelope.id);
    if (dupe !== undefined) {
      throw new PolicyError(
        file,
        `envelopes[${i}].id`,
        `duplicates the id of envelopes[${dupe}] ("${envelope.id}")`,
      );
    }
    ownIndex.set(envelope.id, i);
  });
  const baseFile = base.files[0] ?? file;
  const baseIds = new Set(base.document.envelopes.map((e) => e.id));
  const envelopes: EnvelopeDocument[] = [];
  const origins: MergeOrigins['envelopes'][number][] = [];
  own.forEach((envelope, i) => {
    if (baseIds.has(envelope.id)) return;
    envelopes.push(envelope);
    origins.push({ file, childIndex: i, id: envelope.id });
  });
  for (const envelope of base.document.envelopes) {
    const mine = ownIndex.get(envelope.id);
    envelopes.push(mine === undefined ? envelope : (own[mine] as EnvelopeDocument));
    origins.push({ file: mine === undefined ? baseFile : file, childIndex: mine, id: envelope.id });
  }
  return { envelopes, origins };
}

/**
 * The merged document of a base policy and a document that extends it (already checked against
 * the schema on its own), with where each rule and envelope came from. Pure.
 */
export function mergePolicyDocuments(
  base: CompiledPolicy,
  child: ExtendingDocument,
  file: string,
): { document: PolicyDocument; origins: MergeOrigins } {
  const doc = base.document;
  const { rules, origins: ruleOrigins } = mergeRules(base, child, file);
  const { envelopes, origins: envelopeOrigins } = mergeEnvelopes(base, child, file);
  const docs = [...doc.docs];
  for (const entry of (child['docs'] ?? []) as readonly string[]) if (!docs.includes(entry)) docs.push(entry);
  const sections = new Map<string, unknown>();
  for (const [key, value] of Object.entries(doc)) if (!LISTS_AND_NAMES.has(key)) sections.set(key, value);
  for (const [key, value] of Object.entries(child)) {
    if (!LISTS_AND_NAMES.has(key)) sections.set(key, mergeDeep(sections.get(key), value));
  }
  const document = {
    vendor: (child['vendor'] as string | undefined) ?? doc.vendor,
    title: (child['title'] as string | undefined) ?? doc.title,
    docs,
    envelopes,
    rules,
    ...Object.fromEntries(sections),
  } as PolicyDocument;
  return { document, origins: { rules: ruleOrigins, envelopes: envelopeOrigins } };
}

/**
 * Most policy files one chain of `extends` may hold. People write one or two levels; the bound is
 * there because each level is a nested compile, and a chain of a few thousand files would overflow
 * the stack (a RangeError naming no file) instead of being refused.
 */
const MAX_EXTENDS_DEPTH = 32;

/**
 * What names one file, for the cycle check: its real path (a symbolic link, or a linked directory,
 * names the same file by another path, and a link to its own directory by endless ones), or the
 * resolved path of a file that cannot be resolved (reading it will say why).
 */
function sameFileKey(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * The policy `extends` names, compiled (so checked on its own): a built-in name, or a file path
 * relative to the directory of `file`. A base that is missing, unreadable, in a cycle or past
 * {@link MAX_EXTENDS_DEPTH} is a {@link PolicyError} on this file's `extends`; a problem inside a
 * base file names that file.
 */
function loadBase(name: string, file: string, chain: readonly string[]): CompiledPolicy {
  if (!namesPolicyFile(name)) {
    // Built-in names are exact, in lower case: one written in another case is named for what it meant.
    const names = builtinPolicyNames();
    const meant = names.includes(name) ? undefined : names.find((b) => b === name.toLowerCase());
    if (meant !== undefined) {
      const problem = `is not a built-in policy (did you mean "${meant}"? built-in: ${names.join(', ')})`;
      throw new PolicyError(file, 'extends', `names "${name}", which ${problem}`);
    }
    try {
      return builtinPolicy(name);
    } catch (error) {
      if (isPolicyError(error) && error.field === '')
        throw new PolicyError(file, 'extends', `names "${name}", which ${error.problem}`);
      throw error;
    }
  }
  const path = isAbsolute(name) ? name : join(dirname(file), name);
  const target = sameFileKey(path);
  const at = chain.findIndex((f) => sameFileKey(f) === target);
  if (at !== -1) {
    const loop = [...chain.slice(at), path].join(' → ');
    throw new PolicyError(file, 'extends', `names "${name}", which makes a cycle (${loop})`);
  }
  if (chain.length >= MAX_EXTENDS_DEPTH) {
    throw new PolicyError(
      file,
      'extends',
      `names "${name}", one level too many: a chain of \`extends\` may hold at most ${MAX_EXTENDS_DEPTH} policy files (from ${chain[0] ?? file})`,
    );
  }
  let document: unknown;
  try {
    document = readPolicyDocument(path);
  } catch (error) {
    if (isPolicyError(error) && error.file === path && error.field === '')
      throw new PolicyError(file, 'extends', `names "${name}", which ${error.problem}`);
    throw error;
  }
  return compilePolicyIn(document, path, chain);
}

/** One error for problems found in several files: the first error's, then the others' (each naming its file). */
function joined(errors: readonly PolicyError[]): PolicyError {
  const [first, ...rest] = errors as [PolicyError, ...PolicyError[]];
  const more: PolicyProblem[] = first.problems.slice(1).map((p) => ({ ...p }));
  for (const error of rest) {
    for (const p of error.problems)
      more.push({ field: p.field, problem: p.problem, file: p.file ?? error.file });
  }
  return new PolicyError(first.file, first.field, first.problem, more);
}

/** A merged rule's or envelope's field said against the extending file, or against `extends` when it was inherited. */
function fieldInChild(field: string, problem: string, origins: MergeOrigins): PolicyProblem {
  const m = /^(rules|envelopes)\[(\d+)\](.*)$/.exec(field);
  if (m === null) return { field, problem };
  const [, list = '', index = '', rest = ''] = m;
  const origin = origins[list as 'rules' | 'envelopes'][Number(index)];
  if (origin === undefined) return { field, problem };
  if (origin.childIndex !== undefined) return { field: `${list}[${origin.childIndex}]${rest}`, problem };
  const what = list === 'rules' ? 'rule' : 'envelope';
  const where = rest.replace(/^\./, '');
  return {
    field: 'extends',
    problem: `with this file's changes, the ${what} "${origin.id}" of ${origin.file} fails: ${where === '' ? '' : `${where} `}${problem}`,
  };
}

/** Checks and compiles the merged policy; any problem is reported against the extending file. */
function compileMerged(
  document: PolicyDocument,
  origins: MergeOrigins,
  file: string,
  base: CompiledPolicy,
): CompiledPolicy {
  try {
    assertMatchesSchema(document, file);
    return compileSchemaValidPolicy(document, file, {
      ruleFiles: origins.rules.map((o) => o.file),
      files: [file, ...base.files],
    });
  } catch (error) {
    if (!isPolicyError(error) || error.file !== file) throw error;
    const [head, ...tail] = error.problems.map((p) => fieldInChild(p.field, p.problem, origins));
    if (head === undefined) throw error;
    throw new PolicyError(file, head.field, head.problem, tail);
  }
}

/**
 * Compiles a document that extends another policy: its own shape is checked against the schema
 * and its base is loaded (problems of both are reported together, each naming its file), then the
 * merge is checked and compiled as one policy. `chain` holds the files being compiled, as named (to refuse a cycle).
 */
function compileExtendingPolicy(
  child: ExtendingDocument,
  file: string,
  chain: readonly string[],
): CompiledPolicy {
  const errors: PolicyError[] = [];
  try {
    assertMatchesSchema(child, file);
  } catch (error) {
    if (!isPolicyError(error)) throw error;
    errors.push(error);
  }
  let base: CompiledPolicy | undefined;
  if (typeof child.extends === 'string' && child.extends !== '') {
    try {
      base = loadBase(child.extends, file, file === '<inline>' ? chain : [...chain, file]);
    } catch (error) {
      if (!isPolicyError(error)) throw error;
      errors.push(error);
    }
  }
  if (errors.length > 0) throw joined(errors);
  // The schema check refuses an `extends` that is not a non-empty string.
  if (base === undefined) throw new PolicyError(file, 'extends', 'must be a policy name or a file path');
  const { document, origins } = mergePolicyDocuments(base, child, file);
  return compileMerged(document, origins, file, base);
}

/**
 * The document as JSON would have it: an object's fields whose value is `undefined` left out, all the
 * way down (a document built in code may carry them: `maxAttempts: { retry: config.retries }`). The
 * schema check passes over them and compiling would spread them over the defaults. The same value
 * when there are none.
 */
function withoutUndefinedFields(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(withoutUndefinedFields);
    return items.every((item, index) => item === value[index]) ? value : items;
  }
  if (!isPlainObject(value)) return value;
  let changed = false;
  const entries: [string, unknown][] = [];
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) {
      changed = true;
      continue;
    }
    const kept = withoutUndefinedFields(field);
    if (kept !== field) changed = true;
    entries.push([key, kept]);
  }
  // Built from entries, so a key named `__proto__` stays a plain key.
  return changed ? Object.fromEntries(entries) : value;
}

/** {@link compilePolicy}'s work, with the files being compiled (to refuse a cycle of `extends`). */
export function compilePolicyIn(input: unknown, file: string, chain: readonly string[]): CompiledPolicy {
  const document = withoutUndefinedFields(input);
  if (extendsAnother(document)) return compileExtendingPolicy(document, file, chain);
  if (typeof document === 'object' && document !== null && Object.hasOwn(document, 'removeRules'))
    throw new PolicyError(file, 'removeRules', 'needs `extends`: it removes rules of the policy extended');
  assertMatchesSchema(document, file);
  return compileSchemaValidPolicy(document, file);
}

/**
 * Validates a parsed policy document (schema, then meaning: duplicate ids, regular expressions,
 * references, ranges) and compiles it for the engine; throws a {@link PolicyError} naming `file`
 * (or the base file at fault), the field and the problem. Never returns a half-built policy. Pure,
 * unless the document `extends` a policy file: that file is read, relative to `file`'s directory
 * (the working directory for `<inline>`).
 */
export function compilePolicy(document: unknown, file = '<inline>'): CompiledPolicy {
  return compilePolicyIn(document, file, []);
}

/**
 * Reads, parses, validates and compiles one policy file, and the policy it `extends` if any (a
 * built-in name, or a file relative to this one); a {@link PolicyError} names the file holding the
 * faulty field, the field and the problem. Directories, devices, FIFOs and files over 1 MiB are
 * refused unread.
 */
export function loadPolicyFile(path: string): CompiledPolicy {
  return compilePolicy(readPolicyDocument(path), path);
}

const fileCache = new Map<string, CompiledPolicy>();

/** Something that names a policy: a built-in name, a path to a JSON file, a document, or an already compiled policy. */
export type PolicyInput = string | CompiledPolicy | object;

function isCompiled(value: object): value is CompiledPolicy {
  return 'rules' in value && 'envelopes' in value && 'document' in value && Object.isFrozen(value);
}

/** Resolves a {@link PolicyInput} to a compiled policy: names first, then paths (see {@link namesPolicyFile}; each file is read once). */
export function resolvePolicy(input: PolicyInput): CompiledPolicy {
  new ArgumentCheck('resolvePolicy').policy('input', input);
  if (typeof input === 'string') {
    if (!namesPolicyFile(input)) return builtinPolicy(input);
    // Adapters resolve per call (jobs, message streams): read and compile each file once.
    const file = resolve(input);
    const cached = fileCache.get(file);
    if (cached) return cached;
    const policy = loadPolicyFile(input);
    fileCache.set(file, policy);
    return policy;
  }
  if (isCompiled(input)) return input;
  return compilePolicy(input);
}
