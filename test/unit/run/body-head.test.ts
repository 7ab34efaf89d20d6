import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { readBodyHead } from '../../../lib/run/body-head.js';

// The error-body read both transports share (an HTTP error status, a refused WebSocket upgrade),
// on a real stream.

describe('readBodyHead', () => {
  it('resolves with the whole body when it ends under the bound', async () => {
    const body = new PassThrough();
    const read = readBodyHead(body, 100);
    body.write('{"error":');
    body.end('"busy"}');
    expect((await read.done).toString()).toBe('{"error":"busy"}');
  });

  it('stops at maxBytes without waiting for the end, and drains the rest unread', async () => {
    const body = new PassThrough();
    const read = readBodyHead(body, 5);
    body.write('0123');
    body.write('456789');
    expect((await read.done).toString()).toBe('01234');
    expect(body.listenerCount('data')).toBe(0);
    expect(body.readableFlowing).toBe(true);
  });

  it('resolves with what arrived when the body stalls past timeoutMs, or is cancelled', async () => {
    const stalled = new PassThrough();
    const timed = readBodyHead(stalled, 100, 10);
    stalled.write('partial');
    expect((await timed.done).toString()).toBe('partial');
    const cancelled = new PassThrough();
    const read = readBodyHead(cancelled, 100);
    cancelled.write('abc');
    await new Promise((resolve) => setImmediate(resolve));
    read.cancel();
    expect((await read.done).toString()).toBe('abc');
  });

  it('resolves (never rejects) when the body fails', async () => {
    const body = new PassThrough();
    const read = readBodyHead(body, 100);
    body.write('half');
    await new Promise((resolve) => setImmediate(resolve));
    body.destroy(new Error('ECONNRESET'));
    expect((await read.done).toString()).toBe('half');
  });
});
