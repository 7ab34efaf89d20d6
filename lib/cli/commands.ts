import { fstatSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { formatMs } from '../core/engine/reason.js';
import { SignalError } from '../core/engine/signal.js';
import type { CompiledPolicy } from '../core/policy/compiled.js';
import { builtinPolicy, builtinPolicyNames } from '../core/policy/load.js';
import { loadPolicyFile } from '../core/policy/user-policy.js';
import { isPolicyError } from '../core/policy/policy-error.js';
import { runBatch } from './batch.js';
import { CliError } from './cli-error.js';
import { parseExplainArgs } from './explain-args.js';
import { oneLine } from './one-line.js';
import { formatDecision, ruleFile, ruleSource, shownPolicyFile } from './format-decision.js';
import { asksForHelp, CHECK_USAGE, EXPLAIN_USAGE, VENDORS_USAGE } from './usage.js';
import { CliVendors } from './vendor-registry.js';

/** Where a command reads and writes (injected so tests can run commands in-process). */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  /** The file descriptor behind `stdin` when it is the process's (0), checked before `--batch` reads it. */
  stdinFd?: number;
}

/** Whether `fd` is a directory: Node hands one on stdin over as an empty stream, no error. */
function isDirectory(fd: number): boolean {
  try {
    return fstatSync(fd).isDirectory();
  } catch {
    return false; // Not ours to judge: reading it says what is wrong.
  }
}

/** Anything with a slash or ending `.json` names a policy file, as in the library's `resolvePolicy`. */
function looksLikePath(vendor: string): boolean {
  return /[\\/]|\.json$/i.test(vendor);
}

/** `--vendor V` as a policy, or a usage/input error naming the flag (never the signal). */
function vendorPolicy(vendors: CliVendors, name: string): CompiledPolicy {
  try {
    return vendors.policy(name);
  } catch (error) {
    if (error instanceof SignalError) throw new CliError(`--vendor: ${error.problem}`, 1);
    throw error;
  }
}

/** `explain`: one signal to one decision, or `--batch` NDJSON. Resolves to the exit status. */
export async function explainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (asksForHelp(argv)) {
    io.stdout.write(EXPLAIN_USAGE);
    return 0;
  }
  const args = parseExplainArgs(argv);
  let policyFile = args.policy;
  let vendorName = args.vendor;
  if (vendorName !== undefined && looksLikePath(vendorName)) {
    if (args.batch) {
      throw new CliError(
        'explain --batch: --vendor takes a vendor name; name a policy file with --policy FILE',
        2,
      );
    }
    if (policyFile !== undefined)
      throw new CliError('explain: give --vendor FILE or --policy FILE, not both', 2);
    policyFile = vendorName;
    vendorName = undefined;
  }
  const extra = policyFile === undefined ? undefined : loadPolicyFile(policyFile);
  const vendors = new CliVendors(extra);
  // The policy's own name, so `Breeze` decides, and is reported, as `breeze`.
  const vendor = vendorName === undefined ? extra?.vendor : vendorPolicy(vendors, vendorName).vendor;
  const engine = vendors.engine();
  if (args.batch) {
    if (io.stdinFd !== undefined && isDirectory(io.stdinFd)) {
      throw new CliError(
        'explain --batch: stdin is a directory; give it NDJSON signals (a file or a pipe)',
        1,
      );
    }
    const bad = await runBatch(
      engine,
      io.stdin,
      io.stdout,
      vendor === undefined ? {} : { defaultVendor: vendor },
    );
    return bad > 0 ? 1 : 0;
  }
  if (vendor === undefined)
    throw new CliError('explain: --vendor is required (or --policy FILE, or --batch)', 2);
  const signal = { ...args.signal, vendor };
  let decision;
  try {
    decision = engine.decide(signal as never);
  } catch (error) {
    throw new CliError((error as Error).message, 1);
  }
  io.stdout.write(
    args.json
      ? `${JSON.stringify(decision)}\n`
      : `${formatDecision(decision, ruleSource(engine, vendor, decision), ruleFile(engine, vendor, decision))}\n`,
  );
  return 0;
}

