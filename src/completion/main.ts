// kubectl_complete-procstatus: kubectl (1.26 and later) runs it on <TAB> after
// `kubectl procstatus`, with the words typed so far and the word to complete.
// https://github.com/kubernetes/kubernetes/pull/105867
import { runCompletion } from './run.js';

void runCompletion(process.argv.slice(2));
