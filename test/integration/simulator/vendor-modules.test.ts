import { describe, expect, it } from '@jest/globals';
import { createManualClock, SIMULATOR_ENDPOINTS, VENDOR_NAMES } from '../../../lib/testing/index.js';
import { JobStore } from '../../../lib/testing/job-store.js';
import { createVendorModule } from '../../../lib/testing/vendors/index.js';

/**
 * Issue 14 item 6: a simulated vendor is one module (its routes, its error catalog, its endpoint
 * table); the shared lists are read from the modules, so a table and the routes cannot part.
 */
describe('the simulated vendor modules', () => {
  it.each(VENDOR_NAMES)('%s: its endpoint table names exactly the routes it serves', (name) => {
    const clock = createManualClock();
    const module = createVendorModule(name, {
      clock,
      apiKey: undefined,
      baseUrl: () => 'http://127.0.0.1:1',
      jobs: new JobStore(2, clock),
      minPollIntervalMs: 10_000,
    });
    expect(module.vendor).toBe(name);
    const served = [
      ...module.httpRoutes.map((route) => [route.endpoint, 'http'] as const),
      ...module.wsRoutes.map((route) => [route.endpoint, 'ws'] as const),
    ];
    const table = Object.entries(SIMULATOR_ENDPOINTS).filter(([, info]) => info.vendor === name);
    expect(served.map(([id]) => id).sort()).toEqual(table.map(([id]) => id).sort());
    for (const [id, transport] of served) {
      expect(id.startsWith(`${name}.`)).toBe(true);
      expect(SIMULATOR_ENDPOINTS[id].transport).toBe(transport);
    }
  });

  it('every endpoint belongs to a listed vendor', () => {
    expect(VENDOR_NAMES).toEqual(['gradium', 'elsa', 'audixa', 'zenhire', 'breeze']);
    const vendors = new Set(Object.values(SIMULATOR_ENDPOINTS).map((info) => info.vendor));
    expect([...vendors]).toEqual([...VENDOR_NAMES]);
    expect(Object.isFrozen(SIMULATOR_ENDPOINTS)).toBe(true);
  });
});
