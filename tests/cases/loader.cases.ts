// The verified-boot loader's state machine (trial, confirm, reject, revert, fallback,
// recovery, anti-rollback), with the test-token verifier standing in for SUIT.
import { defineCases, type CaseEnv } from '../harness/device-case';
import { equal, ok, rejectsCode, throwsCode } from '../harness/check';
import { floorOf } from '../../modules/slots/boot-record';
import { openSlot } from '../../modules/slots/layout';
import { SlotWriter } from '../../modules/slots/slot-writer';
import { slotHeader } from '../../modules/slots/slot-reader';
import { COMPONENT, SMALL_CHIP, SMALL_PARTITIONS, CLASS, installWithToken, makeToken, pattern, tokenDigest, tokenLoader } from './slots-support';

async function deviceWithV1(env: CaseEnv) {
  const sim = env.newFlash({ partitionsCsv: SMALL_PARTITIONS, chipSize: SMALL_CHIP });
  const loader = tokenLoader(sim.device, env.crypto);
  loader.initialise();
  const v1 = pattern(9000, 1);
  await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 1, image: v1 }), v1);
  const first = await loader.boot();
  ok(first.kind === 'boot' && first.trial && first.slot === 0, 'v1 boots on trial from slot A');
  await loader.confirm();
  return { sim, loader, v1 };
}

