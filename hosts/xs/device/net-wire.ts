// Binary entry tables for the net bridge's batches (hosts/xs/net-bridge.ts <-> net-guest.ts).
// A batch crosses as one wire message (./wire): its small JSON header carries the clock,
// the entry count and each distinct string (addresses, error texts) once; its byte section
// starts with one fixed-size record per entry, followed by the entries' bytes in order.
// JSON per entry cost the guest ~1.5 k XS ticks per datagram, because XS meters every
// character moved between strings and bytes; a record costs a few dozen.
//   record (little-endian): u16 kind | u16 string index (0xffff: none) | u32 port | u32 id | u32 n
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

/** Records are read and written through a DataView: one call per field is ~half the XS ticks of byte arithmetic. */
export function recordView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function writeRecord(out: DataView, at: number, kind: number, str: number, port: number, id: number, n: number): void {
  out.setUint16(at, kind, true);
  out.setUint16(at + 2, str, true);
  out.setUint32(at + 4, port, true);
  out.setUint32(at + 8, id, true);
  out.setUint32(at + 12, n, true);
}

export const recordKind = (v: DataView, at: number): number => v.getUint16(at, true);
export const recordString = (v: DataView, at: number): number => v.getUint16(at + 2, true);
export const recordPort = (v: DataView, at: number): number => v.getUint16(at + 4, true);
export const recordId = (v: DataView, at: number): number => v.getUint32(at + 8, true);
export const recordN = (v: DataView, at: number): number => v.getUint32(at + 12, true);

/** Index of `s` in `strings`, appending it when new. */
export function internString(strings: string[], s: string): number {
  const i = strings.indexOf(s);
  if (i >= 0) return i;
  strings.push(s);
  return strings.length - 1;
}
