/**
 * Simulated time, for running the examples against the local simulator without sitting through
 * the vendors' real schedules (ZenHire's 10 s minimum poll interval, Audixa's 1–2 s polling,
 * backoffs of a second or more).
 *
 * With `EXAMPLE_TIME_SCALE=N`, an example runs the library on a clock that goes N times faster
 * than the wall clock, and the simulator runs on the same clock (`scripts/run-example.mjs` starts
 * it so). No wait is shortened: a 15 s poll interval is still 15 s on that clock and ZenHire's
 * 10 s minimum is still enforced by the simulator on it; the waits just pass N times faster.
 * `EXAMPLE_TIME_ORIGIN` (ms since the epoch) is the instant both clocks agree on, so absolute
 * times the simulator sends (Audixa's `X-RateLimit-Reset`) mean the same to the example.
 *
 * Unset (the default), the examples run on real time. A real vendor runs on real time, so a
 * time scale is refused for any URL that is not on this machine.
 */
import { createScaledTime, type ScaledTime } from '../../demo/time-scale.js';
import type { Clock } from 'vendor-resilience';

/** A clock in milliseconds since the epoch with its own waits: the library's `Clock`. */
export type ExampleClock = Clock;

/** The environment variable holding the time scale. */
export const TIME_SCALE_VARIABLE = 'EXAMPLE_TIME_SCALE';
/** The environment variable holding the instant (ms since the epoch) the scaled clocks agree on. */
export const TIME_ORIGIN_VARIABLE = 'EXAMPLE_TIME_ORIGIN';

/**
 * A clock running `scale` times faster than the wall clock, equal to it at `originMs`: the one the
 * simulator runs on, so that it and the example read the same time.
 */
export function scaledClock(scale: number, originMs?: number): ExampleClock {
  return createScaledTime(scale, originMs).clock;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The time scale from the environment (the same one the demo uses), or undefined for real time. */
function scaledTimeFor(urls: readonly string[]): ScaledTime | undefined {
  const scaleText = process.env[TIME_SCALE_VARIABLE];
  if (scaleText === undefined || scaleText === '' || scaleText === '1') return undefined;
  for (const url of urls) {
    const host = new URL(url).hostname;
    if (!LOOPBACK_HOSTS.has(host)) {
      throw new Error(
        `${TIME_SCALE_VARIABLE} is for the local simulator only; ${host} is a real vendor, which runs on real time`,
      );
    }
  }
  const originText = process.env[TIME_ORIGIN_VARIABLE];
  try {
    return createScaledTime(Number(scaleText), originText ? Number(originText) : undefined);
  } catch (error) {
    throw new RangeError(`${TIME_SCALE_VARIABLE}/${TIME_ORIGIN_VARIABLE}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The `clock` option for the HTTP helpers (`vendorResilience`, `runVendorJob`,
 * `readVendorMessages`) when `EXAMPLE_TIME_SCALE` is set; `{}` (real time) otherwise. Pass every
 * URL the example talks to, so a scale is never applied to a real vendor.
 */
export function httpTime(...urls: string[]): { clock?: ExampleClock } {
  const time = scaledTimeFor(urls);
  return time ? { clock: time.clock } : {};
}

/**
 * The `clock` option for `createResilientWebSocket` when `EXAMPLE_TIME_SCALE` is set (its waits
 * and deadlines all run on it); `{}` (real time) otherwise.
 */
export function wsTime(...urls: string[]): { clock?: ExampleClock } {
  const time = scaledTimeFor(urls);
  return time ? { clock: time.clock } : {};
}
