import { EXIT } from './errors.js';
import { VERSION } from './version.js';

/**
 * The only place that touches process.argv and the exit code.
 * --version answers before the argument parser loads, so it measures start-up.
 */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`kubectl-procstatus ${VERSION}\n`);
    return EXIT.ok;
  }
  const { parseArgs } = await import('./cli.js');
  const { run, errorText } = await import('./run.js');
  const parsed = await parseArgs(argv);
  switch (parsed.kind) {
    case 'help':
      process.stdout.write(parsed.text + '\n');
      return EXIT.ok;
    case 'version':
      process.stdout.write(`kubectl-procstatus ${VERSION}\n`);
      return EXIT.ok;
    case 'usage-error':
      process.stderr.write(errorText(new Error(parsed.message), false) + "See 'kubectl procstatus --help' for usage.\n");
      return EXIT.usage;
  }
  try {
    return await run(parsed.options, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  } catch (err) {
    process.stderr.write(errorText(err, parsed.options.verbose));
    return (err as { exitCode?: number }).exitCode ?? EXIT.error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = EXIT.error;
  },
);
