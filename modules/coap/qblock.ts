// RFC 9177 Q-Block2 downloads: one Non-confirmable request asks for a whole set of
// MAX_PAYLOADS blocks and the server answers with a burst of responses, so a transfer
// needs about one request per set instead of one per block (half the packets of RFC 7959,
// and a fraction of the per-block work on both ends).
//   - Q-Block2 with M=1 asks for a block and the rest of its set (the whole set from a set
//     start: 'Continue'); M=0 asks for one block. The first request is NUM=start M=1.
//   - Size2 gives the size (asked for with Size2=0); servers that send none (libcoap) end
//     the body with M=0, and until then sets are asked for one at a time.
//   - `sets` sets may be outstanding at once (1 waits for each set before asking for the
//     next, as RFC 9177 describes; more hides the round trip on long paths). Only blocks
//     inside the requested sets are kept, so memory is bounded by sets * MAX_PAYLOADS blocks.
//   - Loss: when nothing new arrives for `timeout` ms, the missing blocks of the outstanding
//     sets are asked for by number (one Q-Block2 option each, M=0) and `sets` is halved;
//     after `maxRetries` such rounds without progress the download fails with
//     detail.nextOffset, like downloadBlockwise, so the caller can resume.
//   - A server may first check that we receive at our address (RFC 9175 Echo, against
//     amplification): it answers with one block (or a 4.01) carrying an Echo value, which
//     then goes with every later request; what is still missing is asked for at once.
//   - Every response must carry the ETag of the first and a consistent Q-Block2/Size2; a
//     server that answers with Block2, 4.02 Bad Option or RST does not support Q-Block2
//     (`coap-qblock-unsupported`, and the caller can fall back to downloadBlockwise).
import { XsuitError } from '../errors/errors';
import { bytesEqual } from '../bytes/compare';
import type { CoapClient, ResponseStream } from './client';
import {
  NON, GET, CONTENT, BAD_OPTION, UNAUTHORIZED, OPT_BLOCK2, OPT_ECHO, OPT_ETAG, OPT_Q_BLOCK2, OPT_SIZE2, blockOption, blockSize, codeString, encodeMessage,
  readBlock, readUint, szxFor, uintOption, uriOptions, type CoapMessage, type CoapOption,
} from './message';
import type { BlockwiseResult } from './blockwise';

const ASK_SIZE = uintOption(OPT_SIZE2, 0);
/** a server that sends no ETag: every response must then have none */
const NO_ETAG = new Uint8Array(0);

/** RFC 9177 §7.2 MAX_PAYLOADS default; client and server must use the same value. */
export const DEFAULT_MAX_PAYLOADS = 10;

export interface QBlockOptions {
  /** bytes per block: 16..1024 (default 1024) */
  blockSize?: number;
  /** resume: the first block to fetch (default 0) */
  startBlock?: number;
  /** blocks per set; must match the server (default 10, RFC 9177) */
  maxPayloads?: number;
  /** sets requested ahead of the next block to deliver (default 1) */
  sets?: number;
  /** ms without a new block before missing blocks are asked for again (default 2000) */
  timeout?: number;
  /** recovery rounds without progress before giving up (default 4) */
  maxRetries?: number;
  /** extra options sent with every request (e.g. Uri-Query) */
  options?: CoapOption[];
  /** Receives each block in order. offset = num * blockSize. */
  onBlock(offset: number, bytes: Uint8Array, total: number | undefined): void;
}

/** Echo challenges answered without a block arriving before giving up */
const MAX_ECHO_ROUNDS = 3;

