// The power-safe boot record: two copies, generation numbers, CRC.
import { defineCases, type CaseEnv } from '../harness/device-case';
import { bytesEqual, equal, ok } from '../harness/check';
import { BootEvent, BootRecord, RECORD_BYTES, blankBootState, decodeBootState, encodeBootState, floorOf, withFloor, type BootState } from '../../modules/slots/boot-record';
import { crc32 } from '../../modules/slots/crc32';
import { SMALL_CHIP, SMALL_PARTITIONS, COMPONENT } from './slots-support';

function fresh(env: CaseEnv) {
  const sim = env.newFlash({ partitionsCsv: SMALL_PARTITIONS, chipSize: SMALL_CHIP });
  return { sim, record: new BootRecord(sim.device.open('xsuit_boot')) };
}

function sample(n: number): BootState {
  const s = blankBootState(3);
  return { ...s, active: (n % 2) as 0 | 1, trial: n % 3 === 0, attempts: n % 4, confirmedSlot: ((n + 1) % 2) as 0 | 1,
    confirmedDigest: new Uint8Array(32).fill(n), floors: withFloor(s, COMPONENT, n), lastEvent: BootEvent.switched };
}

export default defineCases('boot record', (add) => {
  add('a blank device has no record; a saved state loads back field for field', (env) => {
    const { sim, record } = fresh(env);
    equal(record.load(), undefined, 'blank');
    const saved = record.save(sample(5));
    const loaded = new BootRecord(sim.reboot().open('xsuit_boot')).load()!;
    equal(loaded.generation, saved.generation, 'generation');
    equal(loaded.active, 1, 'active');
    equal(loaded.attempts, 1, 'attempts');
    equal(floorOf(loaded, COMPONENT), 5, 'floor');
    bytesEqual(loaded.confirmedDigest, new Uint8Array(32).fill(5), 'digest');
  });

  add('saves alternate copies and cost one erase and one write each', (env) => {
    const { sim, record } = fresh(env);
    for (let n = 1; n <= 6; n++) {
      const before = sim.counts();
      record.save(sample(n));
      const after = sim.counts();
      equal(after.erases - before.erases, 1, 'one erase');
      equal(after.writes - before.writes, 1, 'one write');
      const bytes = (c: object) => (c as { bytesWritten?: number }).bytesWritten ?? 0;
      equal(bytes(after) - bytes(before), RECORD_BYTES, 'record bytes');
      equal(record.load()!.generation, n, 'generation');
    }
  });

  add('a power cut during any save leaves either the old or the new state, never neither', (env) => {
    for (let seed = 1; seed <= 12; seed++) {
      for (let cut = 1; cut <= 2; cut++) {
        const { sim, record } = fresh(env);
        record.save(sample(1));
        record.save(sample(2));
        sim.cutAt(cut, seed);
        try { record.save(sample(3)); } catch (e) { if ((e as { code?: string }).code !== 'power-cut') throw e; }
        const loaded = new BootRecord(sim.reboot().open('xsuit_boot')).load();
        ok(loaded !== undefined, `seed ${seed} cut ${cut}: a state survives`);
        const floor = floorOf(loaded!, COMPONENT);
        ok(floor === 2 || floor === 3, `seed ${seed} cut ${cut}: old or new (floor ${floor})`);
        // and the next save after the cut works
        const again = new BootRecord(sim.device.open('xsuit_boot'));
        again.load();
        again.save(sample(4));
        equal(floorOf(again.load()!, COMPONENT), 4, 'save after a cut');
      }
    }
  });

  add('a damaged newest copy falls back to the older one', (env) => {
    const { sim, record } = fresh(env);
    record.save(sample(1));
    record.save(sample(2)); // lands in copy 1
    const flash = sim.device.open('xsuit_boot');
    flash.write(4096 + 20, new Uint8Array(4)); // clear bits in copy 1's body
    equal(floorOf(new BootRecord(flash).load()!, COMPONENT), 1, 'older copy wins');
  });

  add('the floor never decreases', (env) => {
    const s = blankBootState();
    const f = withFloor({ ...s, floors: withFloor(s, COMPONENT, 7) }, COMPONENT, 3);
    equal(f[0].sequence, 7, 'floor kept');
    equal(f.length, 1, 'one entry per component');
  });

  add('a record with a valid CRC but impossible fields is not trusted', (env) => {
    const bytes = encodeBootState(sample(1));
    bytes[8] = 7; // active slot 7
    new DataView(bytes.buffer).setUint32(RECORD_BYTES - 4, crc32(bytes, 0, RECORD_BYTES - 4), true);
    equal(decodeBootState(bytes), undefined, 'active slot out of range');
    const many = encodeBootState(sample(1));
    many[15] = 200; // floor count
    new DataView(many.buffer).setUint32(RECORD_BYTES - 4, crc32(many, 0, RECORD_BYTES - 4), true);
    equal(decodeBootState(many), undefined, 'floor count out of range');
    const { sim, record } = fresh(env);
    record.save(sample(1));
    sim.device.open('xsuit_boot').write(4096, bytes); // newer-looking copy, impossible content
    equal(new BootRecord(sim.device.open('xsuit_boot')).load()!.active, 1, 'the valid copy wins');
  });

  add('crc32 is the IEEE/zlib CRC', () => {
    const text = '123456789';
    const b = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i);
    equal(crc32(b), 0xcbf43926, 'check value');
  });
});
