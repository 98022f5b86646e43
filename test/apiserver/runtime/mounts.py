# The mount half of a container's start, as runc's init does it between
# "the namespaces exist" and "hand over to the process"
# (https://github.com/opencontainers/runc/blob/main/libcontainer/rootfs_linux.go,
# standard_init_linux.go), with the mounts containerd's CRI plugin asks for
# (https://github.com/containerd/containerd/blob/main/pkg/oci/mounts.go,
# internal/cri/opts/spec_linux_opts.go). It runs as the first process of the
# container, inside its new mount namespace (private propagation) and PID
# namespace, so the procfs it mounts is that PID namespace's. Then it execs
# the rest of its arguments (credexec.py, capsh, or the command itself).
#
# In order, as runc does them:
#   1. the root (a directory of its own) bind-mounted on itself
#   2. /proc: proc, nosuid,nodev,noexec
#   3. /dev: tmpfs nosuid,strictatime,mode=755,size=65536k; /dev/pts (devpts,
#      newinstance,ptmxmode=0666,mode=0620,gid=5), /dev/shm (tmpfs
#      nosuid,noexec,nodev,mode=1777,size=65536k), /dev/mqueue; device nodes
#      null zero full random urandom tty (mknod, 0666), or for a privileged
#      container every device node of the host's /dev (containerd's
#      WithHostDevices); symlinks fd, stdin, stdout, stderr, ptmx -> pts/ptmx,
#      core -> /proc/kcore
#   4. /sys: sysfs nosuid,noexec,nodev, read-only unless privileged (only in
#      a root of its own: a container on the host's root keeps the host's)
#   5. bind mounts (hostPath volumes), rbind; read-only ones remounted ro
#   6. the root remounted read-only (readOnlyRootFilesystem)
#   7. read-only paths: bind-mounted on themselves, remounted ro keeping
#      nosuid/nodev/noexec (runc readonlyPath)
#   8. masked paths: a file gets the container's /dev/null bind-mounted over
#      it, a directory a read-only tmpfs (runc maskPaths); paths this kernel
#      does not have are skipped, as runc skips them
#
# Kernel interfaces: mount(2), mknod(2), statfs(2). Configuration is one
# JSON argument, then "--" and the command to exec.

import ctypes
import json
import os
import stat
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
MS_STRICTATIME = 1 << 24

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]

DEVICES = [('null', 1, 3), ('zero', 1, 5), ('full', 1, 7), ('random', 1, 8), ('urandom', 1, 9), ('tty', 5, 0)]
# containerd's getDevices (pkg/oci/utils_unix.go) leaves these out of a privileged container's devices.
SKIPPED_HOST_DEV_DIRS = {'pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev'}


def fail(what):
    err = ctypes.get_errno()
    sys.stderr.write('mounts: %s: %s\n' % (what, os.strerror(err) if err else 'failed'))
    sys.exit(127)


def enc(p):
    return p.encode() if p is not None else None


def mount(source, target, fstype, flags, data=None, ok_missing=False):
    if libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        if ok_missing and ctypes.get_errno() == 2:
            return False
        fail('mount %s on %s' % (fstype or source, target))
    return True


def mkdir(p, mode=0o755):
    try:
        os.mkdir(p, mode)
    except FileExistsError:
        pass


def mknod(p, mode, major, minor, kind=stat.S_IFCHR, uid=0, gid=0):
    os.mknod(p, kind | mode, os.makedev(major, minor))
    os.chmod(p, mode)
    os.chown(p, uid, gid)


def host_devices(dev, src='/dev', rel=''):
    """Every character and block device of the host's /dev, at the same place in the container's."""
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        st = os.lstat(path)
        target = os.path.join(dev, rel, name)
        if stat.S_ISDIR(st.st_mode):
            if name not in SKIPPED_HOST_DEV_DIRS:
                mkdir(target)
                host_devices(dev, path, os.path.join(rel, name))
        elif (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)) and name not in ('console', 'ptmx') and not os.path.exists(target):
            kind = stat.S_IFCHR if stat.S_ISCHR(st.st_mode) else stat.S_IFBLK
            mknod(target, stat.S_IMODE(st.st_mode), os.major(st.st_rdev), os.minor(st.st_rdev), kind, st.st_uid, st.st_gid)


