import type { CompiledPolicy } from '../policy/compiled.js';
import type { Facts } from './facts.js';
import { printable } from './reason.js';
import type { Action } from './types.js';

/** What a built-in fallback decided (the engine's answer when no policy rule matched). */
export interface Fallback {
  id: string;
  action: Action;
  category: string;
  summary: string;
}

/** Network errors raised before any byte reached the vendor: always safe to resend (docs/design.md rule 7). */
export const NEVER_SENT_ERRORS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'ENETDOWN',
  'EHOSTDOWN',
  'ECONNECT_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const CLOSE_DONE = new Set([1000]);
const CLOSE_RECOVERABLE = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014]);

const STATUS_CATEGORY: Record<number, string> = {
  400: 'invalid_request',
  401: 'auth',
  402: 'billing',
  403: 'permission',
  404: 'not_found',
  405: 'invalid_request',
  409: 'conflict',
  410: 'not_found',
  413: 'invalid_request',
  415: 'invalid_request',
  422: 'invalid_request',
  503: 'unavailable',
  504: 'timeout',
};

function codeWord(facts: Facts): string {
  return facts.obs?.code === undefined ? 'no vendor code' : `undocumented code ${printable(facts.obs.code)}`;
}

function byStatus(status: number, facts: Facts): Fallback {
  const why = codeWord(facts);
  if (status < 200 || (status >= 300 && status < 400)) {
    return {
      id: 'fallback-status',
      action: 'ok',
      category: 'ok',
      summary: `status ${status} is not an error`,
    };
  }
  if (status < 300) {
    if (facts.phase === 'poll' && facts.obs?.jobStatus !== undefined) {
      // A job state the policy does not document: keep asking until a documented state or the
      // poll deadline, rather than returning an unfinished job as done.
      return {
        id: 'fallback-job-state',
        action: 'poll',
        category: 'unknown',
        summary: `job state "${printable(facts.obs.jobStatus)}" is not documented; polling on until a known state or the deadline`,
      };
    }
    if (facts.obs?.isError && facts.obs.code !== undefined) {
      return {
        id: 'fallback-error-in-2xx',
        action: 'fail',
        category: 'unknown',
        summary: `a ${status} body carries ${why}; the vendor reported an error it does not document as retryable`,
      };
    }
    return { id: 'fallback-2xx', action: 'ok', category: 'ok', summary: 'success' };
  }
  if (status === 429) {
    return {
      id: 'fallback-429',
      action: 'backoff',
      category: 'rate_limited',
      summary: `too many requests (${why})`,
    };
  }
  if (status === 408) {
    return { id: 'fallback-408', action: 'retry', category: 'timeout', summary: `request timeout (${why})` };
  }
  if (status >= 500) {
    return {
      id: 'fallback-5xx',
      action: 'retry',
      category: STATUS_CATEGORY[status] ?? 'server_error',
      summary: `server error ${status} (${why}; the 5xx class is transient)`,
    };
  }
  return {
    id: 'fallback-4xx',
    action: 'fail',
    category: STATUS_CATEGORY[status] ?? 'client_error',
    summary: `client error ${status} (${why}; the 4xx class fails)`,
  };
}

function byCloseCode(code: number): Fallback {
  if (CLOSE_DONE.has(code))
    return {
      id: 'fallback-close-normal',
      action: 'ok',
      category: 'done',
      summary: 'session closed normally',
    };
  if (CLOSE_RECOVERABLE.has(code)) {
    return {
      id: 'fallback-close-recoverable',
      action: 'reconnect',
      category: code === 1006 ? 'network' : 'server_error',
      summary: `session closed with ${code} (recoverable close code)`,
    };
  }
  return {
    id: 'fallback-close-fatal',
    action: 'fail',
    category: 'policy_violation',
    summary: `session closed with ${code} (a protocol, policy or undocumented application close code)`,
  };
}

function byNetworkError(policy: CompiledPolicy, facts: Facts, rawError: string): Fallback {
  const error = printable(rawError);
  if (facts.transport === 'ws') {
    return {
      id: 'fallback-network',
      action: 'reconnect',
      category: 'network',
      summary: `connection failed (${error})`,
    };
  }
  if (NEVER_SENT_ERRORS.has(error)) {
    return {
      id: 'fallback-network-unsent',
      action: 'retry',
      category: 'network',
      summary: `the request never reached the vendor (${error}), so resending cannot bill twice`,
    };
  }
  if (policy.resend[facts.phase] === 'safe') {
    return {
      id: 'fallback-network',
      action: 'retry',
      category: 'network',
      summary: `connection failed (${error}); the policy documents resending a ${facts.phase} request as safe`,
    };
  }
  return {
    id: 'fallback-network-maybe-delivered',
    action: 'fail',
    category: 'network',
    summary: `connection failed (${error}) after the request may have reached the vendor; resending a ${facts.phase} could bill twice`,
  };
}

/**
 * docs/design.md rule 1's fallbacks, used when no policy rule matched: network errors by whether the
 * request may have been delivered, error messages by transport, close codes and statuses by class.
 */
export function fallback(policy: CompiledPolicy, facts: Facts): Fallback {
  if (facts.error !== undefined && facts.status === undefined)
    return byNetworkError(policy, facts, facts.error);
  if (facts.obs?.isError && facts.hasMessage) {
    if (facts.transport === 'ws') {
      return {
        id: 'fallback-error-message',
        action: 'reconnect',
        category: 'server_error',
        summary: `the server sent an error message (${codeWord(facts)})`,
      };
    }
    return {
      id: 'fallback-stream-error',
      action: 'retry',
      category: 'stream_error',
      summary: `an error line arrived inside the streamed response (${codeWord(facts)})`,
    };
  }
  if (facts.closeCode !== undefined) return byCloseCode(facts.closeCode);
  if (facts.status !== undefined) return byStatus(facts.status, facts);
  if (facts.error !== undefined) return byNetworkError(policy, facts, facts.error);
  return { id: 'fallback-message', action: 'ok', category: 'ok', summary: 'a normal message, not an error' };
}
