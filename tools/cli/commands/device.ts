// `xsuit device`: the simulated device over a flash file, for people and black-box tests.
import { existsSync } from 'node:fs';
import type { CliCommand, CliIO } from '../command';
import { UsageError } from '../command';
import { parseArgs, required, single, uintOption, type OptionSpec, type ParsedArgs } from '../../authoring/cli/args';
import { isXsuitError } from '../../../modules/errors/errors';
import { reasonName } from '../../../modules/report/reasons';
import { SimDevice, readInput, type BootResult } from '../../../hosts/node/device';

const USAGE = `usage: xsuit device init    --flash F --trust KEY.pub [--trust ...] [--threshold K]
                           [--vendor V] [--class C] [--attempts N] [--force]
       xsuit device install --flash F ENVELOPE PAYLOAD [--cut-after N]
       xsuit device boot    --flash F [--engine node|xs]
       xsuit device confirm --flash F
       xsuit device reject  --flash F
       xsuit device status  --flash F
       xsuit device sweep   [--chains N] [--seed S] [--seeds-per-point K]
       (every subcommand takes --json: print one JSON object)

A simulated ESP32-style device whose flash is the file F (4 MiB, ESP-IDF partition table,
A/B slots, boot record, provisioning). Every run is one event in its life:
  init     factory provisioning: trust anchors (public keys, or hmac:FILE), vendor/class
  install  an update arrives: authenticate, check vendor/class/sequence, stage into the
           inactive slot, switch to it on trial. Rejected input leaves F byte for byte as
           it was. --cut-after N cuts power after N flash operations.
  boot     one power-on: the verified-boot loader (in Node or in the XS engine) picks and
           verifies a slot, then the image (a JS program) runs in a fresh XS machine and
           may call xsuit.confirm() / xsuit.reject()
  confirm  the running trial image passed its health check (the floor rises)
  reject   it failed: revert to the confirmed image now
  status   slots, sequences, digests, trial state, floor, last event
  sweep    power-cut sweep: cut at every flash operation of an update, a revert, a
           reject and an overwrite cycle (2 partial-write seeds each),
           then seeded random chains of cuts; prints {cutPoints, chains, violations}

exit codes: 0 ok, 1 refused / failed / recovery, 2 usage or I/O error

example:
  xsuit keygen --alg ed25519 --out keys/release
  xsuit device init --flash dev.bin --trust keys/release.pub.pem --vendor example.com --class devkit
  xsuit device install --flash dev.bin app-7.suit app-7.bin
  xsuit device boot --flash dev.bin --engine xs`;

const FLASH: OptionSpec = { name: 'flash', short: 'f', value: true };
const JSON_OPT: OptionSpec = { name: 'json' };

function out(io: CliIO, json: boolean, obj: Record<string, unknown>, lines: string[]): void {
  if (json) io.out(JSON.stringify({ ok: true, ...obj }));
  else for (const l of lines) io.out(l);
}

function flashPath(p: ParsedArgs): string {
  const f = required(p, 'flash', 'the device\'s flash file');
  if (!existsSync(f)) throw Object.assign(new Error(`no flash file at ${f} (run xsuit device init)`), { code: 'ENOENT' });
  return f;
}

async function withDevice<T>(p: ParsedArgs, fn: (d: SimDevice) => Promise<T>): Promise<T> {
  const d = SimDevice.open(flashPath(p));
  try {
    return await fn(d);
  } finally {
    d.close();
  }
}

function bootLines(r: BootResult): string[] {
  if (r.kind === 'recovery') return [`RECOVERY: ${r.why}`, ...r.checks.map((c) => `  slot ${c.slot}: ${c.ok ? 'ok' : `${c.code} (${reasonName(c.reason ?? 0)})`}`)];
  const lines = [`booted slot ${r.slot}: sequence ${r.sequence}${r.trial ? `, on trial (attempt ${r.attempt} of ${r.maxAttempts})` : ', confirmed'}${r.event === 'fallback' ? ' — FALLBACK: the active slot failed verification' : ''}`];
  if (r.loaderMeter) lines.push(`  loader ran in XS: ${r.loaderMeter.compute} compute ticks`);
  if (r.image) {
    for (const l of r.image.log) lines.push(`  image: ${l}`);
    if (!r.image.ok) lines.push(`  image crashed: ${r.image.error}`);
    if (r.image.confirmed) lines.push('  the image confirmed itself');
    if (r.image.rejected) lines.push('  the image rejected itself');
  }
  return lines;
}

