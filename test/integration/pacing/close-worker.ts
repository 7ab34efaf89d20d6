/**
 * A child process of the cluster pacing close test (run transpiled, through child_process.fork):
 * one Redis-backed pacer used once, then closed on the parent's word; the parent times its exit.
 */
import { createPacing } from '../../../lib/pacing/index.js';

/** What the parent sends first. */
export interface CloseWorkerStart {
  redisUrl: string;
  /** The pacing's Redis timeout: ioredis' command timers that would outlive close() run this long. */
  redisTimeoutMs: number;
}

process.once('message', (start: CloseWorkerStart) => void run(start));

async function run(start: CloseWorkerStart): Promise<void> {
  const pacing = createPacing({ redis: start.redisUrl, redisTimeoutMs: start.redisTimeoutMs });
  await pacing.pacer({ vendor: 'zenhire' }).schedule(async () => undefined);
  process.send?.('used');
  // The parent stops Redis, then asks for the close.
  process.once('message', () => {
    void pacing.close().then(() => {
      // The IPC channel is the parent's hold on this process, not ours: let go of it too.
      process.send?.('closed', () => process.disconnect());
    });
  });
}
