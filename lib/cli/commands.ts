import type { Readable, Writable } from 'node:stream';
import { createVendorEngine } from '../default-engine.js';
import { isPolicyError } from '../policy/policy-error.js';
import { builtinPolicy, builtinPolicyNames, loadPolicyFile } from '../policy/load.js';
import { formatMs } from '../engine/reason.js';
import { runBatch } from './batch.js';
import { CliError } from './cli-error.js';
import { parseExplainArgs } from './explain-args.js';
import { formatDecision, ruleSource } from './format-decision.js';

/** Where a command reads and writes (injected so tests can run commands in-process). */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
}

/** `explain`: one signal to one decision, or `--batch` NDJSON. Resolves to the exit status. */
export async function explainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseExplainArgs(argv);
  const engine = createVendorEngine();
  if (args.batch) return (await runBatch(engine, io.stdin, io.stdout)) > 0 ? 1 : 0;
  const signal = args.signal ?? {};
  let decision;
  try {
    decision = engine.decide(signal as never);
  } catch (error) {
    throw new CliError((error as Error).message, 1);
  }
  const vendor = String(signal['vendor']);
  io.stdout.write(
    args.json
      ? `${JSON.stringify(decision)}\n`
      : `${formatDecision(decision, ruleSource(engine, vendor, decision))}\n`,
  );
  return 0;
}

/** `vendors`: the built-in policies, with their documented limits. */
export function vendorsCommand(argv: readonly string[], io: CliIo): number {
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

/** `check FILE`: validates a policy file; one line either way. */
export function checkCommand(argv: readonly string[], io: CliIo): number {
  const [file, ...rest] = argv;
  if (file === undefined || rest.length > 0) throw new CliError('check: expected exactly one FILE', 2);
  try {
    const p = loadPolicyFile(file);
    io.stdout.write(
      `ok: ${file} is a valid policy for "${p.vendor}" (${p.rules.length} rules, ${p.envelopes.length} envelopes)\n`,
    );
    return 0;
  } catch (error) {
    if (isPolicyError(error)) throw new CliError(error.message, 1);
    throw error;
  }
}
