// `xsuit demo` (`npm start`): the one-command tour of secure OTA updates.
import { UsageError, type CliCommand } from '../command';
import { runDemo } from '../../serve/demo';

export const command: CliCommand = {
  name: 'demo',
  summary: 'run the whole update story: keys, firmware v1/v2/faulty v3, server, a simulated device in XS',
  usage: [
    'usage: xsuit demo [--dir DIR] [--json] [--coap PORT]',
    '',
    'Makes keys if DIR has none (default build/demo), builds firmware v1, v2 and a faulty v3',
    '(src/demo/firmware.ts) with signed SUIT manifests, starts `xsuit serve` with an embedded',
    'MQTT broker, and boots a simulated device on the XS engine: v1 → v2 over CoAP (confirmed),',
    'then v3 over MQTT, whose health check fails, so the device reverts to v2.',
    'Ends by itself: exit 0 and a one-line summary; with --json, JSON lines ending in one',
    'object {updated, reverted, finalVersion, ...}.',
    '',
    'example: npm start',
    '         xsuit demo --json',
  ].join('\n'),
  async run(args, io) {
    let dir = 'build/demo';
    let json = false;
    let coapPort = 0;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--json') json = true;
      else if (a === '--dir') {
        const v = args[++i];
        if (!v) throw new UsageError('--dir needs a value');
        dir = v;
      } else if (a === '--coap') {
        const n = Number(args[++i]);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError('--coap needs a port');
        coapPort = n;
      } else throw new UsageError(`unknown option ${a}`);
    }
    let summary;
    try {
      summary = await runDemo({ dir, json, coapPort, out: io.out });
    } catch (e) {
      const message = (e as Error).message;
      if (json) io.out(JSON.stringify({ ok: false, error: message }));
      io.err(`xsuit demo: failed: ${message}`);
      return 1;
    }
    const ok = summary.updated === 2 && summary.reverted && summary.finalVersion === 2;
    if (json) io.out(JSON.stringify({ ok, ...summary }));
    else {
      io.out(`${ok ? 'demo ok' : 'demo FAILED'}: v1 → v2 over ${summary.transports.v2 || '?'} (confirmed), v3 over ${summary.transports.v3 || '?'} ` +
        `${summary.reverted ? 'failed its health check → reverted' : 'was not reverted'}; running v${summary.finalVersion}; ` +
        `${summary.reports.ok} success / ${summary.reports.failed} failure reports; ${summary.boots} boots in ${summary.seconds} s`);
    }
    return ok ? 0 : 1;
  },
};
