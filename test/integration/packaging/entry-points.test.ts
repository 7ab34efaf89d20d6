/**
 * The package's public surface, entry point by entry point (issue 14 item 5): every name each one
 * exports is listed here, so a new export is a conscious choice; and importing the root entry (the
 * build in dist/, by the package's own name, as an application does) loads none of bottleneck,
 * ajv, got, ws or ioredis.
 */
import { describe, expect, it, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../../..');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types?: string; import?: string; default?: string }>;
  scripts: Record<string, string>;
};
const ROOT_ENTRY_LIMIT = 25;

/** Every name (values and types) of each entry point of the exports map. */
const SURFACE: Record<string, readonly string[]> = {
  '.': [
    'Action',
    'Clock',
    'CompiledPolicy',
    'DecideResult',
    'Decision',
    'Engine',
    'Phase',
    'PolicyDocument',
    'PolicyError',
    'PolicyInput',
    'Signal',
    'SignalError',
    'TelemetryOptions',
    'Transport',
    'VendorEngineOptions',
    'VendorError',
    'VendorFailure',
    'builtinPolicyNames',
    'compilePolicy',
    'createVendorEngine',
    'isPolicyError',
    'isSignalError',
    'isVendorError',
    'loadPolicyFile',
  ],
  './got': [
    'AttemptContext',
    'DecisionEvent',
    'JOB_ENDPOINTS',
    'JobEndpoints',
    'JobPresetVendor',
    'JobRequest',
    'PresetJobInit',
    'RunVendorJobOptions',
    'VendorJobResult',
    'VendorJobSpec',
    'VendorMessagesOptions',
    'VendorResilienceOptions',
    'presetJob',
    'readVendorMessages',
    'runVendorJob',
    'vendorResilience',
  ],
  './ws': [
    'ConnectionContext',
    'GiveUpInfo',
    'OpenResilientWebSocket',
    'OpenSessionOptions',
    'OutboxFullError',
    'OutgoingData',
    'PerConnection',
    'ReconnectedInfo',
    'ReconnectingInfo',
    'ResilientWebSocket',
    'ResilientWebSocketEventMap',
    'ResilientWebSocketOptions',
    'SessionCloseInfo',
    'SessionEvent',
    'SessionEventListener',
    'SetupMessage',
    'WebSocketSessionError',
    'createResilientWebSocket',
    'messageTypeIs',
  ],
  './fetch': [
    'AttemptContext',
    'DecisionEvent',
    'FetchFunction',
    'FetchInput',
    'FetchJobOptions',
    'FetchJobRequest',
    'FetchJobSpec',
    'FetchPresetJobInit',
    'ResilientFetchOptions',
    'VendorJobResult',
    'presetJob',
    'resilientFetch',
    'runVendorJob',
  ],
  './pacing': [
    'AdaptiveSettings',
    'Disposable',
    'PacerCounts',
    'PacerIdentity',
    'PacerLimits',
    'PacerRequest',
    'PacerSettings',
    'Pacing',
    'PacingEventMap',
    'PacingEventName',
    'PacingOptions',
    'RecordOptions',
    'RedisClientLike',
    'RetryBudgetSettings',
    'ScheduleOptions',
    'StartedCall',
    'VendorPacer',
    'createPacing',
  ],
  './testing': [
    'DropFault',
    'EndpointInfo',
    'ErrorFault',
    'ErrorReplyFields',
    'Fault',
    'FaultFiring',
    'FaultKind',
    'FaultMatch',
    'FaultPlan',
    'FaultPlanError',
    'FaultSchedule',
    'JobFailureFault',
    'LatencyFault',
    'ManualClock',
    'ManualClockOptions',
    'RateLimitFault',
    'RecordedOutcome',
    'RecordedRequest',
    'RecordedWsMessage',
    'RejectUpgradeFault',
    'SIMULATOR_ENDPOINTS',
    'SimulatorEndpoint',
    'SimulatorPhase',
    'SimulatorTransport',
    'StreamErrorFault',
    'VENDOR_NAMES',
    'VendorName',
    'VendorSimulator',
    'VendorSimulatorOptions',
    'WarmUpFault',
    'WsErrorFault',
    'createManualClock',
    'loadFaultPlan',
    'parseFaultPlan',
    'resetDefaultPacing',
    'startVendorSimulator',
  ],
};
/** Other names of an entry point: the same files. */
const ALIASES: Record<string, string> = { './http': './got' };
/** Exports-map entries that are files, not modules. */
const FILES = ['./policies/*.json', './package.json'];

