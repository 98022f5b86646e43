/**
 * /proc/PID/cmdline: the arguments, each ended by a NUL. Empty for kernel
 * threads and zombies. Only read when asked for (--cmdline): command lines
 * carry secrets (tokens, passwords in flags).
 * https://man7.org/linux/man-pages/man5/proc_pid_cmdline.5.html
 */
const MAX_ARGS = 1024;

export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const args = text.replace(/\0$/, '').split('\0');
  return args.slice(0, MAX_ARGS);
}
