import { RETRY_TOKEN_COST } from './retry-budget.js';
import {
  type BackoffResult,
  type BackoffUpdate,
  type PacingStore,
  type SharedPacingState,
} from './pacing-store.js';
import type { ClusterConnection } from './redis-connection.js';
import type { ThrottleRates } from './adaptive-math.js';
import { type ProbeSend, REST_MS, SHARED_PROBE_SENDS_KEPT, type SharedEpisode } from './rate-estimate.js';
import {
  BACKOFF_SCRIPT,
  CLAIM_START_SCRIPT,
  COUNT_SEND_SCRIPT,
  SET_THROTTLE_SCRIPT,
  RAISE_CONCURRENCY_SCRIPT,
  READ_STATE_SCRIPT,
  REFILL_TOKENS_SCRIPT,
  TAKE_TOKEN_SCRIPT,
} from './redis-scripts.js';

/**
 * A {@link PacingStore} in Redis, shared by every process using the same key prefix. Times are
 * the processes' own clocks (ms since the epoch), so hosts sharing a store need synchronized
 * clocks (NTP); a skew shifts gate deadlines by that much.
 */
export class RedisPacingStore implements PacingStore {
  readonly shared = true;

  constructor(
    private readonly connection: ClusterConnection,
    /** Keys expire after this long without writes: an abandoned gate or budget resets itself. */
    private readonly idleExpiryMs: number,
  ) {}

  async read(key: string): Promise<SharedPacingState> {
    return parseState(await this.script('a state read', READ_STATE_SCRIPT, key));
  }

  async backoff(key: string, update: BackoffUpdate): Promise<BackoffResult> {
    const { throttle, concurrencyDecrease: decrease } = update;
    const reply = await this.script(
      'a gate update',
      BACKOFF_SCRIPT,
      key,
      update.nowMs,
      update.openAtMs,
      throttle?.lastMaxRatePerSec ?? '',
      decrease ? 1 : 0,
      decrease?.ceiling ?? '',
      decrease?.inFlight ?? 1,
      decrease?.beta ?? 1,
      this.idleExpiryMs,
      throttle?.restartRatePerSec ?? 0,
      throttle?.probing === true ? 1 : 0,
      update.countEpisode === undefined ? 0 : 1,
      update.countEpisode?.backlogged === true ? 1 : 0,
    );
    const fresh = Array.isArray(reply) && reply[6] === '1';
    const result: BackoffResult = { state: parseState(reply), fresh };
    if (fresh && throttle && update.countEpisode) result.episodes = parseEpisodes(reply);
    return result;
  }

  async countSend(key: string, nowMs: number, spacingMs: number): Promise<void> {
    await this.script(
      'a send count',
      COUNT_SEND_SCRIPT,
      key,
      nowMs,
      this.idleExpiryMs,
      REST_MS,
      spacingMs,
      SHARED_PROBE_SENDS_KEPT,
    );
  }

  async setThrottle(key: string, throttleAtMs: number, rates: ThrottleRates): Promise<SharedPacingState> {
    return parseState(
      await this.script(
        'a rate update',
        SET_THROTTLE_SCRIPT,
        key,
        throttleAtMs,
        rates.lastMaxRatePerSec,
        rates.restartRatePerSec,
        rates.probing ? 1 : 0,
        this.idleExpiryMs,
      ),
    );
  }

  async raiseConcurrency(key: string, ceiling: number | undefined): Promise<SharedPacingState> {
    return parseState(
      await this.script('a concurrency update', RAISE_CONCURRENCY_SCRIPT, key, ceiling ?? ''),
    );
  }

  async claimStart(key: string, minTimeMs: number): Promise<number> {
    const reply = await this.script('a send claim', CLAIM_START_SCRIPT, key, minTimeMs, this.idleExpiryMs);
    const waitMs = Number(reply);
    return Number.isFinite(waitMs) ? waitMs : 0;
  }

  async takeRetryToken(key: string, capacity: number): Promise<boolean> {
    const reply = await this.script(
      'a retry-budget update',
      TAKE_TOKEN_SCRIPT,
      key,
      capacity,
      this.idleExpiryMs,
      RETRY_TOKEN_COST,
    );
    return Number(reply) === 1;
  }

  async refillRetryTokens(key: string, amount: number, capacity: number): Promise<void> {
    await this.script(
      'a retry-budget update',
      REFILL_TOKENS_SCRIPT,
      key,
      amount,
      capacity,
      this.idleExpiryMs,
    );
  }

  forget(): void {
    // Nothing is kept in this process; the keys in Redis expire after idleExpiryMs.
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private script(what: string, lua: string, key: string, ...args: (string | number)[]): Promise<unknown> {
    return this.connection.run(what, () => this.connection.client.eval(lua, 1, key, ...args.map(String)));
  }
}

/** The episodes part of BACKOFF_SCRIPT's reply. */
function parseEpisodes(reply: unknown[]): NonNullable<BackoffResult['episodes']> {
  let kept: SharedEpisode[] = [];
  try {
    const list: unknown = JSON.parse(typeof reply[7] === 'string' ? reply[7] : '[]');
    if (Array.isArray(list)) {
      kept = list.flatMap((e: unknown) =>
        Array.isArray(e) && typeof e[0] === 'number' && typeof e[1] === 'number'
          ? [{ seconds: e[0], accepted: e[1] }]
          : [],
      );
    }
  } catch {
    // A malformed list (another version's): nothing is learnt from it.
  }
  const seconds = Number(reply[8]);
  const accepted = Number(reply[9]);
  const ended =
    reply[8] !== '' && Number.isFinite(seconds) && Number.isFinite(accepted)
      ? { seconds, accepted }
      : undefined;
  return { kept, ended, probeSends: parseProbeSends(reply[10]) };
}

/** COUNT_SEND_SCRIPT's 'sentBefore:atMs:rate;…' (malformed entries, another version's, are left out). */
function parseProbeSends(raw: unknown): ProbeSend[] {
  if (typeof raw !== 'string' || raw === '') return [];
  return raw.split(';').flatMap((entry) => {
    const [sentBefore, atMs, ratePerSec] = entry.split(':').map(Number);
    return sentBefore !== undefined &&
      atMs !== undefined &&
      ratePerSec !== undefined &&
      Number.isInteger(sentBefore) &&
      sentBefore >= 0 &&
      Number.isFinite(atMs) &&
      ratePerSec > 0 &&
      Number.isFinite(ratePerSec)
      ? [{ sentBefore, atMs, ratePerSec }]
      : [];
  });
}

function parseState(reply: unknown): SharedPacingState {
  const fields = Array.isArray(reply) ? reply.map((v) => (typeof v === 'string' ? v : '')) : [];
  const number = (index: number): number => {
    const value = Number(fields[index] ?? '');
    return Number.isFinite(value) ? value : 0;
  };
  const concurrency = fields[3] ? Number(fields[3]) : Number.NaN;
  return {
    gateOpenAtMs: number(0),
    lastMaxRatePerSec: number(1),
    lastThrottleAtMs: number(2),
    restartRatePerSec: number(4),
    probing: fields[5] === '1',
    concurrency: Number.isFinite(concurrency) ? concurrency : undefined,
  };
}
