export const SEA_FUSE: string;
export const SEA_RESOURCE: string;
export const MACHO_SEGMENT: string;
export function buildSea(o: {
  main: string;
  base: string;
  blobMaker: string;
  format: 'elf' | 'macho' | 'pe';
  out: string;
  codeCache?: boolean;
}): Promise<{ codeCache: boolean; blobBytes: number }>;
export function checkInjected(exe: Buffer, blob: Buffer | null, format: 'elf' | 'macho' | 'pe'): string[];
export function machoLoadCommands(buf: Buffer): { segments: string[]; codeSignature: boolean };
export function sha256(bytes: Buffer): string;
