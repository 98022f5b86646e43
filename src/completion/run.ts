import { appendFileSync } from 'node:fs';
import { clusterLookups } from './cluster.js';
import { complete, DIRECTIVE, formatCompletion, type Completion } from './complete.js';
import { FLAG_SPECS } from './flags.js';

/**
 * Answers one completion request on stdout and exits 0. kubectl ignores the
 * answer of a failing program and shows the program's stderr in the middle of
 * the user's command line, so a failure prints no error: it is an empty answer,
 * logged only to cobra's $BASH_COMP_DEBUG_FILE when that is set.
 */
export async function runCompletion(args: string[]): Promise<void> {
  let answer: Completion;
  try {
    answer = await complete(args, FLAG_SPECS, clusterLookups());
  } catch (err) {
    debug(`kubectl_complete-procstatus ${JSON.stringify(args)}: ${(err as Error)?.message ?? String(err)}`);
    answer = { candidates: [], directive: DIRECTIVE.noFileComp };
  }
  // Exit as soon as the answer is out: a kept-alive API connection must not hold the shell.
  process.stdout.write(formatCompletion(answer), () => process.exit(0));
}

function debug(line: string): void {
  const file = process.env.BASH_COMP_DEBUG_FILE;
  if (!file) return;
  try {
    appendFileSync(file, `${line}\n`);
  } catch {
    // nowhere left to say it
  }
}
