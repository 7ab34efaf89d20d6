/**
 * Documented codes with their HTTP status and default message, so a fault can name just the code.
 * Sources: docs/vendor-docs/<vendor>-errors.txt and docs/vendor-docs/VENDORS.md.
 */

/** Breeze: every row of the error reference (code → [status, default message]). */
export const BREEZE_CODES: Readonly<Record<string, readonly [number, string]>> = {
  BAD_REQUEST: [400, 'The request is invalid.'],
  AUTH_INVALID_SESSION: [401, 'Invalid session.'],
  AUTH_REQUIRED: [401, 'Authentication required.'],
  AUTH_SESSION_EXPIRED: [401, 'Session expired.'],
  AUTH_USER_UNAVAILABLE: [401, 'User not available.'],
  BILLING_INSUFFICIENT_CREDITS: [402, 'Insufficient credits.'],
  AUTH_ADMIN_ACCESS_DENIED: [403, 'Admin console access denied.'],
  AUTH_ADMIN_ROLE_REQUIRED: [403, 'Admin role required.'],
  FORBIDDEN: [403, 'Forbidden.'],
  RESOURCE_NOT_FOUND: [404, 'Resource not found.'],
  CONFLICT: [409, 'The request conflicts with current state.'],
  STUDIO_AUDIO_EXPORT_BLOCKED: [409, 'Studio audio export is blocked by missing or stale clips.'],
  STUDIO_AUDIO_EXPORT_INCOMPATIBLE_AUDIO: [
    422,
    'Studio audio export requires compatible PCM WAV clip audio.',
  ],
  STUDIO_AUDIO_EXPORT_NO_AUDIO: [422, 'Studio audio export has no clip audio to export.'],
  STUDIO_AUDIO_EXPORT_UNSUPPORTED_SOURCE: [422, 'Studio audio export requires supported clip audio sources.'],
  VALIDATION_ERROR: [422, 'Request validation failed.'],
  GENERATION_NOT_READY: [425, 'Generation is not ready yet.'],
  GENERATION_CONCURRENCY_EXCEEDED: [
    429,
    "Your plan's concurrent generation limit was reached. Please retry shortly.",
  ],
  RATE_LIMITED: [429, 'Rate limit exceeded.'],
  INTERNAL_ERROR: [500, 'Internal server error.'],
  STUDIO_AUDIO_EXPORT_FAILED: [500, 'Studio audio export failed.'],
  GENERATION_FAILED: [502, 'Generation failed.'],
  GENERATION_INVALID_RESPONSE: [502, 'Generation service returned an invalid response.'],
  UPSTREAM_ANALYTICS_ERROR: [502, 'Analytics service request failed.'],
  UPSTREAM_BILLING_ERROR: [502, 'Billing service request failed.'],
  UPSTREAM_GENERATION_ERROR: [502, 'Generation service request failed.'],
  UPSTREAM_GENERATION_SERVICE_ERROR: [502, 'Generation service request failed.'],
  VOICE_CLONE_FAILED: [502, 'Voice clone failed.'],
  VOICE_DESIGN_FAILED: [502, 'Voice design failed.'],
  AUTH_CONFIG_MISSING: [503, 'Authentication is not configured correctly.'],
  GENERATION_CAPACITY_EXCEEDED: [
    503,
    'Generation capacity is currently exhausted. Please try again shortly.',
  ],
  LLM_CONFIG_NOT_FOUND: [503, 'LLM feature is not configured.'],
  STUDIO_AUDIO_EXPORT_ASSET_READ_FAILED: [503, 'Studio audio export could not read clip audio from storage.'],
  STUDIO_AUDIO_EXPORT_ASSET_WRITE_FAILED: [503, 'Studio audio export could not write the result to storage.'],
  STUDIO_AUDIO_EXPORT_STORAGE_UNCONFIGURED: [503, 'Studio audio export storage is not configured.'],
  UPSTREAM_ASSET_STORAGE_ERROR: [503, 'Audio asset storage failed.'],
  GENERATION_TIMEOUT: [504, 'Generation timed out. Please try again.'],
  UPSTREAM_TIMEOUT: [504, 'Upstream request timed out.'],
};

