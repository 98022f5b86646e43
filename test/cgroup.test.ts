// Kubelet cgroup paths → pod UID and container ID, on the shapes real nodes
// write (systemd and cgroupfs drivers, containerd, CRI-O, Docker, cgroup v1
// and v2, nested nodes).
import { describe, expect, it } from 'vitest';
import { containerIdOf, parseCgroup } from '../src/procfs/cgroup.js';

const ID = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8);
const UID = '8f2c1a3e-5b6d-4e7f-9a0b-1c2d3e4f5a6b';
const U = UID.replace(/-/g, '_');

describe('parseCgroup', () => {
  it.each([
    ['systemd, containerd, v2', `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${U}.slice/cri-containerd-${ID}.scope\n`, 'cri-containerd'],
    ['systemd, guaranteed', `0::/kubepods.slice/kubepods-pod${U}.slice/cri-containerd-${ID}.scope\n`, 'cri-containerd'],
    ['systemd, CRI-O', `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${U}.slice/crio-${ID}.scope\n`, 'crio'],
    ['cgroupfs', `0::/kubepods/besteffort/pod${UID}/${ID}\n`, null],
    ['cgroupfs, guaranteed', `0::/kubepods/pod${UID}/${ID}\n`, null],
    ['kind (nested under the node container)', `0::/system.slice/docker-x.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${U}.slice/cri-containerd-${ID}.scope\n`, 'cri-containerd'],
    ['v1, several hierarchies', `12:pids:/kubepods/burstable/pod${UID}/${ID}\n11:memory:/kubepods/burstable/pod${UID}/${ID}\n1:name=systemd:/kubepods/burstable/pod${UID}/${ID}\n`, null],
  ])('%s', (_, text, runtime) => {
    expect(parseCgroup(text)).toEqual({ podUid: UID, containerId: ID, runtime });
  });

  it('the pod\'s own cgroup (no container): the pod only', () => {
    expect(parseCgroup(`0::/kubepods/besteffort/pod${UID}\n`)).toEqual({ podUid: UID, containerId: null, runtime: null });
  });

  it('host processes and conmon are in no pod', () => {
    expect(parseCgroup('0::/system.slice/containerd.service\n')).toBeNull();
    expect(parseCgroup('0::/init.scope\n')).toBeNull();
    expect(parseCgroup(`0::/system.slice/crio-conmon-${ID}.scope\n`)).toBeNull();
    expect(parseCgroup('')).toBeNull();
    expect(parseCgroup('garbage\n\0\0')).toBeNull();
  });

  it('container IDs from containerStatuses', () => {
    expect(containerIdOf(`containerd://${ID}`)).toBe(ID);
    expect(containerIdOf(`cri-o://${ID}`)).toBe(ID);
    expect(containerIdOf('containerd://short')).toBeNull();
    expect(containerIdOf(undefined)).toBeNull();
  });
});
