/**
 * An estimate of the rate a vendor really accepts, learnt from its rate-limit answers while this
 * process has a backlog, for when the configured rate is higher than the vendor's.
 *
 * Model: the vendor limits with a token bucket (rate R, burst B), the usual way. An episode runs
 * from the moment sending resumes on a rested bucket (the gate the last throttle closed has
 * opened, or the first send after a pause) to the next throttle, with calls queued all along, so
 * the pacer sent as fast as it was allowed. The bucket starts the episode holding some B' (the
 * same after every rest of that length) and is empty at the throttle, so the vendor accepted
 * A = B' + R·T requests in an episode of length T: two episodes of different lengths give R as
 * the slope. A rate measured over a window of wall-clock time would not do: a window that holds
 * a closed gate (or the start of the storm) counts time nothing was sent, and one that holds only
 * the episode counts the pacer's own rate, since everything before the throttle was accepted.
 *
 * Requests are counted when sent (a slow success took its token when it arrived, long before it
 * answered), less the rate-limit answers that came back for the episode (some arrive while its
 * gate is closed). The estimate only ever lowers the rate the pacer remembers (see
 * `rememberThrottle`), and it is dropped when a throttle comes well below it.
 */

import { ESTIMATE_RESTART_FACTOR } from './adaptive-math.js';

/** One finished episode. */
interface Episode {
  /** Length, from the (projected) start to the throttle (s). */
  seconds: number;
  /** Requests the vendor accepted in it. */
  accepted: number;
  /** From the throttle before it to its end (s), when it followed a throttle. */
  sinceThrottleSeconds: number | undefined;
}

/** What is known of the episode under way. */
interface CurrentEpisode {
  /** When it started, once known (see {@link CLOCK_START_SEND}). */
  startMs: number | undefined;
  sent: number;
  rejected: number;
  backlogged: boolean;
  /** When the throttle before it happened. */
  throttleBeforeMs: number | undefined;
  /**
   * The sends of a probing episode (the pacer's rate doubling from a guess), with the rate each
   * was sent at; `undefined` for an episode paced at a steady rate.
   */
  probe: ProbeSend[] | undefined;
}

/** One send of a probing episode: when, the rate the pacer allowed then, and its place in the episode. */
export interface ProbeSend {
  atMs: number;
  ratePerSec: number;
  /** The episode's sends before this one. */
  sentBefore: number;
}

/**
 * Sends of one probing episode kept for {@link RateEstimator.throttled}: the crossing is found
 * among the first ones (a probe crosses the vendor's rate within a few doublings of its guess).
 */
const PROBE_SENDS_KEPT = 4096;
/**
 * The same across processes (the Redis store keeps them in one hash field, rewritten on each
 * send, so fewer): a probe from a third of the vendor's rate crosses it within 40 sends or so.
 */
export const SHARED_PROBE_SENDS_KEPT = 512;

/** A probe's slope is taken over at least this many requests the vendor accepted after the crossing. */
const MIN_PROBE_REQUESTS = 8;
/**
 * The fitted episodes' accepted counts must differ by at least this many: a request more or
 * less at each end is noise (a late answer, a send on the edge of the throttle), and over fewer
 * it swings the slope by more than a third. Across four processes on one Redis, two episodes
 * four requests apart fitted 26/s and 48/s for a 40/s bucket. Not more: a 500/min vendor
 * configured at twice its rate gives episodes seven or eight apart.
 */
const MIN_FIT_REQUESTS = 6;

/** Episodes fitted; older ones are forgotten (the vendor's limit may have changed). */
const EPISODES_KEPT = 4;
/** The longest fitted episode must be this much longer than the shortest for the slope to mean something. */
const MIN_SPREAD = 1.5;
/** A pause this long without sends rests the bucket like a gate does (ms). */
export const REST_MS = 1000;
/**
 * An episode's start is projected back from its third send at the pacer's spacing: the first
 * sends of a storm can reach the vendor late (in the storm bench 54, 20 and 7 ms after their
 * turn, then 1–2 ms), so the first send's time would make the episode look longer to us than the
 * vendor saw it.
 */
