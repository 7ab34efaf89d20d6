import { ArgumentCheck } from '../util/validate-arguments.js';

/**
 * A ready predicate for JSON protocols: true for a text message whose `type` is one of `types`
 * (Gradium: `messageTypeIs('ready')`; ELSA scripted: `messageTypeIs('ELSA:start_stream_result')`).
 */
export function messageTypeIs(...types: readonly string[]): (data: unknown, isBinary: boolean) => boolean {
  const check = new ArgumentCheck('messageTypeIs');
  types.forEach((type, index) => check.that(typeof type === 'string', `types[${index}]`, 'a string', type));
  const wanted = new Set(types);
  return (data, isBinary) => {
    if (isBinary || typeof data !== 'string' || !data.includes('"type"')) return false;
    try {
      const parsed: unknown = JSON.parse(data);
      const type =
        typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
      return typeof type === 'string' && wanted.has(type);
    } catch {
      return false;
    }
  };
}
