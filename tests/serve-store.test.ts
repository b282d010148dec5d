// The server's file cache: a block-wise download asks for the same file once per block,
// so the store re-checks a file's size and mtime at most every RECHECK_MS; a replaced or
// removed file must still be noticed once that delay has passed.
import { mkdirSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { RECHECK_MS, UpdateStore } from '../tools/serve/store';
import { sleep } from './e2e-support/processes';

const dir = join('build', 'test-serve-store');

beforeEach(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'cls'), { recursive: true });
});

test('serves the cached bytes within the recheck delay and the new file after it', async () => {
  const store = new UpdateStore(dir);
  const path = join(dir, 'cls', 'payload.bin');
  writeFileSync(path, 'version one');
  const first = store.get('cls/payload.bin');
  expect(Buffer.from(first!.bytes).toString()).toBe('version one');
  // replace with a different size and a later mtime
  writeFileSync(path, 'version two, longer');
  utimesSync(path, new Date(), new Date(Date.now() + 5000));
  expect(store.get('cls/payload.bin')).toBe(first); // same object: no stat, no read
  await sleep(RECHECK_MS + 20);
  const second = store.get('cls/payload.bin');
  expect(Buffer.from(second!.bytes).toString()).toBe('version two, longer');
  expect(Buffer.from(second!.etag).equals(Buffer.from(first!.etag))).toBe(false);
});

test('a removed file is gone after the recheck delay; paths outside DIR never resolve', async () => {
  const store = new UpdateStore(dir);
  const path = join(dir, 'cls', 'manifest.suit');
  writeFileSync(path, 'm');
  expect(store.get('cls/manifest.suit')).toBeDefined();
  rmSync(path);
  await sleep(RECHECK_MS + 20);
  expect(store.get('cls/manifest.suit')).toBeUndefined();
  expect(store.get('../outside')).toBeUndefined();
  expect(store.get('cls/../../outside')).toBeUndefined();
});
