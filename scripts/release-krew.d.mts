export const API_VERSION: string;
export function renderManifest(template: string, tag: string, sha256Of: (fileName: string) => string): string;
export function templateArchives(template: string): string[];
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean;
export function installedFiles(entries: string[], files: { from: string; to?: string }[]): Set<string>;
export function validateManifest(
  text: string,
  archives: Record<string, { sha256: string; entries: string[] }>,
  expectedName?: string,
): string[];
