// One power-on of the simulated device, as plain data: read the provisioning, run the
// loader, and describe the decision so either engine can hand it to the image runner.
// Device code (used by the XS guest and by the Node device alike).
import type { Crypto, FlashDevice } from '../hal';
import type { Loader } from '../../bootloader/loader';
import { loaderFromProvisioning } from '../../bootloader/from-provisioning';
import { slotLetter, type SlotIndex } from '../../modules/slots/layout';
import { toHex } from '../../modules/bytes/hex';

export interface BootSummary {
  kind: 'boot' | 'recovery';
  slot?: 'A' | 'B';
  slotIndex?: SlotIndex;
  trial?: boolean;
  attempt?: number;
  maxAttempts?: number;
  sequence?: number;
  imageDigest?: string;
  imageSize?: number;
  event?: string;
  why?: string;
  reason?: number;
  checks: Array<{ slot: 'A' | 'B'; ok: boolean; code?: string; reason?: number; message?: string }>;
}

export function deviceLoader(device: FlashDevice, crypto: Crypto): Loader {
  return loaderFromProvisioning(device, crypto).loader;
}

export async function bootOnce(device: FlashDevice, crypto: Crypto): Promise<BootSummary> {
  const d = await deviceLoader(device, crypto).boot();
  const checks = d.checks.map((c) => ({ slot: slotLetter(c.slot), ok: c.ok, code: c.code, reason: c.reason, message: c.message }));
  if (d.kind === 'recovery') return { kind: 'recovery', why: d.why, reason: d.reason, checks };
  return {
    kind: 'boot', slot: slotLetter(d.slot), slotIndex: d.slot, trial: d.trial, attempt: d.attempt, maxAttempts: d.maxAttempts,
    sequence: d.verified.sequence, imageDigest: toHex(d.verified.imageDigest), imageSize: d.verified.imageSize, event: d.event, checks,
  };
}
