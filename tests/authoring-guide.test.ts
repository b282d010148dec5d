// docs/guide.md stays true: its JSON description and its hand-written sequence build,
// sign and verify exactly as printed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, scratch, verifyInNode, xsuit } from './authoring-support';

const guide = readFileSync(join(REPO, 'docs/guide.md'), 'utf8');
const jsonBlocks = [...guide.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the guide has the two JSON examples this test expects', () => {
  expect(jsonBlocks).toHaveLength(2);
});

test('the guide\'s description and sequences build, sign and verify', async () => {
  const dir = scratch('guide');
  mkdirSync(join(dir, 'build'));
  writeFileSync(join(dir, 'build/app.bin'), Buffer.alloc(1000, 1));
  const full = JSON.parse(jsonBlocks[0]);
  writeFileSync(join(dir, 'release.json'), JSON.stringify(full));
  // The sequences example is a fragment: give it the description around it.
  writeFileSync(join(dir, 'custom.json'), `{ "sequence-number": 8, "vendor": "example.com", "class": "esp32-c3-devkit",
    "components": [{ "image": "build/app.bin" }], ${jsonBlocks[1]} }`);
  expect((await xsuit('keygen', '--alg', 'ed25519', '--out', join(dir, 'k'))).code).toBe(0);
  for (const name of ['release', 'custom']) {
    const r = await xsuit('create', '--description', join(dir, `${name}.json`), '-o', join(dir, `${name}.suit`));
    expect(r.err).toBe('');
    expect((await xsuit('sign', join(dir, `${name}.suit`), '-k', join(dir, 'k.key.pem'), '-o', join(dir, `${name}.signed`))).code).toBe(0);
    const auth = verifyInNode(join(dir, `${name}.signed`), [join(dir, 'k.pub.pem')]);
    expect(auth.sequence).toBe(name === 'release' ? full['sequence-number'] : 8);
  }
});
