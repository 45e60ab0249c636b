// The convene command line; `convene help` lists the commands (src/cli/usage.ts). This file
// reads the arguments and answers help and usage errors; src/cli/run.ts, loaded only then
// (it brings the server, Prisma and PGlite), runs the command.
// Usage errors exit with 2, failures with 1, each with one message on stderr, no stack trace.
import { parseArgs } from 'node:util';
import { fail, findCommand, help, options, type ParsedArgs, usageError } from './cli/usage.ts';

let parsed: ParsedArgs;
try {
  parsed = parseArgs({ options, allowPositionals: true });
} catch (error) {
  // An unknown option or a missing value: show the usage of the command it was given to.
  const { positionals } = parseArgs({ options, allowPositionals: true, strict: false });
  const { command, group } = findCommand(positionals.length ? positionals : ['serve']);
  usageError((error as Error).message, command ?? group);
}
const { positionals, values } = parsed;

if (!positionals.length && values.help) {
  console.log(help());
  process.exit(0);
}
const words = positionals.length ? positionals : ['serve'];
if (words[0] === 'help') {
  const { command, group } = findCommand(words.slice(1));
  if (words.length > 1 && !command && !group) usageError(`no command "${words.slice(1).join(' ')}"`);
  console.log(help(command ?? group));
  process.exit(0);
}
const { command, group } = findCommand(words);
if (!command) {
  if (group) usageError(`"${words.join(' ')}": which one?`, group);
  usageError(`unknown command "${words.join(' ')}"`);
}
if (values.help) {
  console.log(help(command));
  process.exit(0);
}
const [argument, ...extra] = positionals.slice(command.split(' ').length);
if (extra.length) usageError(`unexpected arguments: ${extra.join(' ')}`, command);

try {
  const { run } = await import('./cli/run.ts');
  await run(command, argument, values);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
