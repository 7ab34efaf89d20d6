/**
 * Loads, synchronously, the modules of an entry point that import an optional peer dependency
 * (`got`, `ws`), with the error of {@link importWithPeer} when the peer is missing. The CommonJS
 * entries use it: `require()` of the ES modules (require(esm), Node ≥ 20.19) fails where it can be
 * caught, and a top-level `await import()` would make an entry unloadable by `require()`
 * (ERR_REQUIRE_ASYNC_MODULE).
 */
export function requireWithPeer<T>(entry: string, peer: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw peerMissing(entry, peer, error) ?? error;
  }
}

/**
 * Loads an entry point whose modules import an optional peer dependency (`got`, `ws`), or the peer
 * itself when it is first needed. ESM links every static import before any code runs, so a missing
 * peer would surface as a bare `ERR_MODULE_NOT_FOUND` from deep inside the library; loading the
 * modules dynamically lets that one failure become an error that says which package to install.
 */
export async function importWithPeer<T>(entry: string, peer: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw peerMissing(entry, peer, error) ?? error;
  }
}

/** The error that names the package to install, when `error` says `peer` cannot be found. */
function peerMissing(entry: string, peer: string, error: unknown): Error | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  if (!notFound || typeof message !== 'string' || !message.includes(`'${peer}'`)) return undefined;
  return new Error(`${entry} needs the "${peer}" package, which is not installed: npm install ${peer}`, {
    cause: error,
  });
}
