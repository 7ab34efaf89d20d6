/**
 * One process of the cluster storm (bench/cluster-storm.ts), run compiled through
 * child_process.fork: its own Redis-backed pacing and got client, `calls` POSTs at once on the
 * parent's 'go', then a report of what it saw.
 */
import got from 'got';
import { vendorResilience } from '../lib/adapters/got/index.js';
import { createPacing, type PacerLimits } from '../lib/pacing/index.js';
import { builtinPolicy, type PolicyDocument } from '../lib/core/policy/index.js';

/** How the process is configured: its pacing told 2× the vendor's rate, or told no rate at all. */
export type ClusterVariant = 'doubled' | 'no-rate';

/** What the parent sends first. */
export interface ClusterWorkerStart {
  type: 'start';
  /** Index of the worker (0–3), sent on each request as `x-bench-worker`. */
  worker: number;
  variant: ClusterVariant;
  redisUrl: string;
  keyPrefix: string;
  simulatorUrl: string;
  /** A trivial server answering 200 to anything: the warm-up's target. */
  warmUpUrl: string;
  apiKey: string;
  calls: number;
  /** Calls not settled this long after 'go' are reported unfinished, and the worker exits. */
  capMs: number;
  /** The 'doubled' variant's configured rate. */
  requestsPerMinute: number;
}

/** One `gateClosed` event: when this process closed (or extended) the gate, and until when. */
export interface GateClosure {
  atMs: number;
  openAtMs: number;
}

/** What the worker answers once its calls are done. */
export interface ClusterWorkerReport {
  type: 'done';
  worker: number;
  ok: number;
  failed: number;
  /** Calls still waiting or running at the cap (0 when all settled). */
  unfinished: number;
  firstError: string | undefined;
  /** Wall-clock ms (Date.now) when the worker got 'go' and when its last call settled (or the cap). */
  goAtMs: number;
  lastCallAtMs: number;
  gateClosures: GateClosure[];
  /** Every `rateChanged` in order: when, and the new rate (`undefined`: unlimited). */
  rates: { atMs: number; perSec: number | undefined }[];
}

process.once('message', (message: ClusterWorkerStart) => {
  void prepare(message).catch((error: unknown) => {
    console.error(`cluster-storm worker: ${String(error)}`);
    process.exit(1);
  });
});

/**
 * The pacing limits and the policy of a variant. 'no-rate': createPacing applies the policy's
 * documented limits (ZenHire: 500/min) and a `vendors` entry without `requestsPerMinute` keeps
 * them, so "no rate" is said the one way the public API allows: the built-in policy's document
 * without its `limits.requestsPerMinute` (its concurrency stays, raised to 100 as in 'doubled').
 */
function configuration(start: ClusterWorkerStart): { limits: PacerLimits; policy: string | object } {
  if (start.variant === 'doubled') {
    return { limits: { requestsPerMinute: start.requestsPerMinute, maxConcurrent: 100 }, policy: 'zenhire' };
  }
  const document: PolicyDocument = structuredClone(builtinPolicy('zenhire').document);
  if (document.limits) delete document.limits.requestsPerMinute;
  return { limits: { maxConcurrent: 100 }, policy: document };
}

async function prepare(start: ClusterWorkerStart): Promise<void> {
  const { limits, policy } = configuration(start);
  const pacing = createPacing({
    redis: start.redisUrl,
    keyPrefix: start.keyPrefix,
    vendors: { zenhire: limits },
  });
  const client = got.extend(vendorResilience(policy, { pacing }));
  const gateClosures: GateClosure[] = [];
  const rates: ClusterWorkerReport['rates'] = [];
  pacing.on('gateClosed', ({ openAtMs }) => gateClosures.push({ atMs: Date.now(), openAtMs }));
  pacing.on('rateChanged', ({ requestsPerSecond }) =>
    rates.push({ atMs: Date.now(), perSec: requestsPerSecond }),
  );
  const post = (url: string, apiKey: string): Promise<string> =>
    client
      .post(url, { headers: { 'x-api-key': apiKey, 'x-bench-worker': String(start.worker) }, body: 'audio' })
      .text();

  // Warm-up: got, undici, the policy and the Redis connection pay their first-use cost here, not in
  // the storm. Another credential, so another pacer: the measured one starts with no history.
  for (let i = 0; i < 2; i++) await post(start.warmUpUrl, 'zh_warm_up_key');

  process.once('message', () => {
    const goAtMs = Date.now();
    let ok = 0;
    const errors: string[] = [];
    let lastCallAtMs = goAtMs;
    const report = (): void => {
      const message: ClusterWorkerReport = {
        type: 'done',
        worker: start.worker,
        ok,
        failed: errors.length,
        unfinished: start.calls - ok - errors.length,
        firstError: errors[0],
        goAtMs,
        lastCallAtMs,
        gateClosures,
        rates,
      };
      process.send?.(message, () => process.exit(0));
    };
    // At the cap the worker reports what it has and exits: unfinished calls are left, not awaited.
    const cap = setTimeout(() => ((lastCallAtMs = Date.now()), report()), start.capMs);
    void Promise.allSettled(
      Array.from({ length: start.calls }, () =>
        post(`${start.simulatorUrl}/api/v1/speech/analyze`, start.apiKey).then(
          () => void (ok += 1),
          (error: unknown) => void errors.push(error instanceof Error ? error.message : String(error)),
        ),
      ),
    ).then(async () => {
      clearTimeout(cap);
      lastCallAtMs = Date.now();
      await pacing.close();
      report();
    });
  });
  process.send?.({ type: 'ready' });
}
