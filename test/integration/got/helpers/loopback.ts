import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pacing } from '../../../../lib/pacing/index.js';

/** What a test file opens on loopback (servers on port 0) and the pacings it makes, closed together. */
export interface LoopbackResources {
  /** Starts a server on 127.0.0.1, port 0; resolves to its base URL. */
  serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string>;
  /** Closes `pacing` with the rest; returns it. */
  track(pacing: Pacing): Pacing;
  /** Closes every pacing, then every server (their keep-alive connections first). */
  closeAll(): Promise<void>;
}

/** Resources for one test file: call `closeAll()` in its `afterEach`. */
export function loopbackResources(): LoopbackResources {
  let servers: Server[] = [];
  let pacings: Pacing[] = [];
  return {
    async serve(handler) {
      const server = createServer(handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    track(pacing) {
      pacings.push(pacing);
      return pacing;
    },
    async closeAll() {
      for (const pacing of pacings) await pacing.close();
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      servers = [];
      pacings = [];
    },
  };
}
