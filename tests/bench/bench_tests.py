"""The measurements of tests/bench/bench.py, each one run of one daemon.

Each function takes a `Daemon` and the options, builds its programs, starts the daemon,
measures from outside (marker files the programs write, /proc; no XML-RPC), stops the
daemon with SIGTERM and returns a dict of figures. `problems` in that dict lists what
must never happen (orphans, unreaped zombies, log content that is not byte for byte
what the programs wrote); bench.py fails the run on any.
"""
import hashlib
import os
import shlex
import signal
import statistics
import subprocess
import time

from bench_proc import CLK_TCK, BenchError, Run, now, status, wait_until

MIB = 1024 * 1024


def start_timeout(o, n):
    return o.timeout_scale * (30 + 0.2 * n)


def stop_timeout(o, n):
    # Python supervisord stops one program per turn of its loop, and a turn can wait up
    # to 1 s when nothing else happens
    return o.timeout_scale * (60 + 1.0 * n)


def sleeper(r, k):
    """A program that says it started, then stays up (its process becomes `sleep`)."""
    return ["sh", "-c", "touch %s; exec sleep 3600" % shlex.quote(r.marker("started.%d" % k))]


def cpu_seconds(before, after):
    """CPU between two Run.cpu_precise() samples, for the processes present in both: the
    threads' nanoseconds (a thread born between the samples counts whole), unless the
    process's 10 ms ticks say more by over two ticks (a thread that ended between the
    samples took its nanoseconds with it; the ticks keep them)."""
    total = 0.0
    for k, (ticks, threads) in after.items():
        if k not in before:
            continue
        ticks0, threads0 = before[k]
        ns = sum(t - threads0.get(tid, 0) for tid, t in threads.items()) / 1e9
        by_ticks = (ticks - ticks0) / CLK_TCK
        total += by_ticks if by_ticks > ns + 2.0 / CLK_TCK else ns
    return total


def stopped(r, res, n):
    """Stop the daemon, add the stop figures and the leftover problems to `res`."""
    res.update(r.stop(stop_timeout(r.opts, n)))
    problems = res.setdefault("problems", [])
    if res["orphans"]:
        problems.append("%d orphan(s) %s" % (res["orphans"], res["orphan_procs"]))
    if res["zombies"]:
        problems.append("%d unreaped zombie(s) %s" % (res["zombies"], res["zombie_procs"]))
    return res


# -- spawn, stop, idle ------------------------------------------------------------------

def spawn(d, o):
    n = o.spawn
    with Run(d, o, "spawn") as r:
        r.write([r.program("p%d" % k, sleeper(r, k)) for k in range(n)])
        t0 = r.start()
        first, t_all = r.wait_markers(n, start_timeout(o, n))
        res = {"n": n, "start_s": t_all - t0, "first_s": first - t0}
        # stop N running programs, not N half-started ones: exec'd, and marked RUNNING
        # by the daemon (supervisord does it on a later turn of its loop)
        r.wait_sleeping(n, start_timeout(o, n))
        r.wait_running(n, start_timeout(o, n))
        r.check()
        return stopped(r, res, n)


def idle(d, o):
    n = o.idle
    with Run(d, o, "idle") as r:
        r.write([r.program("p%d" % k, sleeper(r, k)) for k in range(n)])
        r.start()
        r.wait_markers(n, start_timeout(o, n))
        r.wait_sleeping(n, start_timeout(o, n))
        # the daemon's own after-start work (state changes, logging) done before the window
        r.wait_running(n, start_timeout(o, n))
        r.wait_quiet(start_timeout(o, n))
        c0, t0 = r.cpu_precise(), now()
        time.sleep(o.window)
        c1, t1 = r.cpu_precise(), now()
        r.check()
        st = status(r.proc.pid)
        cpu = cpu_seconds(c0, c1)
        res = {"n": n, "window_s": t1 - t0, "cpu_s": cpu, "cpu_pct": 100 * cpu / (t1 - t0),
               "rss_kb": st.get("VmRSS"), "rss_mb": (st.get("VmRSS") or 0) / 1024,
               "hwm_kb": st.get("VmHWM"), "threads": st.get("Threads"),
               "helpers": len(c1) - 1}
        return stopped(r, res, n)


