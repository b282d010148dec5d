// Every subcommand, in the order `xsuit --help` lists them. One line per command.
import type { CliCommand } from '../command';
import { command as keygen } from './keygen';
import { command as create } from './create';
import { command as sign } from './sign';
import { command as report } from './report';
import { command as verify } from './verify';
import { command as inspect } from './inspect';
import { command as serve } from './serve';
import { command as demo } from './demo';
import { command as device } from './device';

export const commands: CliCommand[] = [
  keygen,
  create,
  sign,
  report,
  verify,
  inspect,
  serve,
  demo,
  device,
];
