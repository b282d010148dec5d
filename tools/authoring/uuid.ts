// SUIT vendor and class identifiers. The manifest draft (s8.4.8.2-3) recommends
// name-based UUIDs (RFC 9562 version 5, SHA-1): the vendor ID from the DNS namespace
// and the vendor's domain name, the class ID from the vendor ID and a class name.
// Release engineers can then write "example.com" and "esp32-c3-devkit" and every tool
// derives the same 16 bytes.
import { createHash } from 'node:crypto';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 9562 s6.6 namespace ID for fully qualified domain names. */
export const DNS_NAMESPACE = parseUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8')!;

/** The 16 bytes of a UUID in its text form, or undefined if the text is not a UUID. */
export function parseUuid(text: string): Uint8Array | undefined {
  if (!UUID_TEXT.test(text)) return undefined;
  return Uint8Array.from(Buffer.from(text.replace(/-/g, ''), 'hex'));
}

export function formatUuid(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Name-based UUID, version 5 (SHA-1 of namespace || UTF-8 name, then version/variant bits). */
export function uuid5(namespace: Uint8Array, name: string): Uint8Array {
  const hash = createHash('sha1').update(namespace).update(Buffer.from(name, 'utf8')).digest();
  const out = Uint8Array.from(hash.subarray(0, 16));
  out[6] = (out[6] & 0x0f) | 0x50;
  out[8] = (out[8] & 0x3f) | 0x80;
  return out;
}

/** A vendor given as a UUID is used as is; anything else is a domain name. */
export function vendorId(vendor: string): Uint8Array {
  return parseUuid(vendor) ?? uuid5(DNS_NAMESPACE, vendor);
}

/** A class given as a UUID is used as is; anything else is a class name under the vendor. */
export function classId(vendor: Uint8Array, cls: string): Uint8Array {
  return parseUuid(cls) ?? uuid5(vendor, cls);
}
