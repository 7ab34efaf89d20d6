import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliRun } from '../../support/run-cli.js';

/**
 * An adversarial pass over the BUILT command (`dist/lib/cli/main.js`; `npm test` builds before
 * jest) with policy files written to a temporary directory: what a policy file, or its name, can
 * make `check` and `explain` print. Every case here was a failure of the code it was written
 * against; each says what went wrong and why.
 */

/** Runs the command in `cwd` (relative file names are the user's). */
const cli = (args: readonly string[], cwd: string): Promise<CliRun> => runCli(args, cwd);

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-cli-adversarial-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, document: unknown): void =>
  writeFileSync(join(dir, name), JSON.stringify(document));

describe('check: an extends chain deeper than the stack', () => {
  // The loader recursed once per level of `extends` without a bound, so a chain of a few thousand
  // files overflowed the stack: `check` printed "internal error: Maximum call stack size exceeded",
  // naming neither the file nor `extends` (the library threw a RangeError, not a PolicyError).
  it('is one line naming a file of the chain and `extends`, exit 1, no internal error', async () => {
    const depth = 6000;
    write('deep-0.json', { extends: 'zenhire' });
    for (let i = 1; i <= depth; i++) write(`deep-${i}.json`, { extends: `./deep-${i - 1}.json` });
    const run = await cli(['check', `deep-${depth}.json`], dir);
    expect(run.stderr).not.toMatch(/internal error|Maximum call stack/);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^vendor-resilience: deep-\d+\.json: extends: .+\n$/);
  });
});

describe('control characters in file names never forge an output line', () => {
  // runCli escapes control characters in what it writes to stderr, so that a file name holding a
  // newline cannot forge or erase other lines; the lines written to stdout were not escaped. A
  // file name is the user's, but a base's name is read from a policy file (`extends`), and both
  // were printed raw: `check`'s one ok line became two, and explain's `rule … from FILE` line
  // split in two.
  const EVIL_BASE = 'evil\nok: forged.json';
  beforeAll(() => {
    write(EVIL_BASE, {
      extends: 'zenhire',
      rules: [
        {
          id: 'teapot',
          match: { status: 418 },
          action: 'retry',
          category: 'custom',
          summary: 'a teapot',
          source: 'our own notes',
        },
      ],
    });
    write('on-evil.json', { extends: `./${EVIL_BASE}` });
  });

  it('check FILE whose name holds a newline prints one ok line', async () => {
    const run = await cli(['check', EVIL_BASE], dir);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toHaveLength(2); // the line and the final newline
    expect(run.stdout).toMatch(/^ok: evil\\u000aok: forged\.json is a valid policy for "zenhire"/);
  });

  it('check of a file whose base (named in `extends`) holds a newline prints one ok line', async () => {
    const run = await cli(['check', 'on-evil.json'], dir);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')).toHaveLength(2);
    expect(run.stdout).toContain('extends evil\\u000aok: forged.json, which extends policies/zenhire.json');
  });

  it("explain's human output stays three lines when the rule's file name holds a newline", async () => {
    const run = await cli(['explain', '--policy', 'on-evil.json', '--status', '418'], dir);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines).toHaveLength(4); // three lines and the final newline
    expect(lines[2]).toMatch(
      /^ {2}rule zenhire#teapot from evil\\u000aok: forged\.json; source: our own notes$/,
    );
  });
});

describe("explain never credits a fallback's decision to a policy rule", () => {
  // explain finds the deciding rule by the id in `decision.rule`. A policy rule may be named like
  // one of the engine's fallbacks (`fallback-5xx`), so a 503 no rule matched was printed as
  // "rule zenhire#fallback-5xx from mine.json; source: <that rule's source>": the wrong file and
  // source. Such an id is refused at load now.
  beforeAll(() => {
    write('reserved-id.json', {
      extends: 'zenhire',
      rules: [
        {
          id: 'fallback-5xx',
          match: { status: 599 },
          action: 'fail',
          category: 'custom',
          summary: 'our own 599',
          source: 'OUR NOTES: 599 is fatal',
        },
      ],
    });
  });

  it('explain of a 503 under a policy with a rule named fallback-5xx does not cite that rule', async () => {
    const run = await cli(['explain', '--policy', 'reserved-id.json', '--status', '503'], dir);
    expect(run.stdout).not.toContain('OUR NOTES');
    expect(run.stdout).not.toContain('from reserved-id.json');
  });

  it('check refuses the policy, naming the rule id', async () => {
    const run = await cli(['check', 'reserved-id.json'], dir);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^vendor-resilience: reserved-id\.json: rules\[0\]\.id: .*reserved.*\n$/);
  });
});

describe('explain --batch whose stdin is a directory', () => {
  // `explain --batch < some-directory`: Node hands a directory on fd 0 over as an empty stream,
  // so the batch read nothing and exited 0, silently, as if the input were an empty file.
  it('fails with one line saying so, exit 1', async () => {
    const main = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'dist/lib/cli/main.js');
    const fd = openSync(dir, 'r');
    try {
      const run = await new Promise<CliRun>((done) => {
        const child = spawn(process.execPath, [main, 'explain', '--batch', '--vendor', 'breeze'], {
          stdio: [fd, 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (status) => done({ status, stdout, stderr }));
      });
      expect(run).toEqual({
        status: 1,
        stdout: '',
        stderr: expect.stringMatching(/^[^\n]*stdin is a directory[^\n]*\n$/),
      });
    } finally {
      closeSync(fd);
    }
  });
});