# -- restart latency, churn -------------------------------------------------------------

def running_program(r, old, timeout):
    """The program's own process (its parent is not a program), exec'd into sleep, and
    not the one killed before (`old`: (pid, starttime))."""
    def find():
        progs = r.programs()
        pids = {s["pid"] for s in progs}
        for s in progs:
            if s["comm"] == "sleep" and s["ppid"] not in pids and (s["pid"], s["starttime"]) != old:
                return s
        return None
    return wait_until(find, timeout, "the program running again", 0.001, r.check)


def restart(d, o):
    with Run(d, o, "restart") as r:
        marker = r.marker("starts")
        r.write([r.program("r0", ["sh", "-c", "echo x >> %s; exec sleep 3600" % shlex.quote(marker)],
                           autorestart=True)])
        r.start()
        lat, old = [], None
        for k in range(o.kills):
            prog = running_program(r, old, start_timeout(o, 1))
            old = (prog["pid"], prog["starttime"])
            # killed once the daemon has marked this start RUNNING, not while it is
            # still handling the start
            r.wait_running(k + 1, start_timeout(o, 1))
            size0, t0 = os.path.getsize(marker), now()
            os.kill(prog["pid"], signal.SIGKILL)
            wait_until(lambda: os.path.getsize(marker) > size0, 10 * o.timeout_scale,
                       "the killed program restarted", 0.0002, r.check)
            lat.append(1000 * (now() - t0))
        s = sorted(lat)
        res = {"kills": len(lat), "median_ms": statistics.median(s),
               "p90_ms": s[min(len(s) - 1, int(0.9 * len(s)))], "max_ms": s[-1],
               "all_ms": [round(x, 3) for x in lat]}
        return stopped(r, res, 1)


def churn(d, o):
    n = o.churn
    with Run(d, o, "churn") as r:
        files = [r.marker("c%d" % i) for i in range(n)]
        r.write([r.program("c%d" % i, ["sh", "-c", "echo x >> %s; exit 1" % shlex.quote(f)],
                           autorestart=True) for i, f in enumerate(files)])
        r.start()
        r.wait_markers(n, start_timeout(o, n))

        def starts():
            return sum(os.path.getsize(f) // 2 for f in files)  # one "x\n" per start
        s0, c0, t0 = starts(), r.cpu_precise(), now()
        time.sleep(o.churn_s)
        s1, c1, t1 = starts(), r.cpu_precise(), now()
        r.check()
        restarts, cpu = s1 - s0, cpu_seconds(c0, c1)
        res = {"n": n, "window_s": t1 - t0, "restarts": restarts,
               "restarts_per_s": restarts / (t1 - t0), "cpu_s": cpu,
               "cpu_pct": 100 * cpu / (t1 - t0),
               "cpu_ms_per_restart": 1000 * cpu / restarts if restarts else None}
        return stopped(r, res, n)


# -- logs -------------------------------------------------------------------------------

def seq_size(last):
    """Bytes `seq 1 last` writes."""
    total, lo, digits = 0, 1, 1
    while lo <= last:
        hi = min(last, lo * 10 - 1)
        total += (hi - lo + 1) * (digits + 1)
        lo, digits = lo * 10, digits + 1
    return total


def seq_last_for(nbytes):
    """The smallest `last` for which `seq 1 last` writes at least nbytes."""
    lo, hi = 1, max(2, nbytes)
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if seq_size(mid) >= nbytes else (mid + 1, hi)
    return lo


_SEQ = {}


def seq_output(last):
    """The stream the programs write (kept: every rep and daemon compares against it)."""
    if last not in _SEQ:
        _SEQ.clear()
        _SEQ[last] = subprocess.run(["seq", "1", str(last)], stdout=subprocess.PIPE,
                                    check=True, timeout=300).stdout
    return _SEQ[last]


def tail(path, n):
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - n))
            return f.read()
    except OSError:
        return b""


def log_done(path, expected, end, rotated):
    """Has this log everything? Unrotated: its size. Rotated: the stream's last line is at
    the end of the current file, or of file.1 when the last write rotated it."""
    if not rotated:
        try:
            return os.path.getsize(path) >= expected
        except OSError:
            return False
    for p in (path, path + ".1"):
        t = tail(p, len(end))
        if t:
            return t == end
    return False


