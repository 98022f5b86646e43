// The Pod Security Standards checks of the PodSecurity admission plugin, as
// kube-apiserver 1.33 runs them (k8s.io/pod-security-admission v0.33,
// policy/check_*.go), with their versions and their wording: each check
// gives a reason ("host namespaces") and a detail ("hostPID=true"), and the
// admission message joins them as `reason (detail), reason (detail)`.
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
//
// Checks run in the plugin's order: baseline ones, then restricted ones,
// each sorted by ID (policy/registry.go). A restricted check may override a
// baseline one (capabilities, hostPath volumes, seccomp), and applies from
// its minimum version on. The user-namespace relaxations of runAsNonRoot,
// runAsUser and procMount are behind a feature gate that is off in 1.33, so
// not here.

type Json = Record<string, any>;

export type Level = 'privileged' | 'baseline' | 'restricted';

export interface CheckResult {
  allowed: boolean;
  reason?: string;
  detail?: string;
}

type CheckFn = (meta: Json, spec: Json) => CheckResult;

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** Minor versions of policy v1 from which each variant applies, in increasing order. */
  versions: { min: number; fn: CheckFn }[];
  /** Baseline checks this restricted one replaces. */
  overrides?: string[];
}

const OK: CheckResult = { allowed: true };
const no = (reason: string, detail: string): CheckResult => ({ allowed: false, reason, detail });

const joinQuote = (items: readonly string[]): string => (items.length ? `"${items.join('", "')}"` : '');
const pluralize = (one: string, many: string, n: number): string => (n === 1 ? one : many);
const sorted = (s: Iterable<string>): string[] => [...new Set(s)].sort();
/** `container "a"` / `containers "a", "b"`. */
const containersNamed = (names: readonly string[]): string => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** Init, regular and ephemeral containers, in that order (visitContainers). */
function containers(spec: Json): Json[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

const isWindows = (spec: Json): boolean => spec.os?.name === 'windows';
/** The 1.25 variants exempt Windows pods. */
const exceptWindows = (fn: CheckFn): CheckFn => (meta, spec) => (isWindows(spec) ? OK : fn(meta, spec));

function allowPrivilegeEscalation(_meta: Json, spec: Json): CheckResult {
  const bad = containers(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
  if (!bad.length) return OK;
  return no('allowPrivilegeEscalation != false', `${containersNamed(bad)} must set securityContext.allowPrivilegeEscalation=false`);
}

function appArmorProfile(meta: Json, spec: Json): CheckResult {
  const allowedType = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
  const allowedAnnotation = (v: string): boolean => v === '' || v === 'runtime/default' || v.startsWith('localhost/');
  const setters: string[] = [];
  const values: string[] = [];
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile && !allowedType(podProfile.type)) {
    setters.push('pod');
    values.push(String(podProfile.type ?? ''));
  }
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const p = c.securityContext?.appArmorProfile;
    if (p && !allowedType(p.type)) {
      bad.push(c.name);
      values.push(String(p.type ?? ''));
    }
  }
  if (bad.length) setters.push(containersNamed(bad));
  const annotations = Object.entries((meta.annotations ?? {}) as Record<string, string>)
    .filter(([k, v]) => k.startsWith('container.apparmor.security.beta.kubernetes.io/') && !allowedAnnotation(v))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .sort();
  const list = [...sorted(values), ...annotations];
  if (annotations.length) setters.push(pluralize('annotation', 'annotations', annotations.length));
  if (!setters.length) return OK;
  return no(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', list.length),
    `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(list)}`,
  );
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

function capabilitiesBaseline(_meta: Json, spec: Json): CheckResult {
  const bad: string[] = [];
  const caps: string[] = [];
  for (const c of containers(spec)) {
    const added: string[] = (c.securityContext?.capabilities?.add ?? []).filter((x: string) => !BASELINE_CAPABILITIES.has(x));
    if (added.length) {
      bad.push(c.name);
      caps.push(...added);
    }
  }
  if (!bad.length) return OK;
  return no('non-default capabilities', `${containersNamed(bad)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`);
}

function capabilitiesRestricted(_meta: Json, spec: Json): CheckResult {
  const missingDropAll: string[] = [];
  const adding: string[] = [];
  const caps: string[] = [];
  for (const c of containers(spec)) {
    const capabilities = c.securityContext?.capabilities;
    if (!capabilities) {
      missingDropAll.push(c.name);
      continue;
    }
    if (!(capabilities.drop ?? []).includes('ALL')) missingDropAll.push(c.name);
    const added: string[] = (capabilities.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE');
    if (added.length) {
      adding.push(c.name);
      caps.push(...added);
    }
  }
  const details: string[] = [];
  if (missingDropAll.length) details.push(`${containersNamed(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) details.push(`${containersNamed(adding)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`);
  return details.length ? no('unrestricted capabilities', details.join('; ')) : OK;
}

function hostNamespaces(_meta: Json, spec: Json): CheckResult {
  const shared = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true).map((k) => `${k}=true`);
  return shared.length ? no('host namespaces', shared.join(', ')) : OK;
}

function hostPathVolumes(_meta: Json, spec: Json): CheckResult {
  const bad = (spec.volumes ?? []).filter((v: Json) => v.hostPath).map((v: Json) => v.name);
  return bad.length ? no('hostPath volumes', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`) : OK;
}

function hostPorts(_meta: Json, spec: Json): CheckResult {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containers(spec)) {
    const used = (c.ports ?? []).map((p: Json) => Number(p.hostPort ?? 0)).filter((p: number) => p !== 0);
    if (used.length) {
      bad.push(c.name);
      ports.push(...used.map(String));
    }
  }
  if (!bad.length) return OK;
  const list = sorted(ports);
  return no('hostPort', `${containersNamed(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`);
}

function privileged(_meta: Json, spec: Json): CheckResult {
  const bad = containers(spec).filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
  return bad.length ? no('privileged', `${containersNamed(bad)} must not set securityContext.privileged=true`) : OK;
}

function procMount(_meta: Json, spec: Json): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  for (const c of containers(spec)) {
    const t = c.securityContext?.procMount;
    if (t !== undefined && t !== null && t !== 'Default') {
      bad.push(c.name);
      types.push(String(t));
    }
  }
  if (!bad.length) return OK;
  return no('procMount', `${containersNamed(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}`);
}

/** Inline volume sources restricted allows; anything else is named by its type. */
const RESTRICTED_VOLUME_OK = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
const RESTRICTED_VOLUME_TYPES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs',
  'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
];

