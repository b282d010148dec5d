// `xsuit serve`: serve an update directory over CoAP and MQTT until interrupted.
import { UsageError, type CliCommand } from '../command';
import { startUpdateServer } from '../../serve/server';
import { progressSink } from '../../serve/progress';

function parse(args: string[]): { dir: string; coap: number; mqtt?: string; json: boolean; brokerPort: number; seconds?: number; listen: string } {
  let dir: string | undefined;
  let listen = '127.0.0.1';
  let coap = 5683;
  let brokerPort = 1883;
  let mqtt: string | undefined;
  let json = false;
  let seconds: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const port = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${a}: '${v}' is not a port`);
      return n;
    };
    if (a === '--dir') dir = value();
    else if (a === '--coap') coap = port(value());
    else if (a === '--mqtt') mqtt = value();
    else if (a === '--broker-port') brokerPort = port(value());
    else if (a === '--listen') listen = value();
    else if (a === '--json') json = true;
    else if (a === '--for') seconds = Number(value());
    else throw new UsageError(`unknown option ${a}`);
  }
  if (!dir) throw new UsageError('--dir DIR is required');
  if (mqtt && !mqtt.startsWith('mqtt://')) throw new UsageError('--mqtt takes a URL like mqtt://127.0.0.1:1883');
  if (!/^[0-9a-f.:]+$/i.test(listen)) throw new UsageError(`--listen takes an IP address, got '${listen}'`);
  return { dir, coap, mqtt, json, brokerPort, seconds, listen };
}

export const command: CliCommand = {
  name: 'serve',
  summary: 'serve manifests and payloads over CoAP and MQTT, show device progress',
  usage: [
    'usage: xsuit serve --dir DIR [--coap PORT] [--mqtt URL] [--broker-port PORT] [--listen ADDRESS] [--json] [--for SECONDS]',
    '',
    'DIR holds one folder per device class (channel): DIR/<channel>/manifest.suit and its payloads.',
    '  CoAP (default port 5683): GET coap://host/<channel>/<file>, block-wise (RFC 7959) with Size2,',
    '    Observe (RFC 7641) on any file, POST /report?d=<device> for SUIT reports.',
    '    RFC 9177 Q-Block2 bursts of 10 blocks per request, after an RFC 9175 Echo check of the sender.',
    '  MQTT: the manifest is published retained to xsuit/<channel>/manifest; devices fetch by offset',
    '    (xsuit/<channel>/fetch/<device> → xsuit/<channel>/data/<device>) and report to xsuit/report/<device>.',
    '    With no --mqtt an embedded broker listens on the --listen address, --broker-port (default 1883).',
    '  --listen: the address CoAP and the embedded broker bind to (default 127.0.0.1, loopback only;',
    '    use 0.0.0.0 to serve devices on your network).',
    '  Progress: bars on a terminal, JSON lines with --json. --for N stops after N seconds.',
    '',
    'example: xsuit serve --dir updates --coap 5683',
    '         xsuit serve --dir updates --mqtt mqtt://127.0.0.1:1883 --json',
  ].join('\n'),
  async run(args, io) {
    const o = parse(args);
    const server = await startUpdateServer({ dir: o.dir, coapPort: o.coap, mqttUrl: o.mqtt, brokerPort: o.brokerPort, listen: o.listen });
    const sink = progressSink(io.out, o.json ? 'json' : io.isTTY ? 'tty' : 'plain');
    server.events.on('progress', (e) => sink.progress(e));
    server.events.on('report', (e) => sink.report(e));
    const where = { event: 'listening', dir: o.dir, coap: server.coapPort, mqtt: server.mqtt };
    if (o.json) io.out(JSON.stringify(where));
    else sink.line(`serving ${o.dir}: coap://${o.listen}:${server.coapPort}/  mqtt://${server.mqtt?.host}:${server.mqtt?.port} (${server.mqtt?.embedded ? 'embedded broker' : 'external broker'})`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (o.seconds !== undefined) setTimeout(stop, o.seconds * 1000);
    });
    sink.close();
    await server.close();
    return 0;
  },
};