const CLOCK_START_SEND = 3;

export class RateEstimator {
  private current: CurrentEpisode | undefined;
  private readonly episodes: Episode[] = [];
  private lastSendMs = Number.NEGATIVE_INFINITY;
  private lastThrottleMs: number | undefined;
  /** The episode the last throttle ended, while late rate-limit answers may still amend it. */
  private amendable: Episode | undefined;
  private estimatePerSec: number | undefined;

  /**
   * A request was sent; `backlogged` = calls are still queued behind it; `spacingMs` = the
   * pacer's spacing between sends (0 when unlimited); `probing` = the pacer's rate is a probe
   * doubling from a guess (`ThrottleMemory.probing`).
   */
  sent(nowMs: number, backlogged: boolean, spacingMs: number, probing = false): void {
    if (this.lastThrottleMs !== undefined || nowMs - this.lastSendMs >= REST_MS) {
      this.current = {
        startMs: undefined,
        sent: 0,
        rejected: 0,
        backlogged: true,
        throttleBeforeMs: this.lastThrottleMs,
        probe: undefined,
      };
      this.lastThrottleMs = undefined;
      this.amendable = undefined;
    }
    this.lastSendMs = nowMs;
    const episode = this.current;
    if (!episode) return; // not started on a rested bucket: nothing to learn until a throttle
    episode.sent += 1;
    if (probing && spacingMs > 0) {
      episode.probe ??= [];
      if (episode.probe.length < PROBE_SENDS_KEPT)
        episode.probe.push({ atMs: nowMs, ratePerSec: 1000 / spacingMs, sentBefore: episode.sent - 1 });
    }
    if (episode.sent === CLOCK_START_SEND) episode.startMs = nowMs - (CLOCK_START_SEND - 1) * spacingMs;
    if (!backlogged) episode.backlogged = false;
  }

  /** A rate-limit answer that did not close the gate (a request in flight when it closed). */
  rejected(): void {
    if (this.current) this.current.rejected += 1;
    else if (this.amendable) this.amendable.accepted = Math.max(0, this.amendable.accepted - 1);
  }

  /**
   * A rate-limit answer closed the gate: ends the episode. Returns the estimated real rate, at
   * most `allowedPerSec` (the rate that was too fast), or `undefined` when there is none.
   */
  throttled(nowMs: number, allowedPerSec: number | undefined): number | undefined {
    const episode = this.current;
    if (!episode && this.lastThrottleMs !== undefined) {
      // Nothing was sent since the last throttle: this answer is to a request of the episode it
      // ended (two answers recorded in the same turn both saw the gate open). It amends it.
      this.rejected();
      return this.checked(allowedPerSec);
    }
    this.current = undefined;
    this.lastThrottleMs = nowMs;
    this.amendable = undefined;
    if (episode?.backlogged && episode.probe !== undefined) {
      this.amendable = this.probeEpisode(episode, nowMs);
      if (this.amendable) this.keep(this.amendable);
    } else if (episode?.backlogged && episode.startMs !== undefined && nowMs >= episode.startMs) {
      this.amendable = {
        seconds: (nowMs - episode.startMs) / 1000,
        // The throttled request was sent in the episode, and the rejections counted so far.
        accepted: Math.max(0, episode.sent - episode.rejected - 1),
        sinceThrottleSeconds:
          episode.throttleBeforeMs === undefined ? undefined : (nowMs - episode.throttleBeforeMs) / 1000,
      };
      this.keep(this.amendable);
    }
    return this.checked(allowedPerSec);
  }

