import { abortReason } from './sleep.js';

/**
 * Settles as `pending` does, or rejects as soon as `signal` aborts, with `reasonOf(signal)`
 * (`abortReason` by default), after `stop()` has torn down what `pending` waits on (a request, a
 * stream read). Already aborted: rejects at once, and a later rejection of `pending` goes unheard.
 * No listener is left on the signal.
 */
export function untilAborted<T>(
  pending: PromiseLike<T>,
  signal: AbortSignal,
  stop?: () => void,
  reasonOf: (signal: AbortSignal) => unknown = abortReason,
): Promise<T> {
  if (signal.aborted) {
    stop?.();
    Promise.resolve(pending).catch(() => undefined);
    return Promise.reject(reasonOf(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      stop?.();
      reject(reasonOf(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
