// `xsuit verify`: is this envelope authentic under these keys? The decision is made by
// the device code (modules/suit/summary), in Node or inside the XS engine (--engine xs),
// so what the CLI accepts is exactly what a device accepts.
import { readFileSync } from 'node:fs';
import type { CliCommand, CliIO } from '../command';
import { UsageError } from '../command';
import { parseArgs, single } from '../../authoring/cli/args';
import { loadHmacKeyFile, loadPublicKeyFile, KeyFileError } from '../../keys/load';
import { verifySummary, type VerifySummary } from '../../../modules/suit/summary';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { toHex } from '../../../modules/bytes/hex';
import { utf8Decode } from '../../../modules/bytes/utf8';
import type { TrustAnchor, TrustPolicy } from '../../../modules/trust/anchors';
import { isXsuitError } from '../../../modules/errors/errors';
import { bundleDevice, REPO_ROOT } from '../../build/bundle';
import { XsMachine, type XsMeter } from '../../../hosts/xs/machine';

const USAGE = `usage: xsuit verify ENVELOPE --key FILE [--key FILE ...] [--hmac-key FILE] [--threshold K]
                    [--engine node|xs] [--json]

Checks that ENVELOPE (a SUIT envelope, tagged or untagged) is authentic: its manifest
digest matches and at least K distinct trusted keys (default 1) verify its COSE_Sign1 /
COSE_Mac0 blocks. Exit 0 authentic, 1 rejected (the reason is printed), 2 usage or I/O error.

options:
  --key FILE       trusted public key: PEM (SPKI, P-256 or Ed25519) or COSE_Key (binary or hex)
  --hmac-key FILE  trusted HMAC-SHA-256 secret: hex text, or raw bytes when the file is not
                   only hex digits (say raw:FILE or hex:FILE to remove any doubt)
  --threshold K    distinct trusted signers required (default 1)
  --engine E       node (default) or xs: run the verification inside the XS engine
  --json           print one JSON object: ok, reason, sequence, signers, components, ...

example:
  xsuit verify build/update.suit --key keys/release.pub.pem
  xsuit verify fw.suit --hmac-key keys/device.hmac --engine xs --json`;

async function verifyInXs(bytes: Uint8Array, policy: TrustPolicy): Promise<{ summary: VerifySummary; meter: XsMeter }> {
  const anchors = policy.anchors.map((a) => ({ name: a.name, role: a.role, type: a.type, key: toHex(a.key), kid: a.kid && toHex(a.kid) }));
  const source = [
    `import { verifySummary } from './modules/suit/summary';`,
    `import { nobleCrypto } from './modules/crypto/noble';`,
    `import { fromHex } from './modules/bytes/hex';`,
    `import { utf8Encode } from './modules/bytes/utf8';`,
    `const anchors = ${JSON.stringify(anchors)}.map((a) => ({ ...a, key: fromHex(a.key), kid: a.kid ? fromHex(a.kid) : undefined }));`,
    `const envelope = fromHex(${JSON.stringify(toHex(bytes))});`,
    `globalThis.__xsuitVerify = () => utf8Encode(JSON.stringify(verifySummary(envelope, { anchors, threshold: ${policy.threshold ?? 1} }, nobleCrypto))).buffer;`,
  ].join('\n');
  const script = await bundleDevice({ source, resolveDir: REPO_ROOT });
  const machine = XsMachine.start({ name: 'xsuit-verify' });
  try {
    await machine.evaluate(script);
    const { reply, meter } = await machine.evaluate('globalThis.__xsuitVerify()');
    return { summary: JSON.parse(utf8Decode(reply)) as VerifySummary, meter };
  } finally {
    await machine.close();
  }
}

function printText(io: CliIO, file: string, s: VerifySummary): void {
  if (!s.ok) {
    io.err(`xsuit verify: ${file}: REJECTED (${s.reasonName}, ${s.code}): ${s.message}`);
    return;
  }
  io.out(`${file}: authentic`);
  io.out(`  sequence    ${s.sequence}`);
  io.out(`  digest      sha-256 ${s.manifestDigest}`);
  for (const g of s.signers) io.out(`  signer      ${g.name} (${g.role}, ${g.alg}${g.kid ? `, kid ${g.kid}` : ''})`);
  io.out(`  components  ${s.components.map((c) => `[${c.join(', ')}]`).join(' ')}`);
  const sev = Object.entries(s.severable ?? {});
  if (sev.length) io.out(`  severable   ${sev.map(([k, v]) => `${k}:${v}`).join(' ')}`);
  if (s.integrated?.length) io.out(`  integrated  ${s.integrated.join(' ')}`);
}

export const command: CliCommand = {
  name: 'verify',
  summary: 'check that a SUIT envelope is authentic under trusted keys (Node or XS engine)',
  usage: USAGE,
  async run(args, io) {
    const p = parseArgs(args, [
      { name: 'key', short: 'k', value: true, repeat: true }, { name: 'hmac-key', value: true, repeat: true },
      { name: 'threshold', value: true }, { name: 'engine', value: true }, { name: 'json' },
    ], 'verify');
    if (p.positional.length !== 1) throw new UsageError('give exactly one ENVELOPE file');
    const file = p.positional[0];
    const keyFiles = p.values.get('key') ?? [];
    const hmacFiles = p.values.get('hmac-key') ?? [];
    if (keyFiles.length + hmacFiles.length === 0) throw new UsageError('give at least one --key or --hmac-key');
    const thresholdText = single(p, 'threshold') ?? '1';
    if (!/^[1-9]\d*$/.test(thresholdText)) throw new UsageError(`--threshold: expected a positive integer, got '${thresholdText}'`);
    const threshold = Number(thresholdText);
    const engine = single(p, 'engine') ?? 'node';
    if (engine !== 'node' && engine !== 'xs') throw new UsageError(`--engine: expected node or xs, got '${engine}'`);
    const json = p.switches.has('json');

    let anchors: TrustAnchor[];
    let bytes: Uint8Array;
    try {
      anchors = [...keyFiles.map((f) => loadPublicKeyFile(f)), ...hmacFiles.map((f) => loadHmacKeyFile(f))];
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      if (!(e instanceof KeyFileError) && !isXsuitError(e) && !(e as NodeJS.ErrnoException).code) throw e;
      const message = (e as Error).message;
      if (json) io.out(JSON.stringify({ ok: false, error: { code: 'io-error', message } }));
      io.err(`xsuit verify: ${message}`);
      return 2;
    }
    if (threshold > anchors.length) throw new UsageError(`--threshold ${threshold} exceeds the ${anchors.length} keys given`);
    const policy: TrustPolicy = { anchors, threshold };
    let summary: VerifySummary;
    let meter: XsMeter | undefined;
    if (engine === 'xs') ({ summary, meter } = await verifyInXs(bytes, policy));
    else summary = verifySummary(bytes, policy, nobleCrypto);
    if (json) {
      io.out(JSON.stringify({ file, engine, ...summary, sequence: summary.sequence ?? null, ...(meter ? { xsMeter: { compute: meter.compute, allocate: meter.allocate } } : {}) }));
      if (!summary.ok) io.err(`xsuit verify: ${file}: REJECTED (${summary.reasonName}): ${summary.message}`);
    } else {
      printText(io, file, summary);
      if (meter) io.out(`  xs meter    compute ${meter.compute}, allocate ${meter.allocate}`);
    }
    return summary.ok ? 0 : 1;
  },
};
