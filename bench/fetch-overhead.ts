import { resilientFetch } from '../lib/adapters/fetch/index.js';
import { fetchPost, NO_SDK_TELEMETRY, pairedOverhead } from './overhead.js';
import type { BenchRow } from './stats.js';

/**
 * Overhead with no faults, fetch edition: `resilientFetch('zenhire')` (default pacing on) against
 * plain `globalThis.fetch`, both on Node's global keep-alive dispatcher, measured as the got rows
 * are; then with the `telemetry` option on and no OpenTelemetry SDK registered.
 */
export async function benchFetchOverhead(runs: number, total: number): Promise<BenchRow[]> {
  const sides = {
    plainName: 'plain fetch',
    plain: fetchPost((input, init) => globalThis.fetch(input, init)),
    connections: " (Node's global dispatcher)",
  };
  return [
    await pairedOverhead(runs, total, {
      ...sides,
      scenario: '1b. overhead, no faults (fetch)',
      resilientName: 'resilientFetch',
      resilient: fetchPost(resilientFetch('zenhire')),
    }),
    await pairedOverhead(runs, total, {
      ...sides,
      scenario: '1b. overhead, telemetry on, no SDK registered (fetch)',
      resilientName: 'resilientFetch with telemetry',
      resilient: fetchPost(resilientFetch('zenhire', { telemetry: NO_SDK_TELEMETRY })),
    }),
  ];
}
