import type { Engine } from '../core/engine/engine.js';
import { formatMs } from '../core/engine/reason.js';
import type { Decision } from '../core/engine/types.js';

/** Where a decision's rule is documented: the policy rule's `source`, or the docs/design.md fallback. */
export function ruleSource(engine: Engine, vendor: string, decision: Decision): string {
  const id = decision.rule.slice(decision.rule.indexOf('#') + 1);
  const rule = engine.policy(vendor).rules.find((r) => r.id === id);
  return (
    rule?.source ??
    'docs/design.md rule 1: no documented rule matched, so the status/close-code class decides'
  );
}

/** Two or three lines for people: action and wait first, then the reason, then the rule and its source. */
export function formatDecision(decision: Decision, source: string): string {
  const wait = decision.delayMs > 0 ? ` after ${formatMs(decision.delayMs)} (${decision.delaySource})` : '';
  const code = decision.code === undefined ? '' : `: ${decision.code}`;
  const asked =
    decision.retryAfterMs !== undefined && decision.delayMs === 0
      ? ` [server asked for ${formatMs(decision.retryAfterMs)}]`
      : '';
  return [
    `${decision.action.toUpperCase()}${wait}${code} (${decision.category})${asked}`,
    `  ${decision.reason}`,
    `  rule ${decision.rule}; source: ${source}`,
  ].join('\n');
}
