import { describe, expect, it } from '@jest/globals';
import { parseSignal } from '../../../../lib/core/engine/signal.js';
import { createVendorEngine, isSignalError, SignalError } from '../../../../lib/index.js';

const engine = createVendorEngine();

describe('signal validation', () => {
  it.each([
    [null, 'signal: must be a JSON object (got null)'],
    [[], 'signal: must be a JSON object (got an array)'],
    ['x', 'signal: must be a JSON object (got a string)'],
    [{ status: 500 }, 'signal.vendor: must be a string (got undefined)'],
    [{ vendor: '', status: 500 }, 'signal.vendor: must not be empty'],
    [{ vendor: 'zenhire' }, 'signal: reports nothing: give status, streamLine, message, closeCode or error'],
    [{ vendor: 'zenhire', status: '500' }, 'signal.status: must be an integer from 100 to 599 (got "500")'],
    [{ vendor: 'zenhire', status: 99 }, 'signal.status: must be an integer from 100 to 599 (got 99)'],
    [{ vendor: 'zenhire', status: 500.5 }, 'signal.status: must be an integer from 100 to 599 (got 500.5)'],
    [
      { vendor: 'zenhire', status: 500, transport: 'grpc' },
      'signal.transport: must be "http" or "ws" (got "grpc")',
    ],
    [
      { vendor: 'zenhire', status: 500, phase: 'later' },
      'signal.phase: must be "submit", "poll" or "stream" (got "later")',
    ],
    [
      { vendor: 'zenhire', status: 500, headers: [] },
      'signal.headers: must be an object of header names to values (got an array)',
    ],
    [
      { vendor: 'zenhire', status: 500, headers: { a: { b: 1 } } },
      'signal.headers.a: must be a string, a number or an array of strings (got an object)',
    ],
    [{ vendor: 'zenhire', status: 500, body: 42 }, 'signal.body: must be a string (got a number)'],
    [
      { vendor: 'zenhire', status: 500, attempt: 0 },
      `signal.attempt: must be an integer from 1 to ${Number.MAX_SAFE_INTEGER} (got 0)`,
    ],
    [{ vendor: 'zenhire', status: 500, stauts: 1 }, 'signal.stauts: is not a Signal field'],
    [{ vendor: 'gradium', closeCode: 1011 }, 'signal.closeCode: needs transport "ws"'],
    [
      { vendor: 'gradium', transport: 'ws', closeCode: 999 },
      'signal.closeCode: must be an integer from 1000 to 4999 (got 999)',
    ],
    [{ vendor: 'zenhire', error: '' }, 'signal.error: must not be empty'],
  ])('%j is refused: %s', (input, message) => {
    expect(() => parseSignal(input)).toThrow(new SignalError('', '').constructor as never);
    expect(() => parseSignal(input)).toThrow(message);
    expect(engine.tryDecide(input)).toEqual({ ok: false, error: message });
  });

  it('isSignalError knows a SignalError, also one from another copy of the package, and nothing else', () => {
    let thrown: unknown;
    try {
      parseSignal({ vendor: 'zenhire' });
    } catch (error) {
      thrown = error;
    }
    expect(isSignalError(thrown)).toBe(true);
    // Another copy's class is another class: the marker still tells it.
    const foreign = Object.assign(new Error('signal.status: …'), {
      name: 'SignalError',
      isSignalError: true,
    });
    expect(isSignalError(foreign)).toBe(true);
    for (const other of [new Error('x'), { isSignalError: 'yes' }, null, undefined, 'SignalError']) {
      expect(isSignalError(other)).toBe(false);
    }
  });

  it('an unknown vendor names the built-in ones', () => {
    expect(engine.tryDecide({ vendor: 'acme', status: 500 })).toEqual({
      ok: false,
      error: 'signal.vendor: "acme" is not a known vendor (built-in: audixa, breeze, elsa, gradium, zenhire)',
    });
  });

  it('defaults transport, phase and attempt', () => {
    expect(parseSignal({ vendor: 'zenhire', status: 200 })).toEqual({ vendor: 'zenhire', status: 200 });
    expect(engine.decide({ vendor: 'zenhire', status: 200 }).action).toBe('ok');
  });
});
