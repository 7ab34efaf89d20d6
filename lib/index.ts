export * from './engine/index.js';
export * from './policy/index.js';
export { createVendorEngine, type VendorEngineOptions } from './default-engine.js';
export * from './errors/index.js';
export * from './limit/index.js';
