// The provisioning sector: the device's identity (vendor, class, optional device id),
// its trust anchors and threshold, and the trial attempt limit. Written once at the
// factory (`xsuit device init`); the loader and the update agent only read it.
// Layout: magic 'XSP1', CBOR length, CRC-32 of the CBOR, then the CBOR map.
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { decode, encode, type CborValue } from '../cbor/index';
import type { DeviceIdentity, Flash } from '../../hosts/hal';
import type { KeyType, Role, TrustAnchor, TrustPolicy } from '../trust/anchors';
import { crc32 } from './crc32';
import { alignUp, markerSize } from './layout';
import { DEFAULT_MAX_ATTEMPTS } from './boot-record';

const MAGIC = 0x31505358; // 'XSP1'
const HEAD = 12;

export interface Provisioning {
  identity: DeviceIdentity;
  trust: TrustPolicy;
  maxAttempts: number;
}

const K_VENDOR = 1, K_CLASS = 2, K_DEVICE = 3, K_THRESHOLD = 4, K_ANCHORS = 5, K_ATTEMPTS = 6;

export function encodeProvisioning(p: Provisioning): Uint8Array {
  const anchors: CborValue[] = p.trust.anchors.map((a) => {
    const row: CborValue[] = [a.name, a.role, a.type, a.key];
    if (a.kid) row.push(a.kid);
    return row;
  });
  const map = new Map<CborValue, CborValue>([
    [K_VENDOR, p.identity.vendorId], [K_CLASS, p.identity.classId],
    [K_THRESHOLD, p.trust.threshold ?? 1], [K_ANCHORS, anchors], [K_ATTEMPTS, p.maxAttempts],
  ]);
  if (p.identity.deviceId) map.set(K_DEVICE, p.identity.deviceId);
  return encode(map);
}

function fail(message: string): never {
  throw new XsuitError('provisioning-invalid', message, Reason.operationFailed);
}

export function decodeProvisioning(cbor: Uint8Array): Provisioning {
  const map = decode(cbor, { maxDepth: 4, maxItems: 1024 });
  if (!(map instanceof Map)) fail('not a map');
  const bytes = (k: number): Uint8Array => {
    const v = map.get(k);
    if (!(v instanceof Uint8Array)) fail(`field ${k} is not a byte string`);
    return v.slice();
  };
  const threshold = map.get(K_THRESHOLD);
  const attempts = map.get(K_ATTEMPTS);
  const rows = map.get(K_ANCHORS);
  if (typeof threshold !== 'number' || threshold < 1) fail('bad threshold');
  if (typeof attempts !== 'number' || attempts < 1 || attempts > 255) fail('bad attempt limit');
  if (!Array.isArray(rows) || rows.length === 0) fail('no trust anchors');
  const anchors: TrustAnchor[] = rows.map((row) => {
    if (!Array.isArray(row) || row.length < 4) fail('bad anchor');
    const [name, role, type, key, kid] = row;
    if (typeof name !== 'string' || (role !== 'author' && role !== 'operator') || typeof type !== 'string' || !(key instanceof Uint8Array)) fail('bad anchor');
    const anchor: TrustAnchor = { name, role: role as Role, type: type as KeyType, key: key.slice() };
    if (kid instanceof Uint8Array) anchor.kid = kid.slice();
    return anchor;
  });
  const identity: DeviceIdentity = { vendorId: bytes(K_VENDOR), classId: bytes(K_CLASS) };
  if (map.has(K_DEVICE)) identity.deviceId = bytes(K_DEVICE);
  return { identity, trust: { anchors, threshold }, maxAttempts: attempts };
}

/** Erases the provisioning partition and writes `p` (factory use). */
export function writeProvisioning(flash: Flash, p: Provisioning): void {
  const body = encodeProvisioning(p);
  if (HEAD + body.length > flash.size) fail(`provisioning data (${body.length} bytes) does not fit '${flash.name}'`);
  const out = new Uint8Array(alignUp(HEAD + body.length, markerSize(flash))).fill(0xff);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, body.length, true);
  view.setUint32(8, crc32(body), true);
  out.set(body, HEAD);
  for (let s = 0; s < Math.ceil(out.length / flash.sectorSize); s++) flash.erase(s);
  flash.write(0, out);
}

export function readProvisioning(flash: Flash): Provisioning {
  const head = flash.read(0, HEAD);
  const view = new DataView(head.buffer, head.byteOffset, HEAD);
  if (view.getUint32(0, true) !== MAGIC) {
    throw new XsuitError('device-not-provisioned', 'no provisioning data: run `xsuit device init`', Reason.operationFailed);
  }
  const length = view.getUint32(4, true);
  if (length > flash.size - HEAD) fail('length out of range');
  const body = flash.read(HEAD, length);
  if (crc32(body) !== view.getUint32(8, true)) fail('CRC mismatch');
  const p = decodeProvisioning(body);
  return p;
}

export { DEFAULT_MAX_ATTEMPTS };
