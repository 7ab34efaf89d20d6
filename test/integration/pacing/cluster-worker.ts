/**
 * A worker process of the cluster tests (run transpiled, through child_process.fork): one
 * Redis-backed pacer, `calls` requests through it on the parent's signal, then a report.
 */
import { createPacing } from '../../../lib/pacing/index.js';

/** What the parent sends. */
export interface WorkerStart {
  type: 'start';
  redisUrl: string;
  keyPrefix: string;
  serverUrl: string;
  calls: number;
  requestsPerMinute: number;
}

/** What the worker answers when finished. */
export interface WorkerReport {
  type: 'done';
  ok: number;
  errors: string[];
  closeMs: number;
}

process.on('message', (message: WorkerStart | { type: 'go' }) => {
  if (message.type === 'start') void prepare(message);
});

async function prepare(start: WorkerStart): Promise<void> {
  const pacing = createPacing({ redis: start.redisUrl, keyPrefix: start.keyPrefix, redisTimeoutMs: 1000 });
  const pacer = pacing.pacer({ vendor: 'zenhire', limits: { requestsPerMinute: start.requestsPerMinute } });
  process.once('message', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: start.calls }, () =>
        pacer
          .schedule(async () => {
            const headers = { 'x-started-at': String(Date.now()) };
            const response = await fetch(start.serverUrl, { method: 'POST', body: 'audio', headers });
            await response.text();
          })
          .then(
            () => undefined,
            (error: Error) => error.message,
          ),
      ),
    );
    const errors = outcomes.filter((o): o is string => o !== undefined);
    const closing = Date.now();
    await pacing.close();
    const report: WorkerReport = {
      type: 'done',
      ok: outcomes.length - errors.length,
      errors,
      closeMs: Date.now() - closing,
    };
    process.send?.(report, () => process.disconnect());
  });
  // fetch loads undici on first use (tens of ms, more on a busy machine); done here, that one-time
  // cost does not delay a paced request after its start was claimed.
  // The same kind of request as the measured ones (a POST with a body and a header): Node 24's
  // fetch loads more of undici for those than for a bare GET. Twice, for the lazily built paths
  // that only a second request on a kept-alive socket takes.
  for (let i = 0; i < 2; i++) {
    const headers = { 'x-started-at': String(Date.now()) };
    await (
      await fetch(new URL('/warm-up', start.serverUrl), { method: 'POST', body: 'audio', headers })
    ).arrayBuffer();
  }
  process.send?.({ type: 'ready' });
}
