// pods/exec over WebSocket, as kube-apiserver + kubelet serve it.
//
// Protocol (k8s.io/apimachinery/pkg/util/httpstream/wsstream, and
// https://kubernetes.io/docs/reference/using-api/websockets/ ):
//   every binary message starts with a channel byte: 0 stdin, 1 stdout,
//   2 stderr, 3 error (a metav1.Status as JSON from v4 on), 4 resize.
//   v5.channel.k8s.io (KEP-4006,
//   https://github.com/kubernetes/enhancements/tree/master/keps/sig-api-machinery/4006-transition-spdy-to-websockets)
//   adds a close signal: the message [255, channel] half-closes that channel.
//   *.base64.* variants send text messages: the channel as an ASCII digit,
//   then base64 data.
// The kubelet first sends an empty message on the lowest writable channel to
// tell the client the stream is up (pkg/kubelet/cri/streaming/remotecommand/
// websocket.go), and ends with one status message on channel 3, then closes.

import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { exitStatus, killTree, resolveInContainer, spawnInContainer } from './containers.ts';
import type { ExitInfo } from './containers.ts';
import { execFailure, podRuntime } from './noderuntime.ts';
import type { ContainerRecord, PodRecord } from '../cluster/records.ts';
import {
  badRequest,
  execInternalError,
  execNonZeroExit,
  execSuccess,
  internalError,
  notFound,
  ociExecFailure,
} from '../api/status.ts';
import type { Status } from '../api/status.ts';

/** Server preference order; v5 first, like a 1.30+ kubelet. */
export const EXEC_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'channel.k8s.io',
  'base64.channel.k8s.io',
] as const;

export type ExecProtocol = (typeof EXEC_PROTOCOLS)[number];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE_SIGNAL = 255;

/** Bytes of stdout the close-midstream fault lets through before dropping the connection. */
export const MIDSTREAM_BYTES = 3000;

export interface ExecPlan {
  pod: PodRecord;
  container: ContainerRecord;
  argv: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1' || v === 'True';
}

function names(cs: ContainerRecord[]): string {
  return `[${cs.map((c) => c.name).join(' ')}]`;
}

/**
 * Everything checked before the upgrade, in the order kube-apiserver
 * (pkg/registry/core/pod/strategy.go streamLocation) and then the kubelet do.
 * Returns the Status to refuse with, or the plan.
 */
export function planExec(pod: PodRecord | undefined, name: string, q: URLSearchParams): ExecPlan | Status {
  if (!pod) return notFound({ group: '', resource: 'pods' }, name);
  const app = pod.containers.filter((c) => c.kind === 'container');
  const init = pod.containers.filter((c) => c.kind === 'init');
  const eph = pod.containers.filter((c) => c.kind === 'ephemeral');
  let cname = q.get('container') ?? '';
  if (cname === '') {
    if (app.length === 1) {
      cname = app[0].name;
    } else {
      let msg = `a container name must be specified for pod ${pod.name}, choose one of: ${names(app)}`;
      if (init.length) msg += ` or one of the init containers: ${names(init)}`;
      if (eph.length) msg += ` or one of the ephemeral containers: ${names(eph)}`;
      return badRequest(msg);
    }
  }
  const container = pod.containers.find((c) => c.name === cname);
  if (!container) return badRequest(`container ${cname} is not valid for pod ${pod.name}`);
  if (pod.spec.nodeName === undefined) return badRequest(`pod ${pod.name} does not have a host assigned`);
  const argv = q.getAll('command');
  if (argv.length === 0) return badRequest('you must specify at least 1 command');
  const plan: ExecPlan = {
    pod,
    container,
    argv,
    stdin: flag(q, 'stdin'),
    stdout: flag(q, 'stdout'),
    stderr: flag(q, 'stderr'),
    tty: flag(q, 'tty'),
  };
  if (!plan.stdin && !plan.stdout && !plan.stderr) return badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (pod.fault === 'status-500') return internalError('error dialing backend: remote error: tls: internal error');
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed' || pod.phase === 'Pending') {
    return badRequest('unable to upgrade connection: pod does not exist');
  }
  // Windows pods run no process here (noderuntime.ts answers their execs).
  if (!('running' in container.state) || (!container.proc && podRuntime(pod) !== 'windows')) {
    return badRequest(`unable to upgrade connection: container not found ("${container.name}")`);
  }
  return plan;
}

