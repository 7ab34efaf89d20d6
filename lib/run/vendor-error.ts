import { inspect } from 'node:util';
import type { Action, Decision } from '../core/engine/types.js';
import { ArgumentCheck, isRecord } from './validate-arguments.js';
import { cleanCause } from './clean-cause.js';
import { redactedDecision, redactText } from './redact.js';

/** What a {@link VendorError} is built from. */
export interface VendorErrorInit {
  vendor: string;
  decision: Decision;
  /** How many attempts the call made (tries, connections or submissions). */
  attempts: number;
  status?: number;
  requestId?: string;
  /** Output already handed to the caller before the failure (streams). */
  partialOutput?: unknown;
  /** The vendor's own message (bounded; redacted here). */
  vendorMessage?: string;
  cause?: unknown;
  /** Credentials known to the caller, removed from every text this error carries. */
  secrets?: readonly string[];
}

/**
 * What every error that ended a call under a vendor policy carries, whatever its class: a
 * {@link VendorError}, or (from the got adapter) got's own error (`HTTPError`, `RequestError`, …)
 * with these fields added. Recognised by {@link isVendorError}.
 */
export interface VendorFailure extends Error {
  /** Marker behind {@link isVendorError}, stable across package copies. */
  readonly isVendorError: true;
  /** The policy's vendor name (`zenhire`, or the `vendor` of your own policy). */
  readonly vendor: string;
  /**
   * A {@link VendorError}: the vendor's own code. got's errors keep got's `code`
   * (`ERR_NON_2XX_3XX_RESPONSE`, `ECONNRESET`, …); the vendor's is {@link vendorCode} on both.
   */
  readonly code?: string | undefined;
  /** The vendor's own code (`RATE_LIMIT_EXCEEDED`, `1008`), when it gave one. */
  readonly vendorCode: string | undefined;
  /** What kind of failure it was (`rate_limited`, `auth`, `billing`, `deadline_exceeded` …; the decision's). */
  readonly category: string;
  /** The action that ended the call (`fail`, or the retryable action whose budget ran out). */
  readonly action: Action;
  /** HTTP status of the last response, when there was one. */
  readonly status: number | undefined;
  /** How many attempts the call made (tries, connections or submissions). */
  readonly attempts: number;
  /** The vendor's id for what the call was working on (a job id), when it had one. */
  readonly requestId: string | undefined;
  /** The wait the server asked for, in milliseconds, when it asked for one. */
  readonly retryAfterMs: number | undefined;
  /** The full decision that ended the call (its `reason` says why, `rule` which rule). */
  readonly decision: Decision;
  /** The vendor's own words (`detail`, `error.message`, …), bounded and redacted. */
  readonly vendorMessage: string | undefined;
  /** Output already handed to the caller before the failure (message streams). */
  readonly partialOutput?: unknown;
  /**
   * The last response, when the call ended on one: got's `Response` on got's `HTTPError` (typed when
   * narrowed with `error instanceof HTTPError` too), fetch's on a `resilientFetch` {@link VendorError}
   * (typed on the class). `unknown` here: this entry depends on neither client's types.
   */
  readonly response?: unknown;
}

/** `new VendorError(init)` from JavaScript: the fields the message and the decision fields are read from. */
function checkInit(init: unknown): void {
  const check: ArgumentCheck = new ArgumentCheck('new VendorError');
  check.object('init', init, 'an object ({ vendor, decision, attempts })');
  check.string('init.vendor', init['vendor'], true);
  const decision = init['decision'];
  check.that(
    isRecord(decision) && typeof decision['reason'] === 'string',
    'init.decision',
    'a decision (with a reason)',
    decision,
  );
  check.number('init.attempts', init['attempts'], { min: 0 });
  check.strings('init.secrets', init['secrets']);
}

/**
 * The one error type vendor-resilience throws for a call that did not succeed. It carries the
 * decision that ended the call and never a credential: message, stack, `util.inspect` and JSON
 * are all redacted.
 */
export class VendorError extends Error implements VendorFailure {
  /** Marker property behind {@link isVendorError}, stable across package copies. */
  readonly isVendorError = true;
  override readonly name = 'VendorError';
  readonly vendor: string;
  /** The vendor's own code, when it gave one (the same as {@link vendorCode}). */
  readonly code: string | undefined;
  // The other fields are documented on VendorFailure.
  readonly vendorCode: string | undefined;
  readonly vendorMessage: string | undefined;
  readonly category: string;
  readonly action: Action;
  readonly status: number | undefined;
  readonly attempts: number;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly decision: Decision;
  readonly partialOutput: unknown;
  /**
   * `resilientFetch`'s error for a status the policy ends the call on: the vendor's Response as fetch
   * gave it (not enumerable; read or cancel its body). `undefined` from the other adapters.
   */
  declare readonly response?: Response;

  constructor(init: VendorErrorInit) {
    checkInit(init);
    const secrets = init.secrets ?? [];
    super(redactText(vendorSentence(init.vendor, init.decision.reason), secrets));
    this.vendor = init.vendor;
    // The vendor's code is its own words too (`invalid_key:sk_…`): redacted like its message.
    const decision = redactedDecision(init.decision, secrets);
    this.code = decision.code;
    this.vendorCode = decision.code;
    this.vendorMessage =
      init.vendorMessage === undefined ? undefined : redactText(init.vendorMessage, secrets);
    this.category = init.decision.category;
    this.action = init.decision.action;
    this.status = init.status;
    this.attempts = init.attempts;
    this.requestId = init.requestId;
    this.retryAfterMs = init.decision.retryAfterMs;
    this.decision = decision;
    this.partialOutput = init.partialOutput;
    if (init.cause !== undefined) {
      Object.defineProperty(this, 'cause', {
        value: cleanCause(init.cause, secrets),
        enumerable: false,
        configurable: true,
      });
    }
    if (this.stack) this.stack = redactText(this.stack, secrets);
  }

  /** A plain, secret-free object for logs. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      message: this.message,
      vendor: this.vendor,
      category: this.category,
      action: this.action,
      attempts: this.attempts,
      decision: this.decision,
    };
    if (this.code !== undefined) out['code'] = this.code;
    if (this.vendorMessage !== undefined) out['vendorMessage'] = this.vendorMessage;
    if (this.status !== undefined) out['status'] = this.status;
    if (this.requestId !== undefined) out['requestId'] = this.requestId;
    if (this.retryAfterMs !== undefined) out['retryAfterMs'] = this.retryAfterMs;
    return out;
  }

  /** `util.inspect` shows the same redacted view as JSON. */
  [inspect.custom](): string {
    return `${this.stack ?? this.message}\n${inspect(this.toJSON(), { depth: 4 })}`;
  }
}

/** A reason as a message that names the vendor once ("breeze 422 …", not "breeze: breeze 422 …"). */
function vendorSentence(vendor: string, reason: string): string {
  return reason.startsWith(`${vendor} `) ? reason : `${vendor}: ${reason}`;
}

/**
 * True for an error that ended a call under a vendor policy: a {@link VendorError}, or got's own
 * error from the got adapter carrying the same fields ({@link VendorFailure}); also across package copies.
 */
export function isVendorError(value: unknown): value is VendorFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isVendorError?: unknown }).isVendorError === true
  );
}
