/**
 * kubectl's --request-timeout: "0" (no limit), a bare number of seconds, or a
 * Go duration such as "500ms", "30s", "1m30s".
 * https://kubernetes.io/docs/reference/kubectl/generated/kubectl_options/
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) return null;
  let total = 0;
  for (const [, n, , unit] of t.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * UNITS[unit];
  return Math.round(total);
}
