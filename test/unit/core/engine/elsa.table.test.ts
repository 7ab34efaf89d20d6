import { describe, expect, it } from '@jest/globals';
import type { Signal } from '../../../../lib/index.js';
import { decideBoth, expectDecision } from '../../../support/engine.js';

const e = (s: Omit<Signal, 'vendor'>): Signal => ({ vendor: 'elsa', ...s });
const body = (message: string): string => JSON.stringify({ error: { code: 0, message, errors: [] } });

/** Every exception on ELSA's error page, by the message text it is recognised from. */
const exceptions: [string, string, 'retry' | 'fail', string][] = [
  ['ASRInterProcessException', 'exception in ASR: worker died', 'retry', 'server_error'],
  ['ASRSocketTimeout', 'ASR timeout', 'retry', 'timeout'],
  ['ASRConnectionFailed', 'ASR Connection Failed', 'retry', 'server_error'],
  ['FailedToReadAudioFromURL', 'Failed to read audio from the URL', 'fail', 'invalid_request'],
  ['FailedToParseAudioHeader', 'Failed to parse audio header', 'fail', 'invalid_request'],
  ['InvalidAudioFormat', 'Only 16 kHz mono WAV, FLAC or OGG-Opus audio allowed', 'fail', 'invalid_request'],
  ['FailedToConvertAudio', 'The server failed to parse your mp3 audio', 'fail', 'invalid_request'],
  ['FailedToDecodeAudioFromBytes', 'Failed to decode audio', 'fail', 'invalid_request'],
  ['MissingAudioParam', 'Missing audio param!', 'fail', 'invalid_request'],
  [
    'AudioTooBigForSync',
    'Audio is too big for sync mode, please change to async mode',
    'fail',
    'invalid_request',
  ],
  [
    'FailedToUseAudio',
    "An unexpected error occurred while processing the audio. Please check if the audio is valid and it's not corrupted.",
    'fail',
    'invalid_request',
  ],
  ['NoTokenProvided', 'No session token provided', 'fail', 'auth'],
  ['InvalidSessionToken', 'Invalid session token: tok_CANARY_123', 'fail', 'auth'],
  ['UserDoesNotExist', 'Could not find client ID', 'fail', 'auth'],
  ['ClientIsNotActive', 'Client with u_42 is not active', 'fail', 'auth'],
  ['ClientDoesNotHaveAccess', 'User u_42 does not have access for this API', 'fail', 'permission'],
  ['ClientHasNoMoreMinutes', 'User has no remaining minutes', 'fail', 'billing'],
  ['InvalidHeaderParameter', 'A valid authorization header is required', 'fail', 'auth'],
];

describe('elsa policy: exceptions recognised from their message text', () => {
  it.each(exceptions)('%s over HTTP (any status)', (code, message, action, category) => {
    for (const status of [400, 401, 500])
      expectDecision(e({ status, body: body(message) }), { action, code, category });
  });

  it.each(exceptions)('%s as a WebSocket ELSA:error', (code, message, action) =>
    expectDecision(e({ transport: 'ws', message: JSON.stringify({ type: 'ELSA:error', message }) }), {
      action: action === 'retry' ? 'reconnect' : 'fail',
      code,
    }),
  );

  it('a message that echoes a token never reaches the reason', () => {
    const { min } = decideBoth(e({ status: 401, body: body('Invalid session token: tok_CANARY_123') }));
    expect(min.reason).not.toContain('CANARY');
  });

  it('the vendor code beats the status: a 500 with an audio error fails', () =>
    expectDecision(e({ status: 500, body: body('Failed to decode audio') }), {
      action: 'fail',
      code: 'FailedToDecodeAudioFromBytes',
    }));

  it('ASR errors are retried at most 3 times', () =>
    expectDecision(e({ status: 500, body: body('ASR timeout'), attempt: 3 }), {
      action: 'fail',
      code: 'ASRSocketTimeout',
    }));

  it('an unknown message falls back to the status class', () => {
    expectDecision(e({ status: 500, body: body('something new') }), {
      action: 'retry',
      rule: 'elsa#fallback-5xx',
    });
    expectDecision(e({ status: 403, body: body('something new') }), {
      action: 'fail',
      rule: 'elsa#fallback-4xx',
    });
  });

  it('a plain-text body is read as the message', () =>
    expectDecision(e({ status: 500, body: 'ASR Connection Failed' }), {
      action: 'retry',
      code: 'ASRConnectionFailed',
    }));

  it('unscripted stream status failed fails; processing/success are fine', () => {
    expectDecision(e({ transport: 'ws', message: '{"status":"failed","reason":"bad audio"}' }), {
      action: 'fail',
      category: 'job_failed',
    });
    expectDecision(e({ transport: 'ws', message: '{"status":"processing","stream_id":"s1"}' }), {
      action: 'ok',
    });
    expectDecision(
      e({ transport: 'ws', message: '{"type":"ELSA:decoding_result","data":{"stream_finished":true}}' }),
      { action: 'ok' },
    );
  });
});
