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
  retryAfterSeconds?: number;
}

export interface Status {
  kind?: 'Status';
  apiVersion?: 'v1';
  /** ListMeta: only a 410 Expired on a chunked list carries one (`continue`). */
  metadata: { continue?: string };
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
  return forbiddenBecause({ group: a.group, resource: a.resource }, a.name, reason);
}

/**
 * apierrors.NewForbidden around any error: `pods "x" is forbidden: <err>`,
 * as an admission plugin refuses (PodSecurity: `violates PodSecurity ...`).
 */
export function forbiddenBecause(gr: GroupResource, name: string | undefined, err: string): Status {
  const subject = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
  return failure(403, 'Forbidden', `${subject} is forbidden: ${err}`, details(gr, name));
}

/** One field.Error of k8s.io/apimachinery/pkg/util/validation/field. */
export interface FieldError {
  /** The CauseType: FieldValueRequired, FieldValueInvalid, FieldValueDuplicate, FieldValueNotFound, FieldValueForbidden, FieldValueNotSupported. */
  type: string;
  field: string;
  /** ErrorBody(): e.g. `Required value`, `Duplicate value: "app"`, `Forbidden: ...`. */
  body: string;
}

const quoteGo = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** field.Required / Invalid / Duplicate / NotFound / Forbidden / NotSupported, as ErrorBody() words them. */
export const fieldError = {
  required: (field: string, detail = ''): FieldError => ({
    type: 'FieldValueRequired',
    field,
    body: `Required value${detail ? `: ${detail}` : ''}`,
  }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field,
    body: `Invalid value: ${quoteGo(value)}${detail ? `: ${detail}` : ''}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, body: `Duplicate value: ${quoteGo(value)}` }),
  notFound: (field: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field, body: `Not found: ${quoteGo(value)}` }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, body: `Forbidden: ${detail}` }),
  notSupported: (field: string, value: unknown, supported: string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    body: `Unsupported value: ${quoteGo(value)}: supported values: ${supported.map((x) => JSON.stringify(x)).join(', ')}`,
  }),
};

/**
 * apierrors.NewInvalid: `Pod "x" is invalid: <field>: <body>`, or
 * `Pod "x" is invalid: [<e1>, <e2>]` for several (field.ErrorList.ToAggregate,
 * which also drops repeats).
 */
export function invalid(kind: string, name: string, errs: FieldError[]): Status {
  const texts = [...new Set(errs.map((e) => `${e.field}: ${e.body}`))];
  const message =
    texts.length === 0
      ? `${kind} "${name}" is invalid`
      : `${kind} "${name}" is invalid: ${texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`}`;
  return failure(422, 'Invalid', message, {
    name,
    kind,
    causes: errs.map((e) => ({ reason: e.type, message: e.body, field: e.field })),
  });
}

/**
 * What a JSON patch that does not apply gets (NewGenericServerResponse(422)
 * in the patch handler): the reason for the failure is not passed on.
 */
export function patchNotApplied(): Status {
  return failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}

/** negotiation.NewUnsupportedMediaTypeError for a PATCH with a content type the resource does not take. */
export function unsupportedMediaType(accepted: readonly string[]): Status {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    {},
  );
}

/** apierrors.NewMethodNotSupported as the REST handlers send it for a verb the resource does not serve. */
export function methodNotAllowed(): Status {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

/** apierrors.NewConflict for a write based on an old resourceVersion. */
export function conflict(gr: GroupResource, name: string): Status {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(gr, name),
  );
}

/**
 * An error that is not an API status (e.g. from the strategic merge patch
 * code): ErrorToAPIStatus makes it a 500 with an empty reason, so none is sent.
 */
export function unknownError(message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 };
}

/** apierrors.NewRequestEntityTooLargeError. */
export function entityTooLarge(message: string): Status {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
}

// ---- lists and load ---------------------------------------------------------
// Messages of k8s.io/apiserver/pkg/storage/etcd3 (errors.go interpretListError)
// for a list read at a compacted revision.

/** A continue token whose resourceVersion etcd has compacted away. */
export const CONTINUE_EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without ' +
  'the continue parameter, or use the continue token in this response to retrieve the remainder of the results. ' +
  'Continuing with the provided token results in an inconsistent list - objects that were created, modified, or ' +
  'deleted between the time the first chunk was returned and now may show up in the list.';

/** A list without a continue token at a compacted resourceVersion. */
export const LIST_EXPIRED_MESSAGE = 'The resourceVersion for the provided list is too old.';

/**
 * apierrors.NewResourceExpired: 410 Gone, reason Expired, no details. On a
 * chunked list the status's ListMeta carries the token that continues the
 * list inconsistently (handleCompactedErrorForPaging).
 */
export function resourceExpired(message: string, continueToken?: string): Status {
  const s = failure(410, 'Expired', message);
  if (continueToken) s.metadata = { continue: continueToken };
  return s;
}

/**
 * apierrors.NewTooManyRequests(message, seconds): 429 with
 * details.retryAfterSeconds when it is above 0 (ErrorNegotiated then also
 * sets the Retry-After header from it). kube-apiserver's watch cache sends it while it is not ready
 * (`storage is (re)initializing`); API Priority and Fairness sends plain
 * text instead (server/faults.ts).
 */
export function tooManyRequests(message: string, retryAfterSeconds: number): Status {
  return failure(429, 'TooManyRequests', message, retryAfterSeconds > 0 ? { retryAfterSeconds } : {});
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

/** A DNS label (a namespace's or a container's name), and the API server's words for one that is not. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
