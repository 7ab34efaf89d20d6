// Results of a got-suite run (see run.sh). Two commands:
//   node report.mjs parse MODE TAP_FILE TEST_DIR OUT_DIR [SINGLE_FILE]
//     reads ava's TAP output of one mode and writes OUT_DIR/MODE.json (every test's outcome and
//     the first line of each failure's error; SINGLE_FILE, e.g. "http", when ava ran one test file
//     and so printed its titles without the file), OUT_DIR/MODE.txt (failing test titles, one a line:
//     "file › title") and OUT_DIR/MODE-errors.txt (the same with each error's first line).
//   node report.mjs compare TEST_DIR OUT_DIR [HEADER_LINE]...
//     reads OUT_DIR/plain.json and OUT_DIR/adapter.json (and OUT_DIR/adapter-recheck.json and
//     OUT_DIR/adapter-no-budget.json when present) and writes OUT_DIR/regressions.txt: the tests
//     that pass on plain got but not through the adapter, grouped by test file, allowed exceptions
//     (tests of got's own retry decisions), flaky ones and refusals of the default retry budget
//     listed apart. Prints a summary.
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const SEP = ' › ';

/** The first useful line of an ava failure, from the YAML block under a `not ok` line. */
function errorLine(yamlLines) {
  const keys = {};
  let key;
  for (const line of yamlLines) {
    const top = /^ {4}([A-Za-z]+):\s?(.*)$/.exec(line);
    if (top) {
      key = top[1];
      keys[key] = [top[2]];
    } else if (key) {
      keys[key].push(line);
    }
  }
  const scalar = (k) => {
    const v = keys[k];
    if (!v) return undefined;
    const first = /^[>|]-?$/.test(v[0]) ? v.slice(1).find((l) => l.trim() !== '') : v[0];
    return first?.trim().replace(/^'(.*)'$/, '$1');
  };
  const parts = [scalar('name') ?? 'Error'];
  const message = scalar('message');
  const assertion = scalar('assertion');
  if (assertion) parts[0] += ` (t.${assertion})`;
  if (message) parts.push(message);
  const values = keys.values;
  if (values && values.length > 1) {
    // values:\n  'Label:': |-\n    ErrorClass {\n      code: …,\n      message: …
    // An error object's own fields are the lines indented one step (2) deeper than its first line.
    const label = values[1]
      .trim()
      .replace(/^'(.*)':.*$/, '$1')
      .replace(/:$/, '');
    const body = values.slice(2).filter((l) => l.trim() !== '');
    let value = body[0]?.trim() ?? '';
    if (/\{$/.test(value)) {
      const indent = ' '.repeat(body[0].length - body[0].trimStart().length + 2);
      const inner = body
        .slice(1)
        .filter((l) => l.startsWith(indent) && /^(code|message):/.test(l.slice(indent.length)))
        .filter((l) => !/^\s*code: undefined,?$/.test(l))
        .map((l) => l.trim().replace(/,$/, ''));
      if (inner.length > 0) value += ` ${inner.join(' ')} }`;
    } else if (label.startsWith('Difference') && body[1] !== undefined) {
      value += ` ${body[1].trim()}`;
    }
    if (message && label.startsWith(message)) parts.pop();
    parts.push(`${label} ${value}`.trim());
  }
  const at = scalar('at');
  if (at) parts.push(`at ${at}`);
  return parts.join(': ').replace(/\s+/g, ' ').slice(0, 400);
}

function parseTap(text, files, singleFile) {
  const tests = {};
  const crashes = [];
  const comments = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = /^(ok|not ok) \d+ - (.*?)(?: # (SKIP|TODO))?$/.exec(line);
    if (!m) {
      if (/^# \d+ tests? remaining in /.test(line)) comments.push(line.slice(2));
      continue;
    }
    const [, result, rawTitle, directive] = m;
    // ava leaves out the file prefix when it runs one file only.
    const title =
      singleFile && !rawTitle.startsWith(`${singleFile}${SEP}`) ? `${singleFile}${SEP}${rawTitle}` : rawTitle;
    let error;
    if (lines[i + 1] === '  ---') {
      const yaml = [];
      let j = i + 2;
      while (j < lines.length && lines[j] !== '  ...') yaml.push(lines[j++]);
      error = errorLine(yaml);
      i = j;
    }
    const status =
      directive === 'SKIP' ? 'skip' : directive === 'TODO' ? 'todo' : result === 'ok' ? 'pass' : 'fail';
    const file = title.includes(SEP) ? title.slice(0, title.indexOf(SEP)) : undefined;
    if (file === undefined || !files.has(file)) {
      crashes.push({ title, error });
      continue;
    }
    // A test reported twice (a timeout after a failure) keeps its worst outcome.
    if (tests[title]?.status === 'fail') continue;
    tests[title] = { status, ...(error === undefined ? {} : { error }) };
  }
  return { tests, crashes, comments };
}

function testFiles(testDir) {
  return new Set(
    readdirSync(testDir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.types.ts'))
      .map((f) => f.slice(0, -3)),
  );
}

function count(result) {
  const c = { pass: 0, fail: 0, skip: 0, todo: 0 };
  for (const t of Object.values(result.tests)) c[t.status] += 1;
  return { ...c, crashes: result.crashes.length };
}

const summary = (c) =>
  `${c.pass} passed, ${c.fail} failed, ${c.skip} skipped` +
  (c.todo ? `, ${c.todo} todo` : '') +
  (c.crashes ? `, ${c.crashes} crash/uncaught report(s)` : '');

function parseCommand([mode, tapFile, testDir, outDir, singleFile]) {
  const result = parseTap(readFileSync(tapFile, 'utf8'), testFiles(testDir), singleFile);
  const counts = count(result);
  writeFileSync(join(outDir, `${mode}.json`), JSON.stringify({ mode, counts, ...result }, null, 1) + '\n');
  const failing = Object.entries(result.tests).filter(([, t]) => t.status === 'fail');
  const crashLines = result.crashes.map((c) => `(crash) ${c.title}`);
  writeFileSync(
    join(outDir, `${mode}.txt`),
    [...failing.map(([title]) => title), ...crashLines].map((l) => l + '\n').join(''),
  );
  writeFileSync(
    join(outDir, `${mode}-errors.txt`),
    [
      ...failing.map(([title, t]) => `${title}\n    ${t.error ?? '(no error reported)'}`),
      ...result.crashes.map((c) => `(crash) ${c.title}\n    ${c.error ?? ''}`),
      ...result.comments.map((c) => `(note) ${c}`),
    ]
      .map((l) => l + '\n')
      .join(''),
  );
  console.log(`${mode}: ${summary(counts)}`);
}

/**
 * Test bodies by title for one test file, read from its source: from each `test(…'title'…` to the
 * next. Titles built at run time (template strings with ${…}) are not found, which only means such
 * a test is not recognised as an allowed exception by its body.
 */
function testBodies(testDir, file) {
  const path = join(testDir, `${file}.ts`);
  if (!existsSync(path)) return new Map();
  const source = readFileSync(path, 'utf8');
  const re = /^\s*test(?:\.[a-z]+)*\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/gm;
  const found = [...source.matchAll(re)];
  const bodies = new Map();
  found.forEach((m, k) => {
    const title = m[2].replace(/\\(.)/g, '$1');
    bodies.set(title, source.slice(m.index, k + 1 < found.length ? found[k + 1].index : undefined));
  });
  return bodies;
}

/**
 * Tests that fail through the adapter only because the harness extends got's default instance:
 * they assert what that instance itself holds, not how a request behaves. Listed apart.
 */
const HARNESS_ARTIFACTS = {
  'merge-instances › default handlers are not duplicated':
    'asserts 0 handlers after got.extend(got); got concatenates handlers, so an extended default gives 2',
  'pagination › `hooks` are not duplicated':
    "expects exactly the test's own hook in each list; the adapter's extension adds init hooks",
};

/** Informational tags: the test drives got's retry machinery itself. */
function retryTags(body) {
  const tags = [];
  if (body?.includes('beforeRetry')) tags.push('uses beforeRetry');
  if (/calculateDelay|retry:\s*(\{|\d)/.test(body ?? '')) tags.push('sets got retry options');
  return tags;
}

/** Why a test is an allowed exception (it asserts got's own retry decisions), or undefined. */
function exceptionReason(file, body) {
  const why = [];
  if (file === 'retry') why.push('test/retry.ts');
  if (body?.includes('retryCount')) why.push('asserts retryCount');
  if (body?.includes('request:retry')) why.push('request:retry diagnostics channel');
  return why.length > 0 ? why.join(', ') : undefined;
}

function compareCommand([testDir, outDir, ...header]) {
  const load = (mode) => JSON.parse(readFileSync(join(outDir, `${mode}.json`), 'utf8'));
  const plain = load('plain');
  const adapter = load('adapter');
  const recheckPath = join(outDir, 'adapter-recheck.json');
  const recheck = existsSync(recheckPath) ? JSON.parse(readFileSync(recheckPath, 'utf8')) : undefined;
  const noBudgetPath = join(outDir, 'adapter-no-budget.json');
  const noBudget = existsSync(noBudgetPath) ? JSON.parse(readFileSync(noBudgetPath, 'utf8')) : undefined;
  const bodyCache = new Map();
  const bodyOf = (file, title) => {
    if (!bodyCache.has(file)) bodyCache.set(file, testBodies(testDir, file));
    return bodyCache.get(file).get(title);
  };

  const regressions = new Map(); // file -> [{ name, error, exception, note }]
  const flaky = [];
  const refusedByBudget = [];
  const improved = [];
  const bothFail = [];
  const titles = new Set([...Object.keys(plain.tests), ...Object.keys(adapter.tests)]);
  for (const title of titles) {
    const p = plain.tests[title]?.status ?? 'missing';
    const a = adapter.tests[title];
    const aStatus = a?.status ?? 'missing';
    const file = title.slice(0, title.indexOf(SEP));
    const name = title.slice(title.indexOf(SEP) + SEP.length);
    if (p === 'pass' && aStatus !== 'pass' && aStatus !== 'skip') {
      const again = recheck?.tests[title]?.status;
      const body = bodyOf(file, name);
      const entry = {
        name,
        error:
          a?.error ?? (aStatus === 'missing' ? 'did not report (file timed out or crashed)' : '(no error)'),
        exception: exceptionReason(file, body),
        artifact: HARNESS_ARTIFACTS[title],
        tags: retryTags(body),
      };
      if (again === 'pass') {
        flaky.push({ file, ...entry });
        continue;
      }
      if (!entry.exception && !entry.artifact && noBudget?.tests[title]?.status === 'pass') {
        refusedByBudget.push({ file, ...entry });
        continue;
      }
      if (!regressions.has(file)) regressions.set(file, []);
      regressions.get(file).push(entry);
    } else if (p === 'fail' && aStatus === 'pass') {
      improved.push(title);
    } else if (p === 'fail' && aStatus === 'fail') {
      bothFail.push(`${title}\n    plain: ${plain.tests[title].error ?? ''}`);
    }
  }

  const all = [...regressions.values()].flat();
  const allowed = all.filter((e) => e.exception);
  const artifacts = all.filter((e) => !e.exception && e.artifact);
  const real = all.filter((e) => !e.exception && !e.artifact);
  const out = [];
  out.push(...header.map((h) => `# ${h}`));
  out.push(`# plain:   ${summary(plain.counts)}`);
  out.push(`# adapter: ${summary(adapter.counts)}`);
  out.push(
    `# pass on plain, not through the adapter: ${all.length} ` +
      `(${real.length} regressions, ${allowed.length} allowed exceptions, ${artifacts.length} harness artifacts)` +
      (recheck ? `; ${flaky.length} more passed on a serial recheck (flaky, listed last)` : '') +
      (noBudget
        ? `; ${refusedByBudget.length} more pass without a retry budget (refused by the default one)`
        : ''),
  );
  out.push('');
  const section = (heading, pick) => {
    out.push(`== ${heading}`);
    let n = 0;
    for (const file of [...regressions.keys()].sort()) {
      const entries = regressions.get(file).filter(pick);
      if (entries.length === 0) continue;
      out.push('', `test/${file}.ts (${entries.length})`);
      for (const e of entries) {
        const tags = [e.exception && `allowed: ${e.exception}`, e.artifact, ...e.tags]
          .filter(Boolean)
          .join('; ');
        out.push(`  - ${e.name}${tags ? `   [${tags}]` : ''}`, `      ${e.error}`);
        n += 1;
      }
    }
    if (n === 0) out.push('  (none)');
    out.push('');
  };
  section('REGRESSIONS: pass on plain got, fail through the adapter', (e) => !e.exception && !e.artifact);
  section(
    "ALLOWED EXCEPTIONS: tests of got's own retry decisions (retry.ts, retryCount, request:retry)",
    (e) => Boolean(e.exception),
  );
  section('HARNESS ARTIFACTS: assert what the default instance holds, which the harness extends', (e) =>
    Boolean(!e.exception && e.artifact),
  );
  if (recheck) {
    out.push(`== FLAKY: failed through the adapter, passed on a serial recheck (${flaky.length})`);
    for (const e of flaky) out.push(`  - ${e.file}${SEP}${e.name}`, `      first run: ${e.error}`);
    out.push('');
  }
  if (noBudget) {
    out.push(
      `== RETRY BUDGET: failed through the adapter, passed through one whose pacing has no retry budget (${refusedByBudget.length})`,
      "   The default retry budget (README: 10 resends, a success gives back 0.1) refused got's resends: to the",
      '   adapter every test server is one vendor, and these files resend many times within a second.',
    );
    for (const e of refusedByBudget)
      out.push(`  - ${e.file}${SEP}${e.name}`, `      through the adapter: ${e.error}`);
    out.push('');
  }
  out.push(`== Pass through the adapter, fail on plain (${improved.length})`);
  for (const t of improved) out.push(`  - ${t}`);
  out.push('', `== Fail on both (not compared; mostly no network here) (${bothFail.length})`);
  for (const t of bothFail) out.push(`  - ${t}`);
  const crashes = [
    ...plain.crashes.map((c) => `plain: ${c.title}`),
    ...adapter.crashes.map((c) => `adapter: ${c.title}`),
  ];
  if (crashes.length > 0) {
    out.push('', `== Crash / uncaught reports (not tests) (${crashes.length})`);
    for (const c of crashes) out.push(`  - ${c}`);
  }
  writeFileSync(join(outDir, 'regressions.txt'), out.join('\n') + '\n');
  console.log(out.slice(0, header.length + 4).join('\n'));
  const byFile = [...regressions]
    .map(([f, e]) => [f, e.filter((x) => !x.exception && !x.artifact).length])
    .filter(([, n]) => n > 0);
  console.log(`regressions by file: ${byFile.map(([f, n]) => `${f} ${n}`).join(', ') || 'none'}`);
  // The files a recheck should run again.
  writeFileSync(
    join(outDir, 'regressed-files.txt'),
    [...regressions.keys()].map((f) => `test/${f}.ts\n`).join(''),
  );
}

const [command, ...args] = process.argv.slice(2);
if (command === 'parse') parseCommand(args);
else if (command === 'compare') compareCommand(args);
else {
  console.error(
    'usage: node report.mjs parse MODE TAP TEST_DIR OUT_DIR | compare TEST_DIR OUT_DIR [HEADER]...',
  );
  process.exitCode = 2;
}
