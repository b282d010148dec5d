// `xsuit keygen`: a new signing key as PEM files (and COSE_Key with --cose).
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { parseArgs, required } from '../../authoring/cli/args';
import { finish, withJsonUsage } from '../../authoring/cli/outcome';
import { KEY_ALGS, keyFiles, writeKeyFiles, type KeyAlg } from '../../authoring/keygen';

const ALIASES: Record<string, KeyAlg> = {
  ed25519: 'ed25519', eddsa: 'ed25519', es256: 'es256', p256: 'es256', 'p-256': 'es256', hmac256: 'hmac256', hmac: 'hmac256',
};

export const command: CliCommand = {
  name: 'keygen',
  summary: 'make a signing key (Ed25519, P-256 or HMAC) as PEM / COSE_Key files',
  usage: `usage: xsuit keygen --alg ed25519|es256|hmac256 --out NAME [--cose] [--force] [--json]

Writes NAME.key.pem (PKCS#8 private key, mode 0600) and NAME.pub.pem (SPKI public key,
give it to devices and to \`xsuit verify\`). --cose also writes NAME.key.cose and
NAME.pub.cose (COSE_Key, kid = RFC 9679 thumbprint). hmac256 writes NAME.hmac (32 random
bytes as hex, mode 0600) for COSE_Mac0. An existing key is never overwritten without --force.

options:
  --alg ALG     ed25519 (COSE EdDSA), es256 (ECDSA P-256), or hmac256
  --out NAME    file name prefix, may include a directory
  --cose        also write COSE_Key files
  --force       replace existing key files
  --json        print one JSON object

example:
  xsuit keygen --alg ed25519 --out keys/release
  openssl pkey -in keys/release.key.pem -noout -text   # any PKCS#8 tool reads it`,
  run(args, io) {
    return withJsonUsage(args, io, async () => {
      const p = parseArgs(args, [
        { name: 'alg', value: true }, { name: 'out', short: 'o', value: true },
        { name: 'cose' }, { name: 'force' }, { name: 'json' },
      ], 'keygen');
      if (p.positional.length > 0) throw new UsageError(`unexpected argument '${p.positional[0]}'`);
      const algText = required(p, 'alg', KEY_ALGS.join(', ')).toLowerCase();
      const alg = ALIASES[algText];
      if (!alg) throw new UsageError(`--alg: unsupported algorithm '${algText}' (use ${KEY_ALGS.join(', ')})`);
      const base = required(p, 'out', 'file name prefix, e.g. --out keys/release');
      return finish('keygen', p.switches.has('json'), io, async () => {
        const files = keyFiles(alg, base, p.switches.has('cose'));
        writeKeyFiles(files, p.switches.has('force'));
        return {
          json: { alg, files: files.map((f) => ({ path: f.path, private: f.secret })) },
          text: files.map((f) => `wrote ${f.path}${f.secret ? ' (private, mode 0600: keep it secret)' : ' (public)'}`),
        };
      });
    });
  },
};
