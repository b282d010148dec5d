// The Node side of hostCall(): routes each guest request to a handler by name.
import { isXsuitError } from '../../modules/errors/errors';
import { decodeWire, encodeWire } from './device/wire';
import type { CommandHandler } from './machine';

export interface HostCallResult {
  result?: unknown;
  bytes?: Uint8Array;
}

export type HostCallHandler = (args: any, bytes: Uint8Array) => HostCallResult | void | Promise<HostCallResult | void>;

export type HostCallTable = Record<string, HostCallHandler>;

export function makeCommandHandler(...tables: HostCallTable[]): CommandHandler {
  const handlers: HostCallTable = Object.assign({}, ...tables);
  return async (message) => {
    const { header, bytes } = decodeWire(message);
    const { op, args } = header as { op: string; args: unknown };
    const handler = handlers[op];
    if (!handler) {
      return encodeWire({ error: { code: 'host-unknown-call', message: `the host has no call '${op}'` } });
    }
    try {
      const r = (await handler(args, bytes)) ?? {};
      return encodeWire({ result: r.result ?? null }, r.bytes);
    } catch (e) {
      if (isXsuitError(e)) return encodeWire({ error: { code: e.code, message: e.message, reason: e.reason } });
      const err = e as Error;
      return encodeWire({ error: { code: 'host-error', message: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}` } });
    }
  };
}
