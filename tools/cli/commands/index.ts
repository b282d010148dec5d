// Every subcommand, in the order `xsuit --help` lists them. One line per command.
import type { CliCommand } from '../command';
import { command as keygen } from './keygen';
import { command as create } from './create';
import { command as sign } from './sign';
import { command as serve } from './serve';

export const commands: CliCommand[] = [
  keygen,
  create,
  sign,
  serve,
];
