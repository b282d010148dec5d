// Finding and driving a locally built Moddable SDK (DEVELOPERS.md says how to build one):
// MODDABLE names the SDK; its Linux tools are in $MODDABLE/build/bin/lin/release.
// Nothing here downloads or builds the SDK: CI cannot, so without MODDABLE the Moddable
// tests are skipped and say so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(new URL('../..', import.meta.url).pathname);

export interface Sdk {
  root: string;
  bin: string;
  mcconfig: string;
  mcsim: string;
  /** environment for mcconfig: MODDABLE, and PATH with the SDK tools and the repo's tsc */
  env: NodeJS.ProcessEnv;
}

/** The SDK when MODDABLE is set, otherwise the reason the tests cannot run. */
export function findSdk(): Sdk | { missing: string } {
  const root = process.env.MODDABLE;
  if (!root) return { missing: 'MODDABLE is not set (build the SDK locally: see DEVELOPERS.md)' };
  const bin = join(root, 'build/bin/lin/release');
  const mcconfig = join(bin, 'mcconfig');
  const mcsim = join(bin, 'mcsim');
  for (const tool of [mcconfig, mcsim]) {
    if (!existsSync(tool)) return { missing: `${tool} does not exist: build the SDK's Linux tools (cd $MODDABLE/build/makefiles/lin && make)` };
  }
  const path = [bin, join(REPO_ROOT, 'node_modules/.bin'), process.env.PATH ?? ''].join(':');
  return { root, bin, mcconfig, mcsim, env: { ...process.env, MODDABLE: root, PATH: path } };
}

export interface BuildResult {
  ok: boolean;
  /** the simulator library mcsim loads */
  library: string;
  output: string;
}

/**
 * `mcconfig -m -p lin -t build` of an app (never the default target: it launches the
 * simulator and kills other simulators by name). `settings` become NAME=VALUE config.
 */
export function buildLin(sdk: Sdk, appDir: string, outDir: string, settings: Record<string, string | number>): BuildResult {
  mkdirSync(outDir, { recursive: true });
  const args = ['-m', '-p', 'lin', '-t', 'build', '-o', outDir, ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)];
  const r = spawnSync(sdk.mcconfig, args, { cwd: appDir, env: sdk.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const name = appDir.split('/').filter(Boolean).pop() as string;
  return {
    ok: r.status === 0,
    library: join(outDir, 'bin/lin/mc/release', name, 'mc.so'),
    output: `${r.stdout ?? ''}${r.stderr ?? ''}`,
  };
}

/** A private X server for mcsim (a GTK program), on a display number derived from our pid. */
export async function startXvfb(): Promise<{ display: string; stop(): void }> {
  const display = `:${200 + (process.pid % 500)}`;
  const child = spawn('Xvfb', [display, '-screen', '0', '640x480x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  await new Promise<void>((ok, fail) => {
    child.once('error', (e) => fail(new Error(`Xvfb could not start (install the Debian package xvfb): ${e.message}`)));
    setTimeout(ok, 700);
  });
  if (child.exitCode !== null) throw new Error(`Xvfb ${display} exited at once (code ${child.exitCode})`);
  return { display, stop: () => { child.kill('SIGTERM'); } };
}

export interface SimRun {
  /** every line the simulator printed (trace() goes to stdout) */
  lines: string[];
  /** resolves with the lines once `done(lines)` is true, or rejects on timeout / early exit */
  until(done: (lines: string[]) => boolean, timeoutMs: number): Promise<string[]>;
  /** SIGKILL: for the device, a power cut. Resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Runs mcsim on a built app; it never exits by itself, so the caller stops it. */
export function runMcsim(sdk: Sdk, library: string, display: string): SimRun {
  // stdbuf: the simulator's stdout is a pipe here, so make it line buffered
  const child: ChildProcess = spawn('stdbuf', ['-oL', '-eL', sdk.mcsim, library], {
    env: { ...sdk.env, DISPLAY: display }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  const listeners = new Set<() => void>();
  const take = (chunk: Buffer): void => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const p of parts) if (p.length) lines.push(p);
    for (const l of listeners) l();
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', () => { exited = true; for (const l of listeners) l(); resolve(); });
  });
  return {
    lines,
    until(done, timeoutMs) {
      return new Promise((ok, fail) => {
        const check = (): void => {
          if (done(lines)) { finish(); ok(lines); } else if (exited) { finish(); fail(new Error(`mcsim exited early:\n${lines.join('\n')}`)); }
        };
        const timer = setTimeout(() => { finish(); fail(new Error(`timed out after ${timeoutMs} ms; mcsim printed:\n${lines.join('\n')}`)); }, timeoutMs);
        const finish = (): void => { clearTimeout(timer); listeners.delete(check); };
        listeners.add(check);
        check();
      });
    },
    stop() {
      if (!exited) child.kill('SIGKILL');
      return gone;
    },
  };
}
