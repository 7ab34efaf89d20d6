// Checks a prepared got copy before the suite runs (run.sh starts it with the same NODE_OPTIONS as
// ava: tsx, then register.mjs). It imports the copy's source/index.ts exactly as got's tests do.
// Adapter mode, whatever the adapter's design:
//   - the default instance is extended (it has handlers);
//   - the vendor-resilience build's `import … from 'got'` was resolved to the copy's own source
//     (loader.mjs logs each resolution to GOT_SUITE_RESOLVE_LOG), and no other got was loaded
//     (loader.mjs refuses any): one copy of got's classes in the process;
//   - the adapter decides: a POST answered 500 then 200 ends with the 200 after 2 requests
//     (got alone never retries a POST; the neutral policy's 5xx fallback retries it), and the
//     response is the tests' Response/Request classes.
// Plain mode: no handlers, and that 500 is got's own HTTPError after one request.
import http from 'node:http';
import { once } from 'node:events';
import { readFileSync, existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const copy = process.env.GOT_SUITE_COPY;
const mode = process.env.GOT_SUITE_MODE;
const vrUrl = process.env.GOT_SUITE_VR_URL;
const resolveLog = process.env.GOT_SUITE_RESOLVE_LOG;
const gotUrl = process.env.GOT_SUITE_GOT_URL;
const source = (path) => pathToFileURL(`${copy}/source/${path}`).href;
const { default: got, Options, HTTPError } = await import(source('index.ts'));
const { default: Request } = await import(source('core/index.ts'));

const problems = [];
const notes = [];
const check = (ok, what) => {
  if (!ok) problems.push(what);
};

let hits = 0;
const server = http.createServer((request, response) => {
  hits += 1;
  request.resume();
  request.on('end', () => {
    response.statusCode = hits === 1 ? 500 : 200;
    response.end(hits === 1 ? 'boom' : 'ok');
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${server.address().port}/flaky`;

try {
  const handlers = got.defaults.handlers.length;
  if (mode === 'adapter') {
    check(handlers >= 1, `the default instance has no handler (${handlers}): not extended`);
    const log =
      resolveLog && existsSync(resolveLog) ? readFileSync(resolveLog, 'utf8').trim().split('\n') : [];
    const fromVr = log.filter((l) => l.startsWith(vrUrl));
    check(fromVr.length > 0, `no import of 'got' from the vendor-resilience build (${vrUrl}) was resolved`);
    check(
      fromVr.every((l) => l.endsWith(` -> ${gotUrl}`)),
      `'got' resolved elsewhere: ${fromVr.join('; ')}`,
    );
    notes.push(`${fromVr.length} import(s) of 'got' in the adapter resolved to ${gotUrl}`);
    const response = await got.post(url, { body: 'x' });
    check(response.body === 'ok', `body ${JSON.stringify(response.body)}, expected "ok"`);
    check(hits === 2, `${hits} requests reached the server, expected 2 (the 5xx fallback retries)`);
    check(response.request instanceof Request, "the response's request is not the tests' Request class");
    check(response.request.options instanceof Options, "the response's options are not the tests' Options");
    const made = response.retryCount === 0 ? 'a new request made by the adapter' : "got's own retry";
    notes.push(
      `500 then 200 on a POST: 2 requests, the second by ${made} (retryCount ${response.retryCount})`,
    );
  } else {
    check(handlers === 0, `the default instance has ${handlers} handlers in plain mode`);
    const error = await got.post(url, { body: 'x' }).catch((error_) => error_);
    check(error instanceof HTTPError, `a 500 gave ${error?.name ?? error}, expected got's HTTPError`);
    check(hits === 1, `${hits} requests reached the server, expected 1`);
  }
} finally {
  server.close();
}

if (problems.length > 0) {
  console.error(`got-suite preflight (${mode}) FAILED:\n  - ${problems.join('\n  - ')}`);
  process.exitCode = 1;
} else {
  console.log(`got-suite preflight (${mode}): ok${notes.map((n) => `\n  ${n}`).join('')}`);
}
