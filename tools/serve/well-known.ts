// RFC 6690 resource discovery: GET /.well-known/core lists what the server serves, in link
// format. Clients use it to find the update files, and libcoap probes it with Q-Block2 to
// learn whether a server speaks RFC 9177 (§4.1 of that RFC suggests such a probe).
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_NAME, type StoredFile, type UpdateStore } from './store';

export const WELL_KNOWN_CORE = '.well-known/core';
/** RFC 6690 application/link-format */
export const LINK_FORMAT = 40;

export function wellKnownCore(store: UpdateStore): StoredFile {
  const links: string[] = ['</report>;rt="suit-report"'];
  for (const channel of store.channels()) {
    for (const entry of readdirSync(join(store.dir, channel), { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = store.get(`${channel}/${entry.name}`);
      if (!file) continue;
      const observable = entry.name === MANIFEST_NAME ? ';obs' : '';
      links.push(`</${channel}/${entry.name}>;sz=${file.bytes.length}${observable}`);
    }
  }
  const bytes = new TextEncoder().encode(links.join(','));
  const etag = new Uint8Array(createHash('sha256').update(bytes).digest().subarray(0, 8));
  return { bytes, etag, version: 'well-known' };
}
