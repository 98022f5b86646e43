// Files a kubeconfig names (certificate-authority, client-certificate,
// client-key, tokenFile), read with a size cap: /dev/zero or a pipe that
// never ends fails at once. A failure is one line naming the field, the file
// and whose it is, as kubectl words it ("unable to read client-key F for U
// due to ...").

import { getSystemErrorMessage } from 'node:util';
import { readBounded } from '../read-file.js';
import { KubeconfigError } from './kubeconfig.js';

/** Nothing real is near this (a CA bundle is a few hundred KiB). */
export const MAX_KUBECONFIG_FILE = 16 * 1024 * 1024;

/** `who`: `user "u"` or `cluster "c"`. The error carries `reason` (e.g. ENOENT) for messages of their own. */
export function readKubeconfigFile(file: string, field: string, who: string): Buffer {
  try {
    return Buffer.from(readBounded(file, MAX_KUBECONFIG_FILE, '/'), 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = typeof e.errno === 'number' && e.errno < 0 ? systemMessage(e.errno) ?? e.message : e.message;
    throw Object.assign(new KubeconfigError(`unable to read ${field} ${file} for ${who}: ${why}`), { reason: e.code ?? e.message });
  }
}

function systemMessage(errno: number): string | null {
  try {
    return getSystemErrorMessage(errno);
  } catch {
    return null;
  }
}
