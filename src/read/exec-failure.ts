/**
 * Did the runtime fail to start the command at all? Each runtime words it
 * its own way:
 * - containerd (runc): `OCI runtime exec failed: exec failed: unable to start
 *   container process: exec: "cat": executable file not found in $PATH: unknown`,
 *   in the Status message;
 * - CRI-O with runc: the same runc text on stderr, as a logfmt line with its
 *   quotes escaped (`msg="exec failed: … exec: \"cat\": executable file not
 *   found in $PATH"`), and exit code 255;
 * - CRI-O with crun: ``executable file `cat` not found in $PATH: No such file
 *   or directory``, exit code 255;
 * - a shell: "cat: not found" with exit code 127.
 * Returns the program that is missing, or null.
 */
export function missingExecutable(message: string, exitCode: number | null): string | null {
  const m = /exec: \\?"([^"\\]+)\\?": executable file not found/.exec(message) ??
    /executable file `([^`]+)` not found/.exec(message) ??
    /no such file or directory: unknown/.exec(message) ??
    (exitCode === 127 ? /(\w+): (?:command )?not found/.exec(message) : null);
  if (!m) return null;
  return m[1] && !m[1].includes(' ') ? m[1] : 'the command';
}

/**
 * A Windows node's runtime (hcsshim) answers an exec of a missing program
 * with "hcs::System::CreateProcess … The system cannot find the file
 * specified." A Windows container has no /proc at all.
 */
export function isWindowsRuntime(message: string): boolean {
  return /hcs::System::CreateProcess|hcsshim|The system cannot find the file specified/i.test(message);
}
