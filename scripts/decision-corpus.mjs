#!/usr/bin/env node
// Decision corpus: an equivalence harness for changes that must not change any decision. It
// generates a fixed corpus of signals (seeded PRNG, so every run builds the same one) over the five
// built-in vendors and every transport and phase the engine handles, runs each through the engine
// of one build, and prints the count, how many decisions took each action, which policy rules were
// hit, and a SHA-256 digest of the canonical JSON of every outcome (a decision, or a thrown error as
// data). Two builds that decide alike print the same digest.
//
//   node scripts/decision-corpus.mjs [--entry PATH] [--out FILE] [--count N] [--seed S] [--time]
//
//   --entry  the built root module to take createVendorEngine from (default dist/lib/index.js of
//            this repository); the engine uses the built-in policies of the tree that build is in
//   --out    also write one JSON line per signal ({ i, signal, outcome }) for diffing
//   --count  signals in the corpus (default 120 000; the digest depends on it)
//   --seed   corpus seed (default 14; the digest depends on it)
//   --time   also time a decide() over the whole corpus (two passes after a warm-up), for scale
//
// The signals are built from policies/*.json of THIS repository (codes, statuses, job states, close
// codes, message patterns, envelopes), so both builds see the same corpus; `corpus` in the output
// is a digest of the signals themselves, to check that. Time and randomness are injected: each
// signal gets its own fixed `now` and its own seeded random() for jitter, so one decision never
// depends on how many random numbers an earlier one drew.
//
// Comparing an old build with a new one (run from the new tree, after `npm run build`):
//
//   rm -rf /tmp/old && mkdir /tmp/old && git archive <old-commit> | tar -x -C /tmp/old
//   ln -s "$PWD/node_modules" /tmp/old/node_modules
//   (cd /tmp/old && npx tsc -p tsconfig.build.json)        # builds /tmp/old/dist, next to its policies/
//   node scripts/decision-corpus.mjs --entry /tmp/old/dist/lib/index.js --out /tmp/old.jsonl
//   node scripts/decision-corpus.mjs --out /tmp/new.jsonl
//   # equal `digest` lines: every decision is the same; otherwise: diff /tmp/old.jsonl /tmp/new.jsonl
//
// (`git worktree add /tmp/old <old-commit>` instead of git archive works the same way.) When the
// policies themselves differ between the two commits, decisions may differ for that reason alone.
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VENDORS = ['gradium', 'elsa', 'audixa', 'zenhire', 'breeze'];
/** The corpus's clock starts here (2026-04-21T12:00:00Z); each signal's `now` is this plus an offset. */
const BASE_NOW_MS = 1_776_772_800_000;

// ------------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const settings = {
    entry: join(REPO_ROOT, 'dist/lib/index.js'),
    out: undefined,
    count: 120_000,
    seed: 14,
    time: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--entry') settings.entry = resolve(value());
    else if (flag === '--out') settings.out = resolve(value());
    else if (flag === '--count') settings.count = Number(value());
    else if (flag === '--seed') settings.seed = Number(value());
    else if (flag === '--time') settings.time = true;
    else throw new Error(`unknown argument ${flag}`);
  }
  if (!Number.isInteger(settings.count) || settings.count < 1)
    throw new Error('--count must be a positive integer');
  return settings;
}

// ------------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32: small, fast, and the same on every platform)

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers over one random source. */
function chooser(random) {
  const int = (min, max) => min + Math.floor(random() * (max - min + 1));
  const pick = (list) => list[Math.floor(random() * list.length)];
  const chance = (p) => random() < p;
  /** Picks a key of `weights` with probability proportional to its value. */
  const weighted = (weights) => {
    const entries = Object.entries(weights);
    let r = random() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, w] of entries) {
      r -= w;
      if (r < 0) return key;
    }
    return entries[entries.length - 1][0];
  };
  return { random, int, pick, chance, weighted };
}

// ------------------------------------------------------------------------------------------------
// What the policies document

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * A text the pattern matches, for the simple patterns policies use for messages (anchors, `\S+`,
 * short optional repeats, one character class, top-level alternatives); checked by the caller.
 */
