// Test-only endpoints under /procstatus-test/, for the admin user (the
// kubeconfig's `test` context) alone; no real API server has them:
//
//   GET    /procstatus-test/faults   the armed request faults and their hits
//   POST   /procstatus-test/faults   arms a rule or an array of rules (server/faults.ts); 201 with them
//   DELETE /procstatus-test/faults   disarms every rule
//   POST   /procstatus-test/compact  compacts history: every continue token issued so far expires (410)

import type { User } from '../api/auth.ts';
import { USERS } from '../api/auth.ts';
import { badRequest, forbiddenPath, methodNotAllowed } from '../api/status.ts';
import { compact } from '../cluster/versions.ts';
import { FaultRuleError, parseFaultRules } from '../server/faults.ts';
import { NOT_FOUND_PAGE, status } from '../server/reply.ts';
import type { Reply } from '../server/reply.ts';
import type { ServerContext } from './context.ts';

export const ADMIN_PREFIX = '/procstatus-test/';

export function admin(ctx: ServerContext, user: User, method: string, pathname: string, body: Buffer): Reply {
  const verb = method === 'GET' ? 'get' : method === 'DELETE' ? 'delete' : 'create';
  if (user.name !== USERS.admin.name) return status(forbiddenPath(user.name, verb, pathname));
  if (pathname === '/procstatus-test/faults') {
    if (method === 'GET') return { code: 200, json: { faults: ctx.faults.list() } };
    if (method === 'DELETE') {
      ctx.faults.clear();
      return { code: 200, json: { faults: [] } };
    }
    if (method === 'POST') {
      try {
        return { code: 201, json: { faults: ctx.faults.add(parseFaultRules(JSON.parse(body.toString('utf8')))) } };
      } catch (e) {
        if (e instanceof FaultRuleError || e instanceof SyntaxError) return status(badRequest(e.message));
        throw e;
      }
    }
    return status(methodNotAllowed());
  }
  if (pathname === '/procstatus-test/compact') {
    if (method !== 'POST') return status(methodNotAllowed());
    return { code: 200, json: { compactedRevision: compact() } };
  }
  return NOT_FOUND_PAGE;
}
