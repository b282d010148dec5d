// SUIT numbers (draft-ietf-suit-manifest-34, update-management, trust-domains,
// firmware-encryption) and their names, for the processor and for `xsuit inspect`.

export const ENVELOPE_TAG = 107;

export const Env = { auth: 2, manifest: 3 } as const;

export const Man = {
  version: 1, sequence: 2, common: 3, referenceUri: 4, componentId: 5,
  validate: 7, load: 8, invoke: 9, coswid: 14, dependencyResolution: 15,
  payloadFetch: 16, install: 20, text: 23, uninstall: 24,
} as const;

export const Common = { dependencies: 1, components: 2, shared: 4 } as const;

/** Members that may be severed: the manifest holds a SUIT_Digest, the envelope the bstr. */
export const SEVERABLE = [Man.coswid, Man.dependencyResolution, Man.payloadFetch, Man.install, Man.text, Man.uninstall];

export const MANIFEST_KEY_NAMES: Record<number, string> = {
  1: 'manifest-version', 2: 'manifest-sequence-number', 3: 'common', 4: 'reference-uri',
  5: 'manifest-component-id', 6: 'set-version', 7: 'validate', 8: 'load', 9: 'invoke',
  14: 'coswid', 15: 'dependency-resolution', 16: 'payload-fetch', 20: 'install', 23: 'text',
  24: 'uninstall',
};

export const ENVELOPE_KEY_NAMES: Record<number, string> = {
  2: 'authentication-wrapper', 3: 'manifest', 14: 'coswid', 15: 'dependency-resolution',
  16: 'payload-fetch', 20: 'install', 23: 'text', 24: 'uninstall',
};

export const Cmd = {
  vendorId: 1, classId: 2, imageMatch: 3, useBefore: 4, componentSlot: 5, checkContent: 6,
  dependencyIntegrity: 7, isDependency: 8, processDependency: 11, setComponentIndex: 12,
  abort: 14, tryEach: 15, write: 18, setParameters: 19, overrideParameters: 20, fetch: 21,
  copy: 22, invoke: 23, deviceId: 24, imageNotMatch: 25, minimumBattery: 26,
  updateAuthorized: 27, version: 28, wait: 29, swap: 31, runSequence: 32, unlink: 33,
  overrideMultiple: 34, copyParams: 35,
} as const;

export const COMMAND_NAMES: Record<number, string> = {
  1: 'condition-vendor-identifier', 2: 'condition-class-identifier', 3: 'condition-image-match',
  4: 'condition-use-before', 5: 'condition-component-slot', 6: 'condition-check-content',
  7: 'condition-dependency-integrity', 8: 'condition-is-dependency',
  11: 'directive-process-dependency', 12: 'directive-set-component-index', 14: 'condition-abort',
  15: 'directive-try-each', 18: 'directive-write', 19: 'directive-set-parameters',
  20: 'directive-override-parameters', 21: 'directive-fetch', 22: 'directive-copy',
  23: 'directive-invoke', 24: 'condition-device-identifier', 25: 'condition-image-not-match',
  26: 'condition-minimum-battery', 27: 'condition-update-authorized', 28: 'condition-version',
  29: 'directive-wait', 31: 'directive-swap', 32: 'directive-run-sequence', 33: 'directive-unlink',
  34: 'directive-override-multiple', 35: 'directive-copy-params',
};

export const Param = {
  vendorId: 1, classId: 2, imageDigest: 3, useBefore: 4, componentSlot: 5, strictOrder: 12,
  softFailure: 13, imageSize: 14, content: 18, encryptionInfo: 19, uri: 21,
  sourceComponent: 22, invokeArgs: 23, deviceId: 24, minimumBattery: 26, updatePriority: 27,
  version: 28, waitInfo: 29, componentMetadata: 30,
} as const;

export const PARAM_NAMES: Record<number, string> = {
  1: 'vendor-id', 2: 'class-id', 3: 'image-digest', 4: 'use-before', 5: 'component-slot',
  12: 'strict-order', 13: 'soft-failure', 14: 'image-size', 18: 'content', 19: 'encryption-info',
  21: 'uri', 22: 'source-component', 23: 'invoke-args', 24: 'device-id', 26: 'minimum-battery',
  27: 'update-priority', 28: 'version', 29: 'wait-info', 30: 'component-metadata',
};

export const TEXT_KEY_NAMES: Record<number, string> = {
  1: 'manifest-description', 2: 'update-description', 3: 'manifest-json-source',
  4: 'manifest-yaml-source',
};
export const TEXT_COMPONENT_KEY_NAMES: Record<number, string> = {
  1: 'vendor-name', 2: 'model-name', 3: 'vendor-domain', 4: 'model-info',
  5: 'component-description', 6: 'component-version', 7: 'version-required',
};

export const DIGEST_ALG_SHA256 = -16;
