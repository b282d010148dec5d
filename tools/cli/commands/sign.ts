// `xsuit sign`: append COSE_Sign1 (or COSE_Mac0) blocks to a SUIT envelope.
import { readFileSync, writeFileSync } from 'node:fs';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { parseArgs, single } from '../../authoring/cli/args';
import { finish, withJsonUsage } from '../../authoring/cli/outcome';
import { fullySpecified, loadSigningKey } from '../../authoring/signing-keys';
import { signEnvelope, type Role } from '../../authoring/cose-sign';

const ALG_NAMES: Record<number, string> = {
  [-7]: 'ES256 (COSE_Sign1)', [-9]: 'ESP256 (COSE_Sign1)', [-8]: 'EdDSA (COSE_Sign1)', [-19]: 'Ed25519 (COSE_Sign1)', 5: 'HMAC-256 (COSE_Mac0)',
};

export const command: CliCommand = {
  name: 'sign',
  summary: 'sign a SUIT envelope (appends; several parties can sign in turn)',
  usage: `usage: xsuit sign ENVELOPE -k KEY [-k KEY ...] [--role author|operator] -o OUT [--json]

Adds one authentication block per key over the manifest digest: COSE_Sign1 with ES256
for P-256 keys, EdDSA for Ed25519 keys, COSE_Mac0 (HMAC-256) for HMAC secrets. Keys are
PKCS#8 or SEC1 PEM (from xsuit keygen or openssl), private COSE_Key, or hex HMAC secrets
(NAME.hmac, or hmac:FILE for a raw secret). Signing a signed envelope appends a block, so
an author signs first and an operator countersigns for a 2-of-2 policy. The manifest
digest is checked before signing; the manifest itself is never changed.

options:
  -k, --key KEY             private key file (repeatable)
  --role author|operator    author: the envelope must be unsigned; operator: it must
                            already carry a signature (default: whichever applies)
  -o, --out FILE            where to write the signed envelope (may equal ENVELOPE)
  --fully-specified         label signatures ESP256 (-9) / Ed25519 (-19) instead of
                            ES256 (-7) / EdDSA (-8) (draft-ietf-jose-fully-specified-algorithms)
  --json                    print one JSON object

example:
  xsuit sign app-7.suit -k keys/release.key.pem -o app-7.signed.suit
  xsuit sign app-7.signed.suit -k keys/ops.key.pem --role operator -o app-7.final.suit`,
  run(args, io) {
    return withJsonUsage(args, io, async () => {
      const p = parseArgs(args, [
        { name: 'key', short: 'k', value: true, repeat: true }, { name: 'role', value: true },
        { name: 'out', short: 'o', value: true }, { name: 'json' }, { name: 'fully-specified' },
      ], 'sign');
      if (p.positional.length !== 1) throw new UsageError(p.positional.length === 0 ? 'missing ENVELOPE (the file to sign)' : `unexpected argument '${p.positional[1]}'`);
      const keys = p.values.get('key') ?? [];
      if (keys.length === 0) throw new UsageError('-k/--key is required (a private key file)');
      const out = single(p, 'out');
      if (!out) throw new UsageError('-o/--out is required');
      const roleText = single(p, 'role');
      if (roleText !== undefined && roleText !== 'author' && roleText !== 'operator') {
        throw new UsageError(`--role: expected author or operator, got '${roleText}'`);
      }
      const input = p.positional[0];
      return finish('sign', p.switches.has('json'), io, async () => {
        const loaded = keys.map(loadSigningKey);
        const signingKeys = p.switches.has('fully-specified') ? loaded.map(fullySpecified) : loaded;
        const result = signEnvelope(new Uint8Array(readFileSync(input)), signingKeys, roleText as Role | undefined);
        writeFileSync(out, result.envelope);
        return {
          json: {
            out, size: result.envelope.length, role: result.role, blocksBefore: result.before, blocks: result.after,
            manifestDigest: Buffer.from(result.digest).toString('hex'),
            signers: signingKeys.map((k) => ({ key: k.name, alg: k.alg })),
          },
          text: [
            ...signingKeys.map((k) => `signed as ${result.role} with ${k.name}: ${ALG_NAMES[k.alg]}`),
            `wrote ${out} (${result.envelope.length} bytes, ${result.after} authentication block${result.after > 1 ? 's' : ''})`,
          ],
        };
      });
    });
  },
};
