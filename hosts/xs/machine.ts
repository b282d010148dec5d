// Drives one `xsnap-worker` process (the real XS engine, built by @agoric/xsnap on
// install) over its netstring pipes. We speak the protocol ourselves instead of using
// @agoric/xsnap's JS API because that API needs SES lockdown() in the calling process,
// which would freeze the intrinsics of jest and of the CLI.
//
// Protocol (xsnap-worker.c): fd 3 carries netstrings to the worker, fd 4 from it.
//   'e' + source      evaluate; the reply is '.' + meterJSON + '\x01' + result bytes
//                     (an ArrayBuffer result), or '!' + message on an uncaught exception
//   '?' + bytes       call globalThis.handleCommand(ArrayBuffer) inside
//   worker '?' bytes  the guest called issueCommand(ArrayBuffer); we answer '/' + bytes
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

export interface XsMeter {
  /** deterministic compute ticks of the crank */
  compute: number;
  /** bytes the machine has reserved (chunks + slots); xsnap grows it in large steps */
  allocate: number;
  /** live heap slots at the end of the crank */
  currentHeapCount: number;
}

export interface XsResult {
  reply: Uint8Array;
  meter: XsMeter;
}

export class XsEngineError extends Error {
  readonly kind: 'exception' | 'meter' | 'timeout' | 'crash' | 'protocol';
  constructor(kind: XsEngineError['kind'], message: string) {
    super(message);
    this.name = 'XsEngineError';
    this.kind = kind;
  }
}