function restrictedVolumes(_meta: Json, spec: Json): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  for (const v of (spec.volumes ?? []) as Json[]) {
    if (RESTRICTED_VOLUME_OK.some((k) => v[k])) continue;
    bad.push(v.name);
    types.push(RESTRICTED_VOLUME_TYPES.find((k) => v[k]) ?? 'unknown');
  }
  if (!bad.length) return OK;
  const list = sorted(types);
  return no(
    'restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ` +
      `${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
  );
}

function runAsNonRoot(_meta: Json, spec: Json): CheckResult {
  const setters: string[] = [];
  const pod = spec.securityContext?.runAsNonRoot;
  if (pod === false) setters.push('pod');
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v === undefined || v === null) {
      if (pod !== true) implicit.push(c.name);
    } else if (v === false) {
      explicit.push(c.name);
    }
  }
  if (explicit.length) setters.push(containersNamed(explicit));
  if (setters.length) return no('runAsNonRoot != true', `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  if (implicit.length) return no('runAsNonRoot != true', `pod or ${containersNamed(implicit)} must set securityContext.runAsNonRoot=true`);
  return OK;
}

function runAsUser(_meta: Json, spec: Json): CheckResult {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const bad = containers(spec).filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
  if (bad.length) setters.push(containersNamed(bad));
  return setters.length ? no('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`) : OK;
}

function seLinuxOptions(allowedTypes: readonly string[]): CheckFn {
  return (_meta, spec) => {
    const types: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (o: Json): boolean => {
      let ok = true;
      if (!allowedTypes.includes(o.type ?? '')) {
        ok = false;
        types.push(o.type ?? '');
      }
      if (o.user) [ok, setUser] = [false, true];
      if (o.role) [ok, setRole] = [false, true];
      return ok;
    };
    const setters: string[] = [];
    const podOptions = spec.securityContext?.seLinuxOptions;
    if (podOptions && !valid(podOptions)) setters.push('pod');
    const bad = containers(spec).filter((c) => c.securityContext?.seLinuxOptions && !valid(c.securityContext.seLinuxOptions)).map((c) => c.name);
    if (bad.length) setters.push(containersNamed(bad));
    if (!setters.length) return OK;
    const data: string[] = [];
    const list = sorted(types);
    if (list.length) data.push(`${pluralize('type', 'types', list.length)} ${joinQuote(list)}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return no('seLinuxOptions', `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
  };
}

const SELINUX_TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, 'container_engine_t'];

const validSeccomp = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';

/** Before 1.19 seccomp was set by annotations. */
function seccompAnnotations(meta: Json, spec: Json): CheckResult {
  const annotations = (meta.annotations ?? {}) as Record<string, string>;
  const valid = (v: string): boolean => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const forbidden: string[] = [];
  const podKey = 'seccomp.security.alpha.kubernetes.io/pod';
  if (podKey in annotations && !valid(annotations[podKey])) forbidden.push(`${podKey}=${JSON.stringify(annotations[podKey])}`);
  for (const c of containers(spec)) {
    const key = `container.seccomp.security.alpha.kubernetes.io/${c.name}`;
    if (key in annotations && !valid(annotations[key])) forbidden.push(`${key}=${JSON.stringify(annotations[key])}`);
  }
  const list = sorted(forbidden);
  return list.length ? no('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', list.length)} ${list.join(', ')}`) : OK;
}

/** Pod and container seccompProfile types; `required` (restricted): every container needs one, its own or the pod's. */
function seccompProfile(required: boolean): CheckFn {
  return (_meta, spec) => {
    const setters: string[] = [];
    const values: string[] = [];
    const pod = spec.securityContext?.seccompProfile;
    let podSet = false;
    if (pod) {
      if (!validSeccomp(pod.type)) {
        setters.push('pod');
        values.push(String(pod.type ?? ''));
      } else {
        podSet = true;
      }
    }
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of containers(spec)) {
      const p = c.securityContext?.seccompProfile;
      if (p) {
        if (!validSeccomp(p.type)) {
          explicit.push(c.name);
          values.push(String(p.type ?? ''));
        }
      } else if (!podSet) {
        implicit.push(c.name);
      }
    }
    if (explicit.length) setters.push(containersNamed(explicit));
    if (setters.length) return no('seccompProfile', `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(values))}`);
    if (required && implicit.length) {
      return no('seccompProfile', `pod or ${containersNamed(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
    return OK;
  };
}

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowed: readonly string[]): CheckFn {
  return (_meta, spec) => {
    const bad = ((spec.securityContext?.sysctls ?? []) as Json[]).map((s) => String(s.name)).filter((n) => !allowed.includes(n));
    return bad.length ? no('forbidden sysctls', bad.join(', ')) : OK;
  };
}

