// The public surface of modules/suit (see README.md).
export { authenticateEnvelope, parseEnvelope, digestOfBstr, type AuthenticatedEnvelope, type ParsedEnvelope, type SignerInfo, type SeverableState } from './envelope';
export { parseManifest, type SuitManifest, type SuitDigest } from './manifest';
export { parseSequence, type Command } from './sequence';
export { SuitRunner, type ProcedureOptions } from './interpreter';
export { runProcedure, PROCEDURE_SECTIONS, type ProcedureName, type SectionName, type ProcedureResult } from './procedure';
export type { ComponentRef, SuitParams, SuitPlatform } from './platform';
export * as suitNames from './constants';
