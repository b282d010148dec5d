// Strips types with esbuild; jest then loads the result as native ESM.
const { transformSync } = require('esbuild');
module.exports = {
  process(source, filename) {
    const out = transformSync(source, {
      loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: filename,
    });
    return { code: out.code };
  },
  getCacheKey(source, filename) {
    return require('crypto').createHash('sha256').update(filename).update('\0').update(source).digest('hex');
  },
};
