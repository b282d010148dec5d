// The shape of one `xsuit` subcommand. Each lives in tools/cli/commands/NAME.ts and is
// listed once in tools/cli/commands/index.ts.

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** true when stdout is a terminal (progress bars only then) */
  readonly isTTY: boolean;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** full --help text, including at least one example */
  usage: string;
  /** returns the exit code: 0 ok, 1 rejected/failed, 2 usage or I/O error */
  run(args: string[], io: CliIO): Promise<number>;
}

/** A usage error: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