/** ZenHire: documented HTTP error codes (code → [status, message]). Run-failure codes have no status. */
export const ZENHIRE_CODES: Readonly<Record<string, readonly [number, string]>> = {
  MISSING_AUDIO_FILE: [400, 'No audio field in the multipart body.'],
  UNSUPPORTED_FORMAT: [400, "File isn't a valid MP3/WAV/M4A/WebM/OGG/FLAC."],
  FILE_TOO_LARGE: [400, 'File exceeds 25 MB.'],
  INVALID_LANGUAGE_CODE: [400, 'Invalid language code. Must be a 2-letter ISO 639-1 code.'],
  INVALID_EXTERNAL_ID: [400, 'externalId empty or > 255 chars.'],
  INVALID_METADATA: [400, 'metadata field is not valid JSON.'],
  AUDIO_TOO_SHORT: [400, 'Audio under 3 minutes.'],
  AUDIO_TOO_LONG: [400, 'Audio over 45 minutes.'],
  MISSING_API_KEY: [401, 'No X-API-Key or Authorization header.'],
  INVALID_API_KEY: [401, 'Key not recognized or marked inactive.'],
  API_KEY_EXPIRED: [401, 'API key has expired.'],
  CLIENT_INACTIVE: [401, 'The account behind the key has been disabled.'],
  INSUFFICIENT_CREDITS: [402, 'Balance below minimum.'],
  MULTILINGUAL_NOT_ENABLED: [403, 'Non-English languages are not enabled for this account.'],
  IP_NOT_ALLOWED: [403, 'Request did not originate from an allowed address.'],
  RATE_LIMIT_EXCEEDED: [429, 'Too many requests. Slow down.'],
  POLL_RATE_LIMITED: [429, 'Polled faster than the minimum interval for this request id.'],
  SERVICE_WARMING_UP: [503, 'The scoring service is warming up after a deployment.'],
};

/** ELSA: exception name → [status chosen by the simulator, documented message]. ELSA does not document statuses. */
export const ELSA_EXCEPTIONS: Readonly<Record<string, readonly [number, string]>> = {
  ASRInterProcessException: [500, 'exception in ASR: worker crashed'],
  ASRSocketTimeout: [500, 'ASR timeout'],
  ASRConnectionFailed: [500, 'ASR Connection Failed'],
  FailedToReadAudioFromURL: [400, 'Failed to read audio from the URL'],
  FailedToParseAudioHeader: [400, 'Failed to parse audio header'],
  InvalidAudioFormat: [400, 'Only 16 kHz mono WAV, FLAC or OGG-Opus audio allowed'],
  FailedToConvertAudio: [400, 'The server failed to parse your wav audio'],
  FailedToDecodeAudioFromBytes: [400, 'Failed to decode audio'],
  MissingAudioParam: [400, 'Missing audio param!'],
  AudioTooBigForSync: [400, 'Audio is too big for sync mode, please change to async mode'],
  FailedToUseAudio: [
    400,
    "An unexpected error occurred while processing the audio. Please check if the audio is valid and it's not corrupted.",
  ],
  NoTokenProvided: [401, 'No session token provided'],
  InvalidSessionToken: [401, 'Invalid session token: [REDACTED]'],
  UserDoesNotExist: [401, 'Could not find client ID'],
  ClientIsNotActive: [403, 'Client with client is not active'],
  ClientDoesNotHaveAccess: [403, 'User client does not have access for this API'],
  ClientHasNoMoreMinutes: [403, 'User has no remaining minutes'],
  InvalidHeaderParameter: [401, 'A valid authorization header is required'],
};

/** Gradium: the messages that follow `error from server <code>:` by default. */
export const GRADIUM_CODE_MESSAGES: Readonly<Record<string, string>> = {
  '1008': 'API key is revoked or expired',
  '1011': 'Internal server error',
};
