import type { VendorWorkload } from '../scenario.js';
import { audixaWorkload } from './audixa.js';
import { breezeWorkload } from './breeze.js';
import { elsaWorkload } from './elsa.js';
import { gradiumWorkload } from './gradium.js';
import { zenhireWorkload } from './zenhire.js';

/** The demo's workload: one entry per built-in vendor, in table order. */
export const WORKLOADS: readonly VendorWorkload[] = [
  zenhireWorkload,
  breezeWorkload,
  gradiumWorkload,
  audixaWorkload,
  elsaWorkload,
];