def setup_dev(root, privileged):
    dev = root + '/dev'
    mount('tmpfs', dev, 'tmpfs', MS_NOSUID | MS_STRICTATIME, 'mode=755,size=65536k')
    mkdir(dev + '/pts')
    mount('devpts', dev + '/pts', 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5')
    mkdir(dev + '/shm', 0o1777)
    mount('shm', dev + '/shm', 'tmpfs', MS_NOSUID | MS_NOEXEC | MS_NODEV, 'mode=1777,size=65536k')
    mkdir(dev + '/mqueue')
    mount('mqueue', dev + '/mqueue', 'mqueue', MS_NOSUID | MS_NOEXEC | MS_NODEV)
    umask = os.umask(0)
    try:
        for name, major, minor in DEVICES:
            mknod(dev + '/' + name, 0o666, major, minor)
        if privileged:
            host_devices(dev)
    finally:
        os.umask(umask)
    links = [('/proc/self/fd', 'fd'), ('/proc/self/fd/0', 'stdin'), ('/proc/self/fd/1', 'stdout'),
             ('/proc/self/fd/2', 'stderr'), ('pts/ptmx', 'ptmx')]
    # runc links /dev/core only where the kernel has /proc/kcore (CONFIG_PROC_KCORE).
    if os.path.exists('/proc/kcore'):
        links.append(('/proc/kcore', 'core'))
    for target, name in links:
        os.symlink(target, dev + '/' + name)


def bind(root, own_root, b):
    source, target = b['source'], root + b['target']
    if not os.path.lexists(target):
        if not own_root:
            sys.stderr.write('mounts: %s: no such mount point on the host\'s root\n' % b['target'])
            sys.exit(127)
        # The runtime makes the mount point, a directory or an empty file like its source.
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(source):
            mkdir(target)
        else:
            open(target, 'a').close()
    mount(source, target, None, MS_BIND | MS_REC)
    if b.get('readOnly'):
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags(target))


def kept_flags(path):
    """nosuid, nodev and noexec of the mount path is on: a bind remount keeps them (statfs(2) f_flag)."""
    f = os.statvfs(path).f_flag
    return f & (MS_NOSUID | MS_NODEV | MS_NOEXEC)


def readonly_path(p):
    if not mount(p, p, None, MS_BIND | MS_REC, ok_missing=True):
        return
    mount(None, p, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags(p))


def mask_path(root, p):
    if not os.path.lexists(p):
        return
    if os.path.isdir(p):
        mount('tmpfs', p, 'tmpfs', MS_RDONLY)
    else:
        mount(root + '/dev/null', p, None, MS_BIND)


def main():
    cfg = json.loads(sys.argv[1])
    if sys.argv[2] != '--' or len(sys.argv) < 4:
        sys.stderr.write('mounts: usage: mounts.py CONFIG -- COMMAND...\n')
        sys.exit(127)
    argv = sys.argv[3:]
    root = (cfg.get('root') or '').rstrip('/')
    own_root = root != ''
    privileged = cfg.get('privileged', False)
    if own_root:
        mount(root, root, None, MS_BIND | MS_REC)
        mkdir(root + '/proc', 0o555)
        mkdir(root + '/dev')
    mount('proc', root + '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC)
    setup_dev(root, privileged)
    if own_root:
        mkdir(root + '/sys', 0o555)
        mount('sysfs', root + '/sys', 'sysfs', MS_NOSUID | MS_NOEXEC | MS_NODEV | (0 if privileged else MS_RDONLY))
    for b in cfg.get('binds', []):
        bind(root, own_root, b)
    if own_root and cfg.get('readOnlyRoot'):
        mount(None, root, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    for p in cfg.get('readonlyPaths', []):
        readonly_path(root + p)
    for p in cfg.get('maskedPaths', []):
        mask_path(root, root + p)
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        sys.stderr.write('mounts: exec %s: %s\n' % (argv[0], e.strerror))
        sys.exit(127)


main()