/** The source (lib/…/index.ts) whose declarations an exports-map entry's `types` are. */
function sourceOf(entry: string): string {
  const target = MANIFEST.exports[entry];
  const types = typeof target === 'object' ? target.types : undefined;
  if (types === undefined) throw new Error(`package.json exports["${entry}"] has no types`);
  return join(ROOT, types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'));
}

describe('the exports map', () => {
  it('has the entry points listed here, each with types and a default (import and require) target', () => {
    expect(Object.keys(MANIFEST.exports).sort()).toEqual(
      [...Object.keys(SURFACE), ...Object.keys(ALIASES), ...FILES].sort(),
    );
    for (const entry of [...Object.keys(SURFACE), ...Object.keys(ALIASES)]) {
      const target = MANIFEST.exports[entry];
      // An entry behind an optional peer has an ES entry for import and a CommonJS one for require,
      // each turning a missing peer into a message (see missing-peer.test.ts).
      const withPeer = typeof target === 'object' && target.import !== undefined;
      expect(target).toEqual({
        types: expect.stringMatching(/^\.\/dist\/lib\/.*\.d\.ts$/),
        ...(withPeer && { import: expect.stringMatching(/^\.\/dist\/lib\/.*\/entry\.js$/) }),
        default: expect.stringMatching(
          withPeer ? /^\.\/dist\/lib\/.*\/entry\.cjs$/ : /^\.\/dist\/lib\/.*\.js$/,
        ),
      });
    }
  });

  it.each(Object.entries(ALIASES))('%s is %s', (alias, entry) => {
    expect(MANIFEST.exports[alias]).toEqual(MANIFEST.exports[entry]);
  });
});

describe('the published package', () => {
  it('runs no script when installed (dist/ is built by prepack, start and example)', () => {
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(MANIFEST.scripts[script]).toBeUndefined();
    expect(MANIFEST.scripts['prepack']).toBe('npm run build');
  });

  it('ships no source maps (they would point at sources it does not ship)', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: Record<string, unknown>;
    };
    expect(build.compilerOptions).toMatchObject({ sourceMap: false, declarationMap: false });
  });
});

describe('each entry point exports exactly the names listed here', () => {
  const entries = Object.keys(SURFACE);
  const program = ts.createProgram(
    entries.map((entry) => sourceOf(entry)),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      resolveJsonModule: true,
      skipLibCheck: true,
      noEmit: true,
    },
  );
  const checker = program.getTypeChecker();
  const exportedNames = (entry: string): string[] => {
    const file = program.getSourceFile(sourceOf(entry));
    const module = file && checker.getSymbolAtLocation(file);
    if (!module) throw new Error(`no module for ${entry}`);
    return checker
      .getExportsOfModule(module)
      .map((symbol) => symbol.name)
      .sort();
  };

  test.each(entries)('%s', (entry) => {
    expect(exportedNames(entry)).toEqual([...(SURFACE[entry] ?? [])].sort());
  });

  it(`the root has at most ${ROOT_ENTRY_LIMIT}`, () => {
    expect(exportedNames('.').length).toBeLessThanOrEqual(ROOT_ENTRY_LIMIT);
  });
});

/**
 * Packages the root entry must not load (an optional peer, or a dependency only some parts need).
 * `@opentelemetry/api` no entry loads at all, telemetry or not: the user passes the meter and `trace`.
 */
const HEAVY = ['bottleneck', 'ajv', 'got', 'ws', 'ioredis', '@opentelemetry/api'];

/**
 * Runs `code` (an ES module) in a plain `node` child in the package root, where
 * `vendor-resilience` resolves to the build in dist/, and returns the packages of HEAVY it loaded:
 * every URL the ESM loader resolved (a resolve hook records them) and every CommonJS module in
 * `require.cache` (ajv is loaded with `require`).
 */
async function heavyPackagesLoadedBy(code: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vr-entry-'));
  try {
    const record = join(dir, 'resolved.txt');
    writeFileSync(record, '');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(record)}, result.url + '\\n');
  return result;
}
`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
    );
    const script = `import { createRequire } from 'node:module';
