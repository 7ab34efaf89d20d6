// Runs before every test file (jest `setupFilesAfterEnv`): every promise the library returns must
// settle, and every wait it starts must end, by the time a test and its own cleanup are over.
// jest runs this file's hooks before the test file's own, so the check for a test happens at the
// start of the next one (and, for the last, in afterAll): after that test's afterEach cleanup.
import { afterAll, afterEach, beforeEach, expect } from '@jest/globals';
import { resetDefaultPacing } from '../../lib/pacing/default-pacing.js';
import { liveWork } from '../../lib/run/live-work.js';

/** How long work may take to unwind after a test's cleanup (aborts and closes settle promptly). */
const SETTLE_BOUND_MS = 1_000;

let previousTest: string | undefined;

async function assertSettled(): Promise<void> {
  const name = previousTest;
  previousTest = undefined;
  if (name === undefined) return;
  const deadline = Date.now() + SETTLE_BOUND_MS;
  while ((liveWork.pacerCalls > 0 || liveWork.sleeps > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (liveWork.pacerCalls > 0 || liveWork.sleeps > 0) {
    const left = { pacerCalls: liveWork.pacerCalls, sleeps: liveWork.sleeps };
    // Reset so one leak is reported once, not by every later test of the file.
    liveWork.pacerCalls = 0;
    liveWork.sleeps = 0;
    throw new Error(
      `"${name}" left library work pending ${SETTLE_BOUND_MS} ms after its cleanup: ${JSON.stringify(left)}`,
    );
  }
}

afterEach(() => {
  previousTest = expect.getState().currentTestName ?? 'a test';
});
beforeEach(async () => {
  await assertSettled();
  // Every test starts as a fresh process would: no gate or budget left by the previous test.
  await resetDefaultPacing();
});
afterAll(assertSettled);
