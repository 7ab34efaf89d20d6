import got from 'got';
import type { VendorName } from '../../lib/testing/index.js';
import {
  presetJob,
  readVendorMessages,
  runVendorJob,
  vendorResilience,
  type DecisionEvent,
} from '../../lib/adapters/got/index.js';
import type { ResilienceOptions } from '../../lib/adapters/got/options.js';
import type { Action, Clock } from '../../lib/core/engine/types.js';
import type { ClientCounters, SideClient } from '../scenario.js';
import type { ScaledTime } from '../time-scale.js';
import { runResilientSession } from './resilient-session.js';

/** The vendor-resilience side: the got adapter, the job runner, the NDJSON reader and the WebSocket factory. */
export function createResilientClient(
  vendor: VendorName,
  time: ScaledTime,
  counters: ClientCounters,
): SideClient {
  // A retry or backoff decision is counted when its wait starts: a decision the adapter cannot
  // carry out (an error line after output was delivered) sends nothing again.
  let lastAction: Action | undefined;
  const onDecision = ({ decision }: DecisionEvent): void => {
    lastAction = decision.action;
  };
  // The call reports its decision just before it starts that decision's wait, in the same turn:
  // the next wait on this clock after a retry or backoff decision is that decision's.
  const clock: Clock = {
    now: () => time.clock.now(),
    sleep: (delayMs, sleepOptions) => {
      if (lastAction === 'retry') counters.retries++;
      if (lastAction === 'backoff') counters.backoffs++;
      lastAction = undefined;
      return time.clock.sleep(delayMs, sleepOptions);
    },
  };
  const options: ResilienceOptions = { clock, onDecision };
  return {
    http: got.extend(vendorResilience(vendor, options)),
    async runJob(jobVendor, init) {
      const result = await runVendorJob(jobVendor, presetJob(jobVendor, init), options);
      return result.body;
    },
    async readMessages(url, request) {
      const messages: unknown[] = [];
      for await (const message of readVendorMessages(vendor, url, { ...options, request })) {
        messages.push(message);
      }
      return messages;
    },
    runSession: (spec) => runResilientSession(vendor, spec, time, counters),
  };
}