export function downloadQBlock2(client: CoapClient, path: string, opts: QBlockOptions): Promise<BlockwiseResult> {
  const size = opts.blockSize ?? 1024;
  const szx = szxFor(size);
  const perSet = Math.max(1, opts.maxPayloads ?? DEFAULT_MAX_PAYLOADS);
  const maxSets = Math.max(1, opts.sets ?? 1);
  const timeout = opts.timeout ?? 2000;
  const maxRetries = opts.maxRetries ?? 4;
  const fixed = uriOptions(path).concat(opts.options ?? []);
  const net = client.net;
  const start = opts.startBlock ?? 0;

  let sets = maxSets;
  let next = start; // next block to deliver
  let delivered = start * size; // byte offset after the last delivered block
  let received = 0;
  let requestedEnd = start; // blocks [next, requestedEnd) have been asked for
  let last = Infinity; // last block number: from Size2, or from the block with M=0 (servers need not send Size2)
  let total: number | undefined;
  let etag: Uint8Array | undefined;
  const buffered = new Map<number, Uint8Array>();
  const streams: ResponseStream[] = [];
  let retries = 0;
  /** RFC 9175 Echo value the server sent (with a 4.01 or a block): sent with every later request */
  let echo: Uint8Array | undefined;
  let echoRounds = 0;
  let timer: ReturnType<typeof net.timers.set> | undefined;
  let finished = false;

  return new Promise<BlockwiseResult>((resolve, reject) => {
    const stop = (): void => {
      finished = true;
      if (timer !== undefined) net.timers.clear(timer);
      timer = undefined;
      for (let i = 0; i < streams.length; i++) streams[i].cancel();
      streams.length = 0;
    };
    const fail = (e: XsuitError): void => {
      if (finished) return;
      stop();
      reject(new XsuitError(e.code, e.message.slice(e.code.length + 2), e.reason, Object.assign({}, e.detail, { nextOffset: delivered })));
    };
    const ask = (blocks: { num: number; more: boolean }[]): void => {
      const options = fixed.slice();
      for (let i = 0; i < blocks.length; i++) options.push(blockOption(OPT_Q_BLOCK2, { num: blocks[i].num, more: blocks[i].more, szx }));
      // Size2 = 0 asks for the total size (RFC 7959 §4); libcoap sends it only when asked
      if (total === undefined) options.push(ASK_SIZE);
      if (echo) options.push({ number: OPT_ECHO, value: echo });
      // One stream per request; old ones stay open so late answers still count, and the
      // first stays open to the end: libcoap's server answers every later request of the
      // body on the token of the request that started it.
      streams.push(client.requestStream(
        (messageId, token) => encodeMessage({ type: NON, code: GET, messageId, token, options, payload: new Uint8Array(0) }),
        onResponse,
        // RFC 7252 §5.4.1: a NON with an unknown critical option is rejected, often by RST
        () => fail(new XsuitError('coap-qblock-unsupported', 'server reset the Q-Block2 request: no Q-Block2 support')),
      ));
      if (streams.length > maxSets * 4 + 1) streams.splice(1, 1)[0].cancel();
    };
    const setEnd = (num: number): number => (Math.floor(num / perSet) + 1) * perSet;
    /** asks again for everything requested and not yet here: the rest of next's set, then whole sets */
    const askOutstanding = (): void => {
      if (next > last) return;
      ask([{ num: next, more: true }]);
      for (let n = setEnd(next); n < requestedEnd; n += perSet) ask([{ num: n, more: true }]);
    };
    const askAhead = (): void => {
      if (last === Infinity) {
        // size unknown: one set at a time, the next only once this one is complete (its
        // last block said M=1, so the next set exists) - never ask past the end
        if (next === requestedEnd) {
          ask([{ num: requestedEnd, more: true }]);
          requestedEnd = setEnd(requestedEnd);
        }
        return;
      }
      while (requestedEnd <= last && requestedEnd - next < sets * perSet) {
        ask([{ num: requestedEnd, more: true }]); // 'Continue': the set starting here
        requestedEnd = Math.min(setEnd(requestedEnd), last + 1);
      }
    };
    // One timer, armed lazily: progress only moves `lastProgress`, and an expiry that finds
    // recent progress re-arms for the remainder. (Re-arming per block cost a host timer per
    // block on bridged hosts such as xsnap.)
    let lastProgress = net.now();
    const arm = (): void => {
      lastProgress = net.now();
      if (timer === undefined) timer = net.timers.set(onTimeout, timeout);
    };
    const onTimeout = (): void => {
      timer = undefined;
      if (finished) return;
      const quiet = net.now() - lastProgress;
      if (quiet < timeout) {
        timer = net.timers.set(onTimeout, timeout - quiet);
        return;
      }
      if (++retries > maxRetries) {
        fail(new XsuitError('coap-timeout', `no Q-Block2 payload for ${timeout} ms, ${maxRetries} times`));
        return;
      }
      sets = Math.max(1, sets >> 1); // loss: fewer sets in flight
      // the server sends at most one set per request, so ask for at most that many
      const missing: { num: number; more: boolean }[] = [];
      const end = Math.min(requestedEnd, last + 1);
      for (let n = next; n < end && missing.length < perSet; n++) if (!buffered.has(n)) missing.push({ num: n, more: false });
      if (etag === undefined) {
        // not even the first answer came: ask again the way we started
        ask([{ num: next, more: true }]);
      } else if (missing.length) ask(missing);
      arm();
    };
    function onResponse(m: CoapMessage): void {
      if (finished) return;
      if (m.code === BAD_OPTION) {
        // RFC 7252 §5.4.1: a server that does not know the critical Q-Block2 option
        fail(new XsuitError('coap-qblock-unsupported', 'server answered 4.02 Bad Option: no Q-Block2 support'));
        return;
      }
      if (m.code === UNAUTHORIZED) {
        let value: Uint8Array | undefined;
        for (let i = 0; i < m.options.length; i++) if (m.options[i].number === OPT_ECHO) value = m.options[i].value;
        // several requests in flight each draw a challenge: answer each new value once
        if (value && echo && bytesEqual(echo, value)) return;
        if (value && value.length <= 40 && ++echoRounds <= MAX_ECHO_ROUNDS) {
          // RFC 9175: the server checks that we receive at our address before it bursts;
          // ask again for everything outstanding, carrying its Echo value
          echo = value.slice();
          askOutstanding();
          arm();
          return;
        }
      }
      if (m.code !== CONTENT) {
        fail(new XsuitError('coap-status', `Q-Block2 request: server answered ${codeString(m.code)}`, 0, { code: codeString(m.code) }));
        return;
      }
      let q: Uint8Array | undefined;
      let tag: Uint8Array | undefined;
      let size2: number | undefined;
      let hasBlock2 = false;
      let echoed: Uint8Array | undefined;
      for (let i = 0; i < m.options.length; i++) {
        const o = m.options[i];
        if (o.number === OPT_Q_BLOCK2) { if (!q) q = o.value; }
        else if (o.number === OPT_ETAG) { if (!tag) tag = o.value; }
        else if (o.number === OPT_SIZE2) { if (size2 === undefined) size2 = readUint(o.value); }
        else if (o.number === OPT_BLOCK2) hasBlock2 = true;
        else if (o.number === OPT_ECHO) echoed = o.value;
      }
      if (!q) {
        fail(new XsuitError('coap-qblock-unsupported', hasBlock2 ? 'server answered with Block2: no Q-Block2 support' : 'response without Q-Block2'));
        return;
      }
      let b;
      try {
        b = readBlock(q);
      } catch (e) {
        fail(e as XsuitError);
        return;
      }
      if (b.szx !== szx) {
        fail(new XsuitError('coap-block', `asked for ${size}-byte blocks, got ${blockSize(b.szx)}`));
        return;
      }
      if (etag === undefined) etag = tag ?? NO_ETAG;
      else if (!bytesEqual(etag, tag ?? NO_ETAG)) {
        fail(new XsuitError('coap-block', 'the resource changed during the download (ETag differs)'));
        return;
      }
      const num = b.num;
      if (size2 !== undefined && total !== undefined && size2 !== total) {
        fail(new XsuitError('coap-block', `Size2 changed from ${total} to ${size2}`));
        return;
      }
      // the size: from Size2, or from the last block (M=0) when the server sends no Size2
      let learned: number | undefined;
      if (total === undefined && size2 !== undefined) learned = size2;
      else if (total === undefined && !b.more) {
        if (m.payload.length > size || (m.payload.length === 0 && num > 0)) {
          fail(new XsuitError('coap-block', `last block ${num} has ${m.payload.length} bytes`));
          return;
        }
        learned = num * size + m.payload.length;
      }
      if (learned !== undefined) {
        total = learned;
        last = Math.max(0, Math.ceil(total / size) - 1);
        if (start > last && !(start === 0 && total === 0)) {
          fail(new XsuitError('coap-block', `start block ${start} is past the end (${total} bytes)`));
          return;
        }
        requestedEnd = Math.min(requestedEnd, last + 1);
      }
      if (num > last) {
        fail(new XsuitError('coap-block', `block ${num} is past the end (${total} bytes)`));
        return;
      }
      if (total !== undefined) {
        const expected = num < last ? size : total - last * size;
        if (b.more !== num < last || m.payload.length !== expected) {
          fail(new XsuitError('coap-block', `block ${num}: ${m.payload.length} bytes, more=${b.more}; expected ${expected} bytes, more=${num < last}`));
          return;
        }
      } else if (m.payload.length !== size) {
        fail(new XsuitError('coap-block', `block ${num} is short (${m.payload.length} bytes) but not last`));
        return;
      }
      // A server that has not yet seen us receive at our address sends one block with an
      // Echo value instead of the burst (RFC 9175 §2.4): carry it from now on and ask again
      // for the rest of what is outstanding.
      let reask = false;
      if (echoed && echoed.length <= 40 && !(echo && bytesEqual(echo, echoed)) && echoRounds < MAX_ECHO_ROUNDS) {
        echo = echoed.slice();
        echoRounds++;
        reask = true;
      }
      // duplicates and blocks outside the requested window are dropped
      if (num < next || num >= requestedEnd || buffered.has(num)) {
        if (reask) askOutstanding();
        return;
      }
      buffered.set(num, m.payload);
      retries = 0;
      echoRounds = 0;
      while (buffered.has(next)) {
        const data = buffered.get(next) as Uint8Array;
        buffered.delete(next);
        try {
          opts.onBlock(next * size, data, total);
        } catch (e) {
          fail(e instanceof XsuitError ? e : new XsuitError('coap-consumer', String(e)));
          return;
        }
        received += data.length;
        delivered = next * size + data.length;
        next++;
      }
      if (next > last) {
        stop();
        resolve({ received, total: total as number, blockSize: size, etag });
        return;
      }
      if (sets < maxSets && next % perSet === 0) sets++; // a whole set arrived: open up again
      if (reask) askOutstanding();
      askAhead();
      arm();
    }

    try {
      ask([{ num: start, more: true }]); // this block and the rest of its set
    } catch (e) {
      fail(e as XsuitError);
      return;
    }
    requestedEnd = setEnd(start);
    arm();
  });
}
