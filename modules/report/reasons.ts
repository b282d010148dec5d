// SUIT_Report_Reason values (draft-ietf-suit-report, "suit-report-reason-*").
// Every XsuitError raised by the SUIT core carries one of these as `reason`, so a
// failure can be reported to the fleet without parsing message text.
export const Reason = {
  ok: 0,
  cborParse: 1,
  coseUnsupported: 2,
  algUnsupported: 3,
  unauthorised: 4,
  commandUnsupported: 5,
  componentUnsupported: 6,
  componentUnauthorised: 7,
  parameterUnsupported: 8,
  severingUnsupported: 9,
  conditionFailed: 10,
  operationFailed: 11,
  invokePending: 12,
} as const;

export type ReasonCode = (typeof Reason)[keyof typeof Reason];

const NAMES: Record<number, string> = {
  0: 'ok', 1: 'cbor-parse', 2: 'cose-unsupported', 3: 'alg-unsupported', 4: 'unauthorised',
  5: 'command-unsupported', 6: 'component-unsupported', 7: 'component-unauthorised',
  8: 'parameter-unsupported', 9: 'severing-unsupported', 10: 'condition-failed',
  11: 'operation-failed', 12: 'invoke-pending',
};

/** The draft's name for a reason code ("suit-report-reason-" prefix omitted). */
export function reasonName(code: number): string {
  return NAMES[code] ?? `reason-${code}`;
}
