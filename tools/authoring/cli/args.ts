// A small command-line parser for the authoring commands: --name VALUE, --name=VALUE,
// -k VALUE, repeatable options, boolean switches, positional arguments. Every problem
// is a UsageError with one line naming the option, which the CLI turns into exit 2.
import { UsageError } from '../../cli/command';

export interface OptionSpec {
  /** long name without dashes */
  name: string;
  short?: string;
  /** takes a value (otherwise a switch) */
  value?: boolean;
  /** may be given more than once */
  repeat?: boolean;
}

export interface ParsedArgs {
  values: Map<string, string[]>;
  switches: Set<string>;
  positional: string[];
}

export function parseArgs(args: string[], specs: OptionSpec[], command: string): ParsedArgs {
  const out: ParsedArgs = { values: new Map(), switches: new Set(), positional: [] };
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = flag.startsWith('--') ? byLong.get(flag.slice(2)) : byShort.get(flag.slice(1));
    if (!spec) throw new UsageError(`unknown option ${flag} (see xsuit ${command} --help)`);
    if (!spec.value) {
      if (eq > 0) throw new UsageError(`--${spec.name} takes no value`);
      out.switches.add(spec.name);
      continue;
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= args.length) throw new UsageError(`--${spec.name} needs a value`);
      value = args[++i];
    }
    const list = out.values.get(spec.name) ?? [];
    if (list.length > 0 && !spec.repeat) throw new UsageError(`--${spec.name} given more than once`);
    list.push(value);
    out.values.set(spec.name, list);
  }
  return out;
}

export function single(p: ParsedArgs, name: string): string | undefined {
  return p.values.get(name)?.[0];
}

export function required(p: ParsedArgs, name: string, why = ''): string {
  const v = single(p, name);
  if (v === undefined) throw new UsageError(`--${name} is required${why ? ` (${why})` : ''}`);
  return v;
}

export function uintOption(p: ParsedArgs, name: string): number | undefined {
  const v = single(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--${name}: expected a non-negative integer, got '${v}'`);
  return Number(v);
}
