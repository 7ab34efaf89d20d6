import { formatDuration, SIDE_LABELS } from './format.js';
import type { DemoResults, SideSummary, VendorResult } from './results.js';
import { SIDE_NAMES } from './scenario.js';

const LABEL_WIDTH = 22;
const COLUMN_WIDTH = 24;

function row(label: string, values: readonly string[]): string {
  return `  ${label.padEnd(LABEL_WIDTH)}${values.map((v) => v.padEnd(COLUMN_WIDTH)).join('')}`.trimEnd();
}

function failureList(summary: SideSummary): string {
  const entries = Object.entries(summary.failures);
  return entries.length === 0 ? 'none' : entries.map(([reason, n]) => `${reason} ×${n}`).join('; ');
}

/** The table of one vendor: both sides' numbers side by side, then failures and wrong outcomes. */
export function vendorTable(result: VendorResult): string {
  const [left, right] = SIDE_NAMES.map((side) => result.sides[side].summary) as [SideSummary, SideSummary];
  const both = (pick: (s: SideSummary) => string): string[] => [pick(left), pick(right)];
  const lines = [
    `${result.vendor}: ${left.calls} calls in ${result.scenarios.length} scenarios`,
    ...result.scenarios.map(
      (s) => `  · ${s.id}${s.copies > 1 ? ` (×${s.copies})` : ''}: ${s.title} → expected ${s.expected}`,
    ),
    '',
    row(
      '',
      SIDE_NAMES.map((side) => SIDE_LABELS[side]),
    ),
    row(
      'calls ok / failed',
      both((s) => `${s.succeeded} / ${s.failed}`),
    ),
    row(
      'retries',
      both((s) => String(s.retries)),
    ),
    row(
      'backoffs',
      both((s) => String(s.backoffs)),
    ),
    row(
      'polls',
      both((s) => String(s.polls)),
    ),
    row(
      'resubmits',
      both((s) => String(s.resubmits)),
    ),
    row(
      'reconnects',
      both((s) => String(s.reconnects)),
    ),
    row(
      'requests sent',
      both((s) => String(s.requests)),
    ),
    row(
      'billed submits',
      both((s) => String(s.billedSubmits)),
    ),
    row(
      'wall time (simulated)',
      both((s) => `${formatDuration(s.wallMs)} (${formatDuration(s.simulatedMs)})`),
    ),
    row(
      'WRONG OUTCOMES',
      both((s) => String(s.wrongOutcomes)),
    ),
  ];
  for (const side of SIDE_NAMES) {
    lines.push(`  failures, ${SIDE_LABELS[side]}: ${failureList(result.sides[side].summary)}`);
  }
  for (const side of SIDE_NAMES) {
    for (const call of result.sides[side].calls) {
      for (const wrong of call.wrong) {
        lines.push(
          `  ✗ ${SIDE_LABELS[side]}, ${call.scenario} #${call.callTag.split('/').pop() ?? ''}: ${wrong.kind} (${wrong.detail})`,
        );
      }
    }
  }
  return lines.join('\n');
}

/** The whole report: a header, one table per vendor, and the totals. */
export function resultsReport(results: DemoResults): string {
  const header = [
    `vendor-resilience demo: the same workload through vendor-resilience and through ${results.baseline.description}.`,
    `Every vendor is a local simulator with a documented fault plan; simulated time ×${results.timeScale} ` +
      '(every wait is honoured in full on the simulated clock; it passes faster on the wall clock).',
  ];
  const totals = SIDE_NAMES.map((side) => {
    const t = results.totals[side];
    return `  ${SIDE_LABELS[side].padEnd(LABEL_WIDTH)}${t.calls} calls, ${t.failed} failed, ${t.requests} requests, ${t.wrongOutcomes} wrong outcomes`;
  });
  return [
    ...header,
    '',
    ...results.vendors.flatMap((vendor) => [vendorTable(vendor), '']),
    `Totals (${formatDuration(results.wallMs)} wall time):`,
    ...totals,
    '',
  ].join('\n');
}
