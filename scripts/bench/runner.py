# Runs one command at a time for scripts/bench.mjs and reports its wall time,
# CPU time (user + system, children included) and peak memory (max RSS), from
# wait4(2)'s rusage: Node's child_process does not expose rusage, and GNU time
# is not on every machine. Protocol: a JSON line
#   {"argv": [...], "env": {...}, "stdout": false, "timeout_s": 0}
# on stdin → a JSON line {"ms", "cpu_ms", "maxrss_kib", "status", "stderr",
# "stdout"} (stdout only when asked; both cut at 64 KiB). A command still
# running after timeout_s (0: no limit) is killed, status -9.
# SIGTERM or SIGINT ends the command being timed (SIGTERM, then SIGKILL 10 s
# later) before the runner goes, so an interrupted bench leaves nothing behind.
import json, os, signal, sys, tempfile, threading, time

CAP = 64 * 1024
child = None
stopping = False


def stop(signum, frame):
    global stopping
    stopping = True
    if child is not None:
        try:
            os.kill(child, signal.SIGTERM)
        except ProcessLookupError:
            pass
        kill_later(child, 10)
    else:
        sys.exit(1)


def kill_later(pid, seconds):
    def kill():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    t = threading.Timer(seconds, kill)
    t.daemon = True
    t.start()
    return t


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)

for line in sys.stdin:
    req = json.loads(line)
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out, open(os.devnull, 'wb') as null:
        sink = out if req.get('stdout') else null
        start = time.perf_counter()
        try:
            child = os.posix_spawnp(req['argv'][0], req['argv'], req['env'],
                                    file_actions=[(os.POSIX_SPAWN_DUP2, sink.fileno(), 1),
                                                  (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
                                                  (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)])
            timer = kill_later(child, req['timeout_s']) if req.get('timeout_s') else None
            _, status, ru = os.wait4(child, 0)
            ms = (time.perf_counter() - start) * 1000
            child = None
            if timer:
                timer.cancel()
            err.seek(0)
            out.seek(0)
            res = {'ms': ms, 'cpu_ms': (ru.ru_utime + ru.ru_stime) * 1000, 'maxrss_kib': ru.ru_maxrss,
                   'status': os.waitstatus_to_exitcode(status),
                   'stderr': err.read(CAP).decode('utf8', 'replace'),
                   'stdout': out.read(CAP).decode('utf8', 'replace')}
        except OSError as e:
            child = None
            res = {'ms': 0, 'cpu_ms': 0, 'maxrss_kib': 0, 'status': -1, 'stderr': str(e), 'stdout': ''}
    if stopping:
        sys.exit(1)
    sys.stdout.write(json.dumps(res) + '\n')
    sys.stdout.flush()
