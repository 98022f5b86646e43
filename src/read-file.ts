import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * A file the user names (a template, a kubeconfig), read with a size cap:
 * `-o jsonpath-file=/dev/zero` or a kubeconfig that is a pipe that never
 * ends must fail at once with one line, not hang and grow. Reads at most
 * `max` + 1 bytes.
 */
export function readBounded(path: string, max: number, cwd = process.cwd()): string {
  const fd = openSync(resolve(cwd, path), 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1 - size));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      size += n;
      if (size > max) throw Object.assign(new Error(`larger than ${max} bytes`), { code: 'EFBIG' });
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
