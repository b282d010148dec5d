// Real peers for interop tests: free loopback ports, and child processes (mosquitto,
// libcoap's coap-server) started on them and stopped after.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

/**
 * Whether a peer tool is installed. Under CI (CI=true) it always answers true, so a
 * missing tool fails its tests loudly instead of skipping them: CI installs every
 * package in tools/ci/debian-packages.txt.
 */
export function hasTool(name: string): boolean {
  if (process.env.CI === 'true') return true;
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startChild(cmd: string, args: string[]): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d) => { out = (out + d).slice(-8000); });
  proc.stderr?.on('data', (d) => { out = (out + d).slice(-8000); });
  return {
    proc,
    output: () => out,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 2000).unref();
    }),
  };
}

/** mosquitto in the foreground on a loopback port; resolves once it accepts connections. */
export async function startMosquitto(port: number): Promise<Child> {
  const child = startChild('mosquitto', ['-p', String(port)]);
  await waitForTcp(port);
  return child;
}

export async function waitForTcp(port: number, timeoutMs = 5000): Promise<void> {
  const { connect } = await import('node:net');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listening on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
