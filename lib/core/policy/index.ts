export type * from './document.js';
export type {
  CompiledPolicy,
  CompiledRule,
  CompiledEnvelope,
  CompiledJob,
  CompiledJobRequest,
  Backoff,
} from './compiled.js';
export { compilePolicy } from './compile.js';
export {
  builtinPolicy,
  builtinPolicyNames,
  loadPolicyFile,
  resolvePolicy,
  type PolicyInput,
} from './load.js';
export { PolicyError, isPolicyError } from './policy-error.js';