  /** The estimate, against a throttle at `allowedPerSec` (see {@link throttled}). */
  private checked(allowedPerSec: number | undefined): number | undefined {
    const checked = checkedEstimate(this.estimatePerSec, allowedPerSec);
    if (checked === undefined) this.estimatePerSec = undefined;
    return checked;
  }

  /** Adds a finished episode and fits the estimate again. */
  private keep(episode: Episode): void {
    this.episodes.push(episode);
    if (this.episodes.length > EPISODES_KEPT) this.episodes.shift();
    const fitted = fit(this.episodes) ?? this.estimatePerSec;
    const floor = lowerBound(this.episodes);
    this.estimatePerSec = fitted === undefined || floor === undefined ? fitted : Math.max(fitted, floor);
  }

  /** The part of a probing episode the model holds for ({@link crossingEpisode}), paired with the last steady one. */
  private probeEpisode(episode: CurrentEpisode, nowMs: number): Episode | undefined {
    const steady = this.episodes.at(-1);
    if (!steady) return undefined;
    // The throttled request was sent in the episode, and so were the rejections counted so far.
    const accepted = Math.max(0, episode.sent - episode.rejected - 1);
    const crossing = crossingEpisode(steady, episode.probe ?? [], accepted, nowMs);
    return crossing && { ...crossing, sinceThrottleSeconds: undefined };
  }
}

/**
 * The part of a probing episode the model holds for. A probe starts below the vendor's rate R,
 * so the bucket stays full (tokens overflow) until the probe's rate crosses R, and only from
 * that send on did the pacer send at least as fast as the vendor refills: from there to the
 * throttle at `nowMs`, the vendor accepted B + R·T, as in the `steady` episode before it (paced,
 * or the first unpaced burst). Taking each send in turn as the crossing, the two give a slope; it
 * is below R for a send before the crossing (the sends between it and the crossing came slower
 * than R) and for one after it (they came faster), and R at the crossing, where the probe's own
 * rate is R too. So the crossing is the send where the lower of the slope and the send's rate is
 * highest. `sends` are the episode's sends in order, `accepted` what the vendor accepted of them.
 * Returns `undefined` when there are too few requests after any crossing to say.
 */
export function crossingEpisode(
  steady: SharedEpisode,
  sends: readonly ProbeSend[],
  accepted: number,
  nowMs: number,
): SharedEpisode | undefined {
  let best: { rate: number; episode: SharedEpisode } | undefined;
  for (const send of sends) {
    const seconds = (nowMs - send.atMs) / 1000;
    const acceptedSince = accepted - send.sentBefore;
    // Lengths too alike, or too few requests for one more or less not to swing the slope.
    if (seconds < MIN_SPREAD * steady.seconds || acceptedSince - steady.accepted < MIN_PROBE_REQUESTS) break;
    const slope = (acceptedSince - steady.accepted) / (seconds - steady.seconds);
    const rate = Math.min(slope, send.ratePerSec);
    if (best === undefined || rate > best.rate)
      best = { rate, episode: { seconds, accepted: acceptedSince } };
  }
  return best?.episode;
}

/** An episode that every process of a cluster counted together (the Redis store keeps the last few). */
export interface SharedEpisode {
  /** From the first send on a rested bucket (or the gate's opening) to the throttle (s). */
  seconds: number;
  /** Requests the vendor accepted in it, from every process. */
  accepted: number;
}

/**
 * Cluster mode's estimate: the same fit, over the episodes all processes counted together in the
 * shared store (each process alone sees only its share of the sends), checked against the rate
 * that was throttled as {@link RateEstimator.throttled} checks it. `undefined` when they say nothing.
 */
