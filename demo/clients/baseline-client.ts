import got, { type Got } from 'got';
import type { ClientCounters, SideClient } from '../scenario.js';
import type { ScaledTime } from '../time-scale.js';
import { CallFailure, messageType } from './call-failure.js';
import { runBaselineJob } from './baseline-job.js';
import { BASELINE_RETRY_LIMIT } from './baseline-settings.js';
import { runBaselineSession } from './baseline-session.js';

/** got's default retried methods, plus POST: the calls here are POSTs, so without it nothing would be retried. */
const RETRIED_METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'] as const;

/**
 * The status-only baseline: got's built-in retry (its default status codes and error codes,
 * Retry-After honoured), with POST added. Waits run on the demo's simulated clock like the other side's.
 */
export function createBaselineGot(time: ScaledTime, counters: ClientCounters): Got {
  return got.extend({
    retry: {
      limit: BASELINE_RETRY_LIMIT,
      methods: [...RETRIED_METHODS],
      calculateDelay: ({ computedValue, retryAfter }) => {
        // 0 is got's "do not retry" (limit reached, status or method not retryable).
        if (computedValue <= 0) return 0;
        if (retryAfter === undefined) counters.retries++;
        else counters.backoffs++;
        return Math.max(1, Math.ceil(computedValue / time.scale));
      },
    },
  });
}

/** The baseline side: got's retry for HTTP, a fixed-interval poll loop for jobs, reconnect-on-any-close for WebSockets. */
export function createBaselineClient(time: ScaledTime, counters: ClientCounters): SideClient {
  const http = createBaselineGot(time, counters);
  return {
    http,
    runJob: (vendor, init) => runBaselineJob(http, time, vendor, init),
    async readMessages(url, request) {
      const text = (await http(url, { ...request, resolveBodyOnly: true, responseType: 'text' })) as string;
      const messages: unknown[] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const message = JSON.parse(line) as unknown;
        if (messageType(message) === 'error') {
          throw new CallFailure(`error line after ${messages.length} messages`);
        }
        messages.push(message);
      }
      return messages;
    },
    runSession: (spec) => runBaselineSession(spec, time),
  };
}
