// `xsuit` entry point: dispatches to a subcommand and turns failures into exit codes.
import { commands } from './commands/index';
import { UsageError, type CliIO } from './command';

const VERSION = '0.1.0';

function overview(): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'xsuit — secure over-the-air updates (IETF SUIT) for Moddable XS devices',
    '',
    'usage: xsuit <command> [options]      xsuit <command> --help',
    '',
    'commands:',
    ...lines,
    '',
    'exit codes: 0 ok, 1 rejected or failed, 2 usage or I/O error',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.out(VERSION);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`xsuit: unknown command '${name}' (try xsuit --help)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`xsuit ${name}: ${e.message}`);
      return 2;
    }
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      io.err(`xsuit ${name}: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}