/** `vendors`: the built-in policies, with their documented limits. */
export function vendorsCommand(argv: readonly string[], io: CliIo): number {
  if (asksForHelp(argv)) {
    io.stdout.write(VENDORS_USAGE);
    return 0;
  }
  const json = argv.includes('--json');
  const unknown = argv.find((a) => a !== '--json');
  if (unknown !== undefined) throw new CliError(`vendors: unknown argument "${unknown}"`, 2);
  const rows = builtinPolicyNames().map((name) => {
    const p = builtinPolicy(name);
    return {
      vendor: p.vendor,
      title: p.title,
      rules: p.rules.length,
      requestsPerMinute: p.limits.requestsPerMinute ?? null,
      maxConcurrent: p.limits.maxConcurrent ?? null,
      pollIntervalMs: p.document.polling ? p.polling.intervalMs : null,
    };
  });
  if (json) {
    io.stdout.write(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  for (const r of rows) {
    const limits = [
      r.requestsPerMinute === null ? undefined : `${r.requestsPerMinute}/min`,
      r.maxConcurrent === null ? undefined : `${r.maxConcurrent} concurrent`,
      r.pollIntervalMs === null ? undefined : `polls every ${formatMs(r.pollIntervalMs)}`,
    ].filter(Boolean);
    io.stdout.write(
      `${r.vendor.padEnd(9)} ${r.title} (${r.rules} rules${limits.length ? `; ${limits.join(', ')}` : ''})\n`,
    );
  }
  return 0;
}

/** How many problems `check` lists before summing up the rest: a broken file is fixed a screenful at a time. */
const MAX_LISTED_PROBLEMS = 100;

/** `check [--] FILE`: the one file argument, or a usage error. */
function checkFile(argv: readonly string[]): string {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  const files = end === -1 ? [] : argv.slice(end + 1);
  for (const arg of options) {
    if (arg.startsWith('-')) {
      throw new CliError(
        `check: unknown option "${arg}" (put -- before a FILE whose name starts with "-")`,
        2,
      );
    }
    files.push(arg);
  }
  const [file, ...rest] = files;
  if (file === undefined || rest.length > 0) throw new CliError('check: expected exactly one FILE', 2);
  return file;
}

/** `check FILE`: validates a policy file; one ok line, or one line per problem found. */
export function checkCommand(argv: readonly string[], io: CliIo): number {
  if (asksForHelp(argv)) {
    io.stdout.write(CHECK_USAGE);
    return 0;
  }
  const file = checkFile(argv);
  try {
    const p = loadPolicyFile(file);
    const bases = p.files.slice(1).map(shownPolicyFile);
    const extended = bases.length === 0 ? '' : `; extends ${bases.join(', which extends ')}`;
    // The file names are the user's, or read from a policy (`extends`): escaped, so the ok line stays one line.
    io.stdout.write(
      `${oneLine(`ok: ${file} is a valid policy for "${p.vendor}" (${p.rules.length} rules, ${p.envelopes.length} envelopes${extended})`)}\n`,
    );
    return 0;
  } catch (error) {
    if (!isPolicyError(error)) throw error;
    // The first problem is the error's own message; a copy of the package without `problems` has only it.
    const problems = (error.problems ?? []).slice(1);
    const lines = problems
      .slice(0, MAX_LISTED_PROBLEMS - 1)
      .map((p) => `${p.file ?? error.file}: ${p.field === '' ? '(document)' : p.field}: ${p.problem}`);
    if (problems.length > lines.length) {
      lines.push(`${error.file}: ${problems.length - lines.length} more problems not shown`);
    }
    throw new CliError(error.message, 1, lines);
  }
}
