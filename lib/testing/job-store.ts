import type { Clock } from '../core/engine/types.js';

/** Lifecycle of a simulated async job, mapped by each vendor onto its own status words. */
export type JobState = 'queued' | 'running' | 'done' | 'failed';

/** How a job will fail, set at submit time by a `job-failure` fault. */
export interface JobFailure {
  /** Vendor failure code, if the fault gave one. */
  code?: string | undefined;
  /** Failure text, if the fault gave one. */
  message?: string | undefined;
}

/** One async job. */
export interface SimulatedJob {
  /** The vendor-visible id. */
  id: string;
  /** Current state. */
  state: JobState;
  /** Accepted polls so far. */
  polls: number;
  /** Simulator-clock time of creation. */
  createdAtMs: number;
  /** Simulator-clock time of the last accepted poll. */
  lastPollAtMs?: number | undefined;
  /** Set when the job is scheduled to fail. */
  failure?: JobFailure | undefined;
}

/** Async jobs that advance one step per accepted poll, so tests see every state deterministically. */
export class JobStore {
  private readonly jobs = new Map<string, SimulatedJob>();
  private nextNumber = 1;

  /** @param pollsUntilDone accepted polls before the job is terminal (earlier polls see it running). */
  constructor(
    private readonly pollsUntilDone: number,
    private readonly clock: Clock,
  ) {}

  /** Creates a queued job with id `${idPrefix}${n}`. */
  create(idPrefix: string, failure?: JobFailure): SimulatedJob {
    const job: SimulatedJob = {
      id: `${idPrefix}${String(this.nextNumber++).padStart(6, '0')}`,
      state: 'queued',
      polls: 0,
      createdAtMs: this.clock.now(),
    };
    if (failure) job.failure = failure;
    this.jobs.set(job.id, job);
    return job;
  }

  /** The job with this id, if any. */
  get(id: string): SimulatedJob | undefined {
    return this.jobs.get(id);
  }

  /** Ends a job that finished without being polled (an Audixa WebSocket stream that sent `completed`). */
  complete(job: SimulatedJob): void {
    job.state = 'done';
  }

  /** Counts one accepted poll and moves the job on; returns its new state. */
  advance(job: SimulatedJob): JobState {
    if (job.state === 'done' || job.state === 'failed') return job.state;
    job.polls += 1;
    job.lastPollAtMs = this.clock.now();
    if (job.polls >= this.pollsUntilDone) job.state = job.failure ? 'failed' : 'done';
    else job.state = 'running';
    return job.state;
  }
}
