/** got's default retry limit is 2; the baseline gets one more so it is not short-changed. */
export const BASELINE_RETRY_LIMIT = 3;

/** The naive WebSocket loop's fixed wait between connections, in simulated ms. */
export const BASELINE_RECONNECT_DELAY_MS = 1_000;
