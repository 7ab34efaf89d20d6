export { VendorError, isVendorError, type VendorErrorInit } from './vendor-error.js';
export {
  redactHeaders,
  redactText,
  redactUrl,
  REDACTED,
  SECRET_HEADERS,
  SECRET_QUERY_PARAMS,
} from './redact.js';
