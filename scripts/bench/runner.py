# Runs one command at a time for scripts/bench.mjs and reports its wall time,
# CPU time (user + system, children included) and peak memory (max RSS), from
# wait4(2)'s rusage: Node's child_process does not expose rusage, and GNU time
# is not on every machine. Protocol: a JSON line {"argv": [...], "env": {...}}
# on stdin → a JSON line {"ms", "cpu_ms", "maxrss_kib", "status", "stderr"}.
import json, os, sys, tempfile, time

for line in sys.stdin:
    req = json.loads(line)
    with tempfile.TemporaryFile() as err, open(os.devnull, 'wb') as null:
        start = time.perf_counter()
        try:
            pid = os.posix_spawnp(req['argv'][0], req['argv'], req['env'],
                                  file_actions=[(os.POSIX_SPAWN_DUP2, null.fileno(), 1),
                                                (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
                                                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)])
            _, status, ru = os.wait4(pid, 0)
            ms = (time.perf_counter() - start) * 1000
            code = os.waitstatus_to_exitcode(status)
            err.seek(0)
            out = {'ms': ms, 'cpu_ms': (ru.ru_utime + ru.ru_stime) * 1000, 'maxrss_kib': ru.ru_maxrss,
                   'status': code, 'stderr': err.read(4096).decode('utf8', 'replace')}
        except OSError as e:
            out = {'ms': 0, 'cpu_ms': 0, 'maxrss_kib': 0, 'status': -1, 'stderr': str(e)}
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
