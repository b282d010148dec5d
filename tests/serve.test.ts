// `xsuit serve` as a user runs it: a process serving a directory; libcoap's coap-client
// downloads block-wise byte-exact and posts a report; JSON lines show progress and the
// report; the embedded broker publishes the class manifest retained (mosquitto_sub sees it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeTcpPort, freeUdpPort, hasTool, sleep, startChild } from './e2e-support/processes';
import { seededRandom } from './e2e-support/udp-relay';

const root = join('build', 'test-serve');
const dir = join(root, 'updates');
const payload = (() => {
  const r = seededRandom(4);
  const out = Buffer.alloc(40 * 1024 + 9);
  for (let i = 0; i < out.length; i++) out[i] = (r() * 256) | 0;
  return out;
})();

function serve(args: string[]): { proc: ChildProcess; lines: () => string[]; stderr: () => string } {
  const proc = spawn(process.execPath, ['tools/bin/xsuit.mjs', 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { err += d; });
  return { proc, lines: () => out.split('\n').filter((l) => l.trim()), stderr: () => err };
}

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function exitOf(p: ChildProcess): Promise<number | null> {
  if (p.exitCode !== null) return p.exitCode;
  return new Promise((resolve) => p.once('exit', (code) => resolve(code)));
}

beforeAll(() => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(dir, 'cls'), { recursive: true });
  writeFileSync(join(dir, 'cls', 'fw.bin'), payload);
  writeFileSync(join(dir, 'cls', 'manifest.suit'), 'signed-envelope-bytes');
});

test('usage errors exit 2 with one line', async () => {
  for (const args of [[], ['--dir'], ['--dir', dir, '--coap', 'x'], ['--dir', dir, '--mqtt', 'http://x'], ['--dir', dir, '--bogus']]) {
    const s = serve(args);
    expect(await exitOf(s.proc)).toBe(2);
    expect(s.stderr().trim().split('\n').length).toBe(1);
  }
  const missing = serve(['--dir', join(root, 'nope'), '--coap', '0']);
  expect(await exitOf(missing.proc)).toBe(2);
}, 60_000);

(hasTool('coap-client-notls') && hasTool('mosquitto_sub') ? test : test.skip)('serves libcoap and mosquitto_sub, reports progress and reports as JSON lines', async () => {
  const coap = await freeUdpPort();
  const broker = await freeTcpPort();
  const s = serve(['--dir', dir, '--coap', String(coap), '--broker-port', String(broker), '--json']);
  try {
    await until(() => s.lines().some((l) => l.includes('"listening"')));
    const listening = JSON.parse(s.lines()[0]);
    expect(listening).toMatchObject({ event: 'listening', coap, mqtt: { port: broker, embedded: true } });

    const out = join(root, 'fetched.bin');
    const get = startChild('coap-client-notls', ['-b', '1024', '-o', out, `coap://127.0.0.1:${coap}/cls/fw.bin?d=dev-9`]);
    expect(await exitOf(get.proc)).toBe(0);
    expect(Buffer.compare(readFileSync(out), payload)).toBe(0);
    await until(() => s.lines().some((l) => l.includes('"progress"') && l.includes(`"received":${payload.length}`)));
    const progress = s.lines().filter((l) => l.includes('"progress"')).map((l) => JSON.parse(l));
    expect(progress[progress.length - 1]).toMatchObject({ device: 'dev-9', transport: 'coap', file: 'cls/fw.bin', total: payload.length });

    const post = startChild('coap-client-notls', ['-m', 'post', '-e', 'report', `coap://127.0.0.1:${coap}/report?d=dev-9`]);
    expect(await exitOf(post.proc)).toBe(0);
    await until(() => s.lines().some((l) => l.includes('"report"')));
    const report = JSON.parse(s.lines().find((l) => l.includes('"report"')) as string);
    expect(report).toMatchObject({ device: 'dev-9', transport: 'coap', report: Buffer.from('report').toString('hex') });

    const sub = startChild('mosquitto_sub', ['-p', String(broker), '-t', 'xsuit/cls/manifest', '-C', '1', '-v']);
    expect(await exitOf(sub.proc)).toBe(0);
    expect(sub.output().trim()).toBe('xsuit/cls/manifest signed-envelope-bytes');
  } finally {
    s.proc.kill('SIGINT');
    expect(await exitOf(s.proc)).toBe(0);
  }
}, 60_000);
