#!/usr/bin/env node
// The installed `xsuit` command. tsx runs the TypeScript sources directly, so an
// installed package needs no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: Boolean(process.stdout.isTTY),
};
process.exitCode = await main(process.argv.slice(2), io);
