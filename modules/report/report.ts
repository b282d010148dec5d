// SUIT_Report (draft-ietf-suit-report): what a processor did with a manifest, encoded
// as CBOR so the device can send it to the fleet. Labels: reference 99, nonce 2,
// records 3, result 4; inside result: code 5, record 6, reason 7; reference: uri 1,
// digest 2. A record is [manifest-id, section, offset, component-index, properties].
import { encode, type CborValue } from '../cbor/index';
import { Reason, reasonName } from './reasons';

export interface SuitRecord {
  /** position of the manifest in the dependency tree ([] = the root manifest) */
  manifestId: number[];
  /** manifest key of the section (7 validate, 20 install...) */
  section: number;
  /** byte offset of the command in that section's sequence */
  offset: number;
  componentIndex: number;
  /** parameters in force, by SUIT parameter number */
  properties: Map<number, CborValue>;
}

export interface SuitReportResult {
  /** the failing command number (0 when the failure was not in a command) */
  code: number;
  record?: SuitRecord;
  reason: number;
}

export interface SuitReport {
  reference: { uri?: string; digest: { alg: number; bytes: Uint8Array } };
  nonce?: Uint8Array;
  records: SuitRecord[];
  result: true | SuitReportResult;
}

function recordValue(r: SuitRecord): CborValue {
  return [r.manifestId, r.section, r.offset, r.componentIndex, r.properties];
}

export function encodeReport(report: SuitReport): Uint8Array {
  const reference = new Map<CborValue, CborValue>();
  if (report.reference.uri !== undefined) reference.set(1, report.reference.uri);
  reference.set(2, [report.reference.digest.alg, report.reference.digest.bytes]);
  const top = new Map<CborValue, CborValue>([[99, reference]]);
  if (report.nonce) top.set(2, report.nonce);
  top.set(3, report.records.map(recordValue));
  if (report.result === true) top.set(4, true);
  else {
    const res = new Map<CborValue, CborValue>([[5, report.result.code]]);
    if (report.result.record) res.set(6, recordValue(report.result.record));
    res.set(7, report.result.reason);
    top.set(4, res);
  }
  return encode(top);
}

/** A one-line human summary, e.g. "failed: condition-failed at install+12 (component 0)". */
export function describeReport(report: SuitReport): string {
  if (report.result === true) return `ok (${report.records.length} records)`;
  const r = report.result;
  const where = r.record ? ` at section ${r.record.section}+${r.record.offset} (component ${r.record.componentIndex})` : '';
  return `failed: ${reasonName(r.reason)}${where}`;
}

export { Reason };
