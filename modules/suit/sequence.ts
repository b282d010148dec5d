// Decodes a SUIT_Command_Sequence into a list of commands (with byte offsets for the
// report) and rejects it whole if any command, nested ones included, is unknown: a
// processor must not run half of a sequence it cannot finish.
import { XsuitError } from '../errors/errors';
import { Reason } from '../report/reasons';
import { CborReader, type CborValue } from '../cbor/index';
import { COMMAND_NAMES, Cmd } from './constants';
import { malformed } from './manifest';

export interface Command {
  op: number;
  arg: CborValue;
  /** byte offset of the command inside its sequence */
  offset: number;
  /** decoded nested sequences (try-each options, run-sequence body); null = the optional nil */
  nested?: (Command[] | null)[];
}

const MAX_NESTING = 8;

export function parseSequence(bytes: Uint8Array, nesting = 0): Command[] {
  if (nesting > MAX_NESTING) malformed('command sequences nest too deeply');
  const reader = new CborReader(bytes, { maxDepth: 16 });
  const n = reader.readArrayHead();
  if (n % 2 !== 0) malformed('command sequence has an odd number of items');
  const out: Command[] = [];
  for (let i = 0; i < n; i += 2) {
    const offset = reader.offset;
    const op = reader.read();
    const arg = reader.read();
    if (typeof op !== 'number' || !COMMAND_NAMES[op]) {
      throw new XsuitError('suit-command-unsupported', `command ${String(op)} is not supported`, Reason.commandUnsupported, { command: op });
    }
    const cmd: Command = { op, arg, offset };
    if (op === Cmd.tryEach) {
      if (!Array.isArray(arg) || arg.length === 0) malformed('try-each argument is not an array of sequences');
      cmd.nested = arg.map((s, k) => {
        if (s === null && k === arg.length - 1) return null;
        if (!(s instanceof Uint8Array)) malformed('try-each option is not a bstr');
        return parseSequence(s, nesting + 1);
      });
    } else if (op === Cmd.runSequence) {
      if (!(arg instanceof Uint8Array)) malformed('run-sequence argument is not a bstr');
      cmd.nested = [parseSequence(arg, nesting + 1)];
    }
    out.push(cmd);
  }
  if (!reader.atEnd) malformed('bytes after the command sequence');
  return out;
}
