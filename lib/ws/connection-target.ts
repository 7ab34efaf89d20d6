import type { SessionSettings } from './settings.js';
import type { ConnectionContext, PerConnection } from './types.js';

/** Where and how one connection goes: its URL and upgrade headers, minted for it. */
export interface ConnectionTarget {
  url: URL;
  headers: Readonly<Record<string, string>> | undefined;
}

async function resolvePerConnection<T>(value: PerConnection<T>, context: ConnectionContext): Promise<T> {
  return typeof value === 'function'
    ? await (value as (c: ConnectionContext) => T | Promise<T>)(context)
    : value;
}

/** Calls the URL and header callbacks for one connection (single-use tokens are minted here). */
export async function resolveConnectionTarget(
  settings: SessionSettings,
  context: ConnectionContext,
): Promise<ConnectionTarget> {
  const url = new URL(String(await resolvePerConnection(settings.url, context)));
  const headers =
    settings.headers === undefined ? undefined : await resolvePerConnection(settings.headers, context);
  return { url, headers };
}
