// Size of the SUIT core as it would ship in firmware: the device modules bundled and
// minified by esbuild for XS, without the crypto backend (a board brings its own native
// Digest/ECDSA) and, for comparison, with the pure-JS @noble backend.
import { gzipSync } from 'node:zlib';
import { bundleDevice, REPO_ROOT } from '../tools/build/bundle';

const CORE = [
  `import { authenticateEnvelope, parseEnvelope, runProcedure } from './modules/suit/index';`,
  `import { encodeReport } from './modules/report/report';`,
  `globalThis.xsuitCore = { authenticateEnvelope, parseEnvelope, runProcedure, encodeReport };`,
].join('\n');
const WITH_CRYPTO = `${CORE}\nimport { nobleCrypto } from './modules/crypto/noble';\nglobalThis.xsuitCrypto = nobleCrypto;`;

test('device bundle size (minified), SUIT core without and with crypto', async () => {
  const core = await bundleDevice({ source: CORE, resolveDir: REPO_ROOT, minify: true });
  const full = await bundleDevice({ source: WITH_CRYPTO, resolveDir: REPO_ROOT, minify: true });
  expect(core).not.toContain('@noble');
  expect(core).not.toMatch(/ffffffff00000001/i); // the P-256 field prime: no curve code in the core
  const kb = (s: string) => `${s.length} bytes (${gzipSync(s).length} gzipped)`;
  process.stdout.write(`SUIT core bundle, minified: without crypto ${kb(core)}; with @noble crypto ${kb(full)}\n`);
  expect(core.length).toBeLessThan(48 * 1024);
  expect(full.length).toBeGreaterThan(core.length);
});