export type CommandHandler = (message: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface XsMachineOptions {
  /** compute ticks allowed per crank; exceeding it kills the worker (a hang becomes an error) */
  meteringLimit?: number;
  /** wall-clock bound per crank in ms */
  timeoutMs?: number;
  /** answers the guest's issueCommand() */
  onCommand?: CommandHandler;
  /** receives the guest's print() output */
  onPrint?: (text: string) => void;
  name?: string;
}

const require = createRequire(import.meta.url);

export function xsnapWorkerPath(): string {
  const pkg = dirname(require.resolve('@agoric/xsnap/package.json'));
  const bin = join(pkg, 'xsnap-native/xsnap/build/bin/lin/release/xsnap-worker');
  if (!existsSync(bin)) {
    throw new Error(`xsnap-worker not built at ${bin}: run \`npm ci\` (it builds XS on install)`);
  }
  return bin;
}

const DEFAULT_METER = 2_000_000_000;
// exit codes of xsnap-worker (@agoric/xsnap api.js ExitCode)
const E_TOO_MUCH_COMPUTATION = 17;
const ERROR_NAMES: Record<number, string> = {
  1: 'bad usage', 2: 'I/O error', 11: 'not enough memory', 12: 'stack overflow',
  15: 'unhandled exception', 16: 'no more keys', 17: 'too much computation (meter limit)',
};

export class XsMachine {
  private readonly child: ChildProcess;
  private readonly toWorker: Writable;
  private readonly fromWorker: Readable;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: ((msg: Buffer | Error) => void) | undefined;
  private queued: Buffer[] = [];
  private exitError: Error | undefined;
  private busy = false;
  private readonly options: XsMachineOptions;
  private stderr = '';

  static start(options: XsMachineOptions = {}): XsMachine {
    return new XsMachine(options);
  }

  private constructor(options: XsMachineOptions) {
    this.options = options;
    const args = [options.name ?? 'xsuit', '-l', String(options.meteringLimit ?? DEFAULT_METER)];
    this.child = spawn(xsnapWorkerPath(), args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore'],
    });
    const stdio = this.child.stdio as unknown as [null, Readable, Readable, Writable, Readable];
    this.toWorker = stdio[3];
    this.fromWorker = stdio[4];
    this.toWorker.on('error', () => { /* reported through exit */ });
    stdio[1].setEncoding('utf8');
    stdio[1].on('data', (text: string) => {
      if (options.onPrint) options.onPrint(text);
      else process.stdout.write(text);
    });
    stdio[2].setEncoding('utf8');
    stdio[2].on('data', (text: string) => { this.stderr = (this.stderr + text).slice(-4000); });
    this.fromWorker.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.on('exit', (code, signal) => {
      const why = signal ? `signal ${signal}` : `exit ${code} (${ERROR_NAMES[code ?? -1] ?? 'unknown error'})`;
      const kind = code === E_TOO_MUCH_COMPUTATION ? 'meter' : 'crash';
      this.exitError = new XsEngineError(kind, `XS worker ended: ${why}${this.stderr ? `\n${this.stderr.trim()}` : ''}`);
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(this.exitError);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(length)) {
        this.fail(new XsEngineError('protocol', 'bad netstring length from XS worker'));
        return;
      }
      const end = colon + 1 + length;
      if (this.buffer.length < end + 1) return;
      const message = Buffer.from(this.buffer.subarray(colon + 1, end));
      this.buffer = this.buffer.subarray(end + 1);
      const w = this.waiting;
      if (w) { this.waiting = undefined; w(message); } else this.queued.push(message);
    }
  }

  private fail(error: Error): void {
    this.exitError = error;
    this.child.kill('SIGKILL');
  }

  private next(): Promise<Buffer> {
    const q = this.queued.shift();
    if (q) return Promise.resolve(q);
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => {
      this.waiting = (m) => (m instanceof Error ? reject(m) : resolve(m));
    });
  }

  /** Writes one netstring, prefix + parts, as a single gathered write (no copy into one buffer). */
  private send(prefix: string, parts: readonly (Uint8Array | string)[]): void {
    let length = prefix.length;
    const buffers = parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
    for (const b of buffers) length += b.length;
    this.toWorker.cork();
    this.toWorker.write(`${length}:${prefix}`);
    for (const b of buffers) if (b.length) this.toWorker.write(b);
    this.toWorker.write(',');
    this.toWorker.uncork();
  }

  /** Evaluates source in the machine and runs its promise jobs to idle (one crank). */
  async evaluate(source: string): Promise<XsResult> {
    return this.crank('e', [source]);
  }

  /** Calls the guest's globalThis.handleCommand with bytes (one crank). */
  async command(bytes: Uint8Array): Promise<XsResult> {
    return this.crank('?', [bytes]);
  }

  /** Like command, with the message given as consecutive parts (sent without joining them). */
  async commandParts(parts: readonly Uint8Array[]): Promise<XsResult> {
    return this.crank('?', parts);
  }

  private async crank(kind: string, body: readonly (Uint8Array | string)[]): Promise<XsResult> {
    if (this.busy) throw new Error('XsMachine: one crank at a time');
    if (this.exitError) throw this.exitError;
    this.busy = true;
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    // The guest may also hang inside a host call that never answers, so the limit races
    // the whole exchange, not only the worker's next message.
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new XsEngineError('timeout', `XS crank exceeded ${timeoutMs} ms`);
        this.fail(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exchange(kind, body), expired]);
    } finally {
      clearTimeout(timer);
      this.busy = false;
    }
  }

  private async exchange(kind: string, body: readonly (Uint8Array | string)[]): Promise<XsResult> {
    this.send(kind, body);
    for (;;) {
      const message = await this.next();
      const tag = message[0];
      if (tag === 0x2e /* . */) {
        const sep = message.indexOf(1, 1);
        const meter = JSON.parse(message.subarray(1, sep).toString('utf8')) as XsMeter;
        return { reply: new Uint8Array(message.subarray(sep + 1)), meter };
      }
      if (tag === 0x21 /* ! */) {
        throw new XsEngineError('exception', `uncaught exception in XS: ${message.subarray(1).toString('utf8')}`);
      }
      if (tag === 0x3f /* ? */) {
        let answer: Uint8Array;
        try {
          answer = this.options.onCommand ? await this.options.onCommand(new Uint8Array(message.subarray(1))) : new Uint8Array(0);
        } catch (e) {
          this.fail(e instanceof Error ? e : new Error(String(e)));
          throw e;
        }
        if (this.exitError) throw this.exitError;
        this.send('/', [Buffer.from(answer)]); // a copy: the handler may hand out a view of state it changes later
        continue;
      }
      const error = new XsEngineError('protocol', `unknown message from XS worker: ${message.subarray(0, 40).toString()}`);
      this.fail(error);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.toWorker.end();
      setTimeout(() => this.child.kill('SIGKILL'), 2000).unref();
    });
  }
}
