// HTTPS front end: routing, authentication, RBAC, JSON and Table responses,
// and the exec upgrade. Paths follow the Kubernetes API conventions
// (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris).

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { allowed } from './auth.ts';
import type { Attributes, TokenTable, User } from './auth.ts';
import { apiGroupDoc, apiGroupList, apiVersions, coreResources, groupResources, SERVER_VERSION } from './discovery.ts';
import { requestedGrace } from './create.ts';
import { PATCH_CONTENT_TYPES, patchTypeOf } from './ephemeral.ts';
import { chooseProtocol, planExec, serveExec, unsupportedProtocols } from './exec.ts';
import type { ExecProtocol } from './exec.ts';
import { nextResourceVersion, WORKLOAD_KINDS } from './pods.ts';
import type { Cluster } from './pods.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorParseError } from './selectors.ts';
import {
  badRequest,
  conflict,
  entityTooLarge,
  forbidden,
  internalError,
  methodNotAllowed,
  notFound,
  unauthorized,
  unsupportedMediaType,
} from './status.ts';
import type { Status } from './status.ts';
import { nodeTable } from './nodes.ts';
import { decodePodProtobuf, PROTOBUF_CONTENT_TYPE } from './protobuf.ts';
import { defaultTable, podTable, wantsTable } from './table.ts';

export interface ServerOptions {
  cluster: Cluster;
  tokens: TokenTable;
  key: string | Buffer;
  cert: string | Buffer;
  log: (line: string) => void;
}

type Reply =
  | { code: number; json: unknown }
  | { code: number; text: string }
  | { hang: true };

interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

const POD_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'status.phase',
  'status.podIP',
  'status.nominatedNodeName',
];

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

