import { relative, sep } from 'node:path';
import type { Engine } from '../core/engine/engine.js';
import { formatMs } from '../core/engine/reason.js';
import type { Decision } from '../core/engine/types.js';
import type { CompiledRule } from '../core/policy/compiled.js';
import { builtinPolicyDir } from '../core/policy/package-root.js';
import { oneLine } from './one-line.js';

/** The policy rule that made a decision, or undefined for a built-in fallback. */
function decidingRule(engine: Engine, vendor: string, decision: Decision): CompiledRule | undefined {
  const id = decision.rule.slice(decision.rule.indexOf('#') + 1);
  return engine.policy(vendor).rules.find((r) => r.id === id);
}

/** A policy file as people know it: a built-in as `policies/<vendor>.json`, any other as it was named. */
export function shownPolicyFile(file: string): string {
  const inBuiltins = relative(builtinPolicyDir(), file);
  if (!inBuiltins.startsWith('..') && !inBuiltins.includes(sep)) return `policies/${inBuiltins}`;
  return file;
}

/**
 * The file the deciding rule was written in, for a policy that `extends` another (its rules come
 * from several files); undefined otherwise, and for a fallback.
 */
export function ruleFile(engine: Engine, vendor: string, decision: Decision): string | undefined {
  if (engine.policy(vendor).files.length < 2) return undefined;
  const rule = decidingRule(engine, vendor, decision);
  return rule === undefined ? undefined : shownPolicyFile(rule.file);
}

/** Where a decision's rule is documented: the policy rule's `source`, or the docs/design.md fallback. */
export function ruleSource(engine: Engine, vendor: string, decision: Decision): string {
  return (
    decidingRule(engine, vendor, decision)?.source ??
    'docs/design.md rule 1: no documented rule matched, so the status/close-code class decides'
  );
}

/**
 * Three lines for people: action and wait first, then the reason, then the rule (with the file it
 * was written in, when given: a policy that `extends` another) and its source. Each stays one line:
 * a file name, or a policy's summary or source, may hold a newline.
 */
export function formatDecision(decision: Decision, source: string, file?: string): string {
  const wait = decision.delayMs > 0 ? ` after ${formatMs(decision.delayMs)} (${decision.delaySource})` : '';
  const code = decision.code === undefined ? '' : `: ${decision.code}`;
  const asked =
    decision.retryAfterMs !== undefined && decision.delayMs === 0
      ? ` [server asked for ${formatMs(decision.retryAfterMs)}]`
      : '';
  return [
    `${decision.action.toUpperCase()}${wait}${code} (${decision.category})${asked}`,
    `  ${decision.reason}`,
    `  rule ${decision.rule}${file === undefined ? '' : ` from ${file}`}; source: ${source}`,
  ]
    .map(oneLine)
    .join('\n');
}
