export interface Target {
  id: string;
  os: string;
  arch: string;
  archive: 'tar.gz' | 'zip';
  node?: string;
  format?: 'elf' | 'macho' | 'pe';
  launcherFor?: string;
}
export const TARGETS: Target[];
export function archiveName(target: Target): string;
export function binName(target: Target): string;
export function parseNodeSpec(spec: string): { name: string; version: string };
export function hostNodePackage(platform?: string, arch?: string): string;
