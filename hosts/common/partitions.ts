// ESP-IDF partition tables: the partitions.csv text a firmware team writes, and the
// binary table the chip holds at 0x8000 (so a flash image describes itself).
// Pure code: runs on the device and on the host.
import { XsuitError } from '../../modules/errors/errors';
import type { PartitionInfo } from '../hal';

export const PARTITION_TABLE_OFFSET = 0x8000;
const ENTRY_SIZE = 32;
const ENTRY_MAGIC = 0x50aa;
const MD5_MAGIC = 0xebeb;

const TYPES: Record<string, number> = { app: 0x00, data: 0x01 };
const SUBTYPES: Record<string, Record<string, number>> = {
  app: { factory: 0x00, test: 0x20, ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`ota_${i}`, 0x10 + i])) },
  data: { ota: 0x00, phy: 0x01, nvs: 0x02, coredump: 0x03, nvs_keys: 0x04, efuse: 0x05, undefined: 0x06, fat: 0x81, spiffs: 0x82, littlefs: 0x83 },
};

function parseSize(text: string, what: string): number {
  const m = /^(0x[0-9a-f]+|\d+)([km]?)$/i.exec(text.trim());
  if (!m) throw new XsuitError('partition-csv', `${what}: not a number: '${text}'`);
  const base = m[1].toLowerCase().startsWith('0x') ? parseInt(m[1], 16) : parseInt(m[1], 10);
  const unit = m[2].toLowerCase();
  return base * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
}

function nameOf(table: Record<string, number>, value: number): string {
  for (const k of Object.keys(table)) if (table[k] === value) return k;
  return `0x${value.toString(16)}`;
}

/**
 * Parses partitions.csv. Blank offsets are placed after the previous partition, aligned
 * to 4 KiB (64 KiB for app partitions), as ESP-IDF's gen_esp32part does.
 */
export function parsePartitionsCsv(csv: string): PartitionInfo[] {
  const out: PartitionInfo[] = [];
  let next = PARTITION_TABLE_OFFSET + 0x1000;
  const lines = csv.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/#.*/, '').trim();
    if (!line) continue;
    const cols = line.split(',').map((c) => c.trim());
    if (cols.length < 5) throw new XsuitError('partition-csv', `line ${n + 1}: expected name,type,subtype,offset,size`);
    const [name, type, subtype, offsetText, sizeText] = cols;
    if (!name || name.length > 16) throw new XsuitError('partition-csv', `line ${n + 1}: bad name '${name}'`);
    if (!(type in TYPES) && !/^0x/i.test(type)) throw new XsuitError('partition-csv', `line ${n + 1}: unknown type '${type}'`);
    const align = type === 'app' ? 0x10000 : 0x1000;
    const offset = offsetText ? parseSize(offsetText, `line ${n + 1} offset`) : Math.ceil(next / align) * align;
    const size = parseSize(sizeText, `line ${n + 1} size`);
    if (offset % 0x1000 !== 0 || size % 0x1000 !== 0 || size === 0) {
      throw new XsuitError('partition-csv', `line ${n + 1}: '${name}' must be 4 KiB aligned and non-empty`);
    }
    for (const p of out) {
      if (p.name === name) throw new XsuitError('partition-csv', `line ${n + 1}: duplicate name '${name}'`);
      if (offset < p.offset + p.size && p.offset < offset + size) {
        throw new XsuitError('partition-csv', `line ${n + 1}: '${name}' overlaps '${p.name}'`);
      }
    }
    out.push({ name, type, subtype, offset, size });
    next = offset + size;
  }
  if (out.length === 0) throw new XsuitError('partition-csv', 'no partitions');
  return out;
}

function typeNumber(p: PartitionInfo): [number, number] {
  const t = p.type in TYPES ? TYPES[p.type] : parseInt(p.type, 16);
  const table = SUBTYPES[p.type] ?? {};
  const s = p.subtype in table ? table[p.subtype] : /^0x/i.test(p.subtype) ? parseInt(p.subtype, 16) : NaN;
  if (!Number.isInteger(t) || !Number.isInteger(s)) {
    throw new XsuitError('partition-csv', `'${p.name}': unknown subtype '${p.subtype}'`);
  }
  return [t, s];
}

/** Binary entries (without the MD5 row, which needs a host-side MD5). */
export function encodePartitionEntries(parts: PartitionInfo[]): Uint8Array {
  const out = new Uint8Array(parts.length * ENTRY_SIZE);
  const view = new DataView(out.buffer);
  parts.forEach((p, i) => {
    const at = i * ENTRY_SIZE;
    const [t, s] = typeNumber(p);
    view.setUint16(at, ENTRY_MAGIC, true);
    out[at + 2] = t;
    out[at + 3] = s;
    view.setUint32(at + 4, p.offset, true);
    view.setUint32(at + 8, p.size, true);
    for (let c = 0; c < p.name.length; c++) out[at + 12 + c] = p.name.charCodeAt(c) & 0x7f;
  });
  return out;
}

/** Reads the binary table: entries until the MD5 row or an erased row. */
export function decodePartitionTable(bytes: Uint8Array): PartitionInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: PartitionInfo[] = [];
  for (let at = 0; at + ENTRY_SIZE <= bytes.length; at += ENTRY_SIZE) {
    const magic = view.getUint16(at, true);
    if (magic === MD5_MAGIC || magic === 0xffff) break;
    if (magic !== ENTRY_MAGIC) throw new XsuitError('partition-table', `bad entry magic at row ${at / ENTRY_SIZE}`);
    const t = bytes[at + 2];
    const s = bytes[at + 3];
    let name = '';
    for (let c = 12; c < 28 && bytes[at + c] !== 0; c++) name += String.fromCharCode(bytes[at + c]);
    const type = nameOf(TYPES, t);
    out.push({ name, type, subtype: nameOf(SUBTYPES[type] ?? {}, s), offset: view.getUint32(at + 4, true), size: view.getUint32(at + 8, true) });
  }
  if (out.length === 0) throw new XsuitError('partition-table', 'no partition table (erased or missing)');
  return out;
}
