import { afterEach, describe, expect, it } from '@jest/globals';
import got from 'got';
import { vendorResilience } from '../../../lib/adapters/got/index.js';
import { createResilientWebSocket } from '../../../lib/adapters/ws/index.js';
import {
  createManualClock,
  type Fault,
  startVendorSimulator,
  type ManualClock,
  type VendorSimulator,
} from '../../../lib/testing/index.js';

// Issue 12 (g): with no options at all, HTTP calls and WebSocket sessions of one vendor and API
// key share the default pacing's gate. A 429 on an HTTP call holds the next WebSocket upgrade until
// its wait is over, and a refused upgrade holds the next HTTP call. One manual clock drives both.

const KEY = 'ax_default_gate_key';
let clock: ManualClock | undefined;
let sim: VendorSimulator | undefined;
afterEach(async () => {
  clock?.dispose();
  await sim?.close();
  clock = undefined;
  sim = undefined;
});

/** Lets the event loop run a few real turns (real I/O on loopback, no timers). */
async function turns(ms = 60): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 2));
}

const REQUEST = { text: 'Hello', voice_id: 'am_ethan', model: 'base' };

/** An Audixa simulator with one fault, both on a fresh manual clock. */
async function audixaOnManualClock(fault: Fault): Promise<{ clock: ManualClock; sim: VendorSimulator }> {
  const manual = createManualClock(Date.UTC(2026, 0, 1));
  const started = await startVendorSimulator({
    vendor: 'audixa',
    apiKey: KEY,
    clock: manual,
    faultPlan: { faults: [fault] },
  });
  return { clock: manual, sim: started };
}

/** An Audixa TTS stream session on `clock`, with no other option (the default pacing). */
function openSession(simulator: VendorSimulator, manual: ManualClock) {
  return createResilientWebSocket('audixa', {
    url: `${simulator.wsUrl}/v3/tts/stream?api_key=${KEY}`,
    setup: () => REQUEST,
    clock: manual,
  })();
}

describe('one default gate for HTTP and WebSocket', () => {
  it('a 429 on an HTTP call holds the next WebSocket upgrade until its Retry-After has passed', async () => {
    ({ clock, sim } = await audixaOnManualClock({
      kind: 'error',
      status: 429,
      retryAfterSeconds: 30,
      times: 1,
      match: { endpoint: 'audixa.create' },
    }));
    const http = got.extend({ headers: { 'x-api-key': KEY } }, vendorResilience('audixa', { clock }));
    const created = http.post(`${sim.url}/v3/tts`, { json: REQUEST }).json();
    await turns();
    expect(sim.requests().map((r) => `${r.endpoint} ${r.status}`)).toEqual(['audixa.create 429']);
    const startedAtMs = clock.now();

    const session = openSession(sim, clock);
    await turns();
    // Held behind the gate the HTTP 429 closed: no upgrade reached the vendor.
    expect(sim.requests().filter((r) => r.endpoint === 'audixa.ws-stream')).toHaveLength(0);
    await clock.advanceAsync(29_000);
    await turns();
    expect(sim.requests().filter((r) => r.endpoint === 'audixa.ws-stream')).toHaveLength(0);
    await clock.advanceAsync(5_000);
    await turns();
    const upgrade = sim.requests().find((r) => r.endpoint === 'audixa.ws-stream');
    expect(upgrade).toBeDefined();
    expect((upgrade?.receivedAtMs ?? 0) - startedAtMs).toBeGreaterThanOrEqual(30_000);
    session.close();
    await session.closed;
    await expect(created).resolves.toBeDefined();
  });

  it('a refused WebSocket upgrade (429) holds the next HTTP call of the same key', async () => {
    ({ clock, sim } = await audixaOnManualClock({
      kind: 'reject-upgrade',
      status: 429,
      retryAfterSeconds: 20,
      times: 1,
    }));
    const session = openSession(sim, clock);
    await turns();
    expect(sim.requests().map((r) => `${r.endpoint} ${r.status}`)).toEqual(['audixa.ws-stream 429']);
    const startedAtMs = clock.now();
    const http = got.extend({ headers: { 'x-api-key': KEY } }, vendorResilience('audixa', { clock }));
    const created = http.post(`${sim.url}/v3/tts`, { json: REQUEST }).json();
    await turns();
    expect(sim.requests().filter((r) => r.endpoint === 'audixa.create')).toHaveLength(0);
    await clock.advanceAsync(21_000);
    await turns();
    await expect(created).resolves.toBeDefined();
    const create = sim.requests().find((r) => r.endpoint === 'audixa.create');
    expect((create?.receivedAtMs ?? 0) - startedAtMs).toBeGreaterThanOrEqual(20_000);
    session.close();
    await session.closed;
  });
});
