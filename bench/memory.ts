import { createVendorEngine } from '../lib/index.js';
import { TYPICAL_ERRORS } from './engine-cost.js';
import type { BenchRow } from './stats.js';

/** Heap in use after a full collection, in MB (needs `node --expose-gc`). */
export function settledHeapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Heap growth over 100 000 decisions: nothing a decision makes may outlive it. */
export function benchDecisionMemory(decisions: number): BenchRow {
  const engine = createVendorEngine({ random: () => 0.5 });
  const signals = Object.values(TYPICAL_ERRORS);
  for (let i = 0; i < 1000; i++) engine.decide(signals[i % signals.length]!);
  const before = settledHeapMb();
  for (let i = 0; i < decisions; i++) engine.decide(signals[i % signals.length]!);
  const growth = settledHeapMb() - before;
  return {
    scenario: '7. memory, decisions',
    metric: `heap growth over ${decisions} decisions`,
    value: growth,
    unit: 'MB',
    target: '≈ 0 (no growth with calls)',
    met: growth < 1,
    detail: `heap after a forced GC, before and after; ${(globalThis as { gc?: unknown }).gc ? 'with' : 'WITHOUT'} --expose-gc`,
  };
}