export default defineCases('verified-boot loader (state machine)', (add) => {
  add('v1 to v2: trial boot, confirm, floor rises only on confirm; confirmed boots write nothing', async (env) => {
    const { sim, loader } = await deviceWithV1(env);
    equal(floorOf(loader.state(), COMPONENT), 1, 'floor after v1 confirm');
    const v2 = pattern(12000, 2);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 2, image: v2 }), v2);
    equal(floorOf(loader.state(), COMPONENT), 1, 'floor unchanged by switch');
    const d = await loader.boot();
    ok(d.kind === 'boot' && d.slot === 1 && d.trial && d.attempt === 1, 'v2 on trial in slot B');
    equal(floorOf(loader.state(), COMPONENT), 1, 'floor unchanged by trial boot');
    await loader.confirm();
    equal(floorOf(loader.state(), COMPONENT), 2, 'floor after confirm');
    const before = sim.counts().mutations;
    const again = await loader.boot();
    ok(again.kind === 'boot' && again.slot === 1 && !again.trial, 'confirmed v2 boots');
    equal(sim.counts().mutations - before, 0, 'a confirmed boot writes nothing');
    const state = await loader.confirm();
    equal(state.generation, loader.state().generation, 'confirming twice changes nothing');
  });

  add('a v2 that never confirms runs at most maxAttempts times, then v1 runs again', async (env) => {
    const { loader } = await deviceWithV1(env);
    const v2 = pattern(5000, 3);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 2, image: v2 }), v2);
    for (let n = 1; n <= 3; n++) {
      const d = await loader.boot();
      ok(d.kind === 'boot' && d.slot === 1 && d.trial && d.attempt === n, `trial attempt ${n}`);
    }
    const d = await loader.boot();
    ok(d.kind === 'boot' && d.slot === 0 && !d.trial, 'reverted to v1 after 3 attempts');
    equal(loader.state().lastEvent, 6, 'last event: reverted-attempts');
    equal(floorOf(loader.state(), COMPONENT), 1, 'floor unchanged');
  });

  add('reject() reverts at once; confirm/reject outside a trial are refused or no-ops', async (env) => {
    const { loader } = await deviceWithV1(env);
    throwsCode(() => loader.reject(), 'not-on-trial', 'reject confirmed image');
    const v2 = pattern(5000, 4);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 2, image: v2 }), v2);
    await loader.boot();
    loader.reject();
    const d = await loader.boot();
    ok(d.kind === 'boot' && d.slot === 0 && !d.trial, 'v1 after reject');
  });

  add('an older sequence is refused at switch; staging is refused while an image is on trial', async (env) => {
    const { loader } = await deviceWithV1(env);
    const v0 = pattern(3000, 5);
    const w = loader.beginStaging({ envelope: makeToken(env.crypto, { sequence: 1, image: v0 }), imageLength: v0.length, imageDigest: env.crypto.sha256().update(v0).digest() });
    w.write(v0);
    w.finish();
    await rejectsCode(() => loader.switchTo(1), 'rollback', 'same sequence as the floor');
    const v2 = pattern(3000, 6);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 2, image: v2 }), v2);
    throwsCode(() => loader.inactiveSlot(), 'trial-pending', 'stage during trial');
  });

  add('a foreign image (wrong class) is refused at switch and never boots', async (env) => {
    const { loader } = await deviceWithV1(env);
    const img = pattern(3000, 7);
    const token = makeToken(env.crypto, { sequence: 5, image: img, cls: new Uint8Array(16).fill(0xee) });
    ok(CLASS[0] !== 0xee, 'really foreign');
    const w = loader.beginStaging({ envelope: token, imageLength: img.length, imageDigest: tokenDigest(token) });
    w.write(img);
    w.finish();
    await rejectsCode(() => loader.switchTo(1), 'token-class', 'foreign');
    const d = await loader.boot();
    ok(d.kind === 'boot' && d.slot === 0, 'v1 still runs');
  });

  add('an image altered in flash after switch is never run: the trial reverts', async (env) => {
    const { sim, loader } = await deviceWithV1(env);
    const v2 = pattern(8192, 8);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 2, image: v2 }), v2);
    const b = openSlot(sim.device, 1);
    const h = slotHeader(b);
    b.write((1 + h.envelopeSectors) * 4096 + 4096, new Uint8Array(4)); // flip bits in the image
    const d = await loader.boot();
    ok(d.kind === 'boot' && d.slot === 0 && !d.trial, 'v1 runs, v2 never');
    equal(loader.state().lastEvent, 7, 'reverted-invalid');
  });

  add('a confirmed slot damaged later is not run; the previously confirmed image in the other slot is', async (env) => {
    const { sim, loader } = await deviceWithV1(env);
    const v2 = pattern(8192, 9);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 2, image: v2 }), v2);
    await loader.boot();
    await loader.confirm();
    const b = openSlot(sim.device, 1);
    b.write((1 + slotHeader(b).envelopeSectors) * 4096, new Uint8Array(4));
    const d = await loader.boot();
    ok(d.kind === 'boot' && d.slot === 0, 'falls back to v1');
    equal(d.event, 'fallback', 'event');
    equal(floorOf(loader.state(), COMPONENT), 2, 'floor does not move');
    const d2 = await loader.boot();
    ok(d2.kind === 'boot' && d2.slot === 0, 'and keeps running v1');
    // the next update goes into the damaged slot, never over the running image
    equal(loader.inactiveSlot(), 1, 'stage target');
  });

  add('with no valid image the loader stays in recovery and says why', async (env) => {
    const { sim, loader } = await deviceWithV1(env);
    const a = openSlot(sim.device, 0);
    a.write((1 + slotHeader(a).envelopeSectors) * 4096, new Uint8Array(4));
    const d = await loader.boot();
    ok(d.kind === 'recovery', 'recovery');
    if (d.kind === 'recovery') {
      ok(/slot A: token-digest/.test(d.why), `why names the slot and the check: ${d.why}`);
      equal(d.reason, 10, 'SUIT reason condition-failed');
    }
    const blank = env.newFlash({ partitionsCsv: SMALL_PARTITIONS, chipSize: SMALL_CHIP });
    const d2 = await tokenLoader(blank.device, env.crypto).boot();
    ok(d2.kind === 'recovery', 'blank device: recovery');
  });

  add('an image below the floor that was never confirmed here does not boot even as a fallback', async (env) => {
    const { sim, loader } = await deviceWithV1(env);
    const v2 = pattern(4000, 10);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 2, image: v2 }), v2);
    await loader.boot();
    await loader.confirm();
    const v3 = pattern(4000, 11);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 3, image: v3 }), v3);
    await loader.boot();
    await loader.confirm(); // A: v3 (floor 3), B: v2 (the fallback)
    // put an old but validly signed v1 into B behind the loader's back, then damage A
    const v1 = pattern(9000, 1);
    const token = makeToken(env.crypto, { sequence: 1, image: v1 });
    const w = SlotWriter.begin(openSlot(sim.device, 1), env.crypto, { envelope: token, imageLength: v1.length, imageDigest: tokenDigest(token) });
    w.write(v1);
    w.finish();
    const a = openSlot(sim.device, 0);
    a.write((1 + slotHeader(a).envelopeSectors) * 4096, new Uint8Array(4));
    const d = await loader.boot();
    ok(d.kind === 'recovery', 'v1 (below the floor, not the remembered fallback) is refused');
    if (d.kind === 'recovery') ok(/slot B: rollback/.test(d.why), d.why);
  });

  add('a newer image staged but never switched to runs on trial when the confirmed one is damaged', async (env) => {
    const { sim, loader } = await deviceWithV1(env);
    const v2 = pattern(6000, 12);
    const token = makeToken(env.crypto, { sequence: 2, image: v2 });
    const w = loader.beginStaging({ envelope: token, imageLength: v2.length, imageDigest: tokenDigest(token) });
    w.write(v2);
    w.finish(); // no switchTo: the agent lost power before it
    const a = openSlot(sim.device, 0);
    a.write((1 + slotHeader(a).envelopeSectors) * 4096, new Uint8Array(4));
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const d = await loader.boot();
      seen.push(d.kind === 'boot' ? `${d.slot === 0 ? 'A' : 'B'}${d.trial ? '?' : ''}` : 'R');
    }
    equal(seen.join(' '), 'B? B? B? R R', 'on trial, never confirmed: recovery after the attempts, never the damaged slot');
    equal(floorOf(loader.state(), COMPONENT), 1, 'floor unchanged');
  });
  add('giving up a trial marks its slot rejected before the boot record leaves it (reject, revert after the attempts, revert of an altered image); a new staging is unmarked', async (env) => {
    const { sim, loader: first } = await deviceWithV1(env);
    let loader = first;
    const rejected = () => slotHeader(openSlot(sim.device, 1)).rejected;
    const v2 = pattern(5000, 13);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 2, image: v2 }), v2);
    equal(rejected(), false, 'a freshly staged and switched slot');
    ok((await loader.boot()).kind === 'boot', 'v2 on trial');
    // reject(): the marker write is the first mutation, the boot-record erase and write follow
    for (const cut of [1, 2]) {
      sim.cutAt(cut, 7 + cut);
      throwsCode(() => loader.reject(), 'power-cut', `reject cut at mutation ${cut}`);
      loader = tokenLoader(sim.reboot(), env.crypto);
      ok(loader.state().trial, `cut ${cut}: the boot record still has v2 on trial`);
      if (cut === 2) ok(rejected(), 'cut after the marker: slot B is marked while still on trial');
      const d = await loader.boot();
      ok(d.kind === 'boot' && d.slot === 1 && d.trial, `cut ${cut}: the marker does not change what the loader boots`);
    }
    loader.reject();
    ok(rejected(), 'rejected: slot B marked');
    equal(loader.state().lastEvent, 5, 'last event: rejected');
    const back = await loader.boot();
    ok(back.kind === 'boot' && back.slot === 0 && !back.trial, 'v1 after reject');
    // a new release staged over it starts unmarked; the loader gives it up after its attempts
    const v3 = pattern(5000, 14);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 3, image: v3 }), v3);
    equal(rejected(), false, 'v3 staged over the rejected v2: not marked');
    for (let n = 1; n <= 3; n++) await loader.boot();
    equal(rejected(), false, 'on trial, attempts not used up: not marked');
    const reverted = await loader.boot();
    ok(reverted.kind === 'boot' && reverted.slot === 0 && !reverted.trial, 'reverted to v1');
    equal(loader.state().lastEvent, 6, 'last event: reverted-attempts');
    ok(rejected(), 'reverted after the attempts: slot B marked');
    // an image altered after its switch is given up on the next power-on
    const v4 = pattern(8192, 15);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 4, image: v4 }), v4);
    equal(rejected(), false, 'v4 staged: not marked');
    const b = openSlot(sim.device, 1);
    b.write((1 + slotHeader(b).envelopeSectors) * 4096, new Uint8Array(4));
    const d = await loader.boot();
    ok(d.kind === 'boot' && d.slot === 0 && !d.trial, 'v1 runs, v4 never');
    equal(loader.state().lastEvent, 7, 'last event: reverted-invalid');
    ok(rejected(), 'reverted as invalid: slot B marked');
    // a confirmed update is never marked
    const v5 = pattern(4000, 16);
    await installWithToken(loader, env.crypto, makeToken(env.crypto, { sequence: 5, image: v5 }), v5);
    await loader.boot();
    await loader.confirm();
    equal(rejected(), false, 'confirmed v5: not marked');
    equal(slotHeader(openSlot(sim.device, 0)).rejected, false, 'slot A (v1, never on trial after its confirm): not marked');
  });
});
