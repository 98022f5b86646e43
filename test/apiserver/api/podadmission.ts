// Admission of POST pods: decoding, defaulting and validation as
// kube-apiserver does them (pkg/apis/core/validation, pkg/apis/core/v1/defaults.go),
// the name generator, AlreadyExists, and the grace period a DELETE asks for.
// https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#create-create-a-pod

import { randomBytes } from 'node:crypto';
import { decodeEphemeralContainer } from './ephemeral.ts';
import { badRequest, DNS1123_LABEL, DNS1123_LABEL_MSG, fieldError, invalid, notFound, type FieldError, type Status } from './status.ts';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** names.SimpleNameGenerator: generateName plus 5 characters from this alphabet. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function generatedName(base: string): string {
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += NAME_ALPHABET[b % NAME_ALPHABET.length];
  return `${base.slice(0, 58)}${s}`;
}

/** apierrors.NewAlreadyExists. */
export function alreadyExists(resource: string, name: string): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${resource} "${name}" already exists`,
    reason: 'AlreadyExists',
    details: { name, kind: resource },
    code: 409,
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Decodes, defaults and validates the body of POST pods. Returns the served
 * metadata and spec, or the Status to refuse with.
 */
export function admitPod(
  body: string,
  namespace: string,
  knownNamespaces: readonly string[],
): { metadata: Json; spec: Json; containers: Json[] } | Status {
  let obj: unknown;
  try {
    obj = JSON.parse(body);
  } catch (e) {
    return badRequest(`Pod in version "v1" cannot be handled as a Pod: ${e instanceof Error ? e.message : e}`);
  }
  if (!isObject(obj)) return badRequest('Pod in version "v1" cannot be handled as a Pod: the body is not a JSON object');
  if (obj.kind !== undefined && obj.kind !== 'Pod') {
    return badRequest(`Pod in version "v1" cannot be handled as a ${String(obj.kind)}: the kind of the object is not Pod`);
  }
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const spec = isObject(obj.spec) ? obj.spec : {};
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
    return badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (!knownNamespaces.includes(namespace)) return notFound({ group: '', resource: 'namespaces' }, namespace);

  const errs: FieldError[] = [];
  let name = typeof meta.name === 'string' ? meta.name : '';
  const generate = typeof meta.generateName === 'string' ? meta.generateName : '';
  if (!name && generate) name = generatedName(generate);
  if (!name) errs.push({ type: 'FieldValueRequired', field: 'metadata.name', body: 'Required value: name or generateName is required' });
  else if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) errs.push(fieldError.invalid('metadata.name', name, DNS1123_SUBDOMAIN_MSG));

  const rawContainers = Array.isArray(spec.containers) ? spec.containers : [];
  const containers: Json[] = [];
  for (const raw of rawContainers) {
    const c = decodeEphemeralContainer(raw as never);
    if (typeof c === 'string') return badRequest(`Pod in version "v1" cannot be handled as a Pod: ${c.replace(/EphemeralContainer/g, 'Container').replace(/ephemeralContainers/g, 'containers')}`);
    delete c.targetContainerName;
    containers.push(c);
  }
  if (containers.length === 0) errs.push(fieldError.required('spec.containers'));
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const at = `spec.containers[${i}]`;
    const cname = (c.name as string | undefined) ?? '';
    if (cname === '') errs.push(fieldError.required(`${at}.name`));
    else if (!DNS1123_LABEL.test(cname) || cname.length > 63) errs.push(fieldError.invalid(`${at}.name`, cname, DNS1123_LABEL_MSG));
    else if (seen.has(cname)) errs.push(fieldError.duplicate(`${at}.name`, cname));
    seen.add(cname);
    const image = (c.image as string | undefined) ?? '';
    if (image === '') errs.push(fieldError.required(`${at}.image`));
    else if (image.trim() !== image) errs.push(fieldError.invalid(`${at}.image`, image, 'must not have leading or trailing whitespace'));
    // An unmasked /proc only inside a user namespace (validateProcMountType, KEP-4265).
    const procMount = (c.securityContext as Json | undefined)?.procMount;
    if (procMount === 'Unmasked' && spec.hostUsers !== false) {
      errs.push(fieldError.invalid(`${at}.securityContext.procMount`, procMount, '`hostUsers` must be false to use `Unmasked`'));
    }
  });
  if (Array.isArray(spec.initContainers) && spec.initContainers.length) {
    errs.push(fieldError.forbidden('spec.initContainers', 'init containers are not supported by the test API server'));
  }
  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (!['Always', 'OnFailure', 'Never'].includes(restartPolicy as string)) {
    errs.push(fieldError.notSupported('spec.restartPolicy', restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  if (spec.nodeName !== undefined && typeof spec.nodeName !== 'string') {
    return badRequest('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal into Go struct field PodSpec.spec.nodeName of type string');
  }
  if (errs.length) return invalid('Pod', name, errs);

  const { generateName: _g, namespace: _n, uid: _u, resourceVersion: _r, creationTimestamp: _c, deletionTimestamp: _d, ...keep } = meta;
  const metadata: Json = {
    ...keep,
    name,
    ...(generate ? { generateName: generate } : {}),
    namespace,
  };
  // SetDefaults_PodSpec and friends (pkg/apis/core/v1/defaults.go).
  const served: Json = {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    schedulerName: 'default-scheduler',
    enableServiceLinks: true,
    priority: 0,
    preemptionPolicy: 'PreemptLowerPriority',
    securityContext: {},
    ...spec,
    containers,
  };
  delete served.initContainers;
  delete served.ephemeralContainers;
  return { metadata, spec: served, containers };
}

/** The grace period a DELETE asks for: the gracePeriodSeconds query parameter, else the DeleteOptions body's. */
export function requestedGrace(q: URLSearchParams, body: string): number | undefined | Status {
  const fromQuery = q.get('gracePeriodSeconds');
  if (fromQuery !== null) {
    const n = Number(fromQuery);
    if (!Number.isInteger(n)) return badRequest(`strconv.ParseInt: parsing ${JSON.stringify(fromQuery)}: invalid syntax`);
    return n;
  }
  if (!body.trim()) return undefined;
  let opts: unknown;
  try {
    opts = JSON.parse(body);
  } catch (e) {
    return badRequest(`error decoding DeleteOptions: ${e instanceof Error ? e.message : e}`);
  }
  const g = isObject(opts) ? opts.gracePeriodSeconds : undefined;
  return typeof g === 'number' ? g : undefined;
}
