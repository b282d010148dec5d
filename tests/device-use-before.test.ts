// `xsuit create --use-before` through a real device: the simulated device has the host's
// wall time, so an update installs before its date and is refused after it, and an image
// installed in time keeps booting (use-before limits installing, not booting).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../tools/cli/main';
import { deviceFixtures } from '../hosts/node/device-fixtures';

async function xsuit(...args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await main(args, { out: (t) => { text += `${t}\n`; }, err: (t) => { text += `${t}\n`; }, isTTY: false });
  return { code, text };
}

test('use-before: a future date installs and boots, a past date is refused with the flash untouched', async () => {
  const fx = await deviceFixtures();
  const work = mkdtempSync(join(tmpdir(), 'xsuit-usebefore-'));
  const flash = join(work, 'dev.bin');
  expect((await xsuit('device', 'init', '--flash', flash, '--trust', join(fx, 'release.pub.pem'), '--vendor', 'example.com', '--class', 'xsuit-sim')).code).toBe(0);
  const make = async (name: string, seq: string, useBefore: string) => {
    const unsigned = join(work, `${name}.unsigned`);
    const signed = join(work, `${name}.suit`);
    const c = await xsuit('create', '--vendor', 'example.com', '--class', 'xsuit-sim', '--seq', seq, '--image', join(fx, 'v1.js'), '--uri', 'coap://updates.example.com/v1.js', '--use-before', useBefore, '-o', unsigned);
    expect(c.code).toBe(0);
    expect((await xsuit('sign', unsigned, '-k', join(fx, 'release.key.pem'), '-o', signed)).code).toBe(0);
    return signed;
  };
  const past = await make('past', '5', '2001-01-01T00:00:00Z');
  const before = readFileSync(flash);
  const refused = await xsuit('device', 'install', '--flash', flash, past, join(fx, 'v1.js'));
  expect(refused.code).toBe(1);
  expect(readFileSync(flash).equals(before)).toBe(true);
  expect(refused.text).toMatch(/use-before/);
  const future = await make('future', '6', '2099-01-01T00:00:00Z');
  const installed = await xsuit('device', 'install', '--flash', flash, future, join(fx, 'v1.js'));
  expect(installed.code === 0 ? 'installed' : installed.text).toBe('installed');
  const boot = await xsuit('device', 'boot', '--flash', flash, '--json');
  expect(boot.code).toBe(0);
  expect(JSON.parse(boot.text).boot).toMatchObject({ slot: 'A', sequence: 6 });
});
