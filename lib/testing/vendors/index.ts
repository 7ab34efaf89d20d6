import type { VendorEnvironment, VendorModule } from '../vendor-contract.js';
import { AUDIXA_ENDPOINTS, createAudixaVendor } from './audixa.js';
import { BREEZE_ENDPOINTS, createBreezeVendor } from './breeze.js';
import { createElsaVendor, ELSA_ENDPOINTS } from './elsa.js';
import { createGradiumVendor, GRADIUM_ENDPOINTS } from './gradium.js';
import { createZenhireVendor, ZENHIRE_ENDPOINTS } from './zenhire.js';

/** Every simulated vendor, in a stable order: its endpoints and its factory. The one list of them. */
export const SIMULATED_VENDORS = {
  gradium: { endpoints: GRADIUM_ENDPOINTS, create: createGradiumVendor },
  elsa: { endpoints: ELSA_ENDPOINTS, create: createElsaVendor },
  audixa: { endpoints: AUDIXA_ENDPOINTS, create: createAudixaVendor },
  zenhire: { endpoints: ZENHIRE_ENDPOINTS, create: createZenhireVendor },
  breeze: { endpoints: BREEZE_ENDPOINTS, create: createBreezeVendor },
} as const;

/** Id of an endpoint of any simulated vendor (the union of the vendors' table keys; endpoints.ts names it). */
type AnyVendorEndpoint = {
  [V in keyof typeof SIMULATED_VENDORS]: keyof (typeof SIMULATED_VENDORS)[V]['endpoints'];
}[keyof typeof SIMULATED_VENDORS];

/** The simulated vendor for `vendor`; throws on an unknown name (the options may come from untyped JSON). */
export function createVendorModule(
  vendor: keyof typeof SIMULATED_VENDORS,
  environment: VendorEnvironment,
): VendorModule<AnyVendorEndpoint> {
  const entry = Object.hasOwn(SIMULATED_VENDORS, vendor) ? SIMULATED_VENDORS[vendor] : undefined;
  if (!entry) {
    throw new TypeError(
      `startVendorSimulator: unknown vendor ${JSON.stringify(vendor)} (expected ${Object.keys(SIMULATED_VENDORS).join(', ')})`,
    );
  }
  return entry.create(environment);
}
