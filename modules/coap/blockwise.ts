// RFC 7959 Block2 downloads: from any block (resume), stop-and-wait or pipelined.
// Pipelined mode keeps several independent confirmable Block2 requests in flight under
// a congestion window (halved on a retransmission, grown by one per window of
// successes), which hides the round trip on long paths; blocks are handed to the
// consumer strictly in order.
import { XsuitError } from '../errors/errors';
import type { CoapClient } from './client';
import {
  CON, GET, CONTENT, OPT_BLOCK2, encodeMessage, OPT_SIZE2, OPT_ETAG, blockOption, blockSize, codeString, findOption, readBlock,
  readUint, szxFor, uintOption, uriOptions, type CoapMessage, type CoapOption,
} from './message';

export interface BlockwiseOptions {
  /** bytes per block: 16..1024 (default 1024) */
  blockSize?: number;
  /** resume: the first block to fetch (default 0) */
  startBlock?: number;
  /** maximum requests in flight; 1 = stop-and-wait (default 1) */
  window?: number;
  /** extra options sent with every request (e.g. Uri-Query) */
  options?: CoapOption[];
  /** Receives each block in order. offset = num * blockSize. total from Size2 when known. */
  onBlock(offset: number, bytes: Uint8Array, total: number | undefined): void;
}

export interface BlockwiseResult {
  /** bytes delivered by this call */
  received: number;
  /** the resource size (from Size2, or counted when the server sent none) */
  total: number;
  /** block size the server used */
  blockSize: number;
  etag: Uint8Array | undefined;
}

// Size2 = 0 in a request asks the server for the total size (RFC 7959 §4)
const ASK_SIZE = uintOption(OPT_SIZE2, 0);

/**
 * Block requests differ only in message id, token and the Block2 value, so each download
 * encodes one template per Block2 value length and patches it; encoding every request
 * from scratch was the biggest cost per block on XS.
 */
class BlockRequests {
  private readonly templates = new Map<number, Uint8Array>();
  /** options after Block2 break the template layout; such requests are encoded normally */
  private readonly patchable: boolean;
  constructor(private readonly fixed: CoapOption[], private readonly szx: number) {
    this.patchable = !fixed.some((o) => o.number > OPT_BLOCK2);
  }

  private template(length: number, num: number): Uint8Array {
    let t = this.templates.get(length);
    if (!t) {
      const options = this.fixed.concat([blockOption(OPT_BLOCK2, { num, more: false, szx: this.szx }), ASK_SIZE]);
      t = encodeMessage({ type: CON, code: GET, messageId: 0, token: new Uint8Array(4), options, payload: new Uint8Array(0) });
      this.templates.set(length, t);
    }
    return t;
  }

  send(client: CoapClient, num: number): Promise<CoapMessage> {
    const value = num * 16 + this.szx;
    if (!this.patchable) {
      return client.request({ method: GET, path: '', options: this.fixed.concat([blockOption(OPT_BLOCK2, { num, more: false, szx: this.szx }), ASK_SIZE]) });
    }
    const length = value === 0 ? 0 : value < 0x100 ? 1 : value < 0x10000 ? 2 : 3;
    const t = this.template(length, num);
    return client.requestEncoded((messageId, token) => {
      const out = t.slice();
      out[2] = messageId >> 8;
      out[3] = messageId & 0xff;
      out.set(token, 4);
      // Size2 (empty, 1 byte) ends the message; the Block2 value sits just before it
      let v = value;
      for (let i = out.length - 2; i >= out.length - 1 - length; i--) {
        out[i] = v & 0xff;
        v = Math.floor(v / 256);
      }
      return out;
    });
  }
}

function requestBlock(requests: BlockRequests, client: CoapClient, num: number): Promise<CoapMessage> {
  return requests.send(client, num);
}

function checkResponse(m: CoapMessage, num: number, size: number): { data: Uint8Array; more: boolean; total: number | undefined } {
  if (m.code !== CONTENT) {
    throw new XsuitError('coap-status', `block ${num}: server answered ${codeString(m.code)}`, 0, { code: codeString(m.code) });
  }
  // one pass over the options (this runs once per block)
  let b2: Uint8Array | undefined;
  let total: number | undefined;
  for (let i = 0; i < m.options.length; i++) {
    const o = m.options[i];
    if (o.number === OPT_BLOCK2) { if (!b2) b2 = o.value; }
    else if (o.number === OPT_SIZE2) { if (total === undefined) total = readUint(o.value); }
  }
  if (!b2) {
    // the whole resource in one response: only valid when asking for block 0
    if (num !== 0) throw new XsuitError('coap-block', `block ${num} requested, server sent no Block2`);
    return { data: m.payload, more: false, total: total ?? m.payload.length };
  }
  const b = readBlock(b2);
  if (blockSize(b.szx) !== size || b.num !== num) {
    throw new XsuitError('coap-block', `asked block ${num}/${size}, got ${b.num}/${blockSize(b.szx)}`);
  }
  if (b.more && m.payload.length !== size) throw new XsuitError('coap-block', `block ${num} is short (${m.payload.length} bytes) but not last`);
  return { data: m.payload, more: b.more, total };
}