def read(path):
    with open(path, "rb") as f:
        return f.read()


def size_and_mtime(path):
    """None for a file that does not exist, even one renamed away by a rotation between
    two looks (an exists() then stat() pair raced that)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def wait_logs(r, done, paths, timeout):
    """Wait until done(); False if, with every program gone, the logs (and their newest
    backup) have not changed for 1 s: the daemon lost data, and the caller says so
    rather than waiting for the deadline."""
    deadline, next_look, last, since = now() + timeout, 0, None, None
    while not done():
        r.check()
        t = now()
        if t > deadline:
            raise BenchError("timeout after %.0f s: every log complete" % timeout)
        if t >= next_look:
            next_look = t + 0.1
            look = [size_and_mtime(f) for p in paths for f in (p, p + ".1")]
            if look != last or r.programs():
                last, since = look, t
            elif t - since > 1.0:
                return False
        time.sleep(0.005)
    return True


def md5_file(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MIB), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_plain(paths, full, problems):
    want = hashlib.md5(full).hexdigest()
    for p in paths:
        if os.path.getsize(p) != len(full) or md5_file(p) != want:
            problems.append("content of %s differs from seq's output" % os.path.basename(p))


def verify_rotated(paths, full, maxbytes, backups, problems):
    """file.N ... file.1, file must be a contiguous tail of the stream, at least
    backups × maxbytes long, and no file.(N+1) may exist."""
    kept = []
    for p in paths:
        names = ["%s.%d" % (p, i) for i in range(backups, 0, -1)] + [p]
        data = b"".join(read(f) for f in names if os.path.exists(f))
        kept.append(len(data))
        name = os.path.basename(p)
        if not full.endswith(data):
            problems.append("%s and its backups are not a contiguous tail of the stream" % name)
        if len(data) < min(len(full), backups * maxbytes):
            problems.append("%s keeps %d bytes, less than %d backups × %d" % (
                name, len(data), backups, maxbytes))
        if os.path.exists("%s.%d" % (p, backups + 1)):
            problems.append("%s.%d exists (backups=%d)" % (name, backups + 1, backups))
    return kept


def logs(d, o, rotate=False):
    k, last = o.streams, seq_last_for(int(o.mb * 1e6))
    maxbytes, backups = (MIB, 5) if rotate else (0, 0)
    expected, end = seq_size(last), b"\n%d\n" % last
    with Run(d, o, "rotate" if rotate else "logs") as r:
        progs = [r.program("w%d" % i, ["seq", "1", str(last)], maxbytes=maxbytes, backups=backups)
                 for i in range(k)]
        r.write(progs)
        paths = [p["out"] for p in progs]
        t0 = r.start()

        def first_byte():
            return any(tail(p, 1) for p in paths)
        timeout = o.timeout_scale * (60 + k * o.mb / 5)
        wait_until(first_byte, timeout, "the first byte", 0.001, r.check)
        t1, c1 = now(), r.cpu_precise()
        complete = wait_logs(r, lambda: all(log_done(p, expected, end, rotate) for p in paths),
                             paths, timeout)
        t2, c2 = now(), r.cpu_precise()
        res = {"streams": k, "bytes_per_stream": expected, "first_byte_s": t1 - t0,
               "transfer_s": t2 - t1, "mbps": k * expected / 1e6 / (t2 - t1),
               "cpu_s": cpu_seconds(c1, c2), "problems": []}
        stopped(r, res, k)
        if not complete:
            # the figures of a run that lost data mean nothing
            for key in ("transfer_s", "mbps", "cpu_s"):
                del res[key]
            res["problems"].append("the logs stopped growing before they were complete")
        full = seq_output(last)
        if rotate:
            res["kept_bytes"] = verify_rotated(paths, full, maxbytes, backups, res["problems"])
        else:
            verify_plain(paths, full, res["problems"])
        return res


def logs_rotate(d, o):
    return logs(d, o, rotate=True)


TESTS = {"spawn": spawn, "restart": restart, "churn": churn, "idle": idle,
         "logs": logs, "rotate": logs_rotate}

