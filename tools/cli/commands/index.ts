// Every subcommand, in the order `xsuit --help` lists them. One line per command.
import type { CliCommand } from '../command';

export const commands: CliCommand[] = [
];
