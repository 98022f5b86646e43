// Pod Security admission as kube-apiserver runs it with no admission
// configuration (k8s.io/pod-security-admission: api/helpers.go
// PolicyToEvaluate, admission/admission.go EvaluatePod): a namespace's
// pod-security.kubernetes.io/{enforce,audit,warn}[-version] labels pick the
// levels a new pod (or a pod gaining an ephemeral container) is checked
// against (pscheck.ts).
// https://kubernetes.io/docs/concepts/security/pod-security-admission/
//
//   enforce  a violation refuses the request: 403 Forbidden,
//            `pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true)`
//   warn     a violation is a warning on an allowed request:
//            `Warning: 299 - "would violate PodSecurity \"restricted:latest\": ..."`
//            (none when the request is refused anyway)
//   audit    an annotation of the audit event, which clients never see
//            (here: the server's request log)
//
// A namespace without labels is privileged in all three modes (the
// defaults of a cluster without a PodSecurityConfiguration). A label that
// does not parse counts as restricted for enforce and as privileged for
// warn and audit; a version that does not parse as latest.

import { checkPod, forbiddenDetail } from './pscheck.ts';
import type { Level } from './pscheck.ts';

const PREFIX = 'pod-security.kubernetes.io/';

interface LevelVersion {
  level: Level;
  /** Minor version of policy v1; undefined: latest. */
  minor?: number;
}

export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];
const strictness = (l: Level): number => LEVELS.indexOf(l);

/** `baseline:latest`, `restricted:v1.29`. */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${lv.minor === undefined ? 'latest' : `v1.${lv.minor}`}`;
}

function parseLevel(v: string): Level | undefined {
  return (LEVELS as readonly string[]).includes(v) ? (v as Level) : undefined;
}

/** `latest` or `v1.x`; undefined for anything else, which then evaluates as latest. */
function parseVersion(v: string): { ok: boolean; minor?: number } {
  if (v === 'latest') return { ok: true };
  const m = /^v1\.([0-9]|[1-9][0-9]*)$/.exec(v);
  return m ? { ok: true, minor: Number(m[1]) } : { ok: false };
}

/** PolicyToEvaluate with privileged:latest defaults; `errors` names the labels that did not parse. */
export function policyOf(labels: Record<string, string>): { policy: Policy; errors: string[] } {
  const policy: Policy = { enforce: { level: 'privileged' }, audit: { level: 'privileged' }, warn: { level: 'privileged' } };
  const errors: string[] = [];
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, PREFIX + k);
  let enforceLevelSet = false;
  for (const mode of ['enforce', 'audit', 'warn'] as const) {
    if (has(mode)) {
      const level = parseLevel(labels[PREFIX + mode]);
      if (!level) errors.push(`${mode}: ${JSON.stringify(labels[PREFIX + mode])}`);
      // An enforce level that does not parse fails closed; audit and warn fail open.
      policy[mode].level = level ?? (mode === 'enforce' ? 'restricted' : 'privileged');
      if (mode === 'enforce') enforceLevelSet = level !== undefined;
    }
    if (has(`${mode}-version`)) {
      const v = parseVersion(labels[PREFIX + `${mode}-version`]);
      if (!v.ok) errors.push(`${mode}-version: ${JSON.stringify(labels[PREFIX + `${mode}-version`])}`);
      policy[mode].minor = v.minor;
    }
  }
  // warn defaults to enforce where enforce is set, valid, and stricter.
  if (!has('warn') && enforceLevelSet && strictness(policy.enforce.level) > strictness(policy.warn.level)) {
    policy.warn.level = policy.enforce.level;
    if (!has('warn-version')) policy.warn.minor = policy.enforce.minor;
  }
  return { policy, errors };
}

/** What admission says about a pod: the enforce violation that refuses it, warnings for the client, the audit annotation. */
export interface PodSecurityDecision {
  /** `violates PodSecurity "...": ...`, the error apierrors.NewForbidden wraps. */
  forbidden?: string;
  warnings: string[];
  /** pod-security.kubernetes.io/audit-violations, for the audit log only. */
  audit?: string;
}

/** The admission decision for a pod (`spec` with every container, ephemeral ones included) in a namespace with these labels. */
export function podSecurity(labels: Record<string, string>, meta: Record<string, unknown>, spec: Record<string, unknown>): PodSecurityDecision {
  const { policy, errors } = policyOf(labels);
  const fullyPrivileged = policy.enforce.level === 'privileged' && policy.audit.level === 'privileged' && policy.warn.level === 'privileged';
  if (errors.length === 0 && fullyPrivileged) return { warnings: [] };
  const detail = (lv: LevelVersion): string => forbiddenDetail(checkPod(lv.level, lv.minor, meta, spec));
  const decision: PodSecurityDecision = { warnings: [] };
  const enforced = detail(policy.enforce);
  if (enforced) decision.forbidden = `violates PodSecurity "${levelVersionString(policy.enforce)}": ${enforced}`;
  const audited = detail(policy.audit);
  if (audited) decision.audit = `would violate PodSecurity "${levelVersionString(policy.audit)}": ${audited}`;
  if (!decision.forbidden) {
    const warned = detail(policy.warn);
    if (warned) decision.warnings.push(`would violate PodSecurity "${levelVersionString(policy.warn)}": ${warned}`);
  }
  return decision;
}
