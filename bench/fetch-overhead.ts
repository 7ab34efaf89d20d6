import { resilientFetch, type FetchFunction } from '../lib/adapters/fetch/index.js';
import { API_KEY_HEADER, NO_SDK_TELEMETRY, pairedOverhead } from './overhead.js';
import type { BenchRow } from './stats.js';

/**
 * Overhead with no faults, fetch edition: `resilientFetch('zenhire')` (default pacing on) against
 * plain `globalThis.fetch`, both on Node's global keep-alive dispatcher, measured as the got rows
 * are; then with the `telemetry` option on and no OpenTelemetry SDK registered.
 */
export async function benchFetchOverhead(runs: number, total: number): Promise<BenchRow[]> {
  const post = (fetch: FetchFunction) => async (url: string) =>
    (await fetch(url, { method: 'POST', body: 'x', headers: API_KEY_HEADER })).text();
  const sides = {
    plainName: 'plain fetch',
    plain: post((input, init) => globalThis.fetch(input, init)),
    connections: " (Node's global dispatcher)",
  };
  return [
    await pairedOverhead(runs, total, {
      ...sides,
      scenario: '1b. overhead, no faults (fetch)',
      resilientName: 'resilientFetch',
      resilient: post(resilientFetch('zenhire')),
    }),
    await pairedOverhead(runs, total, {
      ...sides,
      scenario: '1b. overhead, telemetry on, no SDK registered (fetch)',
      resilientName: 'resilientFetch with telemetry',
      resilient: post(resilientFetch('zenhire', { telemetry: NO_SDK_TELEMETRY })),
    }),
  ];
}
