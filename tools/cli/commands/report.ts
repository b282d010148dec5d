// `xsuit report decode`: print a SUIT report from a device readably.
import { readFileSync } from 'node:fs';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { parseArgs } from '../../authoring/cli/args';
import { finish, withJsonUsage } from '../../authoring/cli/outcome';
import { decodeReport, reportJson, reportLines } from '../../authoring/report-decode';
import { fromHex } from '../../../modules/bytes/hex';

export const command: CliCommand = {
  name: 'report',
  summary: 'decode a SUIT report sent by a device',
  usage: `usage: xsuit report decode FILE [--json] [--hex]

Prints a SUIT report (draft-ietf-suit-report): which manifest it is about (digest, URI),
whether the update succeeded, and if not the reason, the failing command, the section,
offset and component, and the records the device's reporting policy asked for. A report
wrapped in COSE_Sign1/Mac0 is unwrapped, but its signature is not checked. The exit code
is 0 when the file decodes (whatever the report says); use --json and its "success" field
to act on the outcome.

options:
  --hex     FILE holds hex text instead of binary CBOR
  --json    print one JSON object

example:
  xsuit report decode device-42.report.cbor
  mosquitto_sub -t 'xsuit/+/report' -C 1 > r.cbor && xsuit report decode r.cbor --json`,
  run(args, io) {
    return withJsonUsage(args, io, async () => {
      const p = parseArgs(args, [{ name: 'json' }, { name: 'hex' }], 'report');
      const [sub, file, extra] = p.positional;
      if (sub !== 'decode') throw new UsageError(sub ? `unknown subcommand '${sub}' (only: decode)` : 'missing subcommand (xsuit report decode FILE)');
      if (!file) throw new UsageError('missing FILE (the report to decode)');
      if (extra) throw new UsageError(`unexpected argument '${extra}'`);
      return finish('report', p.switches.has('json'), io, async () => {
        const data = readFileSync(file);
        const bytes = p.switches.has('hex') ? fromHex(data.toString('latin1')) : new Uint8Array(data);
        const decoded = decodeReport(bytes);
        return { json: reportJson(decoded), text: reportLines(decoded) };
      });
    });
  },
};
