// The update directory as the server sees it: files by relative path, cached in memory
// and re-read when their size or mtime changes (polled, since fs.watch misses renames on
// some filesystems). Layout: DIR/<channel>/manifest.suit plus that channel's payloads;
// a channel is a device class (any name; the class-id hex by convention).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, normalize, sep } from 'node:path';

export interface StoredFile {
  bytes: Uint8Array;
  /** 8 bytes of SHA-256, used as the CoAP ETag */
  etag: Uint8Array;
  version: string;
}

interface CachedFile extends StoredFile {
  /** when the file's size and mtime were last compared (performance.now()) */
  checkedAt: number;
}

/**
 * How long a cached file is served without another stat. A block-wise download asks for
 * the same file a thousand times a second; one stat per block was a fifth of the server's
 * time per block. A replaced file is noticed within this delay (observers poll every 250 ms).
 */
export const RECHECK_MS = 50;

export const MANIFEST_NAME = 'manifest.suit';

export class UpdateStore {
  readonly dir: string;
  private readonly cache = new Map<string, CachedFile>();

  constructor(dir: string) {
    this.dir = dir;
    statSync(dir); // fail early (ENOENT → exit 2) on a missing directory
  }

  /** A path inside DIR for a request path, or undefined for anything escaping it. */
  private resolve(rel: string): string | undefined {
    const clean = normalize(rel).replace(/^[/\\]+/, '');
    if (!clean || clean.startsWith('..') || clean.includes(`${sep}..`)) return undefined;
    return join(this.dir, clean);
  }

  get(rel: string): StoredFile | undefined {
    const now = performance.now();
    const recent = this.cache.get(rel);
    if (recent && now - recent.checkedAt < RECHECK_MS) return recent;
    const full = this.resolve(rel);
    if (!full) return undefined;
    let st;
    try {
      st = statSync(full);
    } catch {
      this.cache.delete(rel);
      return undefined;
    }
    if (!st.isFile()) return undefined;
    const version = `${st.size}:${st.mtimeMs}`;
    const hit = this.cache.get(rel);
    if (hit && hit.version === version) {
      hit.checkedAt = now;
      return hit;
    }
    const bytes = new Uint8Array(readFileSync(full));
    const etag = new Uint8Array(createHash('sha256').update(bytes).digest().subarray(0, 8));
    const file = { bytes, etag, version, checkedAt: now };
    this.cache.set(rel, file);
    return file;
  }

  /** Channels: subdirectories holding a manifest.suit. */
  channels(): string[] {
    const out: string[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      try {
        if (statSync(join(this.dir, entry.name, MANIFEST_NAME)).isFile()) out.push(entry.name);
      } catch { /* no manifest yet */ }
    }
    return out.sort();
  }
}