function windowsHostProcess(_meta: Json, spec: Json): CheckResult {
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
  const bad = containers(spec).filter((c) => c.securityContext?.windowsOptions?.hostProcess === true).map((c) => c.name);
  if (bad.length) setters.push(containersNamed(bad));
  return setters.length ? no('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`) : OK;
}

const CHECKS: Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: 0, fn: appArmorProfile }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ min: 0, fn: capabilitiesBaseline }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: 0, fn: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ min: 0, fn: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: 0, fn: hostPorts }] },
  { id: 'privileged', level: 'baseline', versions: [{ min: 0, fn: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ min: 0, fn: procMount }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [{ min: 0, fn: seLinuxOptions(SELINUX_TYPES_1_0) }, { min: 31, fn: seLinuxOptions(SELINUX_TYPES_1_31) }],
  },
  { id: 'seccompProfile_baseline', level: 'baseline', versions: [{ min: 0, fn: seccompAnnotations }, { min: 19, fn: seccompProfile(false) }] },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { min: 0, fn: sysctls(SYSCTLS_1_0) },
      { min: 27, fn: sysctls(SYSCTLS_1_27) },
      { min: 29, fn: sysctls(SYSCTLS_1_29) },
      { min: 32, fn: sysctls(SYSCTLS_1_32) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: 0, fn: windowsHostProcess }] },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [{ min: 8, fn: allowPrivilegeEscalation }, { min: 25, fn: exceptWindows(allowPrivilegeEscalation) }],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [{ min: 22, fn: capabilitiesRestricted }, { min: 25, fn: exceptWindows(capabilitiesRestricted) }],
    overrides: ['capabilities_baseline'],
  },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ min: 0, fn: restrictedVolumes }], overrides: ['hostPathVolumes'] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ min: 0, fn: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ min: 23, fn: runAsUser }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [{ min: 19, fn: seccompProfile(true) }, { min: 25, fn: exceptWindows(seccompProfile(true)) }],
    overrides: ['seccompProfile_baseline'],
  },
];

/** The newest policy version any check has a variant for: `latest`, and any later v1.x, evaluate as this one. */
export const NEWEST_POLICY_MINOR = Math.max(...CHECKS.flatMap((c) => c.versions.map((v) => v.min)));

/** The variant of a check for policy v1.<minor>, if it applies there at all. */
function variant(c: Check, minor: number): CheckFn | undefined {
  return c.versions.filter((v) => v.min <= minor).at(-1)?.fn;
}

/**
 * The results of the checks of `level` at policy v1.<minor> (undefined:
 * latest), in the plugin's order. Privileged checks nothing.
 */
export function checkPod(level: Level, minor: number | undefined, meta: Json, spec: Json): CheckResult[] {
  if (level === 'privileged') return [];
  const v = Math.min(minor ?? NEWEST_POLICY_MINOR, NEWEST_POLICY_MINOR);
  const active = CHECKS.filter((c) => (c.level === 'baseline' || level === 'restricted') && variant(c, v));
  const overridden = new Set(level === 'restricted' ? active.flatMap((c) => c.overrides ?? []) : []);
  const byId = (a: Check, b: Check): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const ordered = [...active.filter((c) => c.level === 'baseline').sort(byId), ...active.filter((c) => c.level === 'restricted').sort(byId)];
  return ordered.filter((c) => !overridden.has(c.id)).map((c) => variant(c, v)!(meta, spec));
}

/** AggregateCheckResult.ForbiddenDetail: `reason (detail), reason`; '' when every check allowed the pod. */
export function forbiddenDetail(results: readonly CheckResult[]): string {
  return results
    .filter((r) => !r.allowed)
    .map((r) => {
      const reason = r.reason || 'unknown forbidden reason';
      return r.detail ? `${reason} (${r.detail})` : reason;
    })
    .join(', ');
}