/**
 * Downloads `path` block by block. On a lost link it rejects with an XsuitError whose
 * detail.nextOffset says where to resume; blocks before it were delivered.
 */
export async function downloadBlockwise(client: CoapClient, path: string, opts: BlockwiseOptions): Promise<BlockwiseResult> {
  let size = opts.blockSize ?? 1024;
  let szx = szxFor(size);
  const fixed = uriOptions(path).concat(opts.options ?? []).sort((a, b) => a.number - b.number);
  let num = opts.startBlock ?? 0;
  let received = 0;
  let delivered = num * size;
  const fail = (e: unknown): never => {
    if (e instanceof XsuitError) {
      throw new XsuitError(e.code, e.message.slice(e.code.length + 2), e.reason, Object.assign({}, e.detail, { nextOffset: delivered }));
    }
    throw e;
  };

  // The first response tells the size, the ETag and whether the server prefers smaller blocks.
  let first: CoapMessage;
  try {
    first = await requestBlock(new BlockRequests(fixed, szx), client, num);
  } catch (e) {
    return fail(e);
  }
  const fb = findOption(first, OPT_BLOCK2);
  if (first.code === CONTENT && fb) {
    const b = readBlock(fb);
    if (b.szx < szx) {
      // RFC 7959 §2.4: the server may answer with a smaller block; renumber to its size
      const offset = num * size;
      szx = b.szx;
      size = blockSize(szx);
      if (offset % size !== 0 || b.num !== offset / size) throw new XsuitError('coap-block', 'server changed block size mid-resource');
      num = b.num;
    }
  }
  const requests = new BlockRequests(fixed, szx);
  const etag = findOption(first, OPT_ETAG);
  let head: ReturnType<typeof checkResponse>;
  try {
    head = checkResponse(first, num, size);
  } catch (e) {
    return fail(e);
  }
  let total = head.total;
  opts.onBlock(num * size, head.data, total);
  received += head.data.length;
  delivered = num * size + head.data.length;
  if (!head.more) return { received, total: total ?? delivered, blockSize: size, etag };
  num++;

  const maxWindow = Math.max(1, opts.window ?? 1);
  if (maxWindow === 1 || total === undefined) {
    for (;;) {
      let r: ReturnType<typeof checkResponse>;
      try {
        r = checkResponse(await requestBlock(requests, client, num), num, size);
      } catch (e) {
        return fail(e);
      }
      if (r.total !== undefined) total = r.total;
      opts.onBlock(num * size, r.data, total);
      received += r.data.length;
      delivered = num * size + r.data.length;
      if (!r.more) return { received, total: total ?? delivered, blockSize: size, etag };
      num++;
    }
  }

  // Pipelined: requests for blocks [num, last] with at most `cwnd` outstanding.
  const last = Math.max(num, Math.ceil(total / size) - 1);
  let cwnd = maxWindow;
  let grow = 0;
  let nextToSend = num;
  let nextToDeliver = num;
  const arrived = new Map<number, Uint8Array>();
  let inFlight = 0;
  let failure: unknown;
  const previousHook = client.onRetransmit;
  client.onRetransmit = () => {
    cwnd = Math.max(1, cwnd >> 1);
    grow = 0;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        if (failure !== undefined) {
          if (inFlight === 0) reject(failure);
          return;
        }
        while (arrived.has(nextToDeliver)) {
          const data = arrived.get(nextToDeliver) as Uint8Array;
          arrived.delete(nextToDeliver);
          try {
            opts.onBlock(nextToDeliver * size, data, total);
          } catch (e) {
            failure = e;
            if (inFlight === 0) reject(e);
            return;
          }
          received += data.length;
          delivered = nextToDeliver * size + data.length;
          nextToDeliver++;
        }
        if (nextToDeliver > last) {
          resolve();
          return;
        }
        while (nextToSend <= last && inFlight < cwnd && nextToSend - nextToDeliver < maxWindow * 4) {
          const n = nextToSend++;
          inFlight++;
          requestBlock(requests, client, n).then((m) => {
            inFlight--;
            try {
              const r = checkResponse(m, n, size);
              if (n < last && !r.more) throw new XsuitError('coap-block', `block ${n} ends the resource before Size2 says`);
              if (n === last && r.more) throw new XsuitError('coap-block', 'resource longer than Size2');
              arrived.set(n, r.data);
              if (++grow >= cwnd && cwnd < maxWindow) {
                cwnd++;
                grow = 0;
              }
            } catch (e) {
              if (failure === undefined) failure = e;
            }
            pump();
          }, (e) => {
            inFlight--;
            if (failure === undefined) failure = e;
            pump();
          });
        }
      };
      pump();
    });
  } catch (e) {
    return fail(e);
  } finally {
    client.onRetransmit = previousHook;
  }
  return { received, total, blockSize: size, etag };
}
