import { afterEach, describe, expect, it } from '@jest/globals';
import {
  FaultPlanError,
  loadFaultPlan,
  parseFaultPlan,
  startVendorSimulator,
  type FaultPlan,
  type VendorName,
  type VendorSimulator,
} from '../../../lib/testing/index.js';

let sim: VendorSimulator | undefined;
afterEach(async () => sim?.close());

const JSON_PLAN = `{
  "seed": 42,
  "faults": [
    { "kind": "error", "match": { "endpoint": "breeze.tts" }, "code": "UPSTREAM_GENERATION_ERROR", "times": 2 },
    { "kind": "latency", "delayMs": 5, "match": { "phase": "poll" } }
  ]
}`;

describe('fault plan format', () => {
  it('loads a JSON plan that then drives the simulator', async () => {
    const plan = loadFaultPlan(JSON_PLAN);
    expect(plan.faults).toHaveLength(2);
    sim = await startVendorSimulator({ vendor: 'breeze', faultPlan: plan });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await fetch(`${sim.url}/v1/text-to-speech/v`, { method: 'POST', body: '{"text":"a"}' });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([502, 502, 200]);
  });

  it.each([
    ['not json', /not valid JSON/],
    ['[]', /expected an object with a "faults" array/],
    ['{"faults":[{"kind":"explode"}]}', /faults\[0\]\.kind: expected one of/],
    ['{"faults":[{"kind":"rate-limit","burst":1}]}', /faults\[0\]\.tokensPerSecond: required/],
    ['{"faults":[{"kind":"error","times":-1}]}', /faults\[0\]\.times: expected an integer ≥ 0/],
    [
      '{"faults":[{"kind":"error","probability":2}]}',
      /faults\[0\]\.probability: expected a number between 0 and 1/,
    ],
    ['{"faults":[{"kind":"ws-error","afterMessages":1,"closeCode":99}]}', /faults\[0\]\.closeCode/],
    ['{"faults":[{"kind":"drop","when":"later"}]}', /faults\[0\]\.when: expected "before-response"/],
    [
      '{"faults":[{"kind":"error","match":{"endpoint":"breeze.nope"}}]}',
      /faults\[0\]\.match\.endpoint: unknown/,
    ],
    ['{"faults":[{"kind":"latency","delayMs":1,"colour":"red"}]}', /faults\[0\]\.colour: unknown field/],
    ['{"seed":1.5,"faults":[]}', /seed: expected an integer/],
  ])('rejects %s with a message naming the field', (text, message) => {
    expect(() => loadFaultPlan(text)).toThrow(FaultPlanError);
    expect(() => loadFaultPlan(text)).toThrow(message);
  });

  it('validates plans given in code when the simulator starts', async () => {
    const bad = { faults: [{ kind: 'warm-up' }] } as unknown as FaultPlan;
    expect(() => parseFaultPlan(bad)).toThrow(FaultPlanError);
    await expect(startVendorSimulator({ vendor: 'zenhire', faultPlan: bad })).rejects.toThrow(
      /faults\[0\]\.durationMs: required/,
    );
  });

  it('rejects an unknown vendor name', async () => {
    await expect(startVendorSimulator({ vendor: 'acme' as VendorName })).rejects.toThrow(
      /unknown vendor "acme"/,
    );
  });
});
