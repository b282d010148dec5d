// Keeps bench/boot.ts honest and running: the same measurement at 64 KiB, with the
// properties the numbers in the report rely on.
import { measureBoot } from '../bench/boot';

test('update cost stays near the image size; boots write the boot record at most once', async () => {
  const { results } = await measureBoot(64 * 1024);
  for (const r of results as any[]) {
    expect(r.update.writtenPerImageByte).toBeGreaterThanOrEqual(1);
    expect(r.update.writtenPerImageByte).toBeLessThan(1.05);
    // 16 image sectors + slot header + envelope + one boot-record copy
    expect(r.update.bytesErased).toBe(19 * 4096);
    expect(r.bootRecordWritesPerBoot).toEqual({ trial: 1, confirmed: 0 });
    expect(r.xsBoot.trial.slot).toBe('B');
    expect(r.xsBoot.confirmed.compute).toBeGreaterThan(0);
  }
}, 120_000);
