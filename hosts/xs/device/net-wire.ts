// Binary entry tables for the net bridge's batches (hosts/xs/net-bridge.ts <-> net-guest.ts).
// A batch crosses as one wire message (./wire): its small JSON header carries the clock,
// the entry count and each distinct string (addresses, error texts) once; its byte section
// starts with one fixed-size record per entry, followed by the entries' bytes in order.
// JSON per entry cost the guest ~1.5 k XS ticks per datagram, because XS meters every
// character moved between strings and bytes; a record costs a few dozen.
//   record: u8 kind | u8 0 | u16 string index (0xffff: none) | u16 port | u16 0 | u32 id | u32 n
// n is the entry's byte count, or the delay in ms for a timer.

export const RECORD = 16;
export const NO_STRING = 0xffff;

/** Parent -> guest events. */
export const EV_UDP = 1;
export const EV_TCP_DATA = 2;
export const EV_TCP_WRITABLE = 3;
export const EV_TCP_ERROR = 4;
export const EV_TIMER = 5;

/** Guest -> parent operations. */
export const OP_UDP_SEND = 1;
export const OP_TCP_SEND = 2;
export const OP_TIMER = 3;

export interface BatchHeader {
  /** the parent's monotonic clock when the batch was sent (events only) */
  t?: number;
  count: number;
  strings: string[];
}

export function writeRecord(out: Uint8Array, at: number, kind: number, str: number, port: number, id: number, n: number): void {
  out[at] = kind;
  out[at + 1] = 0;
  out[at + 2] = str & 0xff;
  out[at + 3] = str >>> 8;
  out[at + 4] = port & 0xff;
  out[at + 5] = port >>> 8;
  out[at + 6] = 0;
  out[at + 7] = 0;
  out[at + 8] = id & 0xff;
  out[at + 9] = (id >>> 8) & 0xff;
  out[at + 10] = (id >>> 16) & 0xff;
  out[at + 11] = id >>> 24;
  out[at + 12] = n & 0xff;
  out[at + 13] = (n >>> 8) & 0xff;
  out[at + 14] = (n >>> 16) & 0xff;
  out[at + 15] = n >>> 24;
}

export const recordKind = (b: Uint8Array, at: number): number => b[at];
export const recordString = (b: Uint8Array, at: number): number => b[at + 2] | (b[at + 3] << 8);
export const recordPort = (b: Uint8Array, at: number): number => b[at + 4] | (b[at + 5] << 8);
export const recordId = (b: Uint8Array, at: number): number => (b[at + 8] | (b[at + 9] << 8) | (b[at + 10] << 16) | (b[at + 11] << 24)) >>> 0;
export const recordN = (b: Uint8Array, at: number): number => (b[at + 12] | (b[at + 13] << 8) | (b[at + 14] << 16) | (b[at + 15] << 24)) >>> 0;

/** Index of `s` in `strings`, appending it when new. */
export function internString(strings: string[], s: string): number {
  const i = strings.indexOf(s);
  if (i >= 0) return i;
  strings.push(s);
  return strings.length - 1;
}
