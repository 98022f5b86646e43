# The last step of starting (or exec'ing into) a container whose pod asks the
# node to apply its securityContext (run.applySecurity in the fixture): what
# runc's init does between "namespaces exist" and "execve the command"
# (https://github.com/opencontainers/runc/blob/main/libcontainer/standard_init_linux.go):
#
#   1. (mounts.py, run before this: procfs, /dev, masked and read-only paths)
#   2. user namespace (hostUsers: false): unshare(CLONE_NEWUSER), then wait
#      until the server, which is root in the parent namespace, has written
#      uid_map and gid_map (newuidmap is not needed for that), then become
#      uid 0 inside it
#      (exec: join the container's user namespace, "joinUserns")
#   3. chroot into the container's root and chdir to its working directory
#   4. seccomp filter, when no_new_privs is not asked for: installed while
#      still holding CAP_SYS_ADMIN, as runc does
#   5. capabilities: drop the bounding set to the container's set, clear the
#      inheritable and ambient sets (a root process then gets the bounding
#      set as permitted and effective at execve, a non-root one nothing)
#   6. supplementary groups, gid, uid
#   7. no_new_privs, then the seccomp filter when it was deferred for it
#   8. execve the command, looked up in the container's PATH
#
# Python with ctypes rather than libseccomp or setpriv: util-linux 2.38's
# setpriv has no --seccomp-filter and cannot chroot, and python3 is on every
# machine that runs these tests. Configuration is one JSON argument, then argv.
#
# Kernel interfaces: prctl(2) PR_CAPBSET_DROP, PR_CAP_AMBIENT,
# PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP; seccomp(2) SECCOMP_MODE_FILTER with a
# classic BPF program; user_namespaces(7) for the uid_map rules.

import ctypes
import json
import os
import platform
import sys
import time

PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2
CLONE_NEWUSER = 0x10000000

libc = ctypes.CDLL(None, use_errno=True)
UL = ctypes.c_ulong


def fail(what):
    err = ctypes.get_errno()
    sys.stderr.write('credexec: %s: %s\n' % (what, os.strerror(err) if err else 'failed'))
    sys.exit(127)


def prctl(option, a=0, b=0, c=0, d=0):
    if libc.prctl(ctypes.c_int(option), UL(a), UL(b), UL(c), UL(d)) != 0:
        fail('prctl(%d)' % option)


# ---- seccomp ----------------------------------------------------------------
# Like the runtimes' RuntimeDefault profile in effect, though far shorter: a
# few syscalls a container has no business making fail with EPERM, every
# other syscall is allowed. What matters to the kernel (and to whoever reads
# /proc/<pid>/status) is that a filter is installed: Seccomp: 2.

class SockFilter(ctypes.Structure):
    _fields_ = [('code', ctypes.c_ushort), ('jt', ctypes.c_ubyte), ('jf', ctypes.c_ubyte), ('k', ctypes.c_uint)]


class SockFprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.POINTER(SockFilter))]


BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_RET_K = 0x06
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EPERM = 1

# audit arch, then reboot, kexec_load, kexec_file_load, init_module,
# finit_module, delete_module (arch/*/include/uapi/asm/unistd*.h)
DENIED = {
    'x86_64': (0xC000003E, [169, 246, 320, 175, 313, 176]),
    'aarch64': (0xC00000B7, [142, 104, 294, 105, 273, 106]),
}


def install_seccomp():
    arch, nrs = DENIED.get(platform.machine(), (None, []))
    prog = []
    if arch is not None:
        n = len(nrs)
        prog.append((BPF_LD_W_ABS, 0, 0, 4))                    # seccomp_data.arch
        prog.append((BPF_JEQ_K, 0, n + 1, arch))                 # other arch: allow
        prog.append((BPF_LD_W_ABS, 0, 0, 0))                    # seccomp_data.nr
        for i, nr in enumerate(nrs):
            prog.append((BPF_JEQ_K, n - i, 0, nr))               # -> the ERRNO return
        prog.append((BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))
        prog.append((BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM))
    else:
        prog.append((BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))
    arr = (SockFilter * len(prog))(*[SockFilter(*ins) for ins in prog])
    fprog = SockFprog(len(prog), arr)
    if libc.prctl(ctypes.c_int(PR_SET_SECCOMP), UL(SECCOMP_MODE_FILTER), ctypes.byref(fprog), UL(0), UL(0)) != 0:
        fail('seccomp filter')


# ---- capabilities -------------------------------------------------------------

class CapHeader(ctypes.Structure):
    _fields_ = [('version', ctypes.c_uint), ('pid', ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [('effective', ctypes.c_uint), ('permitted', ctypes.c_uint), ('inheritable', ctypes.c_uint)]


def clear_inheritable():
    hdr = CapHeader(0x20080522, 0)
    data = (CapData * 2)()
    if libc.capget(ctypes.byref(hdr), data) != 0:
        fail('capget')
    data[0].inheritable = 0
    data[1].inheritable = 0
    if libc.capset(ctypes.byref(hdr), data) != 0:
        fail('capset')


def last_cap():
    with open('/proc/sys/kernel/cap_last_cap') as f:
        return int(f.read())


def wait_for_maps():
    deadline = time.monotonic() + 10
    while True:
        with open('/proc/self/uid_map') as u, open('/proc/self/gid_map') as g:
            if u.read().strip() and g.read().strip():
                return
        if time.monotonic() > deadline:
            sys.stderr.write('credexec: no uid_map/gid_map written for the user namespace\n')
            sys.exit(127)
        time.sleep(0.001)


def main():
    cfg = json.loads(sys.argv[1])
    argv = sys.argv[2:]
    root = cfg.get('root')
    if cfg.get('userns'):
        if libc.unshare(ctypes.c_int(CLONE_NEWUSER)) != 0:
            fail('unshare user namespace')
        wait_for_maps()
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    if cfg.get('joinUserns'):
        # exec into a container with a user namespace: join it here rather
        # than in nsenter, once this interpreter is loaded, since the host
        # uid the container's root maps to may not read the interpreter's
        # files (a python under /root, say).
        fd = os.open(cfg['joinUserns'], os.O_RDONLY)
        if libc.setns(ctypes.c_int(fd), ctypes.c_int(CLONE_NEWUSER)) != 0:
            fail('setns user namespace')
        os.close(fd)
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    if root:
        os.chroot(root)
    os.chdir(cfg.get('wd') or '/')
    seccomp = cfg.get('seccomp', False)
    nnp = cfg.get('noNewPrivs', False)
    if seccomp and not nnp:
        install_seccomp()
    caps = cfg.get('caps')
    if caps is not None:
        keep = set(caps)
        for c in range(last_cap() + 1):
            if c not in keep:
                prctl(PR_CAPBSET_DROP, c)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    clear_inheritable()
    os.setgroups(cfg.get('groups', []))
    gid = cfg.get('gid', 0)
    uid = cfg.get('uid', 0)
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if nnp:
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        if seccomp:
            install_seccomp()
    env = cfg.get('env')
    try:
        if env is None:
            os.execvp(argv[0], argv)
        else:
            os.execvpe(argv[0], argv, env)
    except OSError as e:
        sys.stderr.write('credexec: exec %s: %s\n' % (argv[0], e.strerror))
        sys.exit(127)


main()
