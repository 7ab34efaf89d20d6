import type { CompiledPolicy } from '../policy/compiled.js';
import { observe, type Observation } from './envelope.js';
import type { Phase, Signal, Transport } from './types.js';

/** Everything the rules can test, read once from a signal. */
export interface Facts {
  transport: Transport;
  phase: Phase;
  attempt: number;
  status: number | undefined;
  closeCode: number | undefined;
  error: string | undefined;
  /** The payload reading that speaks for the signal (an error report wins over a plain body). */
  obs: Observation | undefined;
  emptyBody: boolean;
  /** A message or stream line was given (so "no error envelope" means "a normal message"). */
  hasMessage: boolean;
}

/** Reads the signal's payloads through the policy's envelopes. Never throws. */
export function readFacts(policy: CompiledPolicy, signal: Signal): Facts {
  const line =
    signal.streamLine !== undefined
      ? observe(policy, 'streamLine', signal.streamLine)
      : signal.message !== undefined
        ? observe(policy, 'message', signal.message)
        : undefined;
  const body =
    signal.body !== undefined && signal.body !== '' ? observe(policy, 'body', signal.body) : undefined;
  return {
    transport: signal.transport ?? 'http',
    phase: signal.phase ?? 'submit',
    attempt: signal.attempt ?? 1,
    status: signal.status,
    closeCode: signal.closeCode,
    error: signal.error,
    obs: line?.isError ? line : (body ?? line),
    emptyBody: signal.body === '',
    hasMessage: signal.message !== undefined || signal.streamLine !== undefined,
  };
}
