import { ArgumentCheck } from '../run/validate-arguments.js';
import { isSimulatorEndpoint, type SimulatorEndpoint } from './endpoints.js';
import type { Fault, FaultKind, FaultPlan } from './fault-plan.js';

/** A fault plan that does not validate; the message names the field (`faults[2].times`) and the problem. */
export class FaultPlanError extends Error {
  override readonly name = 'FaultPlanError';
}

type Check =
  'count' | 'positive' | 'nonNegative' | 'probability' | 'status' | 'closeCode' | 'string' | 'boolean';

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
    'burst!': 'positive',
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
  if (value['match'] !== undefined) checkMatch(value['match'], `${where}.match`);
  return value as unknown as Fault<SimulatorEndpoint>;
}

function checkMatch(match: unknown, where: string): void {
  if (!isRecord(match)) throw new FaultPlanError(`${where}: expected an object`);
  rejectUnknown(match, ['endpoint', 'phase', 'transport'], where);
  const endpoints = Array.isArray(match['endpoint']) ? match['endpoint'] : [match['endpoint']];
  for (const endpoint of endpoints) {
    if (match['endpoint'] !== undefined && !isSimulatorEndpoint(endpoint)) {
      throw new FaultPlanError(`${where}.endpoint: unknown endpoint ${JSON.stringify(endpoint)}`);
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

function checkField(value: unknown, check: Check, where: string): void {
  const isNumber = typeof value === 'number' && Number.isFinite(value);
  const ok: Record<Check, boolean> = {
    count: Number.isInteger(value) && (value as number) >= 0,
    positive: isNumber && value > 0,
    nonNegative: isNumber && value >= 0,
    probability: isNumber && value >= 0 && value <= 1,
    status: Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599,
    closeCode: Number.isInteger(value) && (value as number) >= 1000 && (value as number) <= 4999,
    string: typeof value === 'string',
    boolean: typeof value === 'boolean',
  };
  if (!ok[check])
    throw new FaultPlanError(`${where}: expected ${DESCRIPTIONS[check]}, got ${JSON.stringify(value)}`);
}

const DESCRIPTIONS: Record<Check, string> = {
  count: 'an integer ≥ 0',
  positive: 'a number > 0',
  nonNegative: 'a number ≥ 0',
  probability: 'a number between 0 and 1',
  status: 'an HTTP status (100–599)',
  closeCode: 'a WebSocket close code (1000–4999)',
  string: 'a string',
  boolean: 'true or false',
};

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
