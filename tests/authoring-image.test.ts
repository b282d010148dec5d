// Hashing images: streamed SHA-256 and size, progress reported as it goes, and a
// progress bar that appears only for large images on a terminal.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashImageFile } from '../tools/authoring/image';
import { progressBar, renderProgress } from '../tools/authoring/cli/progress';
import { scratch } from './authoring-support';

const MIB = 1024 * 1024;

test('a 9 MiB image: digest and size, progress rising to the total', async () => {
  const data = Buffer.alloc(9 * MIB + 123);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i >> 12) & 255;
  const path = join(scratch('image'), 'big.bin');
  writeFileSync(path, data);
  const seen: number[] = [];
  const drawn: string[] = [];
  const bar = progressBar({ write: (t) => drawn.push(t) }, 'hashing big.bin', data.length);
  const info = await hashImageFile(path, { onProgress: (done, total) => { expect(total).toBe(data.length); seen.push(done); bar?.(done); } });
  expect(info.size).toBe(data.length);
  expect(Buffer.from(info.digest).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  expect(info.bytes).toBeUndefined();
  expect(seen.length).toBeGreaterThan(2);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(seen[seen.length - 1]).toBe(data.length);
  expect(drawn.length).toBe(seen.length);
  expect(drawn[0].startsWith('\r')).toBe(true);
  expect(drawn[drawn.length - 1]).toMatch(/\[#{30}\] 100%\s+9\.0\/9\.0 MiB\n$/);
});

test('no bar for small images or without a terminal', () => {
  expect(progressBar({ write: () => undefined }, 'x', MIB)).toBeUndefined();
  expect(progressBar(undefined, 'x', 100 * MIB)).toBeUndefined();
});

test('the bar text', () => {
  expect(renderProgress('hashing a', 5 * MIB, 10 * MIB, 10)).toBe('hashing a [#####-----]  50%  5.0/10.0 MiB');
  expect(renderProgress('hashing a', 0, 0, 4)).toBe('hashing a [####] 100%  0.0/0.0 MiB');
});

test('a missing image is a typed error', async () => {
  await expect(hashImageFile('/nonexistent/x.bin')).rejects.toMatchObject({ code: 'image-unreadable' });
});
