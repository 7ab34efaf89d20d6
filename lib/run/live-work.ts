/**
 * Counts of the library's work still under way in this process: waits started and not ended,
 * pacer calls scheduled and not settled. Internal (not exported by the package): the test suite's
 * guard reads it after every test to prove each promise settled and no timer was left behind.
 */
export const liveWork = {
  /** `sleep()` waits on real timers not yet ended. */
  sleeps: 0,
  /** `VendorPacer.schedule()` promises not yet settled, and calls `startNow()` started and not ended. */
  pacerCalls: 0,
};
