// A recording SuitPlatform for the interpreter tables: it keeps a digest per component
// index (what a real device would compute over flash), changes it the way fetch/copy/
// write would, and logs every action so a case can compare it with what the draft's
// example describes.
import type { ComponentRef, SuitParams, SuitPlatform } from '../../modules/suit/index';
import type { CborValue } from '../../modules/cbor/index';
import { fromHex, toHex } from '../../modules/bytes/hex';

export const VENDOR = fromHex('fa6b4a53d5ad5fdfbe9de663e4d41ffe');
export const CLASS = fromHex('1492af1425695e48bf429b2d51f2ab45');
export const DIGEST_A = fromHex('00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210');
export const DIGEST_B = fromHex('0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff');

export interface RecordingOptions {
  /** digest of each component before the run, by index */
  digests?: Record<number, Uint8Array>;
  /** the digest a fetched URI produces */
  served?: Record<string, Uint8Array>;
  /** a copy into this index produces this digest (e.g. decompression); default: the source's */
  copyResult?: Record<number, Uint8Array>;
  /** the slot component-slot accepts (the inactive one); undefined = none */
  writableSlot?: number;
  unixTime?: number;
  battery?: number;
  versions?: Record<number, number[]>;
  authorised?: boolean;
  /** bytes returned when a dependency is fetched, by URI */
  dependencies?: Record<string, Uint8Array>;
  /** when given, write() sets the component's digest to hash(content) */
  hash?: (bytes: Uint8Array) => Uint8Array;
  identity?: { vendorId: Uint8Array; classId: Uint8Array; deviceId?: Uint8Array };
}

export interface RecordingPlatform extends SuitPlatform {
  log: string[];
  fetched: string[];
  slotsTried: number[];
  invoked: number[];
  written: Map<number, Uint8Array>;
  digests: Map<number, Uint8Array>;
}

export function recordingPlatform(o: RecordingOptions = {}): RecordingPlatform {
  const digests = new Map<number, Uint8Array>(Object.entries(o.digests ?? {}).map(([k, v]) => [Number(k), v]));
  const p: RecordingPlatform = {
    log: [], fetched: [], slotsTried: [], invoked: [], written: new Map(), digests,
    identity: o.identity ?? { vendorId: VENDOR, classId: CLASS, deviceId: fromHex('00000000000000000000000000000001') },
    clock: { now: () => 0, unixTime: () => o.unixTime },
    currentDigest: (c: ComponentRef) => digests.get(c.index),
    checkSlot(c: ComponentRef, slot: number) {
      p.slotsTried.push(slot);
      p.log.push(`slot? ${c.index} ${slot}`);
      return slot === o.writableSlot;
    },
    readContent: (c: ComponentRef, length: number) => p.written.get(c.index)?.subarray(0, length),
    currentVersion: (c: ComponentRef) => o.versions?.[c.index],
    batteryLevel: () => o.battery ?? 100,
    updateAuthorized: () => o.authorised ?? true,
    fetch(uri: string, c: ComponentRef) {
      p.fetched.push(uri);
      p.log.push(`fetch ${c.index} ${uri}`);
      if (c.dependency) return o.dependencies?.[uri];
      const d = o.served?.[uri];
      if (d) digests.set(c.index, d);
      else digests.delete(c.index);
      return undefined;
    },
    write(c: ComponentRef, content: Uint8Array) {
      p.log.push(`write ${c.index} ${toHex(content.subarray(0, 8))}`);
      p.written.set(c.index, content);
      if (o.hash) digests.set(c.index, o.hash(content));
    },
    copy(dst: ComponentRef, src: ComponentRef) {
      p.log.push(`copy ${src.index}->${dst.index}`);
      const d = o.copyResult?.[dst.index] ?? digests.get(src.index);
      if (d) digests.set(dst.index, d);
    },
    swap(a: ComponentRef, b: ComponentRef) {
      p.log.push(`swap ${a.index}<->${b.index}`);
      const da = digests.get(a.index);
      const db = digests.get(b.index);
      if (db) digests.set(a.index, db); else digests.delete(a.index);
      if (da) digests.set(b.index, da); else digests.delete(b.index);
    },
    invoke(c: ComponentRef, args: Uint8Array | undefined, _p: SuitParams) {
      p.invoked.push(c.index);
      p.log.push(`invoke ${c.index}${args ? ' ' + toHex(args) : ''}`);
    },
    unlink(c: ComponentRef) {
      p.log.push(`unlink ${c.index}`);
    },
    wait(info: CborValue) {
      p.log.push(`wait ${info instanceof Map ? [...info.keys()].join(',') : ''}`);
      return true;
    },
  };
  return p;
}
