// Checks shared by the end-to-end tests of the tool's failures.
import net from 'node:net';
import { expect } from 'vitest';
import type { CliResult } from './cli.js';

/** One `error:` line, optionally a `hint:` line, no stack trace, exit 1: the lines. */
export function errorLines(r: CliResult): string[] {
  const lines = r.stderr.trimEnd().split('\n');
  expect(r.code).toBe(1);
  expect(lines.some((l) => l.startsWith('    at '))).toBe(false);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines[1] !== undefined) expect(lines[1]).toMatch(/^hint: /);
  return lines;
}

/** A loopback port where nothing listens. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
