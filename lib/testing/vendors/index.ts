import type { VendorName } from '../endpoints.js';
import type { VendorEnvironment, VendorModule } from '../vendor-contract.js';
import { createAudixaVendor } from './audixa.js';
import { createBreezeVendor } from './breeze.js';
import { createElsaVendor } from './elsa.js';
import { createGradiumVendor } from './gradium.js';
import { createZenhireVendor } from './zenhire.js';

const FACTORIES: Record<VendorName, (environment: VendorEnvironment) => VendorModule> = {
  gradium: createGradiumVendor,
  elsa: createElsaVendor,
  audixa: createAudixaVendor,
  zenhire: createZenhireVendor,
  breeze: createBreezeVendor,
};

/** The simulated vendor for `vendor`; throws on an unknown name (the options may come from untyped JSON). */
export function createVendorModule(vendor: VendorName, environment: VendorEnvironment): VendorModule {
  const factory = Object.hasOwn(FACTORIES, vendor) ? FACTORIES[vendor] : undefined;
  if (!factory) {
    throw new TypeError(
      `startVendorSimulator: unknown vendor ${JSON.stringify(vendor)} (expected ${Object.keys(FACTORIES).join(', ')})`,
    );
  }
  return factory(environment);
}
