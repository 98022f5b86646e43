/**
 * /proc/PID/attr/current: the LSM label of the process. AppArmor writes
 * "profile (mode)" or "unconfined"; SELinux a context "user:role:type:level".
 * A kernel without an LSM answers EINVAL, which the read turns into no frame:
 * the label is then null, not an error.
 * https://docs.kernel.org/admin-guide/LSM/apparmor.html
 * https://man7.org/linux/man-pages/man5/proc_pid_attr.5.html
 */
export interface LsmLabel {
  /** The label as the kernel printed it, without the trailing newline or NUL. */
  label: string;
  kind: 'apparmor' | 'selinux' | 'unknown';
  /** AppArmor's profile name, or SELinux's type. */
  profile: string | null;
  /** AppArmor's mode (enforce, complain, kill, unconfined…), else null. */
  mode: string | null;
  /** The process runs under no confinement. */
  unconfined: boolean;
}

const MAX_LABEL = 4096;

export function parseAttr(text: string): LsmLabel | null {
  const label = text.replace(/[\0\n]+$/, '').slice(0, MAX_LABEL);
  if (label === '') return null;
  if (label === 'unconfined') return { label, kind: 'apparmor', profile: 'unconfined', mode: null, unconfined: true };
  const aa = /^(.+) \(([a-z_]+)\)$/.exec(label);
  if (aa) return { label, kind: 'apparmor', profile: aa[1], mode: aa[2], unconfined: aa[2] === 'unconfined' };
  const se = /^([^:\s]+):([^:\s]+):([^:\s]+)(?::(.+))?$/.exec(label);
  if (se) return { label, kind: 'selinux', profile: se[3], mode: null, unconfined: se[3] === 'unconfined_t' || se[3] === 'spc_t' };
  return { label, kind: 'unknown', profile: null, mode: null, unconfined: false };
}
