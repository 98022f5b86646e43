/** What the findings stage says about a process; the item carries them. */
export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];

export interface Finding {
  id: string;
  severity: Severity;
  message: string;
  /** The Pod Security Standards control it is about ("Running as Non-root"), when it is about one. */
  control?: string;
}

export function atLeast(severity: Severity, floor: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(floor);
}
