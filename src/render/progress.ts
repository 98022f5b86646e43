/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal,
 * the output is a table, and the sweep is long enough to wait for.
 */
export function progressBar(stream: { write(text: string): unknown; isTTY?: boolean }, enabled: boolean) {
  let drawn = false;
  return (done: number, total: number) => {
    if (!enabled || !stream.isTTY || total < 5) return;
    if (done >= total) {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
      return;
    }
    const width = 30;
    const filled = Math.round((done / total) * width);
    stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} containers`);
    drawn = true;
  };
}
