/**
 * `vendor-resilience/testing`'s types stay precise for users although the simulator's machinery names
 * endpoints and vendors with plain strings (it sits below the registry of vendors, see
 * lib/testing/fault-plan.ts): the `@ts-expect-error` lines fail the typecheck when a type widens to
 * `string`, and the parser refuses at run time what the types refuse.
 */
import { describe, expect, it } from '@jest/globals';
import {
  FaultPlanError,
  parseFaultPlan,
  type Fault,
  type FaultFiring,
  type FaultMatch,
  type FaultPlan,
  type RateLimitFault,
  type RecordedRequest,
  type SimulatorEndpoint,
  type VendorName,
  type VendorSimulator,
} from '../../../lib/testing/index.js';

const plan: FaultPlan = {
  faults: [
    { kind: 'error', match: { endpoint: 'zenhire.submit' }, code: 'SERVICE_WARMING_UP' },
    { kind: 'drop', when: 'before-response', match: { endpoint: ['gradium.tts', 'elsa.ws-score-audio'] } },
  ],
};

// @ts-expect-error 'zenhire.upload' is no simulated endpoint
const wrongEndpoint: FaultMatch = { endpoint: 'zenhire.upload' };
// @ts-expect-error nor is it in a list
const wrongInList: Fault = { kind: 'latency', delayMs: 1, match: { endpoint: ['zenhire.poll', 'nope'] } };
const rateLimit: RateLimitFault = {
  kind: 'rate-limit',
  tokensPerSecond: 1,
  burst: 1,
  // @ts-expect-error a named fault type is precise too
  match: { endpoint: 'breeze.unknown' },
};
// @ts-expect-error VendorName is the union of the vendors, not string
const wrongVendor: VendorName = 'acme';
const someVendor: VendorName = 'breeze';

// What the simulator reports names endpoints by the precise union as well.
type Reported = [
  NonNullable<RecordedRequest['endpoint']>,
  FaultFiring['endpoint'],
  NonNullable<ReturnType<VendorSimulator['requests']>[number]['endpoint']>,
  VendorSimulator['vendor'],
];
const reported: Reported = ['zenhire.poll', 'audixa.ws-stream', 'breeze.job', 'elsa'];
// @ts-expect-error a recorded endpoint is a SimulatorEndpoint, not any string
const reportedWrong: Reported[0] = 'zenhire.upload';
const endpointIsNotString: string extends SimulatorEndpoint ? 'wide' : 'precise' = 'precise';

describe('vendor-resilience/testing public types', () => {
  it('accept what the fault-plan parser accepts', () => {
    expect(parseFaultPlan(plan)).toEqual(plan);
    expect([someVendor, reported, endpointIsNotString]).toHaveLength(3);
  });

  it('refuse what the parser refuses', () => {
    for (const faultWithWrongEndpoint of [wrongEndpoint, wrongInList.match, rateLimit.match]) {
      expect(() =>
        parseFaultPlan({ faults: [{ kind: 'latency', delayMs: 1, match: faultWithWrongEndpoint }] }),
      ).toThrow(FaultPlanError);
    }
    expect([wrongVendor, reportedWrong]).toEqual(['acme', 'zenhire.upload']);
  });
});
