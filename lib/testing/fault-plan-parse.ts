import { ArgumentCheck } from '../run/validate-arguments.js';
import {
  isSimulatorEndpoint,
  SIMULATOR_ENDPOINTS,
  type SimulatorEndpoint,
  type VendorName,
} from './endpoints.js';
import type { Fault, FaultKind, FaultPlan } from './fault-plan.js';
import { faultMatches } from './fault-scheduler.js';

/** A fault plan that does not validate; the message names the field (`faults[2].times`) and the problem. */
export class FaultPlanError extends Error {
  override readonly name = 'FaultPlanError';
}

type Check =
  'count' | 'positiveCount' | 'nonNegative' | 'probability' | 'status' | 'closeCode' | 'string' | 'boolean';

const SCHEDULE_FIELDS: Record<string, Check> = { after: 'count', times: 'count', probability: 'probability' };
const REPLY_FIELDS: Record<string, Check> = {
  code: 'string',
  message: 'string',
  sendRetryAfterHeader: 'boolean',
};

/** Fields per kind: required ones first (`!` suffix), with how each is checked. */
const KIND_FIELDS: Record<FaultKind, Record<string, Check>> = {
  'rate-limit': {
    'tokensPerSecond!': 'nonNegative',
    'burst!': 'positiveCount',
    retryAfterSeconds: 'nonNegative',
    ...REPLY_FIELDS,
  },
  'warm-up': {
    'durationMs!': 'nonNegative',
    startMs: 'nonNegative',
    retryAfterSeconds: 'nonNegative',
    ...REPLY_FIELDS,
  },
  error: { status: 'status', retryAfterSeconds: 'nonNegative', rawBody: 'string', ...REPLY_FIELDS },
  'stream-error': { 'afterLines!': 'count', message: 'string' },
  'ws-error': { 'afterMessages!': 'count', 'closeCode!': 'closeCode', message: 'string' },
  'reject-upgrade': { 'status!': 'status', retryAfterSeconds: 'nonNegative', body: 'string' },
  latency: { 'delayMs!': 'nonNegative' },
  drop: { 'when!': 'string', afterMessages: 'count' },
  'job-failure': { code: 'string', message: 'string' },
};

/** Validates a fault plan given as an object (e.g. `JSON.parse` output); throws {@link FaultPlanError}. */
export function parseFaultPlan(value: unknown): FaultPlan<SimulatorEndpoint> {
  if (!isRecord(value)) throw new FaultPlanError('fault plan: expected an object with a "faults" array');
  rejectUnknown(value, ['seed', 'faults'], 'fault plan');
  if (value['seed'] !== undefined && !Number.isInteger(value['seed'])) {
    throw new FaultPlanError('fault plan.seed: expected an integer');
  }
  const faults = value['faults'];
  if (!Array.isArray(faults)) throw new FaultPlanError('fault plan.faults: expected an array');
  const parsed = faults.map((fault, index) => parseFault(fault, `faults[${index}]`));
  return value['seed'] === undefined ? { faults: parsed } : { seed: value['seed'] as number, faults: parsed };
}

/** Reads a fault plan from JSON text; throws {@link FaultPlanError} naming the problem. */
export function loadFaultPlan(jsonText: string): FaultPlan<SimulatorEndpoint> {
  new ArgumentCheck('loadFaultPlan').string('jsonText', jsonText, true);
  let value: unknown;
  try {
    value = JSON.parse(jsonText);
  } catch (error) {
    throw new FaultPlanError(`fault plan: not valid JSON (${(error as Error).message})`);
  }
  return parseFaultPlan(value);
}

/**
 * Refuses a (parsed) plan's faults that could never fire on `vendor`'s simulator: one naming another
 * vendor's endpoint, or whose match (for `ws-error` and `reject-upgrade`, among WebSocket endpoints)
 * selects none of `vendor`'s endpoints. Throws {@link FaultPlanError}.
 */
export function checkPlanForVendor(plan: FaultPlan<SimulatorEndpoint>, vendor: VendorName): void {
  const own = (Object.keys(SIMULATOR_ENDPOINTS) as SimulatorEndpoint[])
    .map((endpoint) => ({ endpoint, ...SIMULATOR_ENDPOINTS[endpoint] }))
    .filter((target) => target.vendor === vendor);
  plan.faults.forEach((fault, index) => {
    const where = `faults[${index}]`;
    const named = fault.match?.endpoint;
    for (const endpoint of named === undefined ? [] : typeof named === 'string' ? [named] : named) {
      if (SIMULATOR_ENDPOINTS[endpoint].vendor !== vendor) {
        throw new FaultPlanError(
          `${where}.match.endpoint: ${JSON.stringify(endpoint)} is not a ${vendor} endpoint (the fault could never fire)`,
        );
      }
    }
    const wsOnly = fault.kind === 'ws-error' || fault.kind === 'reject-upgrade';
    const reachable = own.filter((target) => !wsOnly || target.transport === 'ws');
    if (reachable.length === 0) {
      throw new FaultPlanError(
        `${where}.kind: ${JSON.stringify(fault.kind)} acts only on WebSocket endpoints; ${vendor} has none`,
      );
    }
    if (!reachable.some((target) => faultMatches(fault.match, target))) {
      const which = wsOnly
        ? `WebSocket endpoints (${reachable.map((t) => t.endpoint).join(', ')})`
        : 'endpoints';
      throw new FaultPlanError(
        `${where}.match: selects none of ${vendor}'s ${which}; the fault could never fire`,
      );
    }
  });
}

