// New signing keys: PKCS#8 private + SPKI public PEM (what openssl and every HSM
// import tool read), optionally the same keys as COSE_Key (RFC 9052 s7) for devices
// that store keys in CBOR. HMAC keys are 32 random bytes written as hex.
import { generateKeyPairSync, randomBytes, createHash, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { type CborValue } from '../../modules/cbor/index';
import { XsuitError } from '../../modules/errors/errors';
import { Alg } from './labels';
import { cbor } from './values';

export type KeyAlg = 'ed25519' | 'es256' | 'hmac256';
export const KEY_ALGS: readonly KeyAlg[] = ['ed25519', 'es256', 'hmac256'];

export interface KeyFile {
  path: string;
  contents: Uint8Array | string;
  secret: boolean;
}

function fromB64url(s: string | undefined): Uint8Array {
  return Uint8Array.from(Buffer.from(s ?? '', 'base64url'));
}

/** The COSE_Key thumbprint (RFC 9679): SHA-256 over the required parameters, deterministically encoded. */
export function coseKeyThumbprint(required: Map<CborValue, CborValue>): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(cbor(required)).digest());
}

/** Public and private COSE_Key maps for an Ed25519 or P-256 key pair. */
export function coseKeys(privateKey: KeyObject): { pub: Uint8Array; priv: Uint8Array; kid: Uint8Array } {
  const jwk = privateKey.export({ format: 'jwk' }) as { kty: string; crv: string; x?: string; y?: string; d?: string };
  const required = new Map<CborValue, CborValue>();
  let alg: number;
  if (jwk.kty === 'OKP') {
    required.set(1, 1).set(-1, 6).set(-2, fromB64url(jwk.x));
    alg = Alg.edDSA;
  } else {
    required.set(1, 2).set(-1, 1).set(-2, fromB64url(jwk.x)).set(-3, fromB64url(jwk.y));
    alg = Alg.es256;
  }
  const kid = coseKeyThumbprint(required);
  const pub = new Map(required).set(2, kid).set(3, alg);
  const priv = new Map(pub).set(-4, fromB64url(jwk.d));
  return { pub: cbor(pub), priv: cbor(priv), kid };
}

/** The files a key of `alg` named `base` consists of (nothing written yet). */
export function keyFiles(alg: KeyAlg, base: string, withCose: boolean): KeyFile[] {
  if (alg === 'hmac256') {
    const secret = randomBytes(32);
    const files: KeyFile[] = [{ path: `${base}.hmac`, contents: `${secret.toString('hex')}\n`, secret: true }];
    if (withCose) {
      files.push({ path: `${base}.key.cose`, contents: cbor(new Map<CborValue, CborValue>([[1, 4], [3, Alg.hmac256], [-1, Uint8Array.from(secret)]])), secret: true });
    }
    return files;
  }
  const { privateKey, publicKey } = alg === 'ed25519'
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const files: KeyFile[] = [
    { path: `${base}.key.pem`, contents: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, secret: true },
    { path: `${base}.pub.pem`, contents: publicKey.export({ type: 'spki', format: 'pem' }) as string, secret: false },
  ];
  if (withCose) {
    const cose = coseKeys(privateKey);
    files.push({ path: `${base}.key.cose`, contents: cose.priv, secret: true });
    files.push({ path: `${base}.pub.cose`, contents: cose.pub, secret: false });
  }
  return files;
}

/**
 * Writes the files; private keys are created with mode 0600 from the start (never
 * world-readable, not even briefly). Without `force` nothing is written if any target
 * exists, so a key is never half-replaced.
 */
export function writeKeyFiles(files: KeyFile[], force: boolean): void {
  if (!force) {
    const existing = files.filter((f) => existsSync(f.path)).map((f) => f.path);
    if (existing.length > 0) {
      throw new XsuitError('key-exists', `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; refusing to overwrite a key (use --force)`);
    }
  }
  for (const f of files) {
    const mode = f.secret ? 0o600 : 0o644;
    writeFileSync(f.path, f.contents, { mode, flag: force ? 'w' : 'wx' });
    chmodSync(f.path, mode); // an overwritten file keeps its old mode otherwise
  }
}
