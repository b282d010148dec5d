// Registers a case table with jest twice: once run in Node, once in the real XS engine.
// The XS meter of every case is printed after the table and kept in build/xs-meter/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseTable } from './device-case';
import { nodeCaseEnv } from './env-node';
import { XsTableRunner, type XsCaseOutcome, type XsTableRunnerOptions } from './run-xs';
import { REPO_ROOT } from '../../tools/build/bundle';

export interface DeviceSuiteOptions extends XsTableRunnerOptions {
  /** run only the Node half (for tables whose cases are host-only by nature: none today) */
  nodeOnly?: boolean;
}

export function describeDeviceCases(table: CaseTable, tableUrl: string | URL, options: DeviceSuiteOptions = {}): void {
  describe(`${table.title} [node]`, () => {
    for (const c of table.cases) {
      test(c.name, async () => {
        await c.run(nodeCaseEnv);
      });
    }
  });
  if (options.nodeOnly) return;

  describe(`${table.title} [xs]`, () => {
    const runner = XsTableRunner.fromUrl(tableUrl, options);
    const meters: XsCaseOutcome[] = [];
    afterAll(async () => {
      await runner.close();
      if (!meters.length) return;
      const dir = join(REPO_ROOT, 'build/xs-meter');
      mkdirSync(dir, { recursive: true });
      const slug = table.title.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      writeFileSync(join(dir, `${slug}.json`), JSON.stringify(meters, null, 1));
      const rows = meters.map((m) => `  ${String(m.meter?.compute ?? '-').padStart(12)}  ${String(m.meter?.currentHeapCount ?? '-').padStart(9)}  ${m.name}`);
      process.stdout.write(`XS meter — ${table.title} (allocate ${meters[0].meter?.allocate ?? '-'} bytes reserved)\n       compute  heap slots  case\n${rows.join('\n')}\n`);
    });
    for (const c of table.cases) {
      test(c.name, async () => {
        const outcome = await runner.run(c.name);
        meters.push(outcome);
        if (!outcome.ok) throw new Error(`in XS: ${outcome.error}`);
      });
    }
  });
}
