/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal,
 * the output is a table, and the sweep is long enough to wait for. A chunked
 * list knows its total only roughly (what is planned, plus the pods the
 * server says are left): the bar then counts what is done.
 */
export function progressBar(stream: { write(text: string): unknown; isTTY?: boolean }, enabled: boolean) {
  let drawn = false;
  return (done: number, total: number | null) => {
    if (!enabled || !stream.isTTY || (total !== null && total < 5)) return;
    if (total !== null && done >= total) {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
      return;
    }
    const width = 30;
    if (total === null) {
      stream.write(`\r${done} containers read`);
    } else {
      const filled = Math.round((done / total) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} containers`);
    }
    drawn = true;
  };
}
