// Reading a SUIT_Report (draft-ietf-suit-report) that a device sent: the inverse of
// modules/report's encodeReport, tolerant of what other processors add (a nonce,
// system-property-claims records, extensions, a COSE_Sign1/Mac0 wrapper), strict about
// the structure it needs. Host-side: it explains a report, it does not act on it.
import { CborTag, decode, type CborValue } from '../../modules/cbor/index';
import { XsuitError } from '../../modules/errors/errors';
import { reasonName } from '../../modules/report/reasons';
import type { SuitRecord, SuitReport } from '../../modules/report/report';
import { COMMAND_NAMES, MANIFEST_KEY_NAMES, PARAM_NAMES } from '../../modules/suit/constants';

const Key = { reference: 99, nonce: 2, records: 3, result: 4, code: 5, record: 6, reason: 7, uri: 1, digest: 2 } as const;

export interface DecodedReport {
  report: SuitReport;
  /** the report came inside a COSE structure, whose authenticity is NOT checked here */
  wrapper?: 'COSE_Sign1' | 'COSE_Mac0';
  /** records that are not SUIT_Records (system-property-claims maps), as decoded */
  claims: Map<CborValue, CborValue>[];
}

function bad(message: string): never {
  throw new XsuitError('report-invalid', message, 1);
}

function int(v: CborValue | undefined, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(`${what} is not an integer`);
  return v;
}

function record(v: CborValue, what: string): SuitRecord {
  if (!Array.isArray(v) || v.length < 5) bad(`${what} is not [manifest-id, section, offset, component-index, properties]`);
  const [id, section, offset, component, props] = v;
  if (!Array.isArray(id)) bad(`${what}: manifest-id is not an array`);
  if (!(props instanceof Map)) bad(`${what}: properties is not a map`);
  const properties = new Map<number, CborValue>();
  for (const [k, x] of props) properties.set(int(k, `${what}: a property key`), x);
  return {
    manifestId: id.map((x, i) => int(x, `${what}: manifest-id[${i}]`)),
    section: int(section, `${what}: section`), offset: int(offset, `${what}: offset`),
    componentIndex: int(component, `${what}: component-index`), properties,
  };
}

export function decodeReport(bytes: Uint8Array): DecodedReport {
  let top: CborValue;
  try {
    top = decode(bytes, { maxDepth: 24 });
  } catch (e) {
    return bad(`not CBOR (${(e as Error).message})`);
  }
  let wrapper: DecodedReport['wrapper'];
  if (top instanceof CborTag && (top.tag === 18 || top.tag === 17)) {
    const payload = Array.isArray(top.value) ? top.value[2] : undefined;
    if (!(payload instanceof Uint8Array)) bad('COSE-wrapped report without an attached payload');
    wrapper = top.tag === 18 ? 'COSE_Sign1' : 'COSE_Mac0';
    top = decode(payload, { maxDepth: 24 });
  }
  if (!(top instanceof Map)) bad('a SUIT report is a map');
  const ref = top.get(Key.reference);
  if (!(ref instanceof Map)) bad('missing suit-reference (99)');
  const digest = ref.get(Key.digest);
  if (!Array.isArray(digest) || !(digest[1] instanceof Uint8Array)) bad('suit-reference has no manifest digest');
  const uri = ref.get(Key.uri);
  const nonce = top.get(Key.nonce);
  const rawRecords = top.get(Key.records) ?? [];
  if (!Array.isArray(rawRecords)) bad('suit-report-records (3) is not an array');
  const records: SuitRecord[] = [];
  const claims: Map<CborValue, CborValue>[] = [];
  rawRecords.forEach((r, i) => (r instanceof Map ? claims.push(r) : records.push(record(r, `record ${i}`))));
  const rawResult = top.get(Key.result);
  let result: SuitReport['result'];
  if (rawResult === true) result = true;
  else if (rawResult instanceof Map) {
    const rec = rawResult.get(Key.record);
    result = {
      code: int(rawResult.get(Key.code) ?? 0, 'result code'),
      reason: int(rawResult.get(Key.reason) ?? 0, 'result reason'),
      ...(rec !== undefined ? { record: record(rec, 'result record') } : {}),
    };
  } else {
    return bad('suit-report-result (4) is neither true nor a map');
  }
  const report: SuitReport = {
    reference: { uri: typeof uri === 'string' ? uri : undefined, digest: { alg: int(digest[0], 'digest algorithm'), bytes: digest[1] } },
    records, result,
  };
  if (nonce instanceof Uint8Array) report.nonce = nonce;
  return { report, wrapper, claims };
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Values as JSON-friendly data: byte strings as hex, nested CBOR decoded where it is CBOR. */
export function plain(v: CborValue): unknown {
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [typeof k === 'number' ? (PARAM_NAMES[k] ?? String(k)) : String(plain(k)), plain(x)]));
  if (v instanceof CborTag) return { tag: v.tag, value: plain(v.value) };
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function sectionName(n: number): string {
  return MANIFEST_KEY_NAMES[n] ?? `section-${n}`;
}

