export { VendorError, isVendorError, type VendorErrorInit, type VendorFailure } from './vendor-error.js';
export {
  redactHeaders,
  redactText,
  redactUrl,
  REDACTED,
  SECRET_HEADERS,
  SECRET_QUERY_PARAMS,
} from './redact.js';
