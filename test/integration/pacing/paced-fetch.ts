import type { Engine } from '../../../lib/core/engine/engine.js';
import type { VendorPacer } from '../../../lib/pacing/index.js';
import { sleep } from '../../../lib/run/sleep.js';

/**
 * One logical call the way the got adapter will make it: every attempt goes through
 * `pacer.schedule`, the engine decides on the response, `pacer.record` may veto a retry, and the
 * adapter waits the decision's delay before the next attempt.
 */
export async function pacedCall(url: string, pacer: VendorPacer, engine: Engine): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const response = await pacer.schedule(async () => {
      const res = await fetch(url, { method: 'POST', body: 'audio' });
      return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
    });
    const decision = await pacer.record(engine.decide({ vendor: 'zenhire', ...response, attempt }));
    if (decision.action === 'ok') return response.body;
    if (decision.action !== 'retry' && decision.action !== 'backoff') {
      throw new Error(`${decision.category}: ${decision.reason}`);
    }
    await sleep(decision.delayMs);
  }
}
