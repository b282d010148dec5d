// Bundles device code for the XS engine: one IIFE script, es2021 (XS 13 in xsnap trips
// over some class-field patterns that esbuild lowers at this target). A device bundle must
// never reach a Node API, so importing one is a build error, not a runtime surprise.
import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

export class DeviceBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceBundleError';
  }
}

/** Fails the build on any import of a Node built-in, naming who imported it. */
export const refuseNodeApis: Plugin = {
  name: 'refuse-node-apis',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (NODE_BUILTINS.has(args.path) || args.path.startsWith('node:')) {
        return { errors: [{ text: `device code may not import the Node API '${args.path}' (imported by ${args.importer})` }] };
      }
      return undefined;
    });
  },
};

export interface DeviceBundleOptions {
  /** a file to bundle, or */
  entry?: string;
  /** source text of an entry module, resolved relative to resolveDir */
  source?: string;
  resolveDir?: string;
  minify?: boolean;
  /** extra `define`s, e.g. build-time constants */
  define?: Record<string, string>;
}

export async function bundleDevice(options: DeviceBundleOptions): Promise<string> {
  try {
    const result = await build({
      entryPoints: options.entry ? [options.entry] : undefined,
      stdin: options.source !== undefined
        ? { contents: options.source, resolveDir: options.resolveDir ?? REPO_ROOT, loader: 'ts', sourcefile: 'device-entry.ts' }
        : undefined,
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2021',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      minify: options.minify ?? false,
      legalComments: 'none',
      logLevel: 'silent',
      define: options.define,
      plugins: [refuseNodeApis],
    });
    return result.outputFiles[0].text;
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors;
    if (errors?.length) {
      throw new DeviceBundleError(errors.map((x) => `${x.location ? `${x.location.file}:${x.location.line}: ` : ''}${x.text}`).join('\n'));
    }
    throw e;
  }
}
