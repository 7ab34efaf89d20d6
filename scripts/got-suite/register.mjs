// Preloaded into every process of a got-suite run (ava and its workers, via NODE_OPTIONS, after
// tsx): registers loader.mjs, which makes the bare specifier 'got' (as the vendor-resilience build
// imports it) resolve to the got checkout's own TypeScript source, the very modules got's tests
// import, and refuses to load any other copy of got. See run.sh.
import { register } from 'node:module';

const gotUrl = process.env.GOT_SUITE_GOT_URL;
if (!gotUrl) throw new Error('got-suite: GOT_SUITE_GOT_URL is not set (start the run with run.sh)');
register('./loader.mjs', import.meta.url, {
  data: { gotUrl, resolveLog: process.env.GOT_SUITE_RESOLVE_LOG },
});
