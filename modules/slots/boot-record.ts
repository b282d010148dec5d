// The boot record: which slot runs, whether it is on trial and how many attempts it has
// used, and the anti-rollback floor per component. Two copies, each in its own sector,
// each with a generation number and a CRC-32. A save erases and rewrites the copy that
// does NOT hold the current state, so a torn erase or write never loses the other one;
// the newest valid copy wins at load.
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import type { Flash } from '../../hosts/hal';
import { crc32 } from './crc32';
import type { SlotIndex } from './layout';

const MAGIC = 0x31425358; // 'XSB1'
export const RECORD_BYTES = 224;
const CRC_AT = RECORD_BYTES - 4;
export const MAX_FLOORS = 8;
export const COMPONENT_KEY_BYTES = 8;
const NO_SLOT = 0xff;
export const DEFAULT_MAX_ATTEMPTS = 3;

/** What happened last, kept so `status` and the agent's report can say why. */
export const BootEvent = {
  none: 0,
  initialised: 1,
  switched: 2,
  trialBoot: 3,
  confirmed: 4,
  rejected: 5,
  revertedAttempts: 6,
  revertedInvalid: 7,
  fallback: 8,
} as const;
export type BootEventCode = (typeof BootEvent)[keyof typeof BootEvent];
const EVENT_NAMES = ['none', 'initialised', 'switched', 'trial-boot', 'confirmed', 'rejected', 'reverted-attempts', 'reverted-invalid', 'fallback'];

export function bootEventName(code: number): string {
  return EVENT_NAMES[code] ?? `event-${code}`;
}

export interface Floor {
  /** first 8 bytes of SHA-256 over the encoded SUIT component identifier */
  key: Uint8Array;
  /** highest confirmed manifest sequence number for that component */
  sequence: number;
}

export interface BootState {
  /** increases by one with every save; the newer of the two copies wins */
  generation: number;
  active: SlotIndex | null;
  trial: boolean;
  attempts: number;
  maxAttempts: number;
  /** the slot holding the newest confirmed image: where a failed trial reverts to */
  confirmedSlot: SlotIndex | null;
  /** signed image digest of the confirmed image (zeros: none) */
  confirmedDigest: Uint8Array;
  /** image digest of the image confirmed before it: the only image allowed to boot below the floor */
  fallbackDigest: Uint8Array;
  floors: Floor[];
  lastEvent: BootEventCode;
  /** SUIT report reason that goes with lastEvent */
  lastReason: number;
}

export function blankBootState(maxAttempts = DEFAULT_MAX_ATTEMPTS): BootState {
  return {
    generation: 0, active: null, trial: false, attempts: 0, maxAttempts, confirmedSlot: null,
    confirmedDigest: new Uint8Array(32), fallbackDigest: new Uint8Array(32), floors: [],
    lastEvent: BootEvent.none, lastReason: 0,
  };
}

function slotByte(s: SlotIndex | null): number {
  return s === null ? NO_SLOT : s;
}

function byteSlot(b: number): SlotIndex | null | undefined {
  return b === NO_SLOT ? null : b === 0 || b === 1 ? b : undefined;
}

export function encodeBootState(s: BootState): Uint8Array {
  if (s.floors.length > MAX_FLOORS) throw new XsuitError('boot-record-full', `at most ${MAX_FLOORS} components have a floor`, Reason.operationFailed);
  const out = new Uint8Array(RECORD_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, s.generation >>> 0, true);
  out[8] = slotByte(s.active);
  out[9] = s.trial ? 1 : 0;
  out[10] = Math.min(255, s.attempts);
  out[11] = s.maxAttempts;
  out[12] = slotByte(s.confirmedSlot);
  out[13] = s.lastEvent;
  out[14] = s.lastReason & 0xff;
  out[15] = s.floors.length;
  out.set(s.confirmedDigest.subarray(0, 32), 16);
  out.set(s.fallbackDigest.subarray(0, 32), 48);
  s.floors.forEach((f, i) => {
    const at = 80 + i * 16;
    out.set(f.key.subarray(0, COMPONENT_KEY_BYTES), at);
    view.setUint32(at + 8, Math.floor(f.sequence / 0x100000000), true);
    view.setUint32(at + 12, f.sequence >>> 0, true);
  });
  view.setUint32(CRC_AT, crc32(out, 0, CRC_AT), true);
  return out;
}