async function run(sub: string, args: string[], io: CliIO): Promise<number> {
  switch (sub) {
    case 'init': {
      const p = parseArgs(args, [FLASH, JSON_OPT, { name: 'trust', value: true, repeat: true }, { name: 'threshold', value: true },
        { name: 'vendor', value: true }, { name: 'class', value: true }, { name: 'attempts', value: true }, { name: 'force' }], 'device');
      const path = required(p, 'flash', 'where to create the flash file');
      const trust = p.values.get('trust') ?? [];
      if (trust.length === 0) throw new UsageError('--trust KEY is required (the public key(s) updates must be signed with)');
      const d = SimDevice.init(path, {
        trust, threshold: uintOption(p, 'threshold'), vendor: single(p, 'vendor'), cls: single(p, 'class'),
        maxAttempts: uintOption(p, 'attempts'), force: p.switches.has('force'),
      });
      try {
        const s = await d.status();
        out(io, p.switches.has('json'), { flash: path, ...s }, [`initialised ${path}: vendor ${s.provisioning.vendor}, class ${s.provisioning.class}, ${s.provisioning.trust.length} trust anchor(s), threshold ${s.provisioning.threshold}`]);
      } finally {
        d.close();
      }
      return 0;
    }
    case 'install': {
      const p = parseArgs(args, [FLASH, JSON_OPT, { name: 'cut-after', value: true }], 'device');
      if (p.positional.length !== 2) throw new UsageError('install takes ENVELOPE and PAYLOAD');
      const envelope = readInput(p.positional[0]);
      const payload = readInput(p.positional[1]);
      const cut = uintOption(p, 'cut-after');
      return withDevice(p, async (d) => {
        try {
          const r = await d.install(envelope, payload, cut);
          out(io, p.switches.has('json'), { installed: r }, [`staged sequence ${r.sequence} (${r.imageLength} bytes) into slot ${r.slot}; it boots on trial next`]);
          return 0;
        } catch (e) {
          if (isXsuitError(e) && e.code === 'power-cut' && cut !== undefined) {
            const ops = d.chip.counts();
            if (p.switches.has('json')) io.out(JSON.stringify({ ok: false, powerCut: true, afterOperations: cut, flashOps: ops }));
            else io.err(`xsuit device install: power cut after ${cut} flash operations`);
            return 1;
          }
          throw e;
        }
      });
    }
    case 'boot': {
      const p = parseArgs(args, [FLASH, JSON_OPT, { name: 'engine', value: true }], 'device');
      const engine = single(p, 'engine') ?? 'node';
      if (engine !== 'node' && engine !== 'xs') throw new UsageError(`--engine: expected node or xs, got '${engine}'`);
      return withDevice(p, async (d) => {
        const r = await d.boot(engine);
        out(io, p.switches.has('json'), { boot: r }, bootLines(r));
        return r.kind === 'boot' ? 0 : 1;
      });
    }
    case 'confirm':
    case 'reject': {
      const p = parseArgs(args, [FLASH, JSON_OPT], 'device');
      return withDevice(p, async (d) => {
        const s = sub === 'confirm' ? await d.confirm() : d.reject();
        const active = s.active === null ? 'none' : s.active === 0 ? 'A' : 'B';
        out(io, p.switches.has('json'), { [sub === 'confirm' ? 'confirmed' : 'rejected']: true, active, floors: s.floors.map((f) => f.sequence) },
          [sub === 'confirm' ? `slot ${active} confirmed; floor ${s.floors.map((f) => f.sequence).join(',') || 'none'}` : `rejected; slot ${active} runs next`]);
        return 0;
      });
    }
    case 'status': {
      const p = parseArgs(args, [FLASH, JSON_OPT], 'device');
      return withDevice(p, async (d) => {
        const s = await d.status();
        const b = s.bootRecord;
        out(io, p.switches.has('json'), s as unknown as Record<string, unknown>, [
          `active slot ${b.active ?? 'none'}${b.trial ? ` on trial (${b.attempts}/${b.maxAttempts} attempts)` : ''}; confirmed slot ${b.confirmedSlot ?? 'none'}`,
          `floor: ${b.floors.map((f) => `${f.sequence} (component ${f.component})`).join(', ') || 'none'}; last report: ${b.lastEvent}${b.lastReason ? ` (${reasonName(b.lastReason)})` : ''}`,
          ...s.slots.map((x) => `slot ${x.slot}: ${x.state}${x.sequence !== undefined ? `, sequence ${x.sequence}` : ''}${x.valid === false ? `, INVALID: ${(x.invalid as { code: string }).code}` : x.valid ? ', valid' : ''}${x.imageLength !== undefined ? `, ${x.imageLength} bytes` : ''}`),
        ]);
        return 0;
      });
    }
    case 'sweep': {
      const p = parseArgs(args, [JSON_OPT, { name: 'chains', value: true }, { name: 'seed', value: true }, { name: 'seeds-per-point', value: true }], 'device');
      const { sweepWithFreshFixtures } = await import('../../../hosts/node/device-sweep');
      const r = await sweepWithFreshFixtures({ chains: uintOption(p, 'chains') ?? 1000, chainSeed: uintOption(p, 'seed'), seedsPerPoint: uintOption(p, 'seeds-per-point') ?? 2 });
      if (p.switches.has('json')) io.out(JSON.stringify({ ok: r.violations === 0, ...r }));
      else {
        io.out(`power-cut sweep: ${r.cutPoints} cut points = ${r.operationsCut} flash operations x ${r.seedsPerPoint} partial-write seeds (cycles: update ${r.operations.update} ops, revert ${r.operations.revert}, reject ${r.operations.reject}, overwrite ${r.operations.overwrite}), ${r.chains} chains (${r.chainCutsFired} cuts), ${r.powerOns} power-ons`);
        io.out(`violations: ${r.violations}`);
        for (const v of r.details) io.out(`  ${v}`);
      }
      return r.violations === 0 ? 0 : 1;
    }
    default:
      throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'a subcommand is required: init, install, boot, confirm, reject, status, sweep');
  }
}

export const command: CliCommand = {
  name: 'device',
  summary: 'a simulated device over a flash file: init, install, boot, confirm, reject, status, sweep',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const json = rest.includes('--json');
    try {
      return await run(sub, rest, io);
    } catch (e) {
      if (!isXsuitError(e)) throw e;
      const io2 = e.code === 'flash-missing' || e.code === 'flash-exists' ? 2 : 1;
      const message = e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2) : e.message;
      const report = e.detail?.suitReport;
      const suitReport = report instanceof Uint8Array ? Buffer.from(report).toString('hex') : undefined;
      if (json) io.out(JSON.stringify({ ok: false, error: { code: e.code, message, reason: e.reason, suitReport } }));
      else io.err(`xsuit device ${sub}: ${message} [${e.code}${e.reason ? `, ${reasonName(e.reason)}` : ''}]`);
      return io2;
    }
  },
};
