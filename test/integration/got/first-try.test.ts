import { afterEach, describe, expect, it } from '@jest/globals';
import got from 'got';
import { getEventListeners } from 'node:events';
import { isVendorError } from '../../../lib/index.js';
import { vendorResilience } from '../../../lib/adapters/got/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

// The first try runs on the request got builds for the call, which rewrites that call's options in
// place (a json/form payload becomes the body, headers are added). Later tries must still be the
// caller's request, with only their own per-attempt headers.

const down = json(500, { ok: false, code: 'INTERNAL_ERROR', detail: 'd', error: 'd' });
const fine = json(200, { ok: true });

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function breeze(extra: Parameters<typeof vendorResilience>[1] = {}) {
  const time = fakeTime();
  const client = got.extend(
    { prefixUrl: server?.url ?? '' },
    vendorResilience('breeze', { clock: time.clock, random: () => 0, ...extra }),
  );
  return { client, time };
}

describe('vendorResilience: every try is the caller request', () => {
  it('resends a json payload whole, with its content type and length, on every try', async () => {
    server = await startScriptedServer({ 'POST /v1/text-to-speech': [down, down, fine] });
    const { client } = breeze();
    const body = await client.post('v1/text-to-speech/v', { json: { text: 'hi' } }).json<{ ok: boolean }>();
    expect(body).toEqual({ ok: true });
    expect(server.received).toHaveLength(3);
    for (const r of server.received) {
      expect(r.body).toBe('{"text":"hi"}');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['content-length']).toBe('13');
      expect(r.headers.accept).toBe('application/json');
    }
  });

  it('resends a form payload and a FormData body whole on a retry', async () => {
    server = await startScriptedServer({ 'POST /v1/text-to-speech': [down, fine, down, fine] });
    const { client } = breeze();
    await client.post('v1/text-to-speech/v', { form: { text: 'hi there' } });
    const form = new FormData();
    form.set('sentence', 'Hello world');
    form.set('audio_file', new Blob(['RIFFDATA']), 'audio.wav');
    await client.post('v1/text-to-speech/v', { body: form });
    const [f1, f2, m1, m2] = server.received;
    expect([f1?.body, f2?.body]).toEqual(['text=hi+there', 'text=hi+there']);
    expect(f2?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    for (const m of [m1, m2]) {
      expect(m?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(m?.body).toContain('Hello world');
      expect(m?.body).toContain('RIFFDATA');
    }
  });

  it("does not carry one try's per-attempt headers over to the next", async () => {
    server = await startScriptedServer({ 'POST /v1/text-to-speech': [down, fine] });
    const { client } = breeze({
      attemptHeaders: ({ attempt }) =>
        attempt === 1 ? { 'X-First-Only': 'yes', 'x-attempt': '1' } : { 'x-attempt': String(attempt) },
    });
    await client.post('v1/text-to-speech/v', { json: {}, headers: { 'x-caller': 'c' } });
    const [first, second] = server.received;
    expect(first?.headers['x-first-only']).toBe('yes');
    expect(second?.headers['x-first-only']).toBeUndefined();
    expect([first?.headers['x-attempt'], second?.headers['x-attempt']]).toEqual(['1', '2']);
    expect([first?.headers['x-caller'], second?.headers['x-caller']]).toEqual(['c', 'c']);
  });

  it('a per-request retry.limit cannot make a fatal code resend', async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech': [
        json(502, { ok: false, code: 'UPSTREAM_GENERATION_SERVICE_ERROR', detail: 'd', error: 'x' }),
        fine,
      ],
    });
    const { client } = breeze();
    const error = await client
      .post('v1/text-to-speech/v', { json: {}, retry: { limit: 3 } })
      .catch((e: unknown) => e);
    expect(isVendorError(error) && error.vendorCode).toBe('UPSTREAM_GENERATION_SERVICE_ERROR');
    expect(server.received).toHaveLength(1);
  });

  it("honours the call's responseType and resolveBodyOnly, and its promise events", async () => {
    server = await startScriptedServer({ 'POST /v1/text-to-speech': [down, fine] });
    const { client } = breeze();
    const progress: number[] = [];
    const body = await client
      .post('v1/text-to-speech/v', { json: {}, responseType: 'json', resolveBodyOnly: true })
      .on('downloadProgress', (p: { transferred: number }) => progress.push(p.transferred));
    expect(body).toEqual({ ok: true });
    expect(progress.length).toBeGreaterThan(0);
    const response = await client.post('v1/text-to-speech/v', { json: {} });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"ok":true}');
  });

  it('an adapter-level signal aborts the first try in flight at once, and leaves no listener', async () => {
    server = await startScriptedServer({ 'POST /v1/text-to-speech': [() => undefined] });
    const controller = new AbortController();
    const { client } = breeze({ signal: controller.signal });
    const call = client.post('v1/text-to-speech/v', { json: {} }).catch((e: unknown) => e);
    while (server.received.length === 0) await new Promise((r) => setTimeout(r, 2));
    const abortedAt = performance.now();
    controller.abort();
    const error = await call;
    expect((error as Error).name).toBe('AbortError');
    expect(performance.now() - abortedAt).toBeLessThan(200);
    expect(server.received).toHaveLength(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
