// Runs a case table inside the real XS engine (xsnap-worker), one crank per case, and
// returns each outcome with the engine's meter for that crank.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsMachine, type XsMeter } from '../../hosts/xs/machine';
import { makeCommandHandler, type HostCallTable } from '../../hosts/xs/host-calls';
import { FlashService } from '../../hosts/xs/flash-service';
import { ClockService } from '../../hosts/xs/clock-service';
import { decodeWire } from '../../hosts/xs/device/wire';
import { bundleDevice, REPO_ROOT } from '../../tools/build/bundle';
import { readFixture } from './env-node';

export interface XsCaseOutcome {
  name: string;
  ok: boolean;
  error?: string;
  meter?: XsMeter;
}

export interface XsTableRunnerOptions {
  /** compute ticks allowed per case */
  meteringLimit?: number;
  timeoutMs?: number;
  /** extra host calls a table needs (e.g. sockets) */
  hostCalls?: HostCallTable;
}

const bundles = new Map<string, Promise<string>>();

/** The guest script for a table module (a file exporting `default` or `table`). */
export function tableBundle(tableFile: string): Promise<string> {
  let b = bundles.get(tableFile);
  if (!b) {
    const spec = `./${relative(REPO_ROOT, tableFile).split('\\').join('/')}`;
    const source = [
      `import * as mod from '${spec}';`,
      `import { exposeCaseTable } from './tests/harness/xs-guest';`,
      `import { xsCaseEnv } from './tests/harness/env-xs';`,
      `exposeCaseTable((mod as any).default ?? (mod as any).table, xsCaseEnv);`,
    ].join('\n');
    b = bundleDevice({ source, resolveDir: REPO_ROOT });
    bundles.set(tableFile, b);
  }
  return b;
}

export class XsTableRunner {
  private machine: XsMachine | undefined;
  private readonly flash = new FlashService();
  readonly clock = new ClockService();
  private names: string[] = [];
  private printed = '';

  constructor(private readonly tableFile: string, private readonly options: XsTableRunnerOptions = {}) {}

  static fromUrl(tableUrl: string | URL, options?: XsTableRunnerOptions): XsTableRunner {
    return new XsTableRunner(fileURLToPath(tableUrl), options);
  }

  private async boot(): Promise<XsMachine> {
    const script = await tableBundle(this.tableFile);
    const machine = XsMachine.start({
      meteringLimit: this.options.meteringLimit,
      timeoutMs: this.options.timeoutMs,
      onPrint: (t) => { this.printed += t; },
      onCommand: makeCommandHandler(
        this.flash.calls(),
        this.clock.calls(),
        { 'fixture.read': (args: { path: string }) => ({ bytes: readFixture(args.path) }) },
        this.options.hostCalls ?? {},
      ),
    });
    await machine.evaluate(script);
    const { reply } = await machine.evaluate('globalThis.__xsuitCases.names()');
    this.names = decodeWire(reply).header as string[];
    this.machine = machine;
    return machine;
  }

  async caseNames(): Promise<string[]> {
    if (!this.machine) await this.boot();
    return this.names;
  }

  async run(name: string): Promise<XsCaseOutcome> {
    const machine = this.machine ?? (await this.boot());
    const index = this.names.indexOf(name);
    if (index < 0) return { name, ok: false, error: `no case named '${name}' in the XS bundle` };
    this.printed = '';
    try {
      const { meter } = await machine.evaluate(`globalThis.__xsuitCases.run(${index})`);
      const { reply } = await machine.evaluate('globalThis.__xsuitCases.take()');
      const outcome = decodeWire(reply).header as { ok: boolean; error?: string };
      return { name, ...outcome, meter };
    } catch (e) {
      // the engine died (crash, meter limit, timeout): later cases get a fresh machine
      this.machine = undefined;
      await machine.close().catch(() => undefined);
      return { name, ok: false, error: `${(e as Error).message}${this.printed ? `\nXS printed:\n${this.printed}` : ''}` };
    }
  }

  async close(): Promise<void> {
    await this.machine?.close();
    this.machine = undefined;
  }
}