/**
 * PROCSTATUS_APISERVER_PROTOCOLS (a comma list) narrows what this server
 * speaks, e.g. "v4.channel.k8s.io" for an API server older than 1.30, which
 * has no v5.
 */
const SUPPORTED: readonly ExecProtocol[] = process.env.PROCSTATUS_APISERVER_PROTOCOLS
  ? EXEC_PROTOCOLS.filter((p) => process.env.PROCSTATUS_APISERVER_PROTOCOLS!.split(',').includes(p))
  : EXEC_PROTOCOLS;

/** The subprotocol to answer with: the best one offered, '' when none was offered, undefined when none is supported. */
export function chooseProtocol(offered: readonly string[]): ExecProtocol | '' | undefined {
  if (offered.length === 0) return '';
  return SUPPORTED.find((p) => offered.includes(p));
}

export function unsupportedProtocols(offered: readonly string[]): Status {
  return badRequest(
    `unable to upgrade connection: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${EXEC_PROTOCOLS.join(' ')}]`,
  );
}

export interface ExecHooks {
  log(msg: string): void;
  /** Registers cleanup to run when the server stops. */
  onStop(fn: () => void): () => void;
}

/** Runs an exec over an accepted websocket. `protocol` '' is the pre-v4 binary protocol. */
export function serveExec(plan: ExecPlan, ws: WebSocket, protocol: ExecProtocol | '', hooks: ExecHooks): void {
  const base64 = protocol.includes('base64');
  const jsonStatus = protocol.startsWith('v4') || protocol.startsWith('v5');
  const closeSignals = protocol === 'v5.channel.k8s.io';
  const fault = plan.pod.fault;
  const label = `exec ${plan.pod.namespace}/${plan.pod.name}/${plan.container.name} ${JSON.stringify(plan.argv)}`;

  let pending = 0;
  const HIGH = 4 << 20;
  const LOW = 1 << 20;
  const paused = new Set<NodeJS.ReadableStream>();
  const send = (channel: number, data: Buffer, then?: () => void): void => {
    if (ws.readyState !== ws.OPEN) return;
    const frame = base64 ? String(channel) + data.toString('base64') : Buffer.concat([Buffer.from([channel]), data]);
    pending += data.length;
    ws.send(frame, { binary: !base64 }, () => {
      pending -= data.length;
      if (pending < LOW) for (const s of paused) s.resume();
      if (pending < LOW) paused.clear();
      then?.();
    });
  };

  const whenFlushed = (fn: () => void): void => {
    if (pending <= 0 || ws.readyState !== ws.OPEN) fn();
    else setTimeout(() => whenFlushed(fn), 5);
  };

  let finished = false;
  const finish = (status: Status | undefined, how: 'close' | 'drop'): void => {
    if (finished) return;
    finished = true;
    if (status && how === 'close') {
      if (jsonStatus) send(ERROR, Buffer.from(JSON.stringify(status)));
      else if (status.status !== 'Success') send(ERROR, Buffer.from(status.message ?? 'error'));
    }
    if (how === 'close') ws.close(1000);
    else whenFlushed(() => ws.terminate());
  };

  if (fault === 'hang-exec') {
    hooks.log(`${label}: hang-exec fault, sending nothing`);
    const off = hooks.onStop(() => ws.terminate());
    ws.on('close', off);
    return;
  }

  // "The stream is up" signal.
  send(plan.stdout ? STDOUT : plan.stderr && !plan.tty ? STDERR : ERROR, Buffer.alloc(0));

  const runtime = podRuntime(plan.pod);
  const resolved =
    runtime === 'windows'
      ? ({ ok: false, detail: 'no Windows processes here' } as const)
      : resolveInContainer(plan.container.proc!.pid1, plan.argv[0], plan.container.env.PATH);
  const other = resolved.ok ? undefined : execFailure(runtime, plan.argv, plan.container.containerID);
  if (other) {
    hooks.log(`${label}: ${runtime}: command not found`);
    if (other.stderr && plan.stderr && !plan.tty) send(STDERR, Buffer.from(other.stderr));
    else if (other.stderr && plan.tty) send(STDOUT, Buffer.from(other.stderr));
    finish(other.status, 'close');
    return;
  }
  if (!resolved.ok) {
    const execId = randomBytes(32).toString('hex');
    hooks.log(`${label}: ${resolved.detail}`);
    finish(execInternalError(ociExecFailure(execId, resolved.detail)), 'close');
    return;
  }

  // An ephemeral container started from its image runs exec'd processes with
  // its own credentials, chrooted into its root (see containers.ts).
  const sandbox = plan.container.sandbox;
  const child = spawnInContainer(
    plan.container.proc!.pid1,
    plan.argv,
    plan.container.env,
    plan.stdin,
    sandbox && { ...sandbox, resolved: resolved.path.startsWith('/') ? resolved.path : `/${resolved.path}` },
    plan.container.wrapper,
    plan.container.cgroupProcs,
  );
  const off = hooks.onStop(() => {
    killTree(child);
    ws.terminate();
  });
  ws.on('close', () => {
    off();
    // The client went away (or we are done): nothing may keep running for it.
    killTree(child);
  });

  let budget = fault === 'close-midstream' ? MIDSTREAM_BYTES : Infinity;
  const forward = (channel: number, stream: NodeJS.ReadableStream | null): void => {
    stream?.on('data', (d: Buffer) => {
      if (finished) return;
      if (budget !== Infinity) {
        const part = d.subarray(0, budget);
        budget -= part.length;
        if (budget <= 0) {
          hooks.log(`${label}: close-midstream fault, dropping the connection`);
          finished = true;
          send(channel, part, () => ws.terminate());
          killTree(child);
          return;
        }
        send(channel, part);
        return;
      }
      send(channel, d);
      if (pending > HIGH) {
        stream.pause();
        paused.add(stream);
      }
    });
  };
  if (plan.stdout) forward(STDOUT, child.stdout);
  else child.stdout?.resume();
  // With a TTY there is no stderr channel; a terminal would interleave both.
  if (plan.stderr || plan.tty) forward(plan.tty ? STDOUT : STDERR, child.stderr);
  else child.stderr?.resume();
  child.stdin?.on('error', () => {
    // the process exited before reading its stdin
  });

  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    let msg = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (msg.length === 0) return;
    let channel: number;
    if (base64 && !isBinary) {
      const text = msg.toString('latin1');
      channel = text.charCodeAt(0) - 48;
      msg = Buffer.concat([Buffer.from([channel]), Buffer.from(text.slice(1), 'base64')]);
    } else {
      channel = msg[0];
    }
    if (closeSignals && channel === CLOSE_SIGNAL) {
      if (msg.length === 2 && msg[1] === STDIN) child.stdin?.end();
      return;
    }
    if (channel === STDIN && child.stdin && !child.stdin.writableEnded) child.stdin.write(msg.subarray(1));
    // RESIZE ({"Width":80,"Height":24}) has no effect: exec runs without a pty here.
    void RESIZE;
  });

  child.on('error', (e) => finish(execInternalError(ociExecFailure(randomBytes(32).toString('hex'), e.message)), 'close'));
  child.on('close', (code, signal) => {
    if (finished) return;
    const exit: ExitInfo = { code, signal };
    const rc = exitStatus(exit);
    hooks.log(`${label}: exit ${rc}`);
    if (fault === 'close-midstream') {
      finish(undefined, 'drop');
    } else if (fault === 'no-status') {
      hooks.log(`${label}: no-status fault, closing without a status`);
      finish(undefined, 'close');
    } else {
      finish(rc === 0 ? execSuccess() : execNonZeroExit(plan.argv, rc), 'close');
    }
  });
}
