// The one script of the standalone builds (the SEA binaries, and the bundle
// the darwin/arm64 launcher runs): `kubectl-procstatus __complete WORDS...`
// answers completion, so the small kubectl_complete-procstatus shim of a krew
// install can call the plugin binary that krew put on PATH. Any other
// arguments go to the tool. (`__complete` is not a valid pod name, so it
// cannot shadow one.)
import { runCompletion } from './run.js';

if (process.argv[2] === '__complete') void runCompletion(process.argv.slice(3));
else void import('../main.js');