${code}
console.log(JSON.stringify(Object.keys(createRequire(process.cwd() + '/').cache)));
`;
    const stdout = await new Promise<string>((done, fail) => {
      execFile(
        process.execPath,
        ['--import', join(dir, 'register.mjs'), '--input-type=module', '-e', script],
        // A plain `node`: not jest's flags, nor the compat run's resolve hook for got.
        { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 30_000 },
        (error, out, err) => (error ? fail(new Error(`${error.message}\n${err}`)) : done(out)),
      );
    });
    const required = JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[];
    const resolved = readFileSync(record, 'utf8').split('\n');
    const loaded = [...required, ...resolved].map((url) => url.split('\\').join('/'));
    return HEAVY.filter((name) => loaded.some((url) => url.includes(`/node_modules/${name}/`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('what importing an entry point loads (the build in dist/)', () => {
  it('dist/ is built', () => {
    // npm test builds before jest; run `npm run build` after changing lib/.
    expect(existsSync(join(ROOT, 'dist/lib/index.js'))).toBe(true);
  });

  it('the root loads none of bottleneck, ajv, got, ws, ioredis', async () => {
    expect(
      await heavyPackagesLoadedBy(`const api = await import('vendor-resilience');
if (typeof api.createVendorEngine !== 'function') throw new Error('no createVendorEngine');`),
    ).toEqual([]);
  }, 40_000);

  it('an engine deciding on a built-in policy loads none of them either (no schema check)', async () => {
    expect(
      await heavyPackagesLoadedBy(`const { createVendorEngine } = await import('vendor-resilience');
const decision = createVendorEngine().decide({ vendor: 'zenhire', phase: 'submit', status: 429, headers: { 'retry-after': '3' } });
if (decision.action !== 'backoff') throw new Error('unexpected decision ' + decision.action);`),
    ).toEqual([]);
  }, 40_000);

  it("the root's declarations need none of their types either", () => {
    const program = ts.createProgram([join(ROOT, 'dist/lib/index.d.ts')], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
      types: [],
    });
    const files = program.getSourceFiles().map((file) => file.fileName);
    expect(files.filter((file) => file.includes('/dist/lib/')).length).toBeGreaterThan(1);
    const packages = [...HEAVY, '@types/ws'];
    expect(packages.filter((name) => files.some((file) => file.includes(`/node_modules/${name}/`)))).toEqual(
      [],
    );
  });

  // The same check seeing what it must see: the detector works for ESM imports and for require.
  it('pacing loads bottleneck', async () => {
    expect(await heavyPackagesLoadedBy(`await import('vendor-resilience/pacing');`)).toEqual(['bottleneck']);
  }, 40_000);

  it("fetch's async jobs (a preset from the policy) load neither got nor ws", async () => {
    const loaded =
      await heavyPackagesLoadedBy(`const { presetJob, runVendorJob } = await import('vendor-resilience/fetch');
const spec = presetJob('zenhire', { submit: { headers: { 'x-api-key': 'k' } } });
if (typeof runVendorJob !== 'function' || !spec.poll('r1').url.endsWith('/r1')) throw new Error('no fetch job');`);
    expect(loaded.filter((name) => name === 'got' || name === 'ws')).toEqual([]);
  }, 40_000);

  it('no entry loads @opentelemetry/api, even with the telemetry option on', async () => {
    expect(
      await heavyPackagesLoadedBy(`const { vendorResilience } = await import('vendor-resilience/got');
const { createResilientWebSocket } = await import('vendor-resilience/ws');
const { createPacing } = await import('vendor-resilience/pacing');
await import('vendor-resilience/testing');
const telemetry = { logger: { debug() {}, info() {}, warn() {} } };
const pacing = createPacing({ telemetry });
vendorResilience('zenhire', { pacing, telemetry });
createResilientWebSocket('audixa', { url: 'ws://127.0.0.1:9', pacing, telemetry });
await pacing.close();`),
    ).toEqual(['bottleneck', 'got', 'ws']);
  }, 40_000);

  it('the application importing @opentelemetry/api itself is seen (the check above can fail)', async () => {
    expect(await heavyPackagesLoadedBy(`await import('@opentelemetry/api');`)).toEqual([
      '@opentelemetry/api',
    ]);
  }, 40_000);

  it("a policy of the user's own is checked against the schema with ajv", async () => {
    expect(
      await heavyPackagesLoadedBy(`import { readFileSync } from 'node:fs';
const { compilePolicy } = await import('vendor-resilience');
compilePolicy(JSON.parse(readFileSync('policies/zenhire.json', 'utf8')), 'my-zenhire.json');`),
    ).toEqual(['ajv']);
  }, 40_000);
});
