// Shared by the authoring and CLI tests: run `xsuit` in-process and capture its output,
// make scratch directories, verify envelopes with the device-side SUIT code.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../tools/cli/main';
import { authenticateEnvelope, type AuthenticatedEnvelope } from '../modules/suit/envelope';
import { loadHmacKeyFile, loadPublicKeyFile } from '../tools/keys/load';
import { nobleCrypto } from '../modules/crypto/noble';
import type { TrustAnchor } from '../modules/trust/anchors';

export const REPO = new URL('..', import.meta.url).pathname;
export const VECTORS = join(REPO, '../shared/suit-vectors');
export const DESCRIPTIONS = join(REPO, 'tests/fixtures/descriptions');

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function xsuit(...argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `xsuit-${prefix}-`));
}

export function anchor(path: string): TrustAnchor {
  return path.endsWith('.hmac') ? loadHmacKeyFile(path) : loadPublicKeyFile(path);
}

/** Verifies with the same code devices run (modules/suit, pure-JS crypto). Throws when rejected. */
export function verifyInNode(envelopePath: string, keyPaths: string[], threshold = 1): AuthenticatedEnvelope {
  return authenticateEnvelope(new Uint8Array(readFileSync(envelopePath)), { anchors: keyPaths.map(anchor), threshold }, nobleCrypto);
}
