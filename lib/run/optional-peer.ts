/**
 * Loads an entry point whose modules import an optional peer dependency (`got`, `ws`). ESM links
 * every static import before any code runs, so a missing peer would surface as a bare
 * `ERR_MODULE_NOT_FOUND` from deep inside the library; loading the entry's modules dynamically
 * lets that one failure become an error that says which package to install.
 */
export async function importWithPeer<T>(entry: string, peer: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if (code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${peer}'`)) {
      throw new Error(`${entry} needs the "${peer}" package, which is not installed: npm install ${peer}`, {
        cause: error,
      });
    }
    throw error;
  }
}
