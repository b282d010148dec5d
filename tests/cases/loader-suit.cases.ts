// The loader and staging with real SUIT envelopes made by `xsuit create` + `xsuit sign`
// (hosts/node/device-fixtures.ts), verified by modules/suit against the device's trust
// store. The done-when scenarios.
import { defineCases, type CaseEnv } from '../harness/device-case';
import { bytesEqual, equal, ok, rejectsCode } from '../harness/check';
import { Loader } from '../../bootloader/loader';
import { SuitSlotVerifier } from '../../bootloader/suit-verifier';
import { bytesSource, resumeStaged, stageEnvelope } from '../../bootloader/suit-stage';
import { decodeProvisioning, writeProvisioning } from '../../modules/slots/provisioning';
import { PROVISION_PARTITION, openSlot } from '../../modules/slots/layout';
import { slotHeader } from '../../modules/slots/slot-reader';
import { SMALL_CHIP, SMALL_PARTITIONS } from './slots-support';

export const FX = 'build/fixtures/device/';

export function suitDevice(env: CaseEnv) {
  const sim = env.newFlash({ partitionsCsv: SMALL_PARTITIONS, chipSize: SMALL_CHIP });
  const prov = decodeProvisioning(env.fixture(`${FX}provision.cbor`));
  writeProvisioning(sim.device.open(PROVISION_PARTITION), prov);
  const options = { policy: prov.trust, identity: prov.identity, crypto: env.crypto };
  const loader = new Loader({ flash: sim.device, crypto: env.crypto, verifier: new SuitSlotVerifier(options), maxAttempts: prov.maxAttempts });
  loader.initialise();
  const install = (envelope: string, payload: string) =>
    stageEnvelope(loader, options, env.fixture(`${FX}${envelope}.suit`), bytesSource(env.fixture(`${FX}${payload}`)));
  return { sim, loader, options, install };
}

async function withV1(env: CaseEnv) {
  const d = suitDevice(env);
  await d.install('v1', 'v1.js');
  const b = await d.loader.boot();
  ok(b.kind === 'boot' && b.trial && b.slot === 0, 'v1 on trial');
  await d.loader.confirm();
  return d;
}

async function withV2(env: CaseEnv) {
  const d = await withV1(env);
  await d.install('v2', 'v2.js');
  const b = await d.loader.boot();
  ok(b.kind === 'boot' && b.trial && b.slot === 1, 'v2 on trial');
  await d.loader.confirm();
  return d;
}

export default defineCases('loader with real SUIT envelopes', (add) => {
  add('v1 to v2: staged from a signed envelope, trial boot, confirm; the floor follows', async (env) => {
    const d = await withV2(env);
    const b = await d.loader.boot();
    ok(b.kind === 'boot' && !b.trial && b.slot === 1 && b.verified.sequence === 2, 'v2 confirmed and running');
    equal(d.loader.state().floors[0].sequence, 2, 'floor');
  });

  add('a v2 that never confirms is reverted to v1 after the attempt limit', async (env) => {
    const d = await withV1(env);
    await d.install('v2-sick', 'v2-sick.js');
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const b = await d.loader.boot();
      seen.push(b.kind === 'boot' ? `${b.slot === 0 ? 'A' : 'B'}${b.trial ? '?' : ''}` : 'R');
    }
    equal(seen.join(' '), 'B? B? B? A A', 'boots');
    equal(d.loader.state().floors[0].sequence, 1, 'floor stays at v1');
  });

  add('rollback, foreign and untrusted envelopes are refused before any flash write', async (env) => {
    const d = await withV2(env);
    const before = d.sim.snapshot();
    const m0 = d.sim.counts().mutations;
    await rejectsCode(() => d.install('v1', 'v1.js'), 'rollback', 'older sequence');
    await rejectsCode(() => d.install('foreign', 'v3.js'), 'suit-condition-failed', 'wrong class');
    await rejectsCode(() => d.install('stranger', 'v3.js'), 'suit-unauthorised', 'untrusted signer');
    equal(d.sim.counts().mutations - m0, 0, 'no flash operation');
    bytesEqual(d.sim.snapshot(), before, 'flash byte for byte');
  });

  add('a tampered payload never becomes bootable', async (env) => {
    const d = await withV1(env);
    await rejectsCode(() => d.install('v2', 'v2-tampered.js'), 'slot-digest-mismatch', 'tampered payload');
    equal(slotHeader(openSlot(d.sim.device, 1)).state, 'empty', 'slot B was never committed and its staging is forgotten');
    await rejectsCode(() => d.loader.switchTo(1), 'slot-not-complete', 'switch to it');
    const b = await d.loader.boot();
    ok(b.kind === 'boot' && b.slot === 0 && !b.trial, 'v1 keeps running');
  });

  add('a confirmed slot corrupted later is not invoked; the other valid slot boots', async (env) => {
    const d = await withV2(env);
    const b = openSlot(d.sim.device, 1);
    b.write((1 + slotHeader(b).envelopeSectors) * b.sectorSize + 512, new Uint8Array(4));
    const boot = await d.loader.boot();
    ok(boot.kind === 'boot' && boot.slot === 0 && boot.verified.sequence === 1, 'v1 from slot A');
    equal(boot.kind === 'boot' ? boot.checks[0].code : '', 'suit-condition-failed', 'why slot B was refused');
  });

  add('an A/B manifest (try-each over component-slot) stages, validates and boots from either slot', async (env) => {
    const d = await withV2(env); // v2 runs from B: v3 goes to A
    await d.install('v3-ab', 'v3.js');
    const a = await d.loader.boot();
    ok(a.kind === 'boot' && a.slot === 0 && a.trial && a.verified.sequence === 3, 'v3 on trial in slot A');
  });

  add('an interrupted staging is resumed only by the update it belongs to', async (env) => {
    const d = await withV1(env);
    const sick = env.fixture(`${FX}v2-sick.js`);
    const w = d.loader.beginStaging({ envelope: env.fixture(`${FX}v2-sick.suit`), imageLength: sick.length, imageDigest: env.crypto.sha256().update(sick).digest() });
    w.write(sick.subarray(0, 4096)); // one whole sector, then the power fails
    const v2 = bytesSource(env.fixture(`${FX}v2.js`));
    equal(await resumeStaged(d.loader, v2, env.fixture(`${FX}v2.suit`)), undefined, 'another envelope: not resumed');
    const r = await resumeStaged(d.loader, bytesSource(sick), env.fixture(`${FX}v2-sick.suit`));
    ok(r !== undefined && r.slot === 1, 'its own envelope: resumed and switched');
    const b = await d.loader.boot();
    ok(b.kind === 'boot' && b.slot === 1 && b.trial && b.verified.sequence === 2, 'the resumed image boots on trial');
  });
});
