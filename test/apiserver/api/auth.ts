// Bearer-token authentication and a small RBAC table.
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#static-token-file
// https://kubernetes.io/docs/reference/access-authn-authz/rbac/
//
// Exec is authorized as verb "create" on pods/exec for both POST and the
// websocket GET, as kube-apiserver does since the
// AuthorizePodWebsocketUpgradeCreatePermission feature (on by default in 1.31+).
// Adding an ephemeral container is verb "patch" (or "update" for PUT) on
// pods/ephemeralcontainers, which kubectl debug needs.

import { randomBytes } from 'node:crypto';

export interface Rule {
  verbs: string[];
  /** API groups; '' is the core group, '*' any. */
  groups: string[];
  /** resources or resource/subresource; '*' any. */
  resources: string[];
}

export interface User {
  name: string;
  rules: Rule[];
}

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const READ = ['get', 'list', 'watch'];

export const USERS = {
  admin: { name: 'procstatus-admin', rules: [{ verbs: ['*'], groups: ['*'], resources: ['*'] }] },
  readonly: {
    name: 'readonly',
    rules: [
      { verbs: READ, groups: [''], resources: ['pods', 'namespaces', 'nodes'] },
      { verbs: READ, groups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'] },
      { verbs: READ, groups: ['batch'], resources: ['jobs'] },
    ],
  },
  nopods: { name: 'nopods', rules: [] },
  /** Reads pods and nodes and execs into pods, but may not create or delete pods (kubectl procstatus --all-pids needs both). */
  nocreate: {
    name: 'nocreate',
    rules: [
      { verbs: READ, groups: [''], resources: ['pods', 'namespaces', 'nodes'] },
      { verbs: ['create', 'get'], groups: [''], resources: ['pods/exec'] },
    ],
  },
  /** Reads pods and execs into them, but may not read namespaces (their Pod Security labels). */
  nonamespaces: {
    name: 'nonamespaces',
    rules: [
      { verbs: READ, groups: [''], resources: ['pods'] },
      { verbs: ['create', 'get'], groups: [''], resources: ['pods/exec'] },
    ],
  },
  /** Reads pods and execs into them, but may not add ephemeral containers. */
  noephemeral: {
    name: 'noephemeral',
    rules: [
      { verbs: READ, groups: [''], resources: ['pods', 'namespaces'] },
      { verbs: ['create', 'get'], groups: [''], resources: ['pods/exec'] },
      { verbs: READ, groups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'] },
      { verbs: READ, groups: ['batch'], resources: ['jobs'] },
    ],
  },
} satisfies Record<string, User>;

export type UserKey = keyof typeof USERS;

export interface TokenTable {
  tokens: Record<UserKey, string>;
  lookup(header: string | undefined): User | undefined;
}

/** Fresh random tokens for every server run, so nothing outside the run can guess them. */
export function makeTokens(): TokenTable {
  const tokens = {
    admin: `admin-${randomBytes(16).toString('hex')}`,
    readonly: `readonly-${randomBytes(16).toString('hex')}`,
    nopods: `nopods-${randomBytes(16).toString('hex')}`,
    noephemeral: `noephemeral-${randomBytes(16).toString('hex')}`,
    nocreate: `nocreate-${randomBytes(16).toString('hex')}`,
    nonamespaces: `nonamespaces-${randomBytes(16).toString('hex')}`,
  };
  const byToken = new Map<string, User>(Object.entries(tokens).map(([k, t]) => [t, USERS[k as UserKey]]));
  return {
    tokens,
    lookup(header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
      return m ? byToken.get(m[1]) : undefined;
    },
  };
}

const has = (list: string[], v: string): boolean => list.includes('*') || list.includes(v);

export function allowed(user: User, a: Attributes): boolean {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return user.rules.some((r) => has(r.verbs, a.verb) && has(r.groups, a.group) && has(r.resources, res));
}
