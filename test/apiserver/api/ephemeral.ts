// The pods/ephemeralcontainers subresource, API side: applying a PATCH (or
// taking a PUT), decoding, defaulting and validating the resulting
// spec.ephemeralContainers the way kube-apiserver does
// (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go,
// pkg/registry/core/pod/strategy.go podEphemeralContainersStrategy,
// pkg/apis/core/validation ValidatePodEphemeralContainersUpdate).
// https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/
//
// Only spec.ephemeralContainers of the patched object is kept; any other
// change in the patch is silently dropped, as the real strategy does.
//
// Patch types:
//   application/strategic-merge-patch+json  {"spec":{"ephemeralContainers":[...]}}: entries merge
//       by name into the existing list (what kubectl debug sends; it may carry
//       "$setElementOrder/ephemeralContainers", which only orders). An entry
//       without a name is a 500 from the merge code, like the real one.
//   application/merge-patch+json            RFC 7386: the list is replaced as a whole.
//   application/json-patch+json             RFC 6902 on the Pod as served. As on a real server,
//       "add /spec/ephemeralContainers/-" fails (422) while the pod has no
//       ephemeral containers: the array must first be added whole.

import { badRequest, DNS1123_LABEL, DNS1123_LABEL_MSG, fieldError, invalid, patchNotApplied, unknownError, type FieldError, type Status } from './status.ts';
import { defaultPullPolicy } from '../runtime/images.ts';

export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

export type PatchContentType = (typeof PATCH_CONTENT_TYPES)[number];

/** The patch type of a Content-Type header (parameters such as charset ignored), or undefined. */
export function patchTypeOf(contentType: string | undefined): PatchContentType | undefined {
  const base = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return (PATCH_CONTENT_TYPES as readonly string[]).includes(base) ? (base as PatchContentType) : undefined;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** What Go's %v prints for a decoded JSON value (maps with sorted keys), for error texts. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObject(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goFormat(v[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

// ---- RFC 6902 JSON patch ------------------------------------------------------

class PatchError extends Error {}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string') throw new PatchError('path is not a string');
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container holding the last token of `tokens`, walking from `doc`. */
function parentOf(doc: Json, tokens: string[]): Json {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = /^(0|[1-9]\d*)$/.test(t) ? Number(t) : -1;
      if (i < 0 || i >= cur.length) throw new PatchError(`doc is missing path: ${t}`);
      cur = cur[i];
    } else if (isObject(cur)) {
      if (!(t in cur)) throw new PatchError(`doc is missing path: ${t}`);
      cur = cur[t];
    } else {
      throw new PatchError(`doc is missing path: ${t}`);
    }
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new PatchError('doc is missing path');
  return cur;
}

function index(arr: Json[], t: string, forAdd: boolean): number {
  if (forAdd && t === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(t)) throw new PatchError(`invalid array index ${t}`);
  const i = Number(t);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`index out of range: ${t}`);
  return i;
}

function getAt(doc: Json, tokens: string[]): Json {
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens);
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) return parent[index(parent, key, false)];
  if (!(key in (parent as JsonObject))) throw new PatchError(`doc is missing key: ${key}`);
  return (parent as JsonObject)[key];
}

function addAt(doc: Json, tokens: string[], value: Json): Json {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(index(parent, key, true), 0, value);
  else (parent as JsonObject)[key] = value;
  return doc;
}

function removeAt(doc: Json, tokens: string[]): Json {
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const parent = parentOf(doc, tokens);
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(index(parent, key, false), 1);
  else if (key in (parent as JsonObject)) delete (parent as JsonObject)[key];
  else throw new PatchError(`doc is missing key: ${key}`);
  return doc;
}

