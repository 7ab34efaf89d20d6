import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./leak-child.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../../dist/lib/index.js', import.meta.url));
/** The child must exit on its own within this bound; past it, it is killed and the test fails. */
const EXIT_BOUND_MS = 60_000;
const MAX_HEAP_GROWTH = 5 * 1024 * 1024;

interface ChildReport {
  calls: number;
  warmupCalls: number;
  outcomes: Record<string, number | string>;
  heapBefore: number;
  heapAfter: number;
  heapGrowth: number;
  workloadMs: number;
  activeResources: string[];
  /** The child's uptime when it printed the report (its last action). */
  uptimeMs: number;
}

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  killedByBound: boolean;
  elapsedMs: number;
  stdout: string;
  stderr: string;
}

function runChild(): Promise<ChildRun> {
  const env = { ...process.env };
  // jest's --experimental-vm-modules is not needed by the child (it only imports dist/).
  delete env.NODE_OPTIONS;
  const started = Date.now();
  const child = spawn(process.execPath, ['--expose-gc', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let killedByBound = false;
  const bound = setTimeout(() => {
    killedByBound = true;
    child.kill('SIGKILL');
  }, EXIT_BOUND_MS);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(bound);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(bound);
      resolve({ code, signal, killedByBound, elapsedMs: Date.now() - started, stdout, stderr });
    });
  });
}

describe('leaks: 10 000 calls in a child process through the built library', () => {
  it('retries, polls, reconnects, aborts and close() in every state: the child exits on its own, heap back within 5 MB', async () => {
    expect(existsSync(BUILT)).toBe(true); // `npm test` builds first; otherwise run `npm run build`
    const run = await runChild();
    const summary = `exit ${String(run.code)} signal ${String(run.signal)} after ${run.elapsedMs} ms\nstderr: ${run.stderr.slice(0, 4000)}`;
    expect({ killedByBound: run.killedByBound, code: run.code, signal: run.signal, summary }).toEqual({
      killedByBound: false,
      code: 0,
      signal: null,
      summary,
    });
    expect(run.elapsedMs).toBeLessThan(EXIT_BOUND_MS);

    const line = run.stdout.trim().split('\n').pop() ?? '';
    const report = JSON.parse(line) as ChildReport;
    console.log(
      `leak child: ${report.calls} calls in ${report.workloadMs} ms; exited on its own after ${run.elapsedMs} ms; ` +
        `exit ${run.elapsedMs - report.uptimeMs} ms after its report; heap ${(report.heapBefore / 1048576).toFixed(2)} MB → ${(report.heapAfter / 1048576).toFixed(2)} MB ` +
        `(${(report.heapGrowth / 1048576).toFixed(2)} MB); outcomes ${JSON.stringify(report.outcomes)}`,
    );

    expect(report.calls).toBe(10_000);
    // No call was lost: each ended in success, a typed VendorError, or the abort/close it was given.
    expect(
      Object.keys(report.outcomes).filter((k) => k.includes('UNEXPECTED') || k === 'firstUnexpected'),
    ).toEqual([]);
    const outcome = (key: string): number => Number(report.outcomes[key] ?? 0);
    // Every abort and close state was reached and ended the way it should, every time.
    expect({
      waiting: outcome('abort-waiting:aborted'),
      inFlight: outcome('abort-in-flight:aborted'),
      jobWaiting: outcome('abort-job-waiting:aborted'),
      wsConnecting: outcome('ws-close-connecting:ok'),
      wsWaitingOrOpen: outcome('ws-close-waiting-or-open:ok'),
      pacerQueued: outcome('pacer-abort-queued:aborted'),
      gotQueuedInPacer: outcome('got-abort-queued-in-pacer:aborted'),
      wsQueuedInPacer: outcome('ws-close-queued-in-pacer:ok'),
      rejectedByClose: outcome('pacer-rejected-by-close:rejected-closed'),
    }).toEqual({
      waiting: 300,
      inFlight: 200,
      jobWaiting: 200,
      wsConnecting: 800,
      wsWaitingOrOpen: 300,
      pacerQueued: 1500,
      gotQueuedInPacer: 2400,
      wsQueuedInPacer: 300,
      rejectedByClose: 500,
    });
    // The retried, polled and reconnecting calls all ran, and most succeeded.
    expect(outcome('http:ok')).toBeGreaterThan(2000);
    expect(outcome('job:ok')).toBe(600);
    expect(outcome('ws:ok')).toBeGreaterThan(300);
    // After its last line the child has nothing left to do: it exits within moments, not at some timer.
    expect(run.elapsedMs - report.uptimeMs).toBeLessThan(5000);
    // Only stdio pipes are left when the child prints its report: no timer, socket or server.
    expect(report.activeResources.filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap')).toEqual([]);
    expect(report.heapGrowth).toBeLessThan(MAX_HEAP_GROWTH);
  }, 90_000);
});
