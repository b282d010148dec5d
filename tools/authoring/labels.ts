// SUIT labels by name (draft-ietf-suit-manifest-37 s8 and its IANA tables, plus the
// update-management and trust-domains companions), so a JSON description can say
// "fetch" instead of 21. Only the authoring side needs names; devices see numbers.

export const EnvelopeKey = {
  authentication: 2, manifest: 3, payloadFetch: 16, install: 20, text: 23,
} as const;

export const ManifestKey = {
  version: 1, sequenceNumber: 2, common: 3, referenceUri: 4, componentId: 5, setVersion: 6,
  validate: 7, load: 8, invoke: 9, coswid: 14, payloadFetch: 16, install: 20, text: 23,
} as const;

export const CommonKey = { dependencies: 1, components: 2, sharedSequence: 4 } as const;

/** The manifest members that hold a command sequence, by the names descriptions use. */
export const SEQUENCES: Record<string, number> = {
  'payload-fetch': 16, install: 20, validate: 7, load: 8, invoke: 9,
};
/** Members that may be severed: the manifest keeps their digest, the envelope the bytes. */
export const SEVERABLE: Record<string, number> = { 'payload-fetch': 16, install: 20, text: 23 };

export const COMMANDS: Record<string, number> = {
  'condition-vendor-identifier': 1,
  'condition-class-identifier': 2,
  'condition-image-match': 3,
  'condition-use-before': 4,
  'condition-component-slot': 5,
  'condition-check-content': 6,
  'condition-dependency-integrity': 7,
  'condition-is-dependency': 8,
  'directive-process-dependency': 11,
  'directive-set-component-index': 12,
  'condition-abort': 14,
  'directive-try-each': 15,
  'directive-write': 18,
  'directive-set-parameters': 19,
  'directive-override-parameters': 20,
  'directive-fetch': 21,
  'directive-copy': 22,
  'directive-invoke': 23,
  'condition-device-identifier': 24,
  'condition-minimum-battery': 26,
  'condition-update-authorized': 27,
  'condition-version': 28,
  'directive-wait': 29,
  'directive-swap': 31,
  'directive-run-sequence': 32,
  'directive-unlink': 33,
};

export const PARAMETERS: Record<string, number> = {
  'vendor-id': 1,
  'class-id': 2,
  'image-digest': 3,
  'use-before': 4,
  'component-slot': 5,
  'strict-order': 12,
  'soft-failure': 13,
  'image-size': 14,
  content: 18,
  'encryption-info': 19,
  uri: 21,
  'source-component': 22,
  'invoke-args': 23,
  'device-id': 24,
  'minimum-battery': 26,
  'update-priority': 27,
  version: 28,
  'wait-info': 29,
  'component-metadata': 30,
};

/** SUIT_Text_Map keys (manifest-wide) and SUIT_Text_Component keys. */
export const TEXT_KEYS: Record<string, number> = {
  'manifest-description': 1, 'update-description': 2, 'manifest-json-source': 3, 'manifest-yaml-source': 4,
};
export const COMPONENT_TEXT_KEYS: Record<string, number> = {
  'vendor-name': 1, 'model-name': 2, 'vendor-domain': 3, 'model-info': 4,
  'component-description': 5, 'component-version': 6, 'version-required': 7,
};

/** Reporting policy bits the draft's examples use: conditions report everything (15),
 *  fetch and invoke report the record on failure (2), slot checks inside try-each (5). */
export const Policy = { condition: 15, action: 2, slotCheck: 5 } as const;

/** COSE algorithm and SUIT digest identifiers. */
export const Alg = { sha256: -16, es256: -7, esp256: -9, edDSA: -8, ed25519: -19, hmac256: 5 } as const;

/** Looks a command up by its full name or without its condition-/directive- prefix. */
export function commandNumber(name: string): number | undefined {
  if (name in COMMANDS) return COMMANDS[name];
  return COMMANDS[`condition-${name}`] ?? COMMANDS[`directive-${name}`];
}
