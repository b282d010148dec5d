// The XS runner itself: failures in the engine must fail a test with a readable message,
// device bundles must not reach Node APIs, and a chip outlives the worker that used it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XsMachine, XsEngineError } from '../hosts/xs/machine';
import { makeCommandHandler } from '../hosts/xs/host-calls';
import { FlashService } from '../hosts/xs/flash-service';
import { bundleDevice, DeviceBundleError, REPO_ROOT } from '../tools/build/bundle';
import { MemoryStore, NorChip } from '../hosts/common/nor-flash';
import { parsePartitionsCsv } from '../hosts/common/partitions';
import { PARTITIONS } from './cases/flash.cases';
import { XsTableRunner } from './harness/run-xs';

describe('XS engine driver', () => {
  test('an exception in XS is reported with its message', async () => {
    const m = XsMachine.start();
    await expect(m.evaluate('throw new TypeError("bad thing")')).rejects.toThrow(/uncaught exception in XS: TypeError: bad thing/);
    // the machine survives an exception
    const r = await m.evaluate('new Uint8Array([7]).buffer');
    expect(Array.from(r.reply)).toEqual([7]);
    expect(r.meter.compute).toBeGreaterThan(0);
    await m.close();
  });

  test('a hang is ended by the meter limit with a readable error', async () => {
    const m = XsMachine.start({ meteringLimit: 1_000_000 });
    const err = await m.evaluate('for (;;) {}').catch((e) => e);
    expect(err).toBeInstanceOf(XsEngineError);
    expect(err.kind).toBe('meter');
    expect(err.message).toMatch(/too much computation/);
  });

  test('a hang that the meter does not bound is ended by the wall-clock limit', async () => {
    // issueCommand blocks the guest on its parent; a parent that never answers is a hang
    const m = XsMachine.start({ timeoutMs: 300, onCommand: () => new Promise<Uint8Array>(() => undefined) });
    const err = await m.evaluate('issueCommand(new ArrayBuffer(1))').catch((e) => e);
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/exceeded 300 ms/);
  });

  test('an engine crash (stack overflow) fails with the exit reason', async () => {
    const m = XsMachine.start();
    const err = await m.evaluate('function f(){ return f() + 1 } f()').catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/stack overflow|RangeError|XS worker ended/);
  });

  test('meter figures are deterministic run to run', async () => {
    const src = 'let s = 0; for (let i = 0; i < 10000; i++) s += i; new Uint8Array([s & 255]).buffer';
    const a = XsMachine.start();
    const b = XsMachine.start();
    const [ra, rb] = [await a.evaluate(src), await b.evaluate(src)];
    expect(ra.meter.compute).toBe(rb.meter.compute);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('device bundles', () => {
  test('importing a Node API is a build error naming the importer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsuit-bundle-'));
    writeFileSync(join(dir, 'bad.ts'), "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    await expect(bundleDevice({ source: "import { x } from './bad';\nprint(typeof x);", resolveDir: dir }))
      .rejects.toThrow(DeviceBundleError);
    await expect(bundleDevice({ source: "import 'fs';", resolveDir: dir })).rejects.toThrow(/Node API 'fs'/);
  });

  test('the device modules bundle and run in XS', async () => {
    const script = await bundleDevice({
      source: "import { NorChip, MemoryStore } from './hosts/common/nor-flash';\nimport { parsePartitionsCsv } from './hosts/common/partitions';\n" +
        "const c = new NorChip(new MemoryStore(0x40000), parsePartitionsCsv('a,data,nvs,0x9000,0x1000'));\nprint('parts', c.partitions().length);",
      resolveDir: REPO_ROOT,
    });
    let printed = '';
    const m = XsMachine.start({ onPrint: (t) => { printed += t; } });
    await m.evaluate(script);
    await m.close();
    expect(printed).toMatch(/parts 1/);
  });
});

describe('device errors under frozen built-ins', () => {
  test('XsuitError is constructible when Error.prototype is frozen, as on Moddable', async () => {
    const script = await bundleDevice({
      source: "import { XsuitError, isXsuitError } from './modules/errors/errors';\n" +
        "const e = new XsuitError('some-code', 'went wrong', 4);\nprint([e.name, e.code, e.reason, isXsuitError(e), String(e)].join('|'));",
      resolveDir: REPO_ROOT,
    });
    let printed = '';
    const m = XsMachine.start({ onPrint: (t) => { printed += t; } });
    await m.evaluate('"use strict"; Object.freeze(Error.prototype); Object.freeze(Error);');
    await m.evaluate(script);
    await m.close();
    expect(printed.trim()).toBe('XsuitError|some-code|4|true|XsuitError: some-code: went wrong');
  });
});

describe('flash across XS workers', () => {
  test('bytes written by one worker are read by the next (a reboot)', async () => {
    const flash = new FlashService();
    const id = flash.add(new NorChip(new MemoryStore(0x80000), parsePartitionsCsv(PARTITIONS)));
    const script = await bundleDevice({
      source: "import { RemoteFlashDevice } from './hosts/xs/device/remote-flash';\n" +
        'globalThis.dev = new RemoteFlashDevice(ID);',
      resolveDir: REPO_ROOT,
      define: { ID: String(id) },
    });
    const boot = async (src: string) => {
      const m = XsMachine.start({ onCommand: makeCommandHandler(flash.calls()) });
      await m.evaluate(script);
      const r = await m.evaluate(src);
      await m.close();
      return r.reply;
    };
    await boot("dev.open('nvs').write(8, new Uint8Array([1,2,3,4])); new ArrayBuffer(0)");
    flash.reboot(id);
    const reply = await boot("dev.open('nvs').read(8, 4).slice().buffer");
    expect(Array.from(reply)).toEqual([1, 2, 3, 4]);
    expect(flash.chip(id).counts().reads).toBe(1);
  });

  test('a case that never settles is reported, not passed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsuit-table-'));
    const file = join(dir, 'never.cases.ts');
    writeFileSync(file, `import { defineCases } from '${REPO_ROOT}/tests/harness/device-case';\n` +
      "export default defineCases('never', (add) => { add('waits forever', () => new Promise(() => {})); add('throws', () => { throw new Error('nope'); }); });\n");
    const runner = new XsTableRunner(file);
    const never = await runner.run('waits forever');
    const thrown = await runner.run('throws');
    await runner.close();
    expect(never.ok).toBe(false);
    expect(never.error).toMatch(/did not finish/);
    expect(thrown.ok).toBe(false);
    expect(thrown.error).toMatch(/nope/);
  });
});
