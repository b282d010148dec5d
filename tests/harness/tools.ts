// Tests that drive a real external program (mosquitto, coap-client, openssl, qemu...)
// find it here. Outside CI a missing tool skips those tests with a loud note; under
// CI=true a missing tool is a failure, because CI installs everything it needs.
import { execFileSync } from 'node:child_process';

export function findTool(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Returns the path, or undefined (outside CI) after printing why the tests will skip. */
export function requireTool(name: string, debianPackage: string): string | undefined {
  const path = findTool(name);
  if (path) return path;
  const message = `${name} not found: install the Debian package ${debianPackage} (tools/ci/debian-packages.txt)`;
  if (process.env.CI === 'true') throw new Error(`CI: ${message}`);
  process.stderr.write(`SKIPPING tests that need ${message}\n`);
  return undefined;
}

/** `test` when the tool exists, `test.skip` otherwise (never a silent pass). */
export function testWithTool(name: string, debianPackage: string): jest.It {
  return requireTool(name, debianPackage) ? test : test.skip;
}
