// `xsuit` as a user gets it: the bin of an installed package.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/build/bundle';

describe('installed xsuit bin', () => {
  test('npm install of the package links a working `xsuit --help`', () => {
    const project = mkdtempSync(join(tmpdir(), 'xsuit-user-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts', REPO_ROOT], { cwd: project, stdio: 'pipe' });
    const bin = join(project, 'node_modules/.bin/xsuit');
    expect(existsSync(bin)).toBe(true);
    const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: xsuit <command>/);
    const unknown = spawnSync(bin, ['frobnicate'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
