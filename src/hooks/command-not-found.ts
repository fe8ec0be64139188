// A mistyped command off a terminal: @oclif/plugin-not-found asks "Did you mean …?" only on a TTY,
// so a script or a CI log would get no suggestion; this hook prints it there.
import type { Hook } from '@oclif/core';
import { suggest } from '../util/suggest.js';

const hook: Hook<'command_not_found'> = async function (opts) {
  if (process.stdin.isTTY) return;
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const near = suggest(opts.id, ids);
  if (near) process.stderr.write(`Did you mean \`${opts.config.bin} ${near.replaceAll(':', ' ')}\`?\n`);
};

export default hook;
