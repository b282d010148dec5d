// Which blocks one RFC 9177 Q-Block2 request asks for (pure; the CoAP server sends them).
// A request carries one or more Q-Block2 options, all with the same SZX:
//   - M=1, NUM a set start: that whole set ('Continue'; NUM=0 opens a transfer)
//   - M=1, other NUM:       NUM and the rest of its set (recovery, M-bit form)
//   - M=0:                  exactly block NUM (recovery, one option per missing block)
// Sets are MAX_PAYLOADS blocks aligned at multiples of MAX_PAYLOADS (RFC 9177 §7.2).
import { readBlock, type CoapOption } from '../../modules/coap/message';

export type QBlockPlan = { ok: true; szx: number; blocks: number[] } | { ok: false; reason: string };

/**
 * @param options the request's Q-Block2 options, in order
 * @param total the resource's size in bytes
 * @param maxSzx the largest block size the server sends (SZX)
 * @param maxPayloads blocks per set
 * @param maxBlocks most blocks one request may trigger: one set, which bounds both the work
 *   per datagram and what a request can make the server send (amplification)
 */
export function planQBlock2(options: CoapOption[], total: number, maxSzx: number, maxPayloads: number, maxBlocks = maxPayloads): QBlockPlan {
  const asked: { num: number; more: boolean; szx: number }[] = [];
  for (const o of options) {
    try {
      asked.push(readBlock(o.value));
    } catch {
      return { ok: false, reason: 'malformed Q-Block2 option' };
    }
  }
  if (!asked.length) return { ok: false, reason: 'no Q-Block2 option' };
  const szx0 = asked[0].szx;
  if (asked.some((b) => b.szx !== szx0)) return { ok: false, reason: 'Q-Block2 options with different block sizes' };
  const szx = Math.min(szx0, maxSzx);
  // a client asking for bigger blocks than we serve gets its block numbers rescaled (RFC 7959 §2.4 rule)
  const scale = (1 << (szx0 + 4)) / (1 << (szx + 4));
  const size = 1 << (szx + 4);
  const count = Math.max(1, Math.ceil(total / size));
  const blocks: number[] = [];
  const seen = new Set<number>();
  const add = (n: number): void => {
    if (n < count && !seen.has(n) && blocks.length < maxBlocks) {
      seen.add(n);
      blocks.push(n);
    }
  };
  for (const b of asked) {
    const num = b.num * scale;
    if (!b.more) {
      add(num);
      continue;
    }
    const end = (Math.floor(num / maxPayloads) + 1) * maxPayloads;
    for (let n = num; n < end; n++) add(n);
  }
  if (!blocks.length) return { ok: false, reason: 'every block asked for is past the end of the resource' };
  return { ok: true, szx, blocks };
}
