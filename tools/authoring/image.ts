// Reading and hashing image files named by `--image` or a description. Streams the
// file so a large image costs one chunk of memory unless its bytes must be kept
// (integrated payloads travel inside the envelope).
import { createReadStream, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { XsuitError } from '../../modules/errors/errors';
import type { ImageInfo } from './values';

export interface HashOptions {
  keepBytes?: boolean;
  /** called with the bytes hashed so far; `total` is the file size */
  onProgress?: (done: number, total: number) => void;
}

export async function hashImageFile(path: string, opts: HashOptions = {}): Promise<ImageInfo> {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new XsuitError('image-unreadable', `${path}: not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof XsuitError) throw e;
    throw new XsuitError('image-unreadable', `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (opts.keepBytes) chunks.push(chunk);
    done += chunk.length;
    opts.onProgress?.(done, size);
  }
  if (done !== size) throw new XsuitError('image-unreadable', `${basename(path)} changed while it was being read`);
  const info: ImageInfo = { digest: Uint8Array.from(hash.digest()), size };
  if (opts.keepBytes) {
    const all = Buffer.concat(chunks, size);
    info.bytes = new Uint8Array(all.buffer, all.byteOffset, all.length);
  }
  return info;
}
