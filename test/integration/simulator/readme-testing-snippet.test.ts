// The README's simulator test ("Testing with the simulator"), run as a test; the test below
// README_SNIPPET_END checks the README shows exactly this code (import paths aside).
import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import got from 'got';
import { vendorResilience } from '../../../lib/adapters/got/index.js';
import { createManualClock, startVendorSimulator } from '../../../lib/testing/index.js';

test('survives two 502 UPSTREAM_GENERATION_ERROR', async () => {
  const clock = createManualClock(0, { autoAdvance: true }); // waits pass at once, in order
  const faultPlan = { faults: [{ kind: 'error' as const, code: 'UPSTREAM_GENERATION_ERROR', times: 2 }] };
  const sim = await startVendorSimulator({ vendor: 'breeze', clock, faultPlan });
  try {
    const breeze = got.extend({ prefixUrl: sim.url }, vendorResilience('breeze', { clock, pacing: false }));
    await breeze.post('v1/text-to-speech/voice', { json: { text: 'Hi' } }).buffer();
    expect(sim.requests().map((r) => r.status)).toEqual([502, 502, 200]);
  } finally {
    clock.dispose();
    await sim.close();
  }
});

// README_SNIPPET_END
// (Outside the snippet: imports are hoisted, wherever they stand.)
import { withLocalImports } from '../../support/local-imports.js';
test('the README shows exactly this test (import paths aside)', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Testing with the simulator'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const self = readFileSync(new URL(import.meta.url), 'utf8');
  const snippet = self.slice(
    self.indexOf('import { expect, test }'),
    self.indexOf('\n\n// README_SNIPPET_END') + 1,
  );
  const local = block === undefined ? undefined : withLocalImports(block, 3);
  expect(local).toBe(snippet);
});