/** Applies RFC 6902 operations; throws PatchError when one does not apply. */
export function applyJsonPatch(doc: Json, ops: unknown[]): Json {
  let out = clone(doc);
  for (const raw of ops) {
    if (!isObject(raw)) throw new PatchError('operation is not an object');
    const op = raw.op;
    const path = pointer(raw.path);
    switch (op) {
      case 'add':
        if (!('value' in raw)) throw new PatchError('add operation has no value');
        out = addAt(out, path, clone(raw.value));
        break;
      case 'remove':
        out = removeAt(out, path);
        break;
      case 'replace':
        if (!('value' in raw)) throw new PatchError('replace operation has no value');
        getAt(out, path);
        out = path.length === 0 ? clone(raw.value) : addAt(removeAt(out, path), path, clone(raw.value));
        break;
      case 'move': {
        const from = pointer(raw.from);
        const v = getAt(out, from);
        out = addAt(removeAt(out, from), path, v);
        break;
      }
      case 'copy':
        out = addAt(out, path, clone(getAt(out, pointer(raw.from))));
        break;
      case 'test':
        if (!deepEqual(getAt(out, path), raw.value ?? null)) throw new PatchError('test failed');
        break;
      default:
        throw new PatchError(`Unexpected kind: ${String(op)}`);
    }
  }
  return out;
}

// ---- RFC 7386 merge patch -----------------------------------------------------

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k] ?? null, v);
  }
  return out;
}

// ---- Strategic merge patch (the parts that reach spec.ephemeralContainers) ----

/** Drops "$..." directive keys from an object that has no counterpart to merge into. */
function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$') && x !== null) out[k] = stripDirectives(x);
  return out;
}

/** Map merge: null deletes a key, maps merge recursively, anything else replaces. */
function mergeMap(original: JsonObject, patch: JsonObject): JsonObject {
  if (patch.$patch === 'replace') return stripDirectives(patch) as JsonObject;
  const out = clone(original);
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else if (isObject(v) && isObject(out[k])) out[k] = mergeMap(out[k] as JsonObject, v);
    else out[k] = stripDirectives(v);
  }
  return out;
}