export function decodeBootState(bytes: Uint8Array): BootState | undefined {
  if (bytes.length < RECORD_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, RECORD_BYTES);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(CRC_AT, true) !== crc32(bytes, 0, CRC_AT)) return undefined;
  const active = byteSlot(bytes[8]);
  const confirmedSlot = byteSlot(bytes[12]);
  const count = bytes[15];
  if (active === undefined || confirmedSlot === undefined || count > MAX_FLOORS || bytes[9] > 1) return undefined;
  const floors: Floor[] = [];
  for (let i = 0; i < count; i++) {
    const at = 80 + i * 16;
    floors.push({ key: bytes.slice(at, at + 8), sequence: view.getUint32(at + 8, true) * 0x100000000 + view.getUint32(at + 12, true) });
  }
  return {
    generation: view.getUint32(4, true), active, trial: bytes[9] === 1, attempts: bytes[10], maxAttempts: bytes[11],
    confirmedSlot, confirmedDigest: bytes.slice(16, 48), fallbackDigest: bytes.slice(48, 80), floors,
    lastEvent: bytes[13] as BootEventCode, lastReason: bytes[14],
  };
}

/** a is newer than b in serial-number arithmetic (survives the u32 wrap) */
function newer(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < 0x80000000;
}

export class BootRecord {
  private readonly flash: Flash;
  /** which copy (sector 0 or 1) holds the state last loaded or saved; -1: neither */
  private currentCopy = -1;

  constructor(flash: Flash) {
    if (flash.size < 2 * flash.sectorSize) {
      throw new XsuitError('boot-record-partition', `'${flash.name}' needs two sectors for the two copies`, Reason.operationFailed);
    }
    if (RECORD_BYTES % Math.max(4, flash.writeAlign) !== 0) {
      throw new XsuitError('flash-geometry', `write alignment ${flash.writeAlign} does not divide the boot record`);
    }
    this.flash = flash;
  }

  /** The newest valid copy, or undefined when the device was never initialised. */
  load(): BootState | undefined {
    const copies = [0, 1].map((i) => decodeBootState(this.flash.read(i * this.flash.sectorSize, RECORD_BYTES)));
    let pick = -1;
    if (copies[0] && copies[1]) pick = newer(copies[1].generation, copies[0].generation) ? 1 : 0;
    else if (copies[0]) pick = 0;
    else if (copies[1]) pick = 1;
    this.currentCopy = pick;
    return pick < 0 ? undefined : copies[pick];
  }

  /** Writes `next` as the new state (generation = current + 1) into the other copy. */
  save(next: BootState): BootState {
    if (this.currentCopy < 0) this.load();
    const current = this.currentCopy < 0 ? undefined : decodeBootState(this.flash.read(this.currentCopy * this.flash.sectorSize, RECORD_BYTES));
    const generation = ((current ? current.generation : 0) + 1) >>> 0;
    const state: BootState = { ...next, generation };
    const target = this.currentCopy === 0 ? 1 : 0;
    const bytes = encodeBootState(state);
    this.flash.erase(target);
    this.flash.write(target * this.flash.sectorSize, bytes);
    this.currentCopy = target;
    return state;
  }
}

export function floorOf(state: BootState, key: Uint8Array): number {
  for (const f of state.floors) if (sameKey(f.key, key)) return f.sequence;
  return -1;
}

/** The floor never decreases: raising to a lower number keeps the old one. */
export function withFloor(state: BootState, key: Uint8Array, sequence: number): Floor[] {
  const floors = state.floors.map((f) => ({ key: f.key, sequence: f.sequence }));
  const existing = floors.find((f) => sameKey(f.key, key));
  if (existing) existing.sequence = Math.max(existing.sequence, sequence);
  else {
    if (floors.length >= MAX_FLOORS) throw new XsuitError('boot-record-full', `at most ${MAX_FLOORS} components have a floor`, Reason.operationFailed);
    floors.push({ key: key.slice(0, COMPONENT_KEY_BYTES), sequence });
  }
  return floors;
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < COMPONENT_KEY_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}
