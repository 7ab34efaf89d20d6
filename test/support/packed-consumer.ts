/**
 * The published package as applications get it: `npm pack` of the build in dist/ (run
 * `npm run build` after changing lib/), unpacked into the node_modules of scratch consumer
 * projects whose other packages are links to the repository's (no network, no npm install).
 * Shared by the packaging tests (commonjs-consumer.test.ts, consumer-types.test.ts).
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** What a child process did. */
export interface ChildRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with no NODE_OPTIONS (neither jest's flags nor the compat run's got hook). */
export function run(file: string, args: readonly string[], cwd: string): Promise<ChildRun> {
  return new Promise((done) => {
    const env = { ...process.env, NODE_OPTIONS: '' };
    execFile(file, args, { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** The packed package, unpacked in a scratch directory that consumers are made in. */
export interface PackedPackage {
  /** A consumer project named `name` with vendor-resilience, its dependencies and `peers` installed. */
  consumer(name: string, peers: readonly string[], files: Record<string, string>): string;
  /** Removes the scratch directory. */
  remove(): void;
}

/** Packs dist/ (built already: npm pack would run prepack, a full build, without --ignore-scripts). */
export async function packPackage(): Promise<PackedPackage> {
  if (!existsSync(join(ROOT, 'dist/lib/adapters/got/entry.cjs')))
    throw new Error('dist/ is not built (or stale): npm run build');
  const scratch = mkdtempSync(join(tmpdir(), 'vr-consumer-'));
  const pack = await run(
    'npm',
    ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch],
    ROOT,
  );
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const tarball = join(scratch, pack.stdout.trim().split('\n').at(-1) ?? '');
  const untar = await run('tar', ['-xzf', tarball, '-C', scratch], scratch);
  if (untar.code !== 0) throw new Error(`tar failed:\n${untar.stderr}`);
  const unpacked = join(scratch, 'package');
  return {
    consumer(name, peers, files) {
      const dir = join(scratch, name);
      const modules = join(dir, 'node_modules');
      mkdirSync(modules, { recursive: true });
      cpSync(unpacked, join(modules, 'vendor-resilience'), { recursive: true });
      for (const linked of [...Object.keys(PACKAGE.dependencies), ...peers]) {
        mkdirSync(dirname(join(modules, linked)), { recursive: true });
        symlinkSync(join(ROOT, 'node_modules', linked), join(modules, linked), 'dir');
      }
      writeFileSync(join(dir, 'package.json'), '{"name":"consumer","private":true}\n');
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
      return dir;
    },
    remove() {
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * tsc with `module: nodenext` and `strict` on `files` in `dir`, emitting .cjs/.mjs next to them,
 * skipLibCheck off; `extra` adds compiler options (`noEmit`, `exactOptionalPropertyTypes`, …).
 */
export function typecheck(
  dir: string,
  files: readonly string[],
  extra: Record<string, unknown> = {},
): Promise<ChildRun> {
  const compilerOptions = {
    module: 'nodenext',
    target: 'es2022',
    strict: true,
    skipLibCheck: false,
    types: ['node'],
    ...extra,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
  return run(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);
}
