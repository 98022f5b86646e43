import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { CliError } from '../errors.js';

export interface Cluster {
  kc: KubeConfig;
  /** The API server URL, for messages. */
  server: string;
  context: string;
  /** The context's namespace, else "default". */
  namespace: string;
}

/**
 * kubeconfig as kubectl reads it: --kubeconfig, else $KUBECONFIG (a list),
 * else ~/.kube/config, else in-cluster. client-node does the loading and all
 * the auth plugins (exec, OIDC, tokens, client certificates).
 * https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
 */
export function loadCluster(opts: { kubeconfig: string | null; context: string | null }): Cluster {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    const where = opts.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    throw new CliError(`cannot load kubeconfig ${where}: ${firstLine((err as Error).message)}`);
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      throw new CliError(`context "${opts.context}" does not exist in the kubeconfig`,
        `list them with: kubectl config get-contexts`);
    }
    kc.setCurrentContext(opts.context);
  }
  const context = kc.getCurrentContext();
  const ctx = kc.getContextObject(context);
  const cluster = kc.getCurrentCluster();
  if (!ctx || !cluster) {
    throw new CliError('no current context in the kubeconfig', 'choose one with --context, or: kubectl config use-context NAME');
  }
  return { kc, server: cluster.server.replace(/\/+$/, ''), context, namespace: ctx.namespace || 'default' };
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
