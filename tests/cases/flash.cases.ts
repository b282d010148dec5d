// NOR flash semantics, run in Node and in XS (where the chip lives in the Node parent).
import { defineCases } from '../harness/device-case';
import { bytesEqual, equal, ok, throwsCode } from '../harness/check';

export const PARTITIONS = `
# Name,   Type, SubType, Offset,  Size
nvs,      data, nvs,     0x9000,  0x6000
bootrec,  data, 0x40,    0xf000,  0x2000
slot_a,   app,  ota_0,   0x20000, 0x10000
slot_b,   app,  ota_1,   ,        0x10000
`;

const pattern = (n: number, seed: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};

export default defineCases('simulated NOR flash', (add) => {
  add('partitions come from partitions.csv, blank offsets placed and aligned', (env) => {
    const { device } = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 });
    const parts = device.partitions();
    equal(parts.length, 4, 'partition count');
    equal(parts[3].name, 'slot_b', 'name');
    equal(parts[3].offset, 0x30000, 'blank offset follows slot_a, 64 KiB aligned for app');
    const b = device.open('bootrec');
    equal(b.size, 0x2000, 'size');
    equal(b.sectorSize, 4096, 'sector size');
  });

  add('a new chip reads erased (0xFF)', (env) => {
    const f = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 }).device.open('slot_a');
    ok(f.read(0, 64).every((x) => x === 0xff), 'erased');
  });

  add('write then read back; erase sets the whole sector to 0xFF and only that sector', (env) => {
    const f = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 }).device.open('slot_a');
    const data = pattern(8192, 7);
    f.write(0, data);
    bytesEqual(f.read(0, 8192), data, 'written');
    f.erase(0);
    ok(f.read(0, 4096).every((x) => x === 0xff), 'sector 0 erased');
    bytesEqual(f.read(4096, 4096), data.subarray(4096), 'sector 1 untouched');
  });

  add('a write may clear bits but never set them: refused, typed, nothing changed', (env) => {
    const f = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 }).device.open('slot_a');
    f.write(0, new Uint8Array([0xf0, 0xff, 0x0f, 0xaa]));
    f.write(0, new Uint8Array([0xe0, 0x7f, 0x0f, 0x00]));
    bytesEqual(f.read(0, 4), new Uint8Array([0xe0, 0x7f, 0x0f, 0x00]), 'bits cleared');
    throwsCode(() => f.write(0, new Uint8Array([0xe0, 0x7f, 0x1f, 0x00])), 'flash-bit-set', 'setting a bit');
    bytesEqual(f.read(0, 4), new Uint8Array([0xe0, 0x7f, 0x0f, 0x00]), 'unchanged after refusal');
  });

  add('writes honour the alignment', (env) => {
    const f = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 }).device.open('slot_a');
    throwsCode(() => f.write(2, new Uint8Array(4)), 'flash-misaligned', 'odd offset');
    throwsCode(() => f.write(0, new Uint8Array(3)), 'flash-misaligned', 'odd length');
    ok(f.read(0, 8).every((x) => x === 0xff), 'nothing written');
  });

  add('access outside a partition is refused with a typed error', (env) => {
    const sim = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 });
    const f = sim.device.open('bootrec');
    throwsCode(() => f.read(0x2000 - 2, 4), 'flash-out-of-bounds', 'read past end');
    throwsCode(() => f.read(-1, 1), 'flash-out-of-bounds', 'negative offset');
    throwsCode(() => f.write(0x2000, new Uint8Array(4)), 'flash-out-of-bounds', 'write past end');
    throwsCode(() => f.erase(2), 'flash-out-of-bounds', 'erase past end');
    throwsCode(() => sim.device.open('nope'), 'flash-no-partition', 'unknown partition');
    ok(sim.device.open('slot_a').read(0, 16).every((x) => x === 0xff), 'neighbour untouched');
  });

  add('every operation is counted', (env) => {
    const sim = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 });
    const f = sim.device.open('slot_b');
    f.read(0, 16);
    f.erase(1);
    f.write(4096, new Uint8Array(8));
    f.write(4104, new Uint8Array(8));
    const c = sim.counts();
    equal(c.reads, 1, 'reads');
    equal(c.erases, 1, 'erases');
    equal(c.writes, 2, 'writes');
    equal(c.mutations, 3, 'mutations');
  });

  add('a power cut mid-write leaves a partial write and a dead chip until reboot', (env) => {
    const sim = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 });
    let f = sim.device.open('slot_a');
    const data = new Uint8Array(4096).fill(0);
    sim.cutAt(1, 12345);
    throwsCode(() => f.write(0, data), 'power-cut', 'the cut write');
    throwsCode(() => f.read(0, 4), 'power-cut', 'reads while unpowered');
    f = sim.reboot().open('slot_a');
    const after = f.read(0, 4096);
    let zeros = 0;
    while (zeros < after.length && after[zeros] === 0) zeros++;
    ok(zeros < 4096, 'the write did not complete');
    ok(after.subarray(zeros + 1).every((x) => x === 0xff), 'nothing past the torn byte was written');
    f.write(0, data);
    ok(f.read(0, 4096).every((x) => x === 0), 'the write can be redone after reboot');
  });

  add('a power cut mid-erase leaves an erased prefix and undefined bytes', (env) => {
    const sim = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 });
    let f = sim.device.open('slot_a');
    f.write(0, new Uint8Array(4096));
    sim.cutAt(1, 99);
    throwsCode(() => f.erase(0), 'power-cut', 'the cut erase');
    f = sim.reboot().open('slot_a');
    const s = f.read(0, 4096);
    ok(s[0] === 0xff, 'erase had begun');
    ok(!s.every((x) => x === 0xff), 'erase had not finished');
  });

  add('a cut at mutation N lets the first N-1 complete; the same seed tears the same way', (env) => {
    const torn: Uint8Array[] = [];
    for (let run = 0; run < 2; run++) {
      const sim = env.newFlash({ partitionsCsv: PARTITIONS, chipSize: 0x80000 });
      const f = sim.device.open('nvs');
      sim.cutAt(3, 4242);
      f.write(0, new Uint8Array(16));
      f.erase(1);
      throwsCode(() => f.write(16, new Uint8Array(64)), 'power-cut', 'third mutation');
      const g = sim.reboot().open('nvs');
      ok(g.read(0, 16).every((x) => x === 0), 'first write complete');
      torn.push(g.read(16, 64));
      equal(sim.counts().mutations, 0, 'counters restart at power-on');
    }
    bytesEqual(torn[0], torn[1], 'same seed, same tear');
  });

  add('the clock is monotonic and gives wall time for use-before checks', (env) => {
    const a = env.clock.now();
    let spin = 0;
    for (let i = 0; i < 20000; i++) spin += i;
    const b = env.clock.now();
    ok(b >= a && spin > 0, 'monotonic');
    const unix = env.clock.unixTime();
    ok(unix !== undefined && unix > 1_700_000_000, 'wall time present');
  });
});
