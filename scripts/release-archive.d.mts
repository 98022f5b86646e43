export interface Entry {
  name: string;
  path?: string;
  data?: Buffer | string;
  mode: number;
}
export function writeTarGz(out: string, entries: Entry[], mtime: number): Promise<void>;
export function writeZip(out: string, entries: Entry[], mtime: number): Promise<void>;
export function readZip(file: string): { name: string; mode: number; data: Buffer }[];
