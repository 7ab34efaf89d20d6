/** Wire transport of a simulated endpoint. */
export type SimulatorTransport = 'http' | 'ws';

/**
 * Phase of a simulated endpoint, as in the engine's Signal: `submit` starts work (including HTTP calls
 * whose 200 body is a stream), `poll` asks about an async job, `stream` is a WebSocket session.
 */
export type SimulatorPhase = 'submit' | 'poll' | 'stream';

/**
 * How a vendor module lists its endpoints, by id. The vendor is a plain string here: the vendor
 * names are read from the modules, so their tables cannot be checked against that list.
 */
export type EndpointTable = Readonly<
  Record<
    string,
    { readonly vendor: string; readonly transport: SimulatorTransport; readonly phase: SimulatorPhase }
  >
>;
