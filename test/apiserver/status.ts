// metav1.Status bodies, shaped like the ones kube-apiserver and the kubelet
// send. Field order and message wording follow k8s.io/apimachinery
// pkg/api/errors/errors.go and pkg/kubelet/cri/streaming/remotecommand, so a
// client that is happy with these is happy with a real cluster.
// https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

export interface Status {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

export interface GroupResource {
  group: string;
  resource: string;
}

/** "pods" for the core group, "deployments.apps" otherwise (schema.GroupResource.String()). */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

function details(gr: GroupResource, name: string | undefined): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (gr.group) d.group = gr.group;
  d.kind = gr.resource;
  return d;
}

function failure(code: number, reason: string, message: string, det?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason };
  if (det) s.details = det;
  s.code = code;
  return s;
}

export function unauthorized(): Status {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

/** apierrors.NewNotFound: `pods "x" not found`. */
export function notFound(gr: GroupResource, name: string): Status {
  return failure(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, details(gr, name));
}

/** apierrors.NewBadRequest: no details, just the message. */
export function badRequest(message: string): Status {
  return failure(400, 'BadRequest', message);
}

/** apierrors.NewInternalError: the cause is repeated in details.causes. */
export function internalError(cause: string): Status {
  return failure(500, 'InternalError', `Internal error occurred: ${cause}`, { causes: [{ message: cause }] });
}

export interface ForbiddenAttrs {
  user: string;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}

/**
 * The RBAC authorizer's reason (plugin/pkg/auth/authorizer/rbac) wrapped by
 * apierrors.NewForbidden, e.g.
 * `pods "web" is forbidden: User "readonly" cannot create resource "pods/exec" in API group "" in the namespace "default"`.
 */
export function forbidden(a: ForbiddenAttrs): Status {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const reason = `User "${a.user}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`;
  const gr = { group: a.group, resource: a.resource };
  const subject = a.name ? `${qualifiedResource(gr)} "${a.name}"` : qualifiedResource(gr);
  return failure(403, 'Forbidden', `${subject} is forbidden: ${reason}`, details(gr, a.name));
}

/** Forbidden for a non-resource URL such as /version. */
export function forbiddenPath(user: string, verb: string, path: string): Status {
  return failure(403, 'Forbidden', `forbidden: User "${user}" cannot ${verb} path "${path}"`, {});
}

// ---- Statuses written on the exec error channel (3) -------------------------
// These are marshalled without kind/apiVersion, exactly like the kubelet's
// v4 writeStatus does (pkg/kubelet/cri/streaming/remotecommand/websocket.go).

export function execSuccess(): Status {
  return { metadata: {}, status: 'Success' };
}

/**
 * The kubelet's status for a command that exited non-zero. `reason` inside a
 * cause is the JSON name of StatusCause.Type ("ExitCode").
 */
export function execNonZeroExit(argv: readonly string[], exitCode: number): Status {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** The exec could not start (e.g. executable not in $PATH): an InternalError without kind. */
export function execInternalError(cause: string): Status {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${cause}`,
    reason: 'InternalError',
    details: { causes: [{ message: cause }] },
    code: 500,
  };
}

/**
 * What containerd reports through the kubelet when argv[0] cannot be run.
 * `detail` is e.g. `exec: "cat": executable file not found in $PATH`.
 */
export function ociExecFailure(execId: string, detail: string): string {
  return (
    `error executing command in container: failed to exec in container: failed to start exec "${execId}": ` +
    `OCI runtime exec failed: exec failed: unable to start container process: ${detail}: unknown`
  );
}
