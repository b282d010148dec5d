// The A/B slot writer and reader over simulated NOR flash.
import { defineCases, type CaseEnv } from '../harness/device-case';
import { bytesEqual, equal, ok, throwsCode } from '../harness/check';
import { SlotWriter } from '../../modules/slots/slot-writer';
import { hashImage, readEnvelope, slotHeader } from '../../modules/slots/slot-reader';
import { SMALL_CHIP, SMALL_PARTITIONS, pattern } from './slots-support';
import { RECORD_SIZE, encodeStagingRecord } from '../../modules/slots/slot-header';

function fresh(env: CaseEnv) {
  const sim = env.newFlash({ partitionsCsv: SMALL_PARTITIONS, chipSize: SMALL_CHIP });
  return { sim, flash: sim.device.open('slot_b') };
}

function sha(env: CaseEnv, b: Uint8Array) {
  return env.crypto.sha256().update(b).digest();
}

function feed(w: SlotWriter, image: Uint8Array, from: number, chunk: number) {
  for (let at = from; at < image.length; at += chunk) w.write(image.subarray(at, Math.min(image.length, at + chunk)));
}

export default defineCases('A/B slots: SlotWriter and reader', (add) => {
  add('streams an image in odd-sized chunks, commits, and reads back the same bytes and digest', (env) => {
    const { flash } = fresh(env);
    const image = pattern(3 * 4096 + 123, 1);
    const envelope = pattern(700, 2);
    const w = SlotWriter.begin(flash, env.crypto, { envelope, imageLength: image.length, imageDigest: sha(env, image) });
    equal(slotHeader(flash).state, 'staging', 'state while writing');
    feed(w, image, 0, 777);
    const digest = w.finish();
    bytesEqual(digest, sha(env, image), 'digest returned');
    const h = slotHeader(flash);
    equal(h.state, 'complete', 'state after finish');
    bytesEqual(readEnvelope(flash, h), envelope, 'stored envelope');
    bytesEqual(hashImage(flash, env.crypto, h), sha(env, image), 'digest read back from flash');
  });

  add('erases only the sectors it writes, and writes nothing outside its slot', (env) => {
    const { sim, flash } = fresh(env);
    const before = sim.snapshot();
    const image = pattern(5000, 3);
    const w = SlotWriter.begin(flash, env.crypto, { envelope: pattern(100, 4), imageLength: image.length, imageDigest: sha(env, image) });
    feed(w, image, 0, 4096);
    w.finish();
    const c = sim.counts();
    equal(c.erases, 1 + 1 + 2, 'header + envelope + 2 image sectors erased');
    const after = sim.snapshot();
    const slotB = sim.device.partitions().find((p) => p.name === 'slot_b')!;
    for (let i = 0; i < after.length; i++) {
      if (i >= slotB.offset && i < slotB.offset + slotB.size) continue;
      if (after[i] !== before[i]) throw new Error(`byte ${i} outside slot_b changed`);
    }
  });

  add('a payload that does not match the manifest digest is never committed', (env) => {
    const { flash } = fresh(env);
    const image = pattern(6000, 5);
    const w = SlotWriter.begin(flash, env.crypto, { envelope: pattern(64, 6), imageLength: image.length, imageDigest: sha(env, pattern(6000, 99)) });
    feed(w, image, 0, 1000);
    throwsCode(() => w.finish(), 'slot-digest-mismatch', 'finish');
    equal(slotHeader(flash).state, 'empty', 'never committed, and forgotten so the next offer starts over');
    throwsCode(() => readEnvelope(flash), 'slot-not-complete', 'reader refuses');
  });

  add('an oversized or truncated payload is a typed error', (env) => {
    const { flash } = fresh(env);
    const image = pattern(2000, 7);
    const w = SlotWriter.begin(flash, env.crypto, { envelope: pattern(64, 6), imageLength: image.length, imageDigest: sha(env, image) });
    w.write(image.subarray(0, 1500));
    throwsCode(() => w.finish(), 'slot-truncated', 'short payload');
    const w2 = SlotWriter.begin(flash, env.crypto, { envelope: pattern(64, 6), imageLength: image.length, imageDigest: sha(env, image) });
    throwsCode(() => w2.write(pattern(2001, 1)), 'slot-overflow', 'long payload');
    throwsCode(() => SlotWriter.begin(flash, env.crypto, { envelope: pattern(64, 6), imageLength: 0x20000, imageDigest: sha(env, image) }),
      'slot-too-small', 'image larger than the slot');
  });

  add('a power cut at every flash operation of staging resumes to the same committed image', (env) => {
    const image = pattern(4 * 4096 + 500, 8);
    const envelope = pattern(300, 9);
    const request = { envelope, imageLength: image.length, imageDigest: sha(env, image) };
    // count the operations of an uninterrupted run
    const probe = fresh(env);
    const w0 = SlotWriter.begin(probe.flash, env.crypto, request);
    feed(w0, image, 0, 1500);
    w0.finish();
    const total = probe.sim.counts().mutations;
    ok(total >= 15, `enough operations to sweep (${total})`);
    for (let cut = 1; cut <= total; cut++) {
      const { sim } = fresh(env);
      sim.cutAt(cut, cut * 7 + 1);
      let died = false;
      try {
        const w = SlotWriter.begin(sim.device.open('slot_b'), env.crypto, request);
        feed(w, image, 0, 1500);
        w.finish();
      } catch (e) {
        if ((e as { code?: string }).code !== 'power-cut') throw e;
        died = true;
      }
      ok(died, `cut ${cut} happened`);
      const flash = sim.reboot().open('slot_b');
      ok(slotHeader(flash).state !== 'complete', `cut ${cut}: not complete before resuming`);
      const w = SlotWriter.resume(flash, env.crypto) ?? SlotWriter.begin(flash, env.crypto, request);
      ok(w.offset % 4096 === 0 || w.offset === image.length, `cut ${cut}: resumes on a sector boundary (${w.offset})`);
      feed(w, image, w.offset, 1500);
      w.finish();
      bytesEqual(hashImage(flash, env.crypto), request.imageDigest, `cut ${cut}: image after resume`);
    }
  });

  add('a hostile staging record (valid CRC, absurd lengths) reads as an empty slot', (env) => {
    const { flash } = fresh(env);
    const record = encodeStagingRecord({ envelopeLength: 0x7fffffff, imageLength: 0xffffffff, imageDigest: new Uint8Array(32) });
    equal(record.length, RECORD_SIZE, 'record size');
    flash.write(0, record);
    equal(slotHeader(flash).state, 'empty', 'lengths that cannot fit are not a slot');
    equal(SlotWriter.resume(flash, env.crypto), undefined, 'nothing to resume');
    throwsCode(() => readEnvelope(flash), 'slot-not-complete', 'reader');
  });

  add('works with 16-byte write alignment (flash encryption) and resumes there too', (env) => {
    const sim = env.newFlash({ partitionsCsv: SMALL_PARTITIONS, chipSize: SMALL_CHIP, writeAlign: 16 });
    const flash = sim.device.open('slot_a');
    const image = pattern(2 * 4096 + 77, 21);
    const request = { envelope: pattern(333, 22), imageLength: image.length, imageDigest: sha(env, image) };
    sim.cutAt(6, 3);
    try {
      const w = SlotWriter.begin(flash, env.crypto, request);
      feed(w, image, 0, 1000);
      w.finish();
    } catch (e) { if ((e as { code?: string }).code !== 'power-cut') throw e; }
    const again = sim.reboot().open('slot_a');
    const w = SlotWriter.resume(again, env.crypto) ?? SlotWriter.begin(again, env.crypto, request);
    feed(w, image, w.offset, 1000);
    w.finish();
    bytesEqual(hashImage(again, env.crypto), request.imageDigest, 'image');
    bytesEqual(readEnvelope(again), request.envelope, 'envelope');
  });
});
