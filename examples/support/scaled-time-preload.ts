/**
 * Makes the whole process's time run faster: loaded with `node --import` by the example runner
 * (scripts/run-example.mjs) and the examples test, and only when they run an example against the
 * local simulator. The example programs themselves are plain application code on real time; this
 * is what lets them sit through the vendors' real schedules (ZenHire's 10 s minimum poll interval,
 * Audixa's 1–2 s polling, backoffs of a second or more) in a fraction of the wall time.
 *
 * With `EXAMPLE_TIME_SCALE=N` and `EXAMPLE_TIME_ORIGIN` (ms since the epoch), time reads
 * `origin + (wall - origin) × N`: the clock the simulator runs on (demo/time-scale.ts's
 * `createScaledTime(N, origin)`), so absolute times it sends (Audixa's `X-RateLimit-Reset`) mean
 * the same here. Every timer waits `delay / N` real milliseconds. No wait is shortened on that
 * clock: a 15 s poll interval is still 15 s there, and the simulator still enforces ZenHire's
 * 10 s minimum on it. The library reads time only through `Date.now` and waits only through
 * `setTimeout` (its default time source), as do got's timeouts, p-retry and ws, so scaling the
 * globals scales them all.
 *
 * The runners refuse a scale for an example pointed at anything but this machine
 * (`refuseScaleForRemoteUrls` in simulator-setups.ts): a real vendor runs on real time.
 */
import { syncBuiltinESMExports } from 'node:module';
import timers from 'node:timers';
import timersPromises from 'node:timers/promises';
import { promisify } from 'node:util';

const scaleText = process.env['EXAMPLE_TIME_SCALE'] ?? '1';
const originText = process.env['EXAMPLE_TIME_ORIGIN'] ?? '';
const scale = Number(scaleText);
const realPerformanceNow = performance.now.bind(performance);
const realNow = (): number => performance.timeOrigin + realPerformanceNow();
if (!(Number.isFinite(scale) && scale >= 1)) {
  throw new RangeError(`EXAMPLE_TIME_SCALE must be a number ≥ 1 (got ${scaleText})`);
}
const originMs = originText === '' ? realNow() : Number(originText);
if (!Number.isFinite(originMs)) {
  throw new RangeError(`EXAMPLE_TIME_ORIGIN must be ms since the epoch (got ${originText})`);
}

if (scale !== 1) installScaledTime();

/** Replaces the process's clocks and timers with ones running `scale` times faster. */
function installScaledTime(): void {
  const scaledNow = (): number => originMs + (realNow() - originMs) * scale;
  // Date.now() is a whole number of milliseconds.
  const scaledDateNow = (): number => Math.floor(scaledNow());
  // A delay on the scaled clock, in real milliseconds; what is not a positive number Node handles as before.
  const toRealMs = (delay: unknown): unknown =>
    typeof delay === 'number' && delay > 0 ? Math.ceil(delay / scale) : delay;

  const RealDate = Date;
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) =>
      Reflect.construct(target, args.length === 0 ? [scaledDateNow()] : args, newTarget) as object,
    apply: () => new RealDate(scaledDateNow()).toString(),
    get: (target, property, receiver) =>
      property === 'now' ? scaledDateNow : (Reflect.get(target, property, receiver) as unknown),
  });
  performance.now = () => scaledNow() - performance.timeOrigin;

  // The timers hand back Node's own Timeout objects, so unref/ref/refresh (which re-arms the
  // already scaled delay)/clearTimeout behave as always.
  const { setTimeout: realSetTimeout, setInterval: realSetInterval } = timers;
  const scaledSetTimeout = (callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) =>
    realSetTimeout(callback, toRealMs(delay) as number, ...args);
  const scaledSetInterval = (callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) =>
    realSetInterval(callback, toRealMs(delay) as number, ...args);
  globalThis.setTimeout = scaledSetTimeout as typeof setTimeout;
  globalThis.setInterval = scaledSetInterval as typeof setInterval;
  timers.setTimeout = globalThis.setTimeout;
  timers.setInterval = globalThis.setInterval;

  const { setTimeout: realWait, setInterval: realEvery } = timersPromises;
  timersPromises.setTimeout = ((delay?: number, ...rest: unknown[]) =>
    realWait(toRealMs(delay) as number, ...rest)) as typeof realWait;
  timersPromises.setInterval = ((delay?: number, ...rest: unknown[]) =>
    realEvery(toRealMs(delay) as number, ...rest)) as typeof realEvery;
  // util.promisify(setTimeout) is timers/promises' setTimeout, scaled as well.
  Object.defineProperty(scaledSetTimeout, promisify.custom, { value: timersPromises.setTimeout });

  const realAbortTimeout = AbortSignal.timeout.bind(AbortSignal);
  AbortSignal.timeout = (delayMs: number) => realAbortTimeout(toRealMs(delayMs) as number);

  // `import { setTimeout } from 'node:timers'` (and timers/promises) see the replacements too.
  syncBuiltinESMExports();
}
