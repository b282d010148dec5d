// Synchronous calls from an XS guest to its Node parent over xsnap's issueCommand.
// An XsuitError thrown by the parent's handler is rethrown here with the same code,
// so device code sees the same typed errors it would see on a board.
import { XsuitError } from '../../../modules/errors/errors';
import { decodeWire, encodeWire } from './wire';

export interface HostReply {
  result: unknown;
  bytes: Uint8Array;
}

interface ReplyHeader {
  result?: unknown;
  error?: { code: string; message: string; reason?: number };
}

export function hostCall(op: string, args?: unknown, bytes?: Uint8Array): HostReply {
  const request = encodeWire({ op, args: args ?? null }, bytes);
  const raw = issueCommand(request.buffer.byteLength === request.length ? request.buffer as ArrayBuffer : request.slice().buffer as ArrayBuffer);
  const { header, bytes: out } = decodeWire(new Uint8Array(raw));
  const h = header as ReplyHeader;
  if (h.error) {
    const text = h.error.message.startsWith(`${h.error.code}: `) ? h.error.message.slice(h.error.code.length + 2) : h.error.message;
    throw new XsuitError(h.error.code, text, h.error.reason ?? 0);
  }
  return { result: h.result, bytes: out };
}
