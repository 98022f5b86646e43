import type { ProcRecord } from '../record/record.js';

/** "pid 7 (nginx)", "pid 7 thread 9 (nginx)": a process as a document's reader knows it; the name is not yet escaped. */
export function processLabel(record: Pick<ProcRecord, 'pid' | 'tid' | 'name'>): string {
  const proc = record.pid === null ? 'the container' : record.tid !== null ? `pid ${record.pid} thread ${record.tid}` : `pid ${record.pid}`;
  return record.name !== null ? `${proc} (${record.name})` : proc;
}
