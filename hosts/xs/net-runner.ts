// Runs a networked device program in the real XS engine: a machine wired to an
// XsNetBridge (sockets, timers) plus any other host services (flash, clock), and a way
// to wait for the program to say it finished (host call 'run.done' / 'run.failed').
import { XsMachine, type XsMeter, type XsResult } from './machine';
import { makeCommandHandler, type HostCallTable } from './host-calls';
import { XsNetBridge } from './net-bridge';

export interface XsNetDeviceOptions {
  /** the bundled guest script (tools/build/bundle.ts bundleDevice) */
  script: string;
  hostCalls?: HostCallTable[];
  meteringLimit?: number;
  /** wall-clock bound per crank */
  timeoutMs?: number;
  onPrint?: (text: string) => void;
  name?: string;
}

export interface RunOutcome {
  result: unknown;
  bytes: Uint8Array;
}

export class XsNetDevice {
  readonly bridge = new XsNetBridge();
  readonly machine: XsMachine;
  private waiter: { resolve(o: RunOutcome): void; reject(e: Error): void } | undefined;
  private outcome: { ok: RunOutcome } | { error: Error } | undefined;
  private waitTimer: NodeJS.Timeout | undefined;
  /** the sum of the XS meter over every crank this device ran */
  readonly meter = { compute: 0, cranks: 0 };

  private constructor(o: XsNetDeviceOptions) {
    const finish = (out: { ok: RunOutcome } | { error: Error }): void => {
      if (this.outcome) return;
      this.outcome = out;
      const w = this.waiter;
      this.waiter = undefined;
      if (w) ('ok' in out ? w.resolve(out.ok) : w.reject(out.error));
    };
    const runCalls: HostCallTable = {
      'run.done': (args: unknown, bytes: Uint8Array) => { finish({ ok: { result: args, bytes: new Uint8Array(bytes) } }); },
      'run.failed': (args: { code?: string; message: string; detail?: unknown }) => {
        const e = new Error(args.message) as Error & { code?: string; detail?: unknown };
        e.code = args.code;
        e.detail = args.detail;
        finish({ error: e });
      },
    };
    this.machine = XsMachine.start({
      name: o.name,
      meteringLimit: o.meteringLimit,
      timeoutMs: o.timeoutMs,
      onPrint: o.onPrint,
      onCommand: makeCommandHandler(this.bridge.calls(), runCalls, ...(o.hostCalls ?? [])),
    });
    this.bridge.attach(this.machine);
    this.bridge.onFailure = (e) => finish({ error: e });
    // count the meter of event cranks too
    const command = this.machine.command.bind(this.machine);
    const commandParts = this.machine.commandParts.bind(this.machine);
    this.machine.command = async (bytes: Uint8Array) => this.counted(await command(bytes));
    this.machine.commandParts = async (parts: readonly Uint8Array[]) => this.counted(await commandParts(parts));
  }

  private counted(r: XsResult): XsResult {
    this.add(r.meter);
    return r;
  }

  private add(m: XsMeter): void {
    this.meter.compute += m.compute;
    this.meter.cranks++;
  }

  static async start(o: XsNetDeviceOptions): Promise<XsNetDevice> {
    const d = new XsNetDevice(o);
    await d.evaluate(o.script);
    return d;
  }

  /** Evaluates source between event batches. */
  async evaluate(source: string): Promise<Uint8Array> {
    return this.bridge.exclusive(async () => {
      const r = await this.machine.evaluate(source);
      this.add(r.meter);
      return r.reply;
    });
  }

  /** Waits for the guest's 'run.done' (or 'run.failed', or a crashed crank). */
  wait(timeoutMs = 120_000): Promise<RunOutcome> {
    if (this.outcome) return 'ok' in this.outcome ? Promise.resolve(this.outcome.ok) : Promise.reject(this.outcome.error);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`XS device did not finish within ${timeoutMs} ms`)), timeoutMs);
      this.waitTimer = t;
      this.waiter = {
        resolve: (v) => { clearTimeout(t); resolve(v); },
        reject: (e) => { clearTimeout(t); reject(e); },
      };
    });
  }

  /** Resolves once no crank is running (e.g. before closing after a mid-crank 'run.done'). */
  idle(): Promise<void> {
    return this.bridge.exclusive(async () => undefined);
  }

  /** Clears the last outcome so the next wait() waits for a new run. */
  reset(): void {
    this.outcome = undefined;
  }

  async close(): Promise<void> {
    // a wait() that lost a race (the caller stopped the device itself) must not keep Node alive
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waiter = undefined;
    this.bridge.close();
    await this.machine.close();
  }
}
