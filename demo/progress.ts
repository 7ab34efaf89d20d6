import type { VendorName } from '../lib/testing/index.js';
import { fit, formatDuration, SIDE_LABELS } from './format.js';
import type { CallResult } from './results.js';
import { SIDE_NAMES, type SideName } from './scenario.js';

/** Where the demo writes: a stream, and whether it is an interactive terminal. */
export interface DemoOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width; live lines are cut to it so redrawing in place never wraps. */
  columns?: number;
}

/** Live progress of the running workloads. */
export interface ProgressReporter {
  /** A call finished. */
  callFinished(vendor: VendorName, side: SideName, call: CallResult): void;
  /** Stops refreshing and leaves the last state on screen. */
  stop(): void;
}

interface SideProgress {
  done: number;
  total: number;
  failed: number;
  wrong: number;
}

const SHORT_SIDE_LABELS: Record<SideName, string> = {
  'vendor-resilience': 'vendor-resilience',
  baseline: 'baseline',
};

/** How often the live lines refresh their clock, in real ms. */
const REFRESH_MS = 250;

/**
 * One updating line per vendor on a terminal (redrawn in place), one plain line per finished call
 * otherwise. `simulatedNowMs` feeds the elapsed simulated time shown on the live lines.
 */
export function createProgress(
  output: DemoOutput,
  totals: ReadonlyMap<VendorName, number>,
  simulatedElapsedMs: () => number,
): ProgressReporter {
  const state = new Map<VendorName, Record<SideName, SideProgress>>();
  for (const [vendor, total] of totals) {
    const fresh = (): SideProgress => ({ done: 0, total, failed: 0, wrong: 0 });
    state.set(vendor, { 'vendor-resilience': fresh(), baseline: fresh() });
  }
  const record = (vendor: VendorName, side: SideName, call: CallResult): void => {
    const progress = state.get(vendor)?.[side];
    if (!progress) return;
    progress.done++;
    if (!call.succeeded) progress.failed++;
    if (call.wrong.length > 0) progress.wrong++;
  };

  if (!output.isTTY) {
    return {
      callFinished(vendor, side, call) {
        record(vendor, side, call);
        const outcome = call.succeeded ? `ok (${call.summary ?? ''})` : `FAILED ${call.failureReason ?? ''}`;
        const wrong = call.wrong.map((w) => ` WRONG: ${w.kind} (${w.detail})`).join('');
        output.write(
          `[${vendor}] ${SIDE_LABELS[side]}: ${call.scenario} #${call.callTag.split('/').pop() ?? ''} ${outcome}; ` +
            `${call.requests} requests, ${formatDuration(call.simulatedMs)} simulated${wrong}\n`,
        );
      },
      stop: () => undefined,
    };
  }

  // A pseudo-terminal may report 0 columns: assume the classic 80 then.
  const width = output.columns !== undefined && output.columns >= 40 ? output.columns : 80;
  const line = (vendor: VendorName): string => {
    const sides = state.get(vendor);
    const parts = SIDE_NAMES.map((side) => {
      const p = sides?.[side];
      const text = p ? `${p.done}/${p.total} calls, ${p.wrong} wrong` : '';
      return `${SHORT_SIDE_LABELS[side]} ${text.padEnd(18)}`;
    });
    return fit(`${vendor.padEnd(8)} ${parts.join(' │ ')}`, width - 1).trimEnd();
  };
  let drawn = false;
  const draw = (): void => {
    const lines = [...state.keys()].map(line);
    lines.push(`simulated time ${formatDuration(simulatedElapsedMs())}`);
    const up = drawn ? `\x1b[${lines.length}A` : '';
    output.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    drawn = true;
  };
  draw();
  const timer = setInterval(draw, REFRESH_MS);
  // The clock line is decoration: it must never keep the process alive.
  timer.unref();
  return {
    callFinished(vendor, side, call) {
      record(vendor, side, call);
      draw();
    },
    stop() {
      clearInterval(timer);
      draw();
      output.write('\n');
    },
  };
}
