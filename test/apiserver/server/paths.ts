// Request paths and verbs, as kube-apiserver's RequestInfoFactory reads them
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go).
// https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris

import { WORKLOAD_KINDS } from '../api/resources.ts';

export interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

/** Splits /api/v1/... and /apis/{group}/{version}/... into resource coordinates. */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  let segs: string[];
  try {
    segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const [, namespace, resource, name, subresource, ...extra] = rest;
    return extra.length ? undefined : { group, version, namespace, resource, name, subresource };
  }
  if (rest.length > 3) return undefined;
  const [resource, name, subresource] = rest;
  return { group, version, resource, name, subresource };
}

/** Whether this server serves the resource (and subresource) at all; anything else is a 404 page. */
export function knownResource(p: ResourcePath): boolean {
  if (p.version !== 'v1') return false;
  if (p.group === '') {
    if (p.resource === 'namespaces' || p.resource === 'nodes') return p.subresource === undefined && p.namespace === undefined;
    return p.resource === 'pods' && (p.subresource === undefined || p.subresource === 'exec' || p.subresource === 'ephemeralcontainers');
  }
  return (
    p.subresource === undefined &&
    Object.values(WORKLOAD_KINDS).some((k) => k.group === p.group && k.resource === p.resource)
  );
}

/** The authorization verb of a request (exec is `create` whatever the method). */
export function verbOf(method: string, p: ResourcePath, q: URLSearchParams): string {
  if (p.subresource === 'exec') return 'create';
  switch (method) {
    case 'GET':
    case 'HEAD':
      return p.name ? 'get' : q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return p.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}