function recordJson(r: SuitRecord): Record<string, unknown> {
  return {
    manifestId: r.manifestId, section: sectionName(r.section), sectionKey: r.section, offset: r.offset,
    componentIndex: r.componentIndex, properties: plain(r.properties),
  };
}

export function reportJson(d: DecodedReport): Record<string, unknown> {
  const r = d.report;
  return {
    manifestDigest: { alg: r.reference.digest.alg, hex: hex(r.reference.digest.bytes) },
    ...(r.reference.uri !== undefined ? { manifestUri: r.reference.uri } : {}),
    ...(r.nonce ? { nonce: hex(r.nonce) } : {}),
    ...(d.wrapper ? { wrapper: d.wrapper, wrapperVerified: false } : {}),
    success: r.result === true,
    result: r.result === true ? true : {
      reason: r.result.reason, reasonName: reasonName(r.result.reason),
      command: r.result.code, commandName: COMMAND_NAMES[r.result.code] ?? null,
      ...(r.result.record ? { record: recordJson(r.result.record) } : {}),
    },
    records: r.records.map(recordJson),
    claims: d.claims.map(plain),
  };
}

function recordLine(r: SuitRecord): string {
  const props = [...r.properties].map(([k, v]) => `${PARAM_NAMES[k] ?? k}=${JSON.stringify(plain(v))}`).join(', ');
  const where = `${sectionName(r.section)}+${r.offset}, component ${r.componentIndex}${r.manifestId.length ? `, dependency ${r.manifestId.join('.')}` : ''}`;
  return `${where}${props ? `: ${props}` : ''}`;
}

/** The readable form `xsuit report decode` prints. */
export function reportLines(d: DecodedReport): string[] {
  const r = d.report;
  const lines = [`SUIT report for manifest ${r.reference.digest.alg === -16 ? 'sha-256' : `alg ${r.reference.digest.alg}`} ${hex(r.reference.digest.bytes)}`];
  if (r.reference.uri) lines.push(`  manifest uri  ${r.reference.uri}`);
  if (r.nonce) lines.push(`  nonce         ${hex(r.nonce)}`);
  if (d.wrapper) lines.push(`  wrapped in    ${d.wrapper} (authenticity not checked here)`);
  if (r.result === true) lines.push('  result        success');
  else {
    const cmd = r.result.code ? ` in ${COMMAND_NAMES[r.result.code] ?? `command ${r.result.code}`}` : '';
    lines.push(`  result        FAILED: ${reasonName(r.result.reason)} (reason ${r.result.reason})${cmd}`);
    if (r.result.record) lines.push(`  failed at     ${recordLine(r.result.record)}`);
  }
  lines.push(`  records       ${r.records.length}`);
  for (const rec of r.records) lines.push(`    ${recordLine(rec)}`);
  for (const c of d.claims) lines.push(`    system claims: ${JSON.stringify(plain(c))}`);
  return lines;
}
