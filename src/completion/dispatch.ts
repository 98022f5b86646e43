// The one script of the standalone builds (the SEA binaries, and the bundle
// the darwin/arm64 launcher runs): `kubectl-procstatus __complete WORDS...`
// answers completion, so the small kubectl_complete-procstatus shim of a krew
// install can call the plugin binary that krew put on PATH. Any other
// arguments go to the tool. (`__complete` is not a valid pod name, so it
// cannot shadow one.) Both are imported lazily: neither pays for the other's
// modules at start-up.
if (process.argv[2] === '__complete') void import('./run.js').then((m) => m.runCompletion(process.argv.slice(3)));
else void import('../main.js');
