// The node's filesystem as hostPath volumes of fixture pods see it. Every
// node here is this machine, but a hostPath volume does not reach the
// machine's real files: the server keeps a stand-in host tree, and
// hostPath.path P is <stand-in>/P. What a volume's type expects is made
// there, the way the volume's real counterpart exists on a real node
// (https://kubernetes.io/docs/concepts/storage/volumes/#hostpath-volume-types):
//
//   Socket                              a listening unix socket (accepted
//                                       connections are closed at once),
//                                       e.g. /run/containerd/containerd.sock
//   Directory, DirectoryOrCreate, ""    a directory (containerd's CRI plugin
//                                       creates a missing "" path as one too)
//   File, FileOrCreate                  an empty file
//
// The container then gets a bind mount of it (mounts.py), so its mountinfo
// shows the stand-in's host path as the mount's root, as a kubelet bind mount
// shows the real host path.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { BindMount } from './mounts.ts';

export interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

export class HostPaths {
  private readonly root: string;
  private readonly sockets: net.Server[] = [];

  constructor(root: string) {
    this.root = root;
  }

  /** Where hostPath `p` is on this machine, made as `type` expects. */
  async provide(p: string, type = ''): Promise<string> {
    if (!p.startsWith('/')) throw new Error(`hostPath ${p}: not an absolute path`);
    const where = path.join(this.root, p);
    if (!where.startsWith(this.root + path.sep)) throw new Error(`hostPath ${p}: outside the host`);
    if (fs.existsSync(where)) return where;
    fs.mkdirSync(path.dirname(where), { recursive: true });
    switch (type) {
      case 'Socket':
        await this.listen(where);
        break;
      case 'File':
      case 'FileOrCreate':
        fs.writeFileSync(where, '', { mode: 0o644 });
        break;
      case '':
      case 'Directory':
      case 'DirectoryOrCreate':
        fs.mkdirSync(where, { mode: 0o755 });
        break;
      default:
        throw new Error(`hostPath ${p}: type ${type} is not supported here`);
    }
    return where;
  }

  /** The bind mounts of a container's hostPath volume mounts (other volume types are not mounted). */
  async bindsOf(volumes: Volume[] | undefined, mounts: VolumeMount[] | undefined): Promise<BindMount[]> {
    const binds: BindMount[] = [];
    for (const m of mounts ?? []) {
      const v = (volumes ?? []).find((x) => x.name === m.name);
      if (!v?.hostPath) continue;
      if (m.subPath) throw new Error(`volume mount ${m.name}: subPath is not supported here`);
      binds.push({ source: await this.provide(v.hostPath.path, v.hostPath.type), target: m.mountPath, readOnly: m.readOnly === true });
    }
    return binds;
  }

  /** Closes the sockets (which removes their files). */
  close(): void {
    for (const s of this.sockets) s.close();
  }

  private listen(where: string): Promise<void> {
    const server = net.createServer((c) => c.destroy());
    server.unref();
    this.sockets.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(where, () => resolve());
    });
  }
}