function parseFault(value: unknown, where: string): Fault<SimulatorEndpoint> {
  if (!isRecord(value)) throw new FaultPlanError(`${where}: expected an object`);
  const kind = value['kind'];
  if (typeof kind !== 'string' || !Object.hasOwn(KIND_FIELDS, kind)) {
    const kinds = Object.keys(KIND_FIELDS).join(', ');
    throw new FaultPlanError(`${where}.kind: expected one of ${kinds}, got ${JSON.stringify(kind)}`);
  }
  const fields = { ...SCHEDULE_FIELDS, ...KIND_FIELDS[kind as FaultKind] };
  const names = Object.keys(fields).map((name) => name.replace(/!$/, ''));
  rejectUnknown(value, ['kind', 'match', ...names], where);
  for (const [spec, check] of Object.entries(fields)) {
    const name = spec.replace(/!$/, '');
    const field = value[name];
    if (field === undefined) {
      if (spec.endsWith('!')) throw new FaultPlanError(`${where}.${name}: required for kind "${kind}"`);
      continue;
    }
    checkField(field, check, `${where}.${name}`);
  }
  if (kind === 'drop' && value['when'] !== 'before-response' && value['when'] !== 'mid-response') {
    throw new FaultPlanError(`${where}.when: expected "before-response" or "mid-response"`);
  }
  // A copy: a plan object the caller edits later (a shared fixture) must not change a running simulator.
  const match = value['match'];
  if (match === undefined) return { ...value } as unknown as Fault<SimulatorEndpoint>;
  checkMatch(match, `${where}.match`);
  const endpoint = (match as Record<string, unknown>)['endpoint'];
  const matchCopy = { ...match, ...(Array.isArray(endpoint) && { endpoint: [...endpoint] }) };
  return { ...value, match: matchCopy } as unknown as Fault<SimulatorEndpoint>;
}

function checkMatch(match: unknown, where: string): void {
  if (!isRecord(match)) throw new FaultPlanError(`${where}: expected an object`);
  rejectUnknown(match, ['endpoint', 'phase', 'transport'], where);
  const endpoints = Array.isArray(match['endpoint']) ? match['endpoint'] : [match['endpoint']];
  for (const endpoint of endpoints) {
    if (match['endpoint'] !== undefined && !isSimulatorEndpoint(endpoint)) {
      throw new FaultPlanError(
        `${where}.endpoint: unknown endpoint ${JSON.stringify(endpoint)} (${knownEndpointsHint(endpoint)})`,
      );
    }
  }
  const phase = match['phase'];
  if (phase !== undefined && phase !== 'submit' && phase !== 'poll' && phase !== 'stream') {
    throw new FaultPlanError(`${where}.phase: expected "submit", "poll" or "stream"`);
  }
  const transport = match['transport'];
  if (transport !== undefined && transport !== 'http' && transport !== 'ws') {
    throw new FaultPlanError(`${where}.transport: expected "http" or "ws"`);
  }
}

/** The endpoints of the vendor an unknown id names, or every endpoint when it names no vendor. */
function knownEndpointsHint(endpoint: unknown): string {
  const all = Object.keys(SIMULATOR_ENDPOINTS) as SimulatorEndpoint[];
  const vendor = typeof endpoint === 'string' ? endpoint.split('.')[0] : undefined;
  const own = all.filter((id) => SIMULATOR_ENDPOINTS[id].vendor === vendor);
  if (own.length > 0) return `${String(vendor)} has ${own.join(', ')}`;
  return `endpoints are named <vendor>.<name>: ${all.join(', ')}`;
}

function checkField(value: unknown, check: Check, where: string): void {
  const isNumber = typeof value === 'number' && Number.isFinite(value);
  const ok: Record<Check, boolean> = {
    count: Number.isInteger(value) && (value as number) >= 0,
    positiveCount: Number.isInteger(value) && (value as number) >= 1,
    nonNegative: isNumber && value >= 0,
    probability: isNumber && value >= 0 && value <= 1,
    // A 1xx is not a final answer: the client would wait for one that never comes.
    status: Number.isInteger(value) && (value as number) >= 200 && (value as number) <= 599,
    closeCode: Number.isInteger(value) && isSendableCloseCode(value as number),
    string: typeof value === 'string',
    boolean: typeof value === 'boolean',
  };
  if (!ok[check])
    throw new FaultPlanError(`${where}: expected ${DESCRIPTIONS[check]}, got ${JSON.stringify(value)}`);
}

const DESCRIPTIONS: Record<Check, string> = {
  count: 'an integer ≥ 0',
  positiveCount: 'an integer ≥ 1',
  nonNegative: 'a number ≥ 0',
  probability: 'a number between 0 and 1',
  status: 'an HTTP status (200–599)',
  closeCode:
    'a WebSocket close code a server can send (1000–1003, 1007–1014, 3000–4999; for 1006 use a drop fault)',
  string: 'a string',
  boolean: 'true or false',
};

/**
 * RFC 6455 §7.4: 1004–1006 and 1015 are never sent in a close frame (1006 is what a client reports
 * for a cut connection) and 1016–2999 are reserved; `ws` throws on them mid-session.
 */
function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function rejectUnknown(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new FaultPlanError(`${where}.${key}: unknown field (allowed: ${allowed.join(', ')})`);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