export function estimateFromSharedEpisodes(
  episodes: readonly SharedEpisode[],
  allowedPerSec: number | undefined,
): number | undefined {
  const fitted = fit(episodes.map((e) => ({ ...e, sinceThrottleSeconds: undefined })));
  // Across processes nobody sees whether every send kept the pace (each process has only its own
  // backlog), so an episode sent slower than the vendor refills can slip in and bend the fit. A
  // fit the episodes contradict is not used: each episode holds B + R·T with B ≥ 0, so R is at
  // most its accepted per second, and the fit's burst (the intercept) cannot be negative.
  if (fitted === undefined) return undefined;
  const meanT = episodes.reduce((sum, e) => sum + e.seconds, 0) / episodes.length;
  const meanA = episodes.reduce((sum, e) => sum + e.accepted, 0) / episodes.length;
  const consistent =
    meanA - fitted * meanT >= 0 && episodes.every((e) => e.seconds <= 0 || fitted <= e.accepted / e.seconds);
  return consistent ? checkedEstimate(fitted, allowedPerSec) : undefined;
}

/**
 * Cluster mode's estimate after a probe (`ThrottleMemory.probing`) was throttled, when its sends
 * give no crossing ({@link crossingEpisode}: no steady episode before it, too few requests after
 * the crossing, or a fit the episodes contradict): what the vendor accepted per second of it is
 * near the vendor's rate: the probe's first sends came slower than the vendor refills, its last ones
 * faster with the bucket's burst on top. From the guess a first burst gives (about 0.3 × the rate)
 * it is 0.75–1 × the rate with a burst of a fifth of a second's worth; with a burst of a second's
 * worth or more it is above the rate, but still below `beta` × the doubling that overshot, the
 * decrease it replaces (test/unit/pacing/rate-estimate.test.ts). `undefined` with too few
 * requests to say.
 */
export function estimateFromProbeEpisode(ended: SharedEpisode): number | undefined {
  if (!(ended.seconds > 0) || ended.accepted < MIN_PROBE_REQUESTS) return undefined;
  return ended.accepted / ended.seconds;
}

/**
 * An estimate after a throttle at `allowedPerSec`. Throttled just below the estimate (the pacer
 * restarts a little under it and climbs): the vendor's rate is about what was allowed. Well below
 * it: the estimate was wrong, or the vendor's limit dropped; `undefined`, and the caller falls
 * back to a plain decrease.
 */
function checkedEstimate(
  estimate: number | undefined,
  allowedPerSec: number | undefined,
): number | undefined {
  if (estimate === undefined || allowedPerSec === undefined || estimate < allowedPerSec) return estimate;
  return allowedPerSec >= ESTIMATE_RESTART_FACTOR * estimate ? allowedPerSec : undefined;
}

/**
 * The least-squares slope of accepted over length, or `undefined` when the lengths are too alike
 * or the counts too close to say.
 */
function fit(episodes: readonly Episode[]): number | undefined {
  if (episodes.length < 2) return undefined;
  const lengths = episodes.map((e) => e.seconds);
  if (Math.max(...lengths) < MIN_SPREAD * Math.min(...lengths)) return undefined;
  const counts = episodes.map((e) => e.accepted);
  if (Math.max(...counts) - Math.min(...counts) < MIN_FIT_REQUESTS) return undefined;
  const meanT = lengths.reduce((sum, t) => sum + t, 0) / episodes.length;
  const meanA = episodes.reduce((sum, e) => sum + e.accepted, 0) / episodes.length;
  let covariance = 0;
  let variance = 0;
  for (const e of episodes) {
    covariance += (e.seconds - meanT) * (e.accepted - meanA);
    variance += (e.seconds - meanT) ** 2;
  }
  const slope = covariance / variance;
  return slope > 0 ? slope : undefined;
}

/**
 * A rate the vendor certainly allows: the bucket was empty at the throttle before an episode,
 * so what it accepted until the next one took at most R × that time in tokens.
 */
function lowerBound(episodes: readonly Episode[]): number | undefined {
  let bound: number | undefined;
  for (const e of episodes) {
    if (e.sinceThrottleSeconds === undefined) continue;
    bound = Math.max(bound ?? 0, e.accepted / e.sinceThrottleSeconds);
  }
  return bound;
}