function sampleForPattern(pattern, c) {
  const alternatives = pattern.split('|');
  let text = c.pick(alternatives);
  text = text.replace(/^\^\\s\*/, c.pick(['', '  ']));
  text = text.replace(/^\^/, '');
  text = text.replace(/\\S\+\(\?: \\S\+\)\{0,2\}/g, () => c.pick(['wav', 'ogg opus', 'mp3 mono file']));
  text = text.replace(/\\S\+/g, () => c.pick(['abc', 'client-42', 'X']));
  text = text.replace(/\[([a-z]+)\]/g, (_m, chars) => c.pick([...chars]));
  text = text.replace(/\\(.)/g, '$1');
  const prefix = pattern.startsWith('^') ? '' : c.pick(['', 'Error: ', 'upstream said: ']);
  return `${prefix}${text}${c.pick(['', '.', ' (see docs)'])}`;
}

function readPolicy(vendor) {
  const doc = JSON.parse(readFileSync(join(REPO_ROOT, 'policies', `${vendor}.json`), 'utf8'));
  const codes = new Set();
  const statuses = new Set();
  const jobStates = new Set();
  const closeCodes = new Set();
  const errors = new Set();
  const messagePatterns = [];
  for (const rule of doc.rules) {
    const m = rule.match;
    for (const code of asList(m.code)) codes.add(code);
    if (rule.code !== undefined) codes.add(rule.code);
    for (const status of asList(m.status)) statuses.add(status);
    for (const state of asList(m.jobStatus)) jobStates.add(state);
    for (const close of asList(m.closeCode)) closeCodes.add(close);
    for (const error of asList(m.error)) errors.add(error);
    if (m.messagePattern !== undefined) messagePatterns.push(m.messagePattern);
  }
  return {
    vendor,
    rules: doc.rules.map((r) => `${vendor}#${r.id}`),
    matches: doc.rules.map((r) => r.match),
    envelopes: doc.envelopes,
    codes: [...codes],
    statuses: [...statuses],
    jobStates: [...jobStates],
    closeCodes: [...closeCodes],
    errors: [...errors],
    messagePatterns,
    serverWaitPatterns: doc.serverWait?.messagePatterns ?? [],
    resetHeader: doc.serverWait?.resetHeader,
    remainingHeader: doc.serverWait?.remainingHeader,
  };
}

// ------------------------------------------------------------------------------------------------
// Pieces of signals

const STATUSES = [
  100, 101, 199, 200, 201, 202, 204, 206, 299, 300, 301, 302, 304, 399, 400, 401, 402, 403, 404, 405, 406,
  408, 409, 410, 413, 415, 418, 422, 425, 429, 431, 451, 499, 500, 501, 502, 503, 504, 505, 507, 520, 529,
  599,
];
const CLOSE_CODES = [
  1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015, 1016, 2000, 3000,
  3008, 4000, 4001, 4003, 4008, 4029, 4100, 4401, 4500, 4999,
];
const NETWORK_ERRORS = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ECONNRESET\nforged: log line',
  'E'.repeat(90),
  'socket hang up',
];
const UNKNOWN_CODES = ['UNKNOWN_ERROR', 'E42', 'rate_limit', '1006', '999', 'ratelimit', 'INTERNAL', ''];
const UNKNOWN_STATES = ['running', 'CANCELLED', 'done', 'unknown', '', 'Failed ', 'queued\n'];
const WORDS = ['please', 'slow', 'down', 'the', 'server', 'is', 'busy', 'error', 'ok', 'quota', 'timeout'];
const UNITS = [
  'ms',
  'millisecond',
  'milliseconds',
  's',
  'sec',
  'secs',
  'second',
  'seconds',
  'm',
  'min',
  'mins',
  'minute',
  'minutes',
  'SECONDS',
  'Min',
  'hours',
  'fortnights',
];

/** Random code units, including quotes, brackets, escapes, controls and lone surrogates. */
function junkText(c, maxLength) {
  const length = c.int(0, maxLength);
  let text = '';
  for (let i = 0; i < length; i++) {
    text += c.chance(0.5)
      ? c.pick(['{', '}', '[', ']', '"', ':', ',', '\\', 'u', '0', '\n', ' ', 'a', 'e', '/', '\u2028'])
      : String.fromCharCode(c.int(0, 0xffff));
  }
  return text;
}

function words(c) {
  const n = c.int(1, 6);
  const out = [];
  for (let i = 0; i < n; i++) out.push(c.pick(WORDS));
  return out.join(' ');
}

