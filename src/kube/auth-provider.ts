// A kubeconfig user with an auth-provider (oidc, gcp, azure): deprecated in
// client-go, still found in old kubeconfigs. client-node's authenticators
// handle them, as before; client-node (with openid-client, jsonpath-plus and
// the rest) is loaded only for such a user, at its first request, so every
// other run never loads it.
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#openid-connect-tokens

import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Fields } from './kubeconfig.js';


/**
 * The Authorization header value client-node's authenticator gives `user`'s
 * auth-provider, asked again for each request (it refreshes expired tokens
 * itself); null when it gives none.
 */
export function authProvider(user: string, provider: Fields, server: string): () => Promise<string | null> {
  let kc: Promise<KubeConfig> | null = null;
  return async () => {
    kc ??= import('@kubernetes/client-node/dist/config.js').then(({ KubeConfig: Kc }) => {
      const k = new Kc();
      // Only the user matters; the cluster is there because client-node wants one.
      k.loadFromOptions({
        clusters: [{ name: 'cluster', server, skipTLSVerify: false }],
        users: [{ name: user, authProvider: { name: String(provider.name ?? ''), config: (provider.config ?? {}) as Record<string, string> } }],
        contexts: [{ name: 'context', cluster: 'cluster', user }],
        currentContext: 'context',
      });
      return k;
    });
    const opts: { headers?: Record<string, string> } = {};
    await (await kc).applyToHTTPSOptions(opts as never);
    return opts.headers?.Authorization ?? null;
  };
}
