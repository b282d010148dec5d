// Shared by the SUIT case tables: reading the conformance vectors and their keys
// through env.fixture, so the same code runs in Node and in XS.
import type { CaseEnv } from '../harness/device-case';
import type { TrustAnchor } from '../../modules/trust/anchors';
import { publicKeyFromPem } from '../../modules/trust/spki';
import { fromHex } from '../../modules/bytes/hex';

export const VECTORS = '../shared/suit-vectors/';

export interface ExpectedVector {
  file: string;
  ok: boolean;
  key: string;
  seq: number;
  tagged: boolean;
  manifestDigest: string;
  components: string[][];
  severable: Record<string, string>;
  auth: string[];
}

export function text(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

let expectedCache: ExpectedVector[] | undefined;
export function expectedVectors(env: CaseEnv): ExpectedVector[] {
  if (!expectedCache) {
    expectedCache = text(env.fixture(`${VECTORS}expected.jsonl`)).trim().split('\n').map((l) => JSON.parse(l) as ExpectedVector);
  }
  return expectedCache;
}

/** The trust anchor named by an expected.jsonl `key` field ("keys/x.pem" or "hmac:keys/x.hex"). */
export function anchorFor(env: CaseEnv, key: string): TrustAnchor {
  if (key.startsWith('hmac:')) {
    return { name: key, role: 'author', type: 'hmac256', key: fromHex(text(env.fixture(VECTORS + key.slice(5))).trim()) };
  }
  const { type, key: pub } = publicKeyFromPem(text(env.fixture(VECTORS + key)));
  return { name: key, role: 'author', type, key: pub };
}

export function vector(env: CaseEnv, file: string): Uint8Array {
  return env.fixture(VECTORS + file);
}

/** The 47 files of ../shared/suit-vectors (the table checks expected.jsonl lists exactly these). */
export const VECTOR_FILES = [
  'draft37/example0_signed.cbor', 'draft37/example0_unsigned.cbor', 'draft37/example1_signed.cbor',
  'draft37/example1_unsigned.cbor', 'draft37/example2_signed_full.cbor', 'draft37/example2_signed_severed.cbor',
  'draft37/example2_unsigned_severed.cbor', 'draft37/example3_signed.cbor', 'draft37/example3_unsigned.cbor',
  'draft37/example4_signed.cbor', 'draft37/example4_unsigned.cbor', 'draft37/example5_signed.cbor',
  'draft37/example5_unsigned.cbor',
  'libcsuit/suit_manifest_exp0.cbor', 'libcsuit/suit_manifest_exp1.cbor', 'libcsuit/suit_manifest_exp2A.cbor',
  'libcsuit/suit_manifest_exp2B.cbor', 'libcsuit/suit_manifest_exp3.cbor', 'libcsuit/suit_manifest_exp4.cbor',
  'libcsuit/suit_manifest_exp5.cbor', 'libcsuit/suit_manifest_expAF.cbor', 'libcsuit/suit_manifest_expAFS.cbor',
  'libcsuit/suit_manifest_expAW.cbor', 'libcsuit/suit_manifest_expD.cbor', 'libcsuit/suit_manifest_expED.cbor',
  'libcsuit/suit_manifest_expEW.cbor', 'libcsuit/suit_manifest_expI.cbor', 'libcsuit/suit_manifest_expS0.cbor',
  'libcsuit/suit_manifest_expS2.cbor', 'libcsuit/suit_manifest_expS3.cbor', 'libcsuit/suit_manifest_expU.cbor',
  'libcsuit/suit_manifest_expU0.cbor', 'libcsuit/suit_manifest_expU1.cbor', 'libcsuit/suit_manifest_expU2.cbor',
  'libcsuit/suit_manifest_expU3.cbor',
  'firmware-encryption/suit-manifest-aes-kw-content.cbor', 'firmware-encryption/suit-manifest-aes-kw-slot.cbor',
  'firmware-encryption/suit-manifest-aes-kw.cbor', 'firmware-encryption/suit-manifest-es-ecdh-content.cbor',
  'firmware-encryption/suit-manifest-es-ecdh-dependency.cbor',
  'trust-domains/example0_dependent.cbor', 'trust-domains/example1_process.cbor', 'trust-domains/example2_integrated.cbor',
  'derived-negative/neg_example0_bad_signature.cbor', 'derived-negative/neg_example0_manifest_tampered.cbor',
  'derived-negative/neg_example0_tampered_digest_recomputed.cbor', 'derived-negative/neg_example2_text_tampered.cbor',
];