/** Merges a patch list into a list of maps keyed by `name` (patchMergeKey of ephemeralContainers). */
function mergeByName(original: Json[], patch: Json[]): Json[] | Status {
  if (patch.some((e) => isObject(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isObject(e) && e.$patch === 'replace')).map(stripDirectives);
  }
  const out = clone(original);
  for (const e of patch) {
    if (!isObject(e)) return unknownError(`expected a map in the list spec.ephemeralContainers, got ${goFormat(e)}`);
    if (typeof e.name !== 'string') {
      return unknownError(`map: ${goFormat(e)} does not contain declared merge key: name`);
    }
    const at = out.findIndex((x) => isObject(x) && x.name === e.name);
    if (e.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = mergeMap(out[at] as JsonObject, e);
    else out.push(stripDirectives(e));
  }
  return out;
}

/** A JSON value that is not what the patch type expects: 400, as the decoder reports it. */
function decodeError(e: unknown): Status {
  return badRequest(e instanceof Error ? e.message : String(e));
}

/**
 * The spec.ephemeralContainers a PATCH asks for, applied to the pod as
 * served (`pod`), or the Status to answer with. `undefined` in the result
 * means the list is absent (no ephemeral containers).
 */
export function patchedEphemeralContainers(pod: Record<string, unknown>, type: PatchContentType, body: string): { list: Json[] } | Status {
  let patch: Json;
  try {
    patch = JSON.parse(body) as Json;
  } catch (e) {
    return decodeError(e);
  }
  const current = clone(pod) as JsonObject;
  const currentList = ((current.spec as JsonObject | undefined)?.ephemeralContainers ?? []) as Json[];
  switch (type) {
    case 'application/json-patch+json': {
      if (!Array.isArray(patch)) return badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type jsonpatch.Patch`);
      let out: Json;
      try {
        out = applyJsonPatch(current, patch);
      } catch (e) {
        if (e instanceof PatchError) return patchNotApplied();
        throw e;
      }
      return listOf(out);
    }
    case 'application/merge-patch+json': {
      if (!isObject(patch)) return badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
      return listOf(applyMergePatch(current, patch));
    }
    case 'application/strategic-merge-patch+json': {
      if (!isObject(patch)) return badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
      if (!('spec' in patch)) return { list: currentList };
      const spec = patch.spec;
      if (spec === null) return { list: [] };
      if (!isObject(spec)) return badRequest(`json: cannot unmarshal ${jsonKind(spec)} into Go struct field Pod.spec of type v1.PodSpec`);
      const order = spec['$setElementOrder/ephemeralContainers'];
      if (order !== undefined && (!Array.isArray(order) || order.some((o) => !isObject(o) || typeof o.name !== 'string'))) {
        return badRequest('invalid patch format for $setElementOrder list');
      }
      if (!('ephemeralContainers' in spec)) return { list: currentList };
      const list = spec.ephemeralContainers;
      if (list === null) return { list: [] };
      if (!Array.isArray(list)) {
        return badRequest(
          `json: cannot unmarshal ${jsonKind(list)} into Go struct field PodSpec.spec.ephemeralContainers of type []v1.EphemeralContainer`,
        );
      }
      const merged = mergeByName(currentList, list);
      return Array.isArray(merged) ? { list: merged } : merged;
    }
  }
}

function jsonKind(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

function listOf(pod: Json): { list: Json[] } | Status {
  const spec = isObject(pod) ? pod.spec : undefined;
  if (spec !== undefined && spec !== null && !isObject(spec)) {
    return badRequest(`json: cannot unmarshal ${jsonKind(spec)} into Go struct field Pod.spec of type v1.PodSpec`);
  }
  const list = isObject(spec) ? spec.ephemeralContainers : undefined;
  if (list === undefined || list === null) return { list: [] };
  if (!Array.isArray(list)) {
    return badRequest(
      `json: cannot unmarshal ${jsonKind(list)} into Go struct field PodSpec.spec.ephemeralContainers of type []v1.EphemeralContainer`,
    );
  }
  return { list };
}

// ---- Decoding, defaulting, validation -----------------------------------------

/** Fields of v1.EphemeralContainer; anything else is dropped on decoding, as the (non-strict) decoder does. */
const FIELDS: Record<string, 'string' | 'strings' | 'bool' | 'object' | 'array'> = {
  name: 'string',
  image: 'string',
  command: 'strings',
  args: 'strings',
  workingDir: 'string',
  ports: 'array',
  envFrom: 'array',
  env: 'array',
  resources: 'object',
  resizePolicy: 'array',
  restartPolicy: 'string',
  volumeMounts: 'array',
  volumeDevices: 'array',
  livenessProbe: 'object',
  readinessProbe: 'object',
  startupProbe: 'object',
  lifecycle: 'object',
  terminationMessagePath: 'string',
  terminationMessagePolicy: 'string',
  imagePullPolicy: 'string',
  securityContext: 'object',
  stdin: 'bool',
  stdinOnce: 'bool',
  tty: 'bool',
  targetContainerName: 'string',
};

/** Fields an ephemeral container may not set (validateFieldAllowList with allowedEphemeralContainerFields). */
const NOT_FOR_EPHEMERAL = ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy', 'restartPolicy'];

const GO_TYPE = { string: 'string', strings: '[]string', bool: 'bool', object: 'object', array: 'array' } as const;

/**
 * Decodes one list entry into the served form: known fields only, zero
 * values of omitempty fields gone, API defaults filled in (what a GET shows
 * afterwards). Returns a decoding error message instead when a field has the
 * wrong JSON type.
 */
export function decodeEphemeralContainer(raw: Json): Record<string, unknown> | string {
  if (!isObject(raw)) {
    return `json: cannot unmarshal ${jsonKind(raw)} into Go struct field PodSpec.spec.ephemeralContainers of type v1.EphemeralContainer`;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const want = FIELDS[k];
    if (!want || v === null) continue;
    const ok =
      want === 'string'
        ? typeof v === 'string'
        : want === 'strings'
          ? Array.isArray(v) && v.every((x) => typeof x === 'string')
          : want === 'bool'
            ? typeof v === 'boolean'
            : want === 'object'
              ? isObject(v)
              : Array.isArray(v);
    if (!ok) {
      const got = Array.isArray(v) && want === 'strings' ? jsonKind(v.find((x) => typeof x !== 'string') as Json) : jsonKind(v);
      return `json: cannot unmarshal ${got} into Go struct field EphemeralContainer.spec.ephemeralContainers.${k} of type ${GO_TYPE[want]}`;
    }
    // omitempty: false, "", [] vanish when the object is written back.
    if (v === false || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = clone(v);
  }
  // SetDefaults_Container (pkg/apis/core/v1/defaults.go); resources is a struct, so always present.
  if (out.resources === undefined) out.resources = {};
  if (out.terminationMessagePath === undefined) out.terminationMessagePath = '/dev/termination-log';
  if (out.terminationMessagePolicy === undefined) out.terminationMessagePolicy = 'File';
  if (out.imagePullPolicy === undefined && typeof out.image === 'string' && out.image) out.imagePullPolicy = defaultPullPolicy(out.image);
  return out;
}

/** A short line diff of two container specs, standing in for the go-cmp diff the real message carries. */
function specDiff(a: Record<string, unknown>, b: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    if (deepEqual(a[k], b[k])) continue;
    if (k in a) lines.push(`- ${k}: ${JSON.stringify(a[k])}`);
    if (k in b) lines.push(`+ ${k}: ${JSON.stringify(b[k])}`);
  }
  return lines.join('\n');
}

export interface PodContainers {
  name: string;
  containers: string[];
  initContainers: string[];
  /** The ephemeral containers as stored (served form). */
  ephemeral: Record<string, unknown>[];
}

/**
 * Decodes, defaults and validates a requested spec.ephemeralContainers
 * against the pod: the new list, or the Status to answer with (400 for an
 * undecodable entry, 422 Invalid with the field errors).
 */
export function validateEphemeralContainers(pod: PodContainers, requested: Json[]): { list: Record<string, unknown>[] } | Status {
  const list: Record<string, unknown>[] = [];
  for (const raw of requested) {
    const c = decodeEphemeralContainer(raw);
    if (typeof c === 'string') return badRequest(c);
    list.push(c);
  }
  const errs: FieldError[] = [];
  const others = new Set([...pod.containers, ...pod.initContainers]);
  const all = new Set(others);
  list.forEach((c, i) => {
    const at = `spec.ephemeralContainers[${i}]`;
    const name = (c.name as string | undefined) ?? '';
    if (name === '') errs.push(fieldError.required(`${at}.name`));
    else if (!DNS1123_LABEL.test(name)) errs.push(fieldError.invalid(`${at}.name`, name, DNS1123_LABEL_MSG));
    else if (name.length > 63) errs.push(fieldError.invalid(`${at}.name`, name, 'must be no more than 63 characters'));
    const image = (c.image as string | undefined) ?? '';
    if (image === '') errs.push(fieldError.required(`${at}.image`));
    else if (image.trim() !== image) errs.push(fieldError.invalid(`${at}.image`, image, 'must not have leading or trailing whitespace'));
    if (c.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy as string)) {
      errs.push(fieldError.notSupported(`${at}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
    }
    if (!['File', 'FallbackToLogsOnError'].includes(c.terminationMessagePolicy as string)) {
      errs.push(fieldError.notSupported(`${at}.terminationMessagePolicy`, c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']));
    }
    if (name) {
      if (all.has(name)) errs.push(fieldError.duplicate(`${at}.name`, name));
      else all.add(name);
    }
    const target = c.targetContainerName as string | undefined;
    if (target !== undefined && !others.has(target)) errs.push(fieldError.notFound(`${at}.targetContainerName`, target));
    for (const f of NOT_FOR_EPHEMERAL) {
      if (c[f] !== undefined) errs.push(fieldError.forbidden(`${at}.${f}`, 'cannot be set for an Ephemeral Container'));
    }
    const res = c.resources as Record<string, unknown>;
    if (Object.keys(res).length > 0) errs.push(fieldError.forbidden(`${at}.resources`, 'cannot be set for an Ephemeral Container'));
  });
  // Existing ephemeral containers may be neither removed nor changed.
  for (const stored of pod.ephemeral) {
    const old = decodeEphemeralContainer(stored as Json) as Record<string, unknown>;
    const now = list.find((c) => c.name === old.name);
    if (!now) {
      errs.push(fieldError.forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(old.name)} may not be removed\n`));
    } else if (!deepEqual(old, now)) {
      errs.push(
        fieldError.forbidden(
          'spec.ephemeralContainers',
          `existing ephemeral containers ${JSON.stringify(old.name)} may not be changed\n${specDiff(old, now)}`,
        ),
      );
    }
  }
  if (errs.length) return invalid('Pod', pod.name, errs);
  return { list };
}
