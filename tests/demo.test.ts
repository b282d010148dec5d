// `npm start` = `xsuit demo`: the whole story as a user runs it, as a process, with the
// device in the real XS engine. Checks the final JSON object and the steps on the way.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['tools/bin/xsuit.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = join('build', 'test-demo');

test('xsuit demo --json: v1 → v2 over CoAP confirmed, v3 over MQTT fails its health check and reverts to v2', async () => {
  rmSync(dir, { recursive: true, force: true });
  const r = await run(['demo', '--json', '--dir', dir]);
  if (r.code !== 0) throw new Error(`demo failed (${r.code}): ${r.stderr}\nlast output:\n${r.stdout.split('\n').slice(-15).join('\n')}`);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const last = lines[lines.length - 1];
  expect(last).toMatchObject({ ok: true, updated: 2, reverted: true, finalVersion: 2, transports: { v2: 'coap', v3: 'mqtt' }, reports: { ok: 1, failed: 1 } });
  const boots = lines.filter((l) => l.event === 'boot').map((l) => `${l.slot}${l.version}${l.trial ? '?' : ''}`);
  expect(boots).toEqual(['A1', 'B2?', 'A3?', 'B2']);
  expect(lines.some((l) => l.event === 'agent' && l.type === 'health-failed')).toBe(true);
  expect(lines.some((l) => l.event === 'progress')).toBe(true);
}, 180_000);

test('a second run reuses the keys and ends with the one-line summary', async () => {
  const r = await run(['demo', '--dir', dir]);
  if (r.code !== 0) throw new Error(`demo failed (${r.code}): ${r.stderr}\nlast output:\n${r.stdout.split('\n').slice(-15).join('\n')}`);
  expect(r.stdout).toContain('keys: using');
  const last = r.stdout.trim().split('\n').pop() as string;
  expect(last).toMatch(/^demo ok: v1 → v2 over coap \(confirmed\), v3 over mqtt failed its health check → reverted; running v2;/);
}, 180_000);
