import type { Clock } from '../core/engine/types.js';
import type { SimulatorPhase, SimulatorTransport } from './endpoint-kinds.js';
import type {
  DropFault,
  ErrorFault,
  Fault,
  FaultMatch,
  FaultPlan,
  JobFailureFault,
  RateLimitFault,
  RejectUpgradeFault,
  StreamErrorFault,
  WarmUpFault,
  WsErrorFault,
} from './fault-plan.js';
import { createSeededRandom, type RandomSource } from './seeded-random.js';
import { TokenBucket } from './token-bucket.js';

/** The endpoint a request or connection arrived on; `E` is the endpoint id type (see fault-plan.ts). */
export interface FaultTarget<E extends string = string> {
  /** Endpoint id. */
  endpoint: E;
  /** Its transport. */
  transport: SimulatorTransport;
  /** Its phase. */
  phase: SimulatorPhase;
}

/** A fault that answers the request instead of the vendor logic. */
export type GateFault = DropFault | RejectUpgradeFault | WarmUpFault | RateLimitFault | ErrorFault;

/** What the scheduler decided before the vendor logic runs. */
export interface AdmissionVerdict {
  /** Real-time delay to apply first (sum of firing latency faults). */
  delayMs: number;
  /** The fault answering the request, if one fired, with the wait to announce. */
  gate?: { fault: GateFault; retryAfterSeconds: number | undefined } | undefined;
}

/** Faults that act inside an answer the vendor logic is producing, by kind. */
export interface SessionFaultByKind {
  'stream-error': StreamErrorFault;
  'ws-error': WsErrorFault;
  drop: DropFault;
  'job-failure': JobFailureFault;
}

/** One time a fault fired (for assertions on the plan itself); `E` is the endpoint id type. */
export interface FaultFiring<E extends string = string> {
  /** Position of the fault in the plan. */
  index: number;
  /** Its kind. */
  kind: Fault['kind'];
  /** Where it fired. */
  endpoint: E;
  /** Simulator-clock time. */
  atMs: number;
}

const GATE_KINDS = new Set<Fault['kind']>(['drop', 'reject-upgrade', 'warm-up', 'rate-limit', 'error']);

/** Applies a fault plan: counts matches per fault, draws probabilities, keeps token buckets and time windows. */
export class FaultScheduler<E extends string = string> {
  private readonly seenCounts: number[];
  private readonly firedCounts: number[];
  private readonly buckets = new Map<number, TokenBucket>();
  private readonly random: RandomSource;
  /** Every firing, in order. */
  readonly firings: FaultFiring<E>[] = [];

  constructor(
    private readonly plan: FaultPlan<E>,
    private readonly clock: Clock,
    private readonly startedAtMs: number,
  ) {
    this.seenCounts = plan.faults.map(() => 0);
    this.firedCounts = plan.faults.map(() => 0);
    this.random = createSeededRandom(plan.seed ?? 1);
  }

  /**
   * Latency and answering faults for a new request. Faults are checked in plan order; the first answering
   * fault that fires wins and the answering faults after it do not see the request.
   */
  admit(target: FaultTarget<E>): AdmissionVerdict {
    let delayMs = 0;
    let gate: AdmissionVerdict['gate'];
    this.plan.faults.forEach((fault, index) => {
      if (fault.kind === 'latency') {
        if (this.tryFire(index, target)) delayMs += fault.delayMs;
      } else if (!gate && GATE_KINDS.has(fault.kind) && !isMidResponseDrop(fault)) {
        gate = this.tryGate(fault as GateFault, index, target);
      }
    });
    return { delayMs, gate };
  }

  /** The first fault of `kind` that fires for this request, called where the vendor logic could apply it. */
  claim<K extends keyof SessionFaultByKind>(
    kind: K,
    target: FaultTarget<E>,
  ): SessionFaultByKind[K] | undefined {
    for (const [index, fault] of this.plan.faults.entries()) {
      if (fault.kind !== kind || (kind === 'drop' && !isMidResponseDrop(fault))) continue;
      if (this.tryFire(index, target)) return fault as SessionFaultByKind[K];
    }
    return undefined;
  }

  private tryGate(fault: GateFault, index: number, target: FaultTarget<E>): AdmissionVerdict['gate'] {
    if (fault.kind === 'reject-upgrade' && target.transport !== 'ws') return undefined;
    const condition = (): number | undefined | false => {
      if (fault.kind === 'warm-up') return this.inWarmUp(fault) ? (fault.retryAfterSeconds ?? 30) : false;
      if (fault.kind === 'rate-limit') return this.overRateLimit(fault, index);
      return 'retryAfterSeconds' in fault ? fault.retryAfterSeconds : undefined;
    };
    let retryAfterSeconds: number | undefined;
    const fired = this.tryFire(index, target, () => {
      const result = condition();
      if (result === false) return false;
      retryAfterSeconds = result;
      return true;
    });
    return fired ? { fault, retryAfterSeconds } : undefined;
  }

  private inWarmUp(fault: WarmUpFault): boolean {
    const elapsedMs = this.clock.now() - this.startedAtMs;
    const startMs = fault.startMs ?? 0;
    return elapsedMs >= startMs && elapsedMs < startMs + fault.durationMs;
  }

  /** The wait to announce when over the limit, or false when a token was available. */
  private overRateLimit(fault: RateLimitFault, index: number): number | false {
    let bucket = this.buckets.get(index);
    if (!bucket) {
      bucket = new TokenBucket(fault.tokensPerSecond, fault.burst, this.clock);
      this.buckets.set(index, bucket);
    }
    if (bucket.tryTake()) return false;
    if (fault.retryAfterSeconds !== undefined) return fault.retryAfterSeconds;
    const waitMs = bucket.msUntilNextToken();
    // A bucket that never refills still needs a finite, honest-looking wait on the wire.
    return Number.isFinite(waitMs) ? Math.max(1, Math.ceil(waitMs / 1000)) : 60;
  }

  private tryFire(index: number, target: FaultTarget<E>, condition: () => boolean = () => true): boolean {
    const fault = this.plan.faults[index];
    if (!fault || !faultMatches(fault.match, target)) return false;
    const seen = ++this.seenCounts[index]!;
    if (seen <= (fault.after ?? 0)) return false;
    if (fault.times !== undefined && this.firedCounts[index]! >= fault.times) return false;
    if (fault.probability !== undefined && this.random() >= fault.probability) return false;
    if (!condition()) return false;
    this.firedCounts[index]! += 1;
    this.firings.push({ index, kind: fault.kind, endpoint: target.endpoint, atMs: this.clock.now() });
    return true;
  }
}

function isMidResponseDrop(fault: Fault): boolean {
  return fault.kind === 'drop' && fault.when === 'mid-response';
}

/** Whether a fault's `match` selects this endpoint. */
export function faultMatches(match: FaultMatch | undefined, target: FaultTarget): boolean {
  if (!match) return true;
  if (match.transport !== undefined && match.transport !== target.transport) return false;
  if (match.phase !== undefined && match.phase !== target.phase) return false;
  if (match.endpoint === undefined) return true;
  const endpoints: readonly string[] = typeof match.endpoint === 'string' ? [match.endpoint] : match.endpoint;
  return endpoints.includes(target.endpoint);
}