/** A number the way servers write a wait (or fail to). */
function waitValue(c) {
  switch (c.int(0, 11)) {
    case 0:
      return c.int(0, 120);
    case 1:
      return c.int(0, 400) / 10;
    case 2:
      return String(c.int(0, 90));
    case 3:
      return ` ${c.int(1, 30)}.5 `;
    case 4:
      return -c.int(1, 30);
    case 5:
      return 'soon';
    case 6:
      return 1e20;
    case 7:
      return null;
    case 8:
      return { seconds: 3 };
    case 9:
      return c.int(100, 100_000);
    case 10:
      return '1e3';
    default:
      return c.int(1, 5);
  }
}

/** A message that asks for a wait, in the built-in pattern's words or not quite. */
function waitMessage(c) {
  const lead = c.pick([
    'retry after',
    'try again in',
    'wait',
    'Please retry after',
    'WAIT FOR',
    'retry',
    'back off',
  ]);
  const n = c.pick([String(c.int(0, 90)), `${c.int(0, 9)}.${c.int(0, 9)}`, '-5', '1e3', '1234567890']);
  return `${c.pick(['', 'Rate limited. ', 'error: '])}${lead} ${n}${c.pick(['', ' '])}${c.pick(UNITS)}${c.pick(['', '.', ' please'])}`;
}

function setPath(root, path, value) {
  const keys = path.split('.');
  let node = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i];
    if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) node[key] = {};
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
}

function codeValue(c, p) {
  switch (c.weighted({ own: 70, other: 8, unknown: 10, number: 5, long: 2, odd: 5 })) {
    case 'own':
      return p.codes.length > 0 ? c.pick(p.codes) : c.pick(UNKNOWN_CODES);
    case 'other':
      return c.pick(c.pick(ALL_POLICIES).codes.concat(UNKNOWN_CODES));
    case 'unknown':
      return c.pick(UNKNOWN_CODES);
    case 'number':
      return c.pick([1008, 1011, 500, 429, 0, -1, 1.5]);
    case 'long':
      return 'X'.repeat(c.int(120, 300));
    default:
      return c.pick([null, true, {}, ['A'], 'A\u0000B']);
  }
}

function messageValue(c, p) {
  switch (
    c.weighted({ pattern: p.messagePatterns.length > 0 ? 40 : 0, wait: 20, words: 25, odd: 10, long: 5 })
  ) {
    case 'pattern': {
      const pattern = c.pick(p.messagePatterns);
      const sample = sampleForPattern(pattern, c);
      return new RegExp(pattern, 'i').test(sample) ? sample : words(c);
    }
    case 'wait':
      return waitMessage(c);
    case 'words':
      return words(c);
    case 'long':
      return `${words(c)} ${'x'.repeat(c.int(2000, 3000))} retry after 5 seconds`;
    default:
      return c.pick([null, 42, '', '   ', ['a'], { text: 'x' }, 'line\nbreak\u0085']);
  }
}

function jobStateValue(c, p) {
  const state = c.chance(0.8) && p.jobStates.length > 0 ? c.pick(p.jobStates) : c.pick(UNKNOWN_STATES);
  return c.weighted({ same: 80, upper: 10, odd: 10 }) === 'same'
    ? state
    : c.chance(0.5)
      ? state.toUpperCase()
      : c.pick([null, 3, true, ` ${state}`]);
}

/** A JSON payload built for one envelope: its fields filled in, its `when` conditions (mostly) met. */
function jsonPayload(c, p, envelope, aim = {}) {
  const root = {};
  for (const [field, paths] of Object.entries(envelope.fields ?? {})) {
    if (c.chance(aim[field] !== undefined ? 0.03 : 0.15)) continue;
    const path = c.pick(paths);
    if (aim[field] !== undefined) setPath(root, path, aim[field]);
    else if (field === 'code') setPath(root, path, codeValue(c, p));
    else if (field === 'message') setPath(root, path, messageValue(c, p));
    else if (field === 'jobStatus') setPath(root, path, jobStateValue(c, p));
    else if (field === 'retryAfterSeconds' || field === 'pollIntervalSeconds')
      setPath(root, path, waitValue(c));
    else setPath(root, path, c.pick(['req-1', 'gen_8f3', 42]));
  }
  for (const [path, condition] of Object.entries(envelope.when ?? {})) {
    const mode = c.weighted({ meet: 88, drop: 6, wrong: 6 });
    if (mode === 'drop') continue;
    if (mode === 'wrong') setPath(root, path, c.pick([null, 'other', 0, false]));
    else if (condition !== true) setPath(root, path, c.pick(asList(condition)));
    else if (!hasPath(root, path)) setPath(root, path, c.pick(['x', 1, true, { nested: 1 }, 'error']));
  }
  if (c.chance(0.2)) root[c.pick(['extra', 'request_id', 'meta'])] = c.pick([1, 'x', [1, 2], { a: null }]);
  return root;
}

