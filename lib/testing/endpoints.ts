/** The five vendors the simulator can impersonate. */
export type VendorName = 'gradium' | 'elsa' | 'audixa' | 'zenhire' | 'breeze';

/** Every vendor name, in a stable order. */
export const VENDOR_NAMES: readonly VendorName[] = ['gradium', 'elsa', 'audixa', 'zenhire', 'breeze'];

/** Wire transport of a simulated endpoint. */
export type SimulatorTransport = 'http' | 'ws';

/**
 * Phase of a simulated endpoint, as in the engine's Signal: `submit` starts work (including HTTP calls
 * whose 200 body is a stream), `poll` asks about an async job, `stream` is a WebSocket session.
 */
export type SimulatorPhase = 'submit' | 'poll' | 'stream';

/** What a fault plan needs to know about an endpoint to match it. */
export interface EndpointInfo {
  /** The vendor serving it. */
  readonly vendor: VendorName;
  /** HTTP or WebSocket. */
  readonly transport: SimulatorTransport;
  /** Its phase. */
  readonly phase: SimulatorPhase;
}

/** Every endpoint the simulator speaks, by id (`vendor.name`). */
export const SIMULATOR_ENDPOINTS = {
  'gradium.tts': { vendor: 'gradium', transport: 'http', phase: 'submit' },
  'gradium.asr': { vendor: 'gradium', transport: 'http', phase: 'submit' },
  'gradium.token': { vendor: 'gradium', transport: 'http', phase: 'submit' },
  'gradium.ws-tts': { vendor: 'gradium', transport: 'ws', phase: 'stream' },
  'gradium.ws-asr': { vendor: 'gradium', transport: 'ws', phase: 'stream' },
  'elsa.score-audio': { vendor: 'elsa', transport: 'http', phase: 'submit' },
  'elsa.score-audio-plus': { vendor: 'elsa', transport: 'http', phase: 'submit' },
  'elsa.ws-score-audio': { vendor: 'elsa', transport: 'ws', phase: 'stream' },
  'audixa.create': { vendor: 'audixa', transport: 'http', phase: 'submit' },
  'audixa.poll': { vendor: 'audixa', transport: 'http', phase: 'poll' },
  'audixa.audio': { vendor: 'audixa', transport: 'http', phase: 'poll' },
  'audixa.ws-stream': { vendor: 'audixa', transport: 'ws', phase: 'stream' },
  'zenhire.submit': { vendor: 'zenhire', transport: 'http', phase: 'submit' },
  'zenhire.poll': { vendor: 'zenhire', transport: 'http', phase: 'poll' },
  'breeze.tts': { vendor: 'breeze', transport: 'http', phase: 'submit' },
  'breeze.job': { vendor: 'breeze', transport: 'http', phase: 'poll' },
  'breeze.job-audio': { vendor: 'breeze', transport: 'http', phase: 'poll' },
} as const satisfies Record<string, EndpointInfo>;

/** Id of a simulated endpoint, e.g. `zenhire.poll`. */
export type SimulatorEndpoint = keyof typeof SIMULATOR_ENDPOINTS;

/** Whether `value` names a simulated endpoint. */
export function isSimulatorEndpoint(value: unknown): value is SimulatorEndpoint {
  return typeof value === 'string' && Object.hasOwn(SIMULATOR_ENDPOINTS, value);
}
