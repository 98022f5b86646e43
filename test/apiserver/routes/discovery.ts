// Non-resource paths: /version, the health checks, and legacy discovery
// (/api, /api/v1, /apis, /apis/{group}[/v1]); documents in api/discovery.ts.

import { apiGroupDoc, apiGroupList, apiVersions, coreResources, groupResources, SERVER_VERSION } from '../api/discovery.ts';
import { NOT_FOUND_PAGE } from '../server/reply.ts';
import type { Reply } from '../server/reply.ts';

export function nonResource(pathname: string, address: string): Reply {
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
}