function hasPath(root, path) {
  let node = root;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, key))
      return false;
    node = node[key];
  }
  return true;
}

/** JSON text for a value, sometimes spelt differently (`\u` escapes, `\/`, whitespace) but equal. */
function jsonText(c, value) {
  let text = JSON.stringify(value, null, c.chance(0.1) ? 2 : undefined) ?? 'null';
  switch (c.weighted({ plain: 80, escape: 10, slash: 3, space: 4, broken: 3 })) {
    case 'escape':
      text = text.replace(/"([a-z])/g, (m, ch) =>
        c.chance(0.5) ? `"\\u00${ch.charCodeAt(0).toString(16)}` : m,
      );
      break;
    case 'slash':
      text = text.replace(/\//g, '\\/');
      break;
    case 'space':
      text = `  \n${text}\t`;
      break;
    case 'broken':
      text = text.slice(0, c.int(0, text.length));
      break;
  }
  return text;
}

/** Text for a text envelope: a vendor prefix, a proxy's page, a wait in words, or plain words. */
function textPayload(c, p) {
  switch (c.int(0, 5)) {
    case 0:
      return `error from server ${c.pick(['1008', '1011', '500', '4000', ...p.codes.filter((x) => /^\d+$/.test(x))])}: ${words(c)}`;
    case 1:
      return `${c.pick(['', '  '])}<html><body>502 Bad Gateway</body></html>`;
    case 2:
      return waitMessage(c);
    case 3:
      return p.messagePatterns.length > 0 ? sampleForPattern(c.pick(p.messagePatterns), c) : words(c);
    case 4:
      return `error from server ${c.int(100, 9999)}:${c.pick(['', '\n'])}${words(c)}`;
    default:
      return words(c);
  }
}

/** A payload for a signal part (`body`, `streamLine`, `message`) of vendor `p`. */
function payload(c, p, part) {
  const envelopes = p.envelopes.filter((e) => (e.in ?? ['body', 'streamLine', 'message']).includes(part));
  const kind = c.weighted({
    envelope: envelopes.length > 0 ? 70 : 0,
    foreign: 8,
    text: 10,
    junk: 7,
    json: 5,
  });
  if (kind === 'envelope') {
    const envelope = c.pick(envelopes);
    return envelope.format === 'text' ? textPayload(c, p) : jsonText(c, jsonPayload(c, p, envelope));
  }
  if (kind === 'foreign') {
    const other = c.pick(ALL_POLICIES);
    const envelope = c.pick(other.envelopes);
    return envelope.format === 'text' ? textPayload(c, other) : jsonText(c, jsonPayload(c, other, envelope));
  }
  if (kind === 'text') return textPayload(c, p);
  if (kind === 'json')
    return c.pick(['{}', '[]', 'null', '1', '"x"', '[{"code":"A"}]', '{"__proto__":{"code":"A"}}']);
  return junkText(c, 40);
}

function headerName(c, name) {
  return c.pick([name, name.toUpperCase(), name.replace(/^./, (ch) => ch.toUpperCase()), name]);
}

/** Response headers: waits in every form the engine reads, plus noise. */
function headers(c, p, nowMs) {
  const out = {};
  const n = c.int(1, 3);
  for (let i = 0; i < n; i++) {
    switch (c.int(0, 11)) {
      case 0:
      case 1:
        out[headerName(c, 'retry-after')] = String(c.int(0, 200));
        break;
      case 2:
        out[headerName(c, 'retry-after')] = new Date(nowMs + c.int(-60, 600) * 1000).toUTCString();
        break;
      case 3:
        out[headerName(c, 'retry-after')] = c.pick([
          'soon',
          '-5',
          '',
          ' 7 ',
          '1.5',
          '2.1234567',
          'Wed, 21 Oct 2015 07:28:00 GMT',
          '99999999999999',
        ]);
        break;
      case 4:
        out[headerName(c, 'retry-after')] = c.chance(0.5)
          ? c.int(0, 60)
          : [String(c.int(0, 9)), c.pick(['x', '30'])];
        break;
      case 5:
        out[headerName(c, 'retry-after-ms')] = c.pick([String(c.int(0, 90_000)), '1500.7', 'x', '-1']);
        break;
      case 6:
      case 7:
        if (p.resetHeader !== undefined) {
          out[headerName(c, p.resetHeader)] = c.pick([
            String(Math.floor(nowMs / 1000) + c.int(-5, 300)),
            'x',
            String(nowMs / 1000 + 2.5),
          ]);
          if (p.remainingHeader !== undefined && c.chance(0.7)) {
            out[headerName(c, p.remainingHeader)] = c.pick(['0', '0', '3', 'x', ['0', '1']]);
          }
        } else {
          out['x-ratelimit-reset'] = String(Math.floor(nowMs / 1000) + c.int(1, 60));
        }
        break;
      case 8:
        out['content-type'] = c.pick(['application/json', 'text/plain']);
        break;
      case 9:
        out[c.pick(['İ', 'retry-\u212after', 'RETRY-AFTER ', 'x-request-id'])] = String(c.int(0, 50));
        break;
      case 10:
        out['retry-after'] = undefined;
        break;
      default:
        out['x-ratelimit-remaining'] = String(c.int(0, 5));
    }
  }
  return out;
}

function attempt(c) {
  switch (c.weighted({ none: 25, low: 55, high: 15, huge: 5 })) {
    case 'none':
      return undefined;
    case 'low':
      return c.int(1, 4);
    case 'high':
      return c.int(5, 40);
    default:
      return c.pick([1000, 2 ** 31, Number.MAX_SAFE_INTEGER]);
  }
}

/** Sets `key` only when the value is not undefined, so signals hold only the fields they use. */
function put(signal, key, value) {
  if (value !== undefined) signal[key] = value;
  return signal;
}

// ------------------------------------------------------------------------------------------------
// Signals

let ALL_POLICIES = [];

function httpStatusSignal(c, p, nowMs) {
  const signal = { vendor: p.vendor };
  if (c.chance(0.5)) signal.transport = 'http';
  put(signal, 'phase', c.pick([undefined, 'submit', 'poll', 'stream']));
  signal.status = c.chance(0.4) && p.statuses.length > 0 ? c.pick(p.statuses) : c.pick(STATUSES);
  if (c.chance(0.5)) signal.headers = headers(c, p, nowMs);
  const body = c.weighted({ none: 40, empty: 15, text: 20, junk: 10, json: 15 });
  if (body === 'empty') signal.body = '';
  else if (body === 'text') signal.body = textPayload(c, p);
  else if (body === 'junk') signal.body = junkText(c, 60);
  else if (body === 'json')
    signal.body = c.pick(['{}', '{"detail":null}', `{"message":"${words(c)}"}`, '[]']);
  return put(signal, 'attempt', attempt(c));
}

function httpEnvelopeSignal(c, p, nowMs) {
  const signal = { vendor: p.vendor };
  if (c.chance(0.3)) signal.transport = 'http';
  put(signal, 'phase', c.pick([undefined, 'submit', 'submit', 'poll', 'stream']));
  signal.status = c.chance(0.6) && p.statuses.length > 0 ? c.pick(p.statuses) : c.pick(STATUSES);
  if (c.chance(0.35)) signal.headers = headers(c, p, nowMs);
  signal.body = payload(c, p, 'body');
  return put(signal, 'attempt', attempt(c));
}

function pollSignal(c, p, nowMs) {
  const signal = { vendor: p.vendor, phase: 'poll' };
  signal.status = c.pick([200, 200, 200, 200, 202, 404, 425, 429, 500, 503]);
  if (c.chance(0.3)) signal.headers = headers(c, p, nowMs);
  const jobEnvelopes = p.envelopes.filter((e) => e.fields?.jobStatus !== undefined);
  signal.body =
    jobEnvelopes.length > 0 && c.chance(0.85)
      ? jsonText(c, jsonPayload(c, p, c.pick(jobEnvelopes)))
      : payload(c, p, 'body');
  return put(signal, 'attempt', c.chance(0.2) ? undefined : c.int(1, 200));
}

function streamSignal(c, p) {
  const signal = { vendor: p.vendor, phase: 'stream' };
  if (c.chance(0.6)) signal.status = 200;
  signal.streamLine = payload(c, p, 'streamLine');
  if (c.chance(0.1)) signal.body = payload(c, p, 'body');
  return put(signal, 'attempt', attempt(c));
}

function wsMessageSignal(c, p) {
  const signal = { vendor: p.vendor, transport: 'ws' };
  put(signal, 'phase', c.pick([undefined, undefined, 'stream', 'submit']));
  signal.message = payload(c, p, 'message');
  if (c.chance(0.1)) signal.closeCode = c.pick(CLOSE_CODES);
  return put(signal, 'attempt', attempt(c));
}

function wsCloseSignal(c, p, nowMs) {
  const signal = { vendor: p.vendor, transport: 'ws' };
  put(signal, 'phase', c.pick([undefined, 'stream', 'submit']));
  const kind = c.weighted({ close: 75, upgrade: 15, error: 10 });
  if (kind === 'close') {
    signal.closeCode = c.chance(0.4) && p.closeCodes.length > 0 ? c.pick(p.closeCodes) : c.pick(CLOSE_CODES);
    if (c.chance(0.15)) signal.message = payload(c, p, 'message');
  } else if (kind === 'upgrade') {
    // A rejected upgrade: an HTTP status on a WebSocket.
    signal.status = c.pick(STATUSES);
    if (c.chance(0.5)) signal.body = payload(c, p, 'body');
    if (c.chance(0.3)) signal.headers = headers(c, p, nowMs);
  } else {
    signal.error = c.pick(p.errors.length > 0 && c.chance(0.3) ? p.errors : NETWORK_ERRORS);
  }
  return put(signal, 'attempt', attempt(c));
}

function networkSignal(c, p) {
  const signal = { vendor: p.vendor };
  put(signal, 'transport', c.pick([undefined, 'http', 'ws']));
  put(signal, 'phase', c.pick([undefined, 'submit', 'poll', 'stream']));
  signal.error = c.pick(p.errors.length > 0 && c.chance(0.3) ? p.errors : NETWORK_ERRORS);
  if (c.chance(0.1)) signal.status = c.pick(STATUSES);
  return put(signal, 'attempt', attempt(c));
}

/**
 * A signal aimed at one documented rule: its transport, phase, status, close code or error, and a
 * payload in an envelope carrying its code, job state or message (the rest left to chance).
 */
function aimedSignal(c, p, nowMs) {
  const m = c.pick(p.matches);
  const transport = m.transport ?? (m.closeCode !== undefined ? 'ws' : c.pick(['http', 'http', 'ws']));
  const signal = { vendor: p.vendor };
  if (transport === 'ws' || c.chance(0.3)) signal.transport = transport;
  put(
    signal,
    'phase',
    m.phase !== undefined ? c.pick(asList(m.phase)) : c.pick([undefined, 'submit', 'poll', 'stream']),
  );
  if (m.closeCode !== undefined) {
    signal.closeCode = c.pick(asList(m.closeCode));
    return put(signal, 'attempt', attempt(c));
  }
  if (m.error !== undefined) {
    signal.error = c.pick(asList(m.error));
    return put(signal, 'attempt', attempt(c));
  }
  const aim = {};
  if (m.code !== undefined) aim.code = c.pick(asList(m.code));
  if (m.jobStatus !== undefined) aim.jobStatus = c.pick(asList(m.jobStatus));
  if (m.messagePattern !== undefined) {
    const sample = sampleForPattern(m.messagePattern, c);
    if (new RegExp(m.messagePattern, 'i').test(sample)) aim.message = sample;
  }
  const part =
    transport === 'ws' && m.status === undefined
      ? 'message'
      : signal.phase === 'stream' && c.chance(0.5)
        ? 'streamLine'
        : 'body';
  const envelopes = p.envelopes.filter(
    (e) =>
      (e.in ?? ['body', 'streamLine', 'message']).includes(part) &&
      (m.envelope === undefined || asList(m.envelope).includes(e.id)) &&
      Object.keys(aim).every((field) => e.format === 'text' || e.fields?.[field] !== undefined),
  );
  let text;
  if (m.emptyBody === true) text = '';
  else if (envelopes.length === 0) text = payload(c, p, part);
  else {
    const envelope = c.pick(envelopes);
    if (envelope.format === 'json') text = jsonText(c, jsonPayload(c, p, envelope, aim));
    else if (aim.code !== undefined && /^\d+$/.test(aim.code))
      text = `error from server ${aim.code}: ${aim.message ?? words(c)}`;
    else text = aim.message ?? textPayload(c, p);
  }
  if (part === 'message') signal.message = text;
  else if (part === 'streamLine') signal.streamLine = text;
  else {
    signal.status =
      m.status !== undefined ? c.pick(asList(m.status)) : c.pick([200, 200, 400, 429, 500, 503, ...STATUSES]);
    signal.body = text;
    if (c.chance(0.35)) signal.headers = headers(c, p, nowMs);
  }
  return put(signal, 'attempt', attempt(c));
}

/** Input that is not quite a signal: wrong types, unknown fields, nothing reported, odd vendors. */
function junkSignal(c, p, nowMs) {
  const base = c.chance(0.5) ? httpStatusSignal(c, p, nowMs) : wsCloseSignal(c, p, nowMs);
  switch (c.int(0, 17)) {
    case 0:
      return c.pick([null, undefined, 42, 'signal', [], [base], true]);
    case 1:
      return { ...base, status: c.pick(['500', 99, 600, 1.5, NaN, null, -1]) };
    case 2:
      return { ...base, headers: c.pick([[], 'x', null, { a: {} }, { a: [1] }, { a: Infinity }]) };
    case 3:
      return { ...base, body: c.pick([42, {}, null, ['x']]) };
    case 4:
      return { ...base, attempt: c.pick([0, -1, 1.5, '2', null]) };
    case 5:
      return { ...base, closeCode: c.pick([999, 5000, 1000.5, '1000']) };
    case 6:
      return { ...base, vendor: c.pick(['', ' ', 'acme', 'GRADIUM', 42, undefined]) };
    case 7:
      return { ...base, transport: c.pick(['tcp', 'HTTP', 1, null]) };
    case 8:
      return { ...base, phase: c.pick(['connect', 'POLL', 0]) };
    case 9:
      return { ...base, [c.pick(['extra', 'Status', 'code', '__proto__x'])]: 1 };
    case 10:
      return { vendor: p.vendor, phase: 'poll', attempt: 2 };
    case 11:
      return { vendor: p.vendor, message: 'hello' };
    case 12:
      return { vendor: p.vendor, closeCode: 1006 };
    case 13:
      return { vendor: p.vendor, error: '' };
    case 14:
      return { ...base, streamLine: c.pick([1, null, {}]) };
    case 15:
      // A body larger than the engine parses: cut, then read.
      return {
        vendor: p.vendor,
        status: c.pick([429, 500, 200]),
        body: `{"detail":"${'a'.repeat(70_000)}","code":"X"}`,
      };
    case 16:
      return { vendor: p.vendor, status: c.pick(STATUSES), body: junkText(c, 400) };
    default:
      return { ...base, body: junkText(c, 80), streamLine: junkText(c, 20), phase: 'stream' };
  }
}

const KINDS = {
  httpStatus: [13, httpStatusSignal],
  httpEnvelope: [20, httpEnvelopeSignal],
  aimed: [14, aimedSignal],
  poll: [12, pollSignal],
  stream: [10, streamSignal],
  wsMessage: [10, wsMessageSignal],
  wsClose: [9, wsCloseSignal],
  network: [6, networkSignal],
  junk: [9, junkSignal],
};

/** Signal number `i` of the corpus, with the `now` it is decided at and the seed of its random(). */
function corpusEntry(seed, i) {
  const c = chooser(mulberry32(seed * 1_000_003 + i));
  const p = ALL_POLICIES[i % ALL_POLICIES.length];
  const nowMs = BASE_NOW_MS + c.int(0, 86_400) * 1000 + c.int(0, 999);
  const kind = c.weighted(Object.fromEntries(Object.entries(KINDS).map(([k, [w]]) => [k, w])));
  const signal = KINDS[kind][1](c, p, nowMs);
  return { kind, signal, nowMs, randomSeed: Math.floor(c.random() * 2 ** 32) };
}

// ------------------------------------------------------------------------------------------------
// Canonical output

/** JSON with object keys sorted at every level (undefined dropped as JSON does). */
function canonicalJson(value) {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted = {};
    for (const key of Object.keys(v).sort()) sorted[key] = v[key];
    return sorted;
  });
}

