// Module hooks for a got-suite run (registered by register.mjs). They keep exactly one copy of
// got's classes in the process:
//   - resolve: the bare specifier 'got', from anywhere (the vendor-resilience build), becomes the
//     got checkout's source entry (GOT_SUITE_GOT_URL, the unmodified source/index.ts of the temp
//     copy), which tsx compiles like every other source module the tests import;
//   - load: a got package from some node_modules/ or a compiled got (dist/source/) is refused, so
//     a second copy cannot creep in unnoticed (instanceof checks would silently break).
// With GOT_SUITE_RESOLVE_LOG set (the preflight), each resolution of 'got' is logged to that file
// as "importer -> target", so the preflight can see that the adapter's imports were redirected.
import { appendFileSync } from 'node:fs';

let gotUrl;
let resolveLog;

export function initialize(data) {
  gotUrl = data.gotUrl;
  resolveLog = data.resolveLog;
}

export async function resolve(specifier, context, next) {
  if (specifier === 'got') {
    if (resolveLog) appendFileSync(resolveLog, `${context.parentURL} -> ${gotUrl}\n`);
    return { url: gotUrl, shortCircuit: true };
  }
  return next(specifier, context);
}

const SECOND_COPY = /\/node_modules\/got\/|\/dist\/source\/(index|create|core\/index|core\/options)\.js$/;

export async function load(url, context, next) {
  if (SECOND_COPY.test(url)) {
    throw new Error(`got-suite: refusing to load a second copy of got: ${url} (only ${gotUrl} is allowed)`);
  }
  return next(url, context);
}