function knownResource(p: ResourcePath): boolean {
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

function verbOf(method: string, p: ResourcePath, q: URLSearchParams): string {
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

function status(s: Status): Reply {
  return { code: s.code ?? 500, json: s };
}

/** Request bodies larger than this are refused (kube-apiserver's default limit is 3 MiB). */
const MAX_BODY = 3 << 20;

const isStatusObject = (o: unknown): o is Status => (o as { kind?: string } | null)?.kind === 'Status';

const NOT_FOUND_PAGE: Reply = { code: 404, text: '404 page not found\n' };

function stripTypeMeta(o: Record<string, unknown>): Record<string, unknown> {
  const { kind: _k, apiVersion: _a, ...rest } = o;
  return rest;
}

function tableOf(resource: string, objs: Record<string, any>[], includeObject: string, rv: string): unknown {
  if (resource === 'pods') return podTable(objs, includeObject, rv);
  if (resource === 'nodes') return nodeTable(objs, includeObject, rv);
  return defaultTable(objs, includeObject, rv);
}

export interface ApiServer {
  server: https.Server;
  listen(port: number): Promise<number>;
  stop(): Promise<void>;
}

export function createApiServer(o: ServerOptions): ApiServer {
  const { cluster, tokens, log } = o;
  const stopHooks = new Set<() => void>();
  const onStop = (fn: () => void): (() => void) => {
    stopHooks.add(fn);
    return () => stopHooks.delete(fn);
  };
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 16 << 20,
    handleProtocols: (offered) => chooseProtocol([...offered]) || false,
  });
  let address = '127.0.0.1:0';

  const collection = (p: ResourcePath, q: URLSearchParams, accept: string | undefined): Reply => {
    let labelReqs;
    let fieldReqs;
    try {
      labelReqs = parseLabelSelector(q.get('labelSelector') ?? '');
      fieldReqs = parseFieldSelector(q.get('fieldSelector') ?? '');
    } catch (e) {
      if (e instanceof SelectorParseError) return status(badRequest(e.message));
      throw e;
    }
    const allowedFields = p.resource === 'pods' ? POD_FIELDS : ['metadata.name', 'metadata.namespace'];
    const bad = fieldReqs.find((r) => !allowedFields.includes(r.field));
    if (bad) return status(badRequest(`field label not supported: ${bad.field}`));
    const rv = nextResourceVersion();
    const includeObject = q.get('includeObject') ?? 'Metadata';
    let objs: Record<string, any>[];
    let kind: string;
    if (p.resource === 'pods') {
      kind = 'PodList';
      objs = cluster.pods.filter((x) => !p.namespace || x.namespace === p.namespace).map((x) => cluster.podObject(x));
    } else if (p.resource === 'nodes') {
      kind = 'NodeList';
      objs = cluster.nodes.map((n) => n.object);
    } else if (p.resource === 'namespaces') {
      kind = 'NamespaceList';
      objs = cluster.namespaces.map((n) => namespaceObject(n));
    } else {
      kind = `${Object.keys(WORKLOAD_KINDS).find((k) => WORKLOAD_KINDS[k].resource === p.resource)}List`;
      objs = cluster.workloads
        .filter((w) => w.resource === p.resource && (!p.namespace || w.namespace === p.namespace))
        .map((w) => cluster.workloadObject(w));
    }
    objs = objs.filter((x) => {
      const fields: Record<string, string> = {
        'metadata.name': x.metadata.name,
        'metadata.namespace': x.metadata.namespace ?? '',
        'spec.nodeName': x.spec?.nodeName ?? '',
        'spec.restartPolicy': x.spec?.restartPolicy ?? '',
        'spec.schedulerName': x.spec?.schedulerName ?? '',
        'spec.serviceAccountName': x.spec?.serviceAccountName ?? '',
        'status.phase': x.status?.phase ?? '',
        'status.podIP': x.status?.podIP ?? '',
        'status.nominatedNodeName': x.status?.nominatedNodeName ?? '',
      };
      return matchesLabels(labelReqs, x.metadata.labels) && matchesFields(fieldReqs, fields);
    });
    if (wantsTable(accept)) {
      return { code: 200, json: tableOf(p.resource, objs, includeObject, rv) };
    }
    const apiVersion = p.group ? `${p.group}/${p.version}` : p.version;
    return { code: 200, json: { kind, apiVersion, metadata: { resourceVersion: rv }, items: objs.map(stripTypeMeta) } };
  };

  const namespaceObject = (n: string): Record<string, unknown> => ({
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: {
      name: n,
      uid: randomUUID(),
      resourceVersion: '1',
      creationTimestamp: cluster.pods[0]?.startTime ?? new Date().toISOString(),
      labels: { 'kubernetes.io/metadata.name': n },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });

  const single = (p: ResourcePath, q: URLSearchParams, accept: string | undefined): Reply => {
    const name = p.name as string;
    const includeObject = q.get('includeObject') ?? 'Metadata';
    const gr = { group: p.group, resource: p.resource };
    let obj: Record<string, any> | undefined;
    if (p.resource === 'pods') {
      const pod = cluster.pod(p.namespace ?? '', name);
      if (pod?.getFault === 'status-500') return status(internalError('etcdserver: request timed out'));
      obj = pod && cluster.podObject(pod);
    } else if (p.resource === 'nodes') {
      obj = cluster.node(name)?.object;
    } else if (p.resource === 'namespaces') {
      obj = cluster.namespaces.includes(name) ? namespaceObject(name) : undefined;
    } else {
      const w = cluster.workload(p.resource, p.namespace ?? '', name);
      obj = w && cluster.workloadObject(w);
    }
    if (!obj) return status(notFound(gr, name));
    if (wantsTable(accept)) {
      const rv = String(obj.metadata.resourceVersion);
      return { code: 200, json: tableOf(p.resource, [obj], includeObject, rv) };
    }
    return { code: 200, json: obj };
  };

  const nonResource = (pathname: string): Reply => {
    switch (pathname.replace(/\/+$/, '') || '/') {
      case '/version':
        return { code: 200, json: SERVER_VERSION };
      case '/healthz':
      case '/livez':
      case '/readyz':
        return { code: 200, text: 'ok' };
      case '/api':
        return { code: 200, json: apiVersions(address) };
      case '/api/v1':
        return { code: 200, json: coreResources() };
      case '/apis':
        return { code: 200, json: apiGroupList() };
    }
    const g = /^\/apis\/([^/]+)(?:\/(v1))?\/?$/.exec(pathname);
    if (g) {
      const doc = g[2] ? groupResources(g[1]) : apiGroupDoc(g[1]);
      if (doc) return { code: 200, json: doc };
    }
    return NOT_FOUND_PAGE;
  };

  type Sink = { res: ServerResponse } | { socket: Duplex; head: Buffer };

  /**
   * pods/{name}/ephemeralcontainers: GET the pod, PATCH (strategic merge,
   * JSON merge or JSON patch) or PUT (a whole Pod) its ephemeral containers.
   * The answer is the whole Pod; see ephemeral.ts and kubelet.ts.
   */
  const ephemeral = (req: IncomingMessage, p: ResourcePath, q: URLSearchParams, body: Buffer): Reply => {
    if (!p.namespace || !p.name) return NOT_FOUND_PAGE;
    const method = req.method ?? 'GET';
    const gr = { group: '', resource: 'pods' };
    const dryRun = q.getAll('dryRun').includes('All');
    const answer = (r: Record<string, unknown> | Status): Reply => (isStatusObject(r) ? status(r) : { code: 200, json: r });
    if (method === 'GET' || method === 'HEAD') {
      const pod = cluster.pod(p.namespace, p.name);
      return pod ? { code: 200, json: cluster.podObject(pod) } : status(notFound(gr, p.name));
    }
    if (method === 'PATCH') {
      const type = patchTypeOf(req.headers['content-type']);
      if (!type) return status(unsupportedMediaType(PATCH_CONTENT_TYPES));
      const pod = cluster.pod(p.namespace, p.name);
      if (!pod) return status(notFound(gr, p.name));
      return answer(cluster.patchEphemeralContainers(pod, type, body.toString('utf8'), dryRun));
    }
    if (method === 'PUT') {
      let obj: { metadata?: { name?: string; resourceVersion?: string }; spec?: { ephemeralContainers?: unknown } };
      try {
        obj = JSON.parse(body.toString('utf8'));
      } catch (e) {
        return status(badRequest(`error decoding the request body: ${e instanceof Error ? e.message : e}`));
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return status(badRequest('the request body is not a Pod'));
      const pod = cluster.pod(p.namespace, p.name);
      if (!pod) return status(notFound(gr, p.name));
      const name = obj.metadata?.name;
      if (name !== undefined && name !== p.name) {
        return status(badRequest(`the name of the object (${name}) does not match the name on the URL (${p.name})`));
      }
      const rv = obj.metadata?.resourceVersion;
      if (rv && rv !== pod.metadata.resourceVersion) return status(conflict(gr, p.name));
      const list = obj.spec?.ephemeralContainers ?? [];
      if (!Array.isArray(list)) {
        return status(badRequest('json: cannot unmarshal into Go struct field PodSpec.spec.ephemeralContainers of type []v1.EphemeralContainer'));
      }
      return answer(cluster.updateEphemeralContainers(pod, list, dryRun));
    }
    return status(methodNotAllowed());
  };

  /** POST pods (create) and DELETE pods/{name}; see create.ts. */
  const writePod = (method: string, p: ResourcePath, q: URLSearchParams, body: Buffer): Reply => {
    const ns = p.namespace as string;
    const dryRun = q.getAll('dryRun').includes('All');
    if (method === 'POST') {
      if (p.name) return status(methodNotAllowed());
      const r = cluster.createPod(ns, body.toString('utf8'), dryRun);
      return isStatusObject(r) ? status(r) : { code: 201, json: r };
    }
    if (!p.name) return status(methodNotAllowed());
    const pod = cluster.pod(ns, p.name);
    if (!pod) return status(notFound({ group: '', resource: 'pods' }, p.name));
    const grace = requestedGrace(q, body.toString('utf8'));
    if (isStatusObject(grace)) return status(grace);
    if (dryRun) return { code: 200, json: cluster.podObject(pod) };
    return { code: 200, json: cluster.deletePod(pod, grace) };
  };

  const handle = (req: IncomingMessage, sink: Sink, body: Buffer): { reply?: Reply; user?: User; note?: string } => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const user = tokens.lookup(req.headers.authorization);
    if (!user) return { reply: status(unauthorized()) };
    const p = parseResourcePath(url.pathname);
    if (!p) return { user, reply: req.method === 'GET' || req.method === 'HEAD' ? nonResource(url.pathname) : NOT_FOUND_PAGE };
    if (!knownResource(p)) return { user, reply: NOT_FOUND_PAGE };
    const attrs: Attributes = {
      verb: verbOf(req.method ?? 'GET', p, url.searchParams),
      group: p.group,
      resource: p.resource,
      subresource: p.subresource,
      namespace: p.namespace,
      name: p.name,
    };
    if (!allowed(user, attrs)) return { user, reply: status(forbidden({ user: user.name, ...attrs })) };

    if (p.subresource === 'ephemeralcontainers') {
      const sent = body.length ? `${req.headers['content-type'] ?? '(no content type)'} ${body.toString('utf8').slice(0, 2000)}` : undefined;
      return { user, reply: ephemeral(req, p, url.searchParams, body), note: sent };
    }

    if (p.subresource === 'exec') {
      if (!p.namespace || !p.name) return { user, reply: NOT_FOUND_PAGE };
      const pod = cluster.pod(p.namespace, p.name);
      if (pod?.fault === 'hang-upgrade') return { user, reply: { hang: true }, note: 'hang-upgrade fault' };
      const plan = planExec(pod, p.name, url.searchParams);
      if ('status' in plan) return { user, reply: status(plan) };
      if (!('socket' in sink)) return { user, reply: status(badRequest('Upgrade request required')) };
      const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
      if (upgrade !== 'websocket') {
        return {
          user,
          reply: status(badRequest(`unable to upgrade connection: this test server speaks only websocket, not ${upgrade}`)),
        };
      }
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const protocol = chooseProtocol(offered);
      if (protocol === undefined) return { user, reply: status(unsupportedProtocols(offered)) };
      // ws accepts upgrades on GET only; kube-apiserver takes POST as well.
      req.method = 'GET';
      wss.handleUpgrade(req, sink.socket, sink.head, (ws) => {
        serveExec(plan, ws, protocol as ExecProtocol | '', { log, onStop });
      });
      return { user, note: `101 Switching Protocols proto=${protocol || '(none)'} offered=[${offered.join(' ')}]` };
    }

    const method = req.method ?? 'GET';
    if (p.resource === 'pods' && p.group === '' && p.namespace && (method === 'POST' || method === 'DELETE')) {
      let json = body;
      if (method === 'POST' && String(req.headers['content-type'] ?? '').startsWith(PROTOBUF_CONTENT_TYPE)) {
        try {
          json = Buffer.from(JSON.stringify(decodePodProtobuf(body)));
        } catch (e) {
          return { user, reply: status(badRequest(`Pod in version "v1" cannot be handled as a Pod: ${e instanceof Error ? e.message : e}`)) };
        }
      }
      return { user, reply: writePod(method, p, url.searchParams, json), note: json.length ? json.toString('utf8').slice(0, 2000) : undefined };
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return { user, reply: status(methodNotAllowed()) };
    }
    if (attrs.verb === 'watch') return { user, reply: status(badRequest('watch is not supported by this test server')) };
    const accept = req.headers.accept;
    return { user, reply: p.name ? single(p, url.searchParams, accept) : collection(p, url.searchParams, accept) };
  };

  const encode = (r: Reply): { code: number; type: string; data: string } =>
    'json' in r
      ? { code: r.code, type: 'application/json', data: JSON.stringify(r.json) }
      : 'text' in r
        ? { code: r.code, type: 'text/plain; charset=utf-8', data: r.text }
        : { code: 0, type: '', data: '' };

  const dispatch = (req: IncomingMessage, sink: Sink, body: Buffer = Buffer.alloc(0)): void => {
    const started = Date.now();
    let out: ReturnType<typeof handle>;
    try {
      out = handle(req, sink, body);
    } catch (e) {
      out = { reply: status(internalError(e instanceof Error ? e.message : String(e))) };
    }
    const { reply, user, note } = out;
    const who = user ? user.name : 'unauthenticated';
    const line = (code: string): void =>
      log(`${req.method} ${req.url} user=${who} -> ${code}${note ? ` ${note}` : ''} (${Date.now() - started}ms)`);
    if (!reply) {
      line('upgrade');
      return;
    }
    if ('hang' in reply) {
      line('(no answer)');
      const s = 'res' in sink ? sink.res.socket : sink.socket;
      if (s) onStop(() => s.destroy());
      return;
    }
    const b = encode(reply);
    line(String(b.code));
    const headers = {
      'Content-Type': b.type,
      'Cache-Control': 'no-cache, private',
      'Audit-Id': randomUUID(),
      'Content-Length': String(Buffer.byteLength(b.data)),
    };
    if ('res' in sink) {
      sink.res.writeHead(b.code, headers);
      sink.res.end(req.method === 'HEAD' ? undefined : b.data);
    } else {
      const head = Object.entries({ ...headers, Connection: 'close' })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      sink.socket.end(`HTTP/1.1 ${b.code} ${http.STATUS_CODES[b.code] ?? ''}\r\n${head}\r\n${b.data}`);
    }
  };

  /** Reads the request body (PATCH, PUT, POST), then dispatches. */
  const withBody = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      dispatch(req, { res });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (d: Buffer) => {
      if (refused) return;
      size += d.length;
      if (size > MAX_BODY) {
        refused = true;
        const b = JSON.stringify(entityTooLarge('limit is 3145728'));
        res.writeHead(413, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(b)), Connection: 'close' });
        res.end(b);
        req.resume();
        return;
      }
      chunks.push(d);
    });
    req.on('end', () => {
      if (!refused) dispatch(req, { res }, Buffer.concat(chunks));
    });
    req.on('error', () => res.destroy());
  };

  const server = https.createServer({ key: o.key, cert: o.cert }, withBody);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    dispatch(req, { socket, head });
  });
  const sockets = new Set<Duplex>();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (err) => log(`TLS handshake failed: ${err.message}`));

  return {
    server,
    listen: (port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          const a = server.address();
          const actual = typeof a === 'object' && a ? a.port : port;
          address = `127.0.0.1:${actual}`;
          resolve(actual);
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        for (const fn of [...stopHooks]) fn();
        stopHooks.clear();
        for (const c of wss.clients) c.terminate();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
