// Where xsuit keeps things in flash. Two app partitions (the A/B slots), a boot record
// partition of two sectors (one per copy) and a provisioning sector holding the
// device's identity and trust anchors. Names follow ESP-IDF partitions.csv rules.
import { XsuitError } from '../errors/errors';
import type { Flash, FlashDevice } from '../../hosts/hal';

export type SlotIndex = 0 | 1;
export const SLOT_PARTITIONS = ['slot_a', 'slot_b'] as const;
export const BOOT_PARTITION = 'xsuit_boot';
export const PROVISION_PARTITION = 'xsuit_prov';

/** A 4 MiB ESP32 layout: 1.5 MiB slots, two sectors of boot record, one of provisioning. */
export const DEFAULT_PARTITIONS_CSV = [
  '# name,      type, subtype, offset,   size',
  'xsuit_boot,  data, 0x40,    0x9000,   0x2000',
  'xsuit_prov,  data, 0x41,    0xb000,   0x1000',
  'slot_a,      app,  ota_0,   0x10000,  0x180000',
  'slot_b,      app,  ota_1,   0x190000, 0x180000',
  '',
].join('\n');

export function slotName(slot: SlotIndex): string {
  return SLOT_PARTITIONS[slot];
}

export function slotLetter(slot: SlotIndex): 'A' | 'B' {
  return slot === 0 ? 'A' : 'B';
}

export function otherSlot(slot: SlotIndex): SlotIndex {
  return slot === 0 ? 1 : 0;
}

export function openSlot(device: FlashDevice, slot: SlotIndex): Flash {
  return device.open(slotName(slot));
}

/**
 * Size of a marker word: the smallest write the flash allows, at least 4 bytes. At most
 * 32: the slot header keeps the commit marker at 64 and the rejected marker at 96.
 */
export function markerSize(flash: Flash): number {
  const n = Math.max(4, flash.writeAlign);
  if (flash.sectorSize % n !== 0) throw new XsuitError('flash-geometry', `write alignment ${flash.writeAlign} does not divide the sector`);
  if (n > 32 || 32 % n !== 0) throw new XsuitError('flash-geometry', `write alignment ${flash.writeAlign} is above the 32 bytes the slot header allows for a marker`);
  return n;
}

export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
