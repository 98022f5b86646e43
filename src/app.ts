import { MAX_TEMPLATE_FILE } from './cli/output.js';
import { readBounded } from './read-file.js';
import { EXIT } from './errors.js';
import type { Io } from './io.js';
import { VERSION } from './version.js';
import type { SourceFor } from './run.js';

/**
 * argv → exit code, through Io: the whole command as tests drive it. Bad
 * usage is one `error:` line and 2; a failure is one line (and a hint) and
 * its code; `--version` answers before the argument parser loads, so it
 * measures start-up.
 */
export async function app(argv: string[], io: Io, sourceFor?: SourceFor): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    io.stdout.write(`kubectl-procstatus ${VERSION}\n`);
    return EXIT.ok;
  }
  const { parseArgs } = await import('./cli/args.js');
  const { run, errorText } = await import('./run.js');
  const parsed = await parseArgs(argv, (file) => readBounded(file, MAX_TEMPLATE_FILE, io.cwd));
  switch (parsed.kind) {
    case 'help':
    case 'usage':
      io.stdout.write(parsed.text + '\n');
      return EXIT.ok;
    case 'version':
      io.stdout.write(`kubectl-procstatus ${VERSION}\n`);
      return EXIT.ok;
    case 'usage-error':
      io.stderr.write(errorText(new Error(parsed.message), false) + "See 'kubectl procstatus --help' for usage.\n");
      return EXIT.usage;
  }
  try {
    return await run(parsed.options, io, sourceFor);
  } catch (err) {
    io.stderr.write(errorText(err, parsed.options.verbose));
    return (err as { exitCode?: number }).exitCode ?? EXIT.error;
  }
}
