import { resilientFetch, type FetchFunction } from '../lib/adapters/fetch/index.js';
import { pairedOverhead } from './overhead.js';
import type { BenchRow } from './stats.js';

/**
 * Overhead with no faults, fetch edition: `resilientFetch('zenhire')` (default pacing on) against
 * plain `globalThis.fetch`, both on Node's global keep-alive dispatcher, measured as the got row is.
 */
export async function benchFetchOverhead(runs: number, total: number): Promise<BenchRow> {
  const post = (fetch: FetchFunction) => async (url: string) =>
    (await fetch(url, { method: 'POST', body: 'x' })).text();
  return pairedOverhead(runs, total, {
    scenario: '1b. overhead, no faults (fetch)',
    plainName: 'plain fetch',
    resilientName: 'resilientFetch',
    plain: post((input, init) => globalThis.fetch(input, init)),
    resilient: post(resilientFetch('zenhire')),
    connections: " (Node's global dispatcher)",
  });
}