/** A thrown value as data: its class name, message and (for a SignalError) the field it names. */
function errorData(error) {
  if (!(error instanceof Error)) return { thrown: String(error) };
  const data = { name: error.name, message: error.message };
  if (typeof error.field === 'string') data.field = error.field;
  return data;
}

// ------------------------------------------------------------------------------------------------
// Run

async function main() {
  const settings = parseArgs(process.argv.slice(2));
  const { createVendorEngine } = await import(pathToFileURL(settings.entry).href);
  if (typeof createVendorEngine !== 'function')
    throw new Error(`${settings.entry} does not export createVendorEngine`);
  ALL_POLICIES = VENDORS.map(readPolicy);

  let nowMs = BASE_NOW_MS;
  let random = Math.random;
  const engine = createVendorEngine({ clock: { now: () => nowMs }, random: () => random() });

  const corpus = [];
  for (let i = 0; i < settings.count; i++) corpus.push(corpusEntry(settings.seed, i));

  const out = settings.out ? createWriteStream(settings.out) : undefined;
  const digest = createHash('sha256');
  const corpusDigest = createHash('sha256');
  const actions = {};
  const kinds = {};
  const errors = {};
  const rulesHit = new Set();
  for (let i = 0; i < corpus.length; i++) {
    const { kind, signal, nowMs: at, randomSeed } = corpus[i];
    nowMs = at;
    random = mulberry32(randomSeed);
    let outcome;
    try {
      outcome = { decision: engine.decide(signal) };
      actions[outcome.decision.action] = (actions[outcome.decision.action] ?? 0) + 1;
      rulesHit.add(outcome.decision.rule);
    } catch (error) {
      outcome = { error: errorData(error) };
      errors[outcome.error.name ?? 'thrown'] = (errors[outcome.error.name ?? 'thrown'] ?? 0) + 1;
    }
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    const signalJson = canonicalJson({ signal, nowMs: at, randomSeed }) ?? 'undefined';
    const outcomeJson = canonicalJson(outcome);
    corpusDigest.update(`${i}\t${signalJson}\n`);
    digest.update(`${i}\t${outcomeJson}\n`);
    if (out && !out.write(`{"i":${i},"input":${signalJson},"outcome":${outcomeJson}}\n`)) {
      await new Promise((resolveDrain) => out.once('drain', resolveDrain));
    }
  }
  if (out) await new Promise((resolveEnd) => out.end(resolveEnd));

  const documented = ALL_POLICIES.flatMap((p) => p.rules);
  const missed = documented.filter((rule) => !rulesHit.has(rule));
  const fallbacks = [...rulesHit].filter((rule) => /#fallback-/.test(rule)).sort();
  const report = {
    entry: settings.entry,
    count: corpus.length,
    seed: settings.seed,
    kinds,
    actions: Object.fromEntries(Object.entries(actions).sort()),
    errors,
    rulesHit: `${documented.length - missed.length} of ${documented.length} documented rules`,
    rulesMissed: missed,
    fallbacksHit: [...new Set(fallbacks.map((rule) => rule.slice(rule.indexOf('#') + 1)))],
    corpus: corpusDigest.digest('hex'),
    digest: digest.digest('hex'),
  };

  if (settings.time) {
    const runPass = () => {
      const started = performance.now();
      for (const entry of corpus) {
        nowMs = entry.nowMs;
        random = mulberry32(entry.randomSeed);
        try {
          engine.decide(entry.signal);
        } catch {
          // Errors are part of the corpus.
        }
      }
      return ((performance.now() - started) * 1e6) / corpus.length;
    };
    runPass();
    report.nsPerDecide = [runPass(), runPass()].map((ns) => Math.round(ns));
  }
  console.log(JSON.stringify(report, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
