"""Processes for tests/bench/bench.py: /proc readers, the harness as a child subreaper,
and `Run`, one daemon under one generated config in its own temp dir.

Everything a run starts stays below the harness: the harness is a child subreaper (a
program the daemon leaves behind is re-parented to us, never to init), the daemon dies
with the harness (PR_SET_PDEATHSIG), and when a run ends, even by an error or SIGTERM,
the daemon and everything still below us is sent SIGKILL by PID and reaped. Nothing is
ever killed by name. Programs are told from the daemon's own processes by the
BENCH_ROLE=program variable each program section sets.
"""
import ctypes
import os
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
ROLE = b"BENCH_ROLE=program"
MYPID = os.getpid()
# The C floors (floor.c) by daemon name, with their flags; its head comment says what
# each measures.
FLOORS = {"floor": [], "splice-floor": ["-s"], "supervisor-floor": ["-S"]}
now = time.monotonic
_libc = ctypes.CDLL(None, use_errno=True)


class BenchError(Exception):
    """A run that could not be measured (timeout, daemon died); recorded, not fatal."""


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


# -- /proc ------------------------------------------------------------------------------

def stat(pid):
    """The fields of /proc/PID/stat we use, or None if the process is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
        r = data.rindex(b")")
        f = data[r + 2:].split()
        return {"pid": pid, "comm": data[data.index(b"(") + 1:r].decode(errors="replace"),
                "state": f[0].decode(), "ppid": int(f[1]),
                "ticks": int(f[11]) + int(f[12]), "starttime": int(f[19])}
    except (OSError, ValueError, IndexError):
        return None


def status(pid):
    """VmRSS (kB) and Threads from /proc/PID/status."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                key, _, val = line.partition(":")
                if key in ("VmRSS", "VmHWM", "Threads"):
                    out[key] = int(val.split()[0])
    except OSError:
        pass
    return out


def is_program(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            return ROLE in f.read().split(b"\0")
    except OSError:
        return False


def proc_table():
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = stat(int(name))
            if st:
                table[st["pid"]] = st
    return table


def thread_ns(pid):
    """{tid: ns on CPU} of a process's live threads (/proc/PID/task/TID/schedstat, whose
    first field counts nanoseconds, where /proc/PID/stat counts 10 ms ticks)."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                out[int(tid)] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return out


def descendants(table):
    """Every process below the harness (as subreaper, that is every process of a run)."""
    kids = {}
    for st in table.values():
        kids.setdefault(st["ppid"], []).append(st["pid"])
    out, todo = [], [MYPID]
    while todo:
        for pid in kids.get(todo.pop(), ()):
            out.append(pid)
            todo.append(pid)
    return out


# -- process hygiene --------------------------------------------------------------------

def become_subreaper():
    if _libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise BenchError("prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d" % ctypes.get_errno())


def _die_with_harness():
    """preexec_fn of the daemon: SIGKILL it if the harness dies, however it dies."""
    _libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def raise_nofile():
    """1000 programs need over 4000 descriptors in the daemon; it inherits our limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            log("warning: could not raise RLIMIT_NOFILE above %d" % soft)


def reap_zombies(exclude=()):
    """waitpid every zombie re-parented to us (never waitpid(-1): Popen owns the daemon)."""
    found = []
    for pid, st in proc_table().items():
        if st["ppid"] == MYPID and st["state"] in "ZX" and pid not in exclude:
            try:
                os.waitpid(pid, os.WNOHANG)
                found.append("%d:%s" % (pid, st["comm"]))
            except ChildProcessError:
                pass
    return found


def sweep(timeout=5.0):
    """SIGKILL (by PID) and reap everything below us; returns how many were alive."""
    killed, deadline = set(), now() + timeout
    while True:
        table = proc_table()
        alive = [p for p in descendants(table) if table[p]["state"] not in "ZX"]
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        reap_zombies()
        if not alive or now() > deadline:
            return len(killed)
        time.sleep(0.01)


def wait_until(cond, timeout, what, interval=0.005, check=None):
    """Poll cond() until it returns something true; BenchError after `timeout` s."""
    deadline = now() + timeout
    while True:
        value = cond()
        if value:
            return value
        if check:
            check()
        if now() > deadline:
            raise BenchError("timeout after %.0f s: %s" % (timeout, what))
        time.sleep(interval)


# -- one daemon run ---------------------------------------------------------------------

class Daemon:
    """A daemon under test: a name and an argv template ({conf}: the INI, {tsv}: the
    floor's program list)."""

    def __init__(self, name, argv):
        self.name, self.argv = name, argv

    def command(self, conf, tsv):
        return [a.replace("{conf}", conf).replace("{tsv}", tsv) for a in self.argv]


class Run:
    """A temp dir with logs/ and markers/, the generated config and one daemon process.
    Use as a context manager: leaving it kills and reaps everything of the run."""

    def __init__(self, daemon, opts, name):
        left = sweep()
        if left:
            log("warning: killed %d leftover process(es) before %s" % (left, name))
        self.daemon, self.opts = daemon, opts
        self.dir = tempfile.mkdtemp(prefix="%s-%s-" % (name, daemon.name), dir=opts.tmp)
        self.logdir = os.path.join(self.dir, "logs")
        self.markdir = os.path.join(self.dir, "markers")
        os.mkdir(self.logdir)
        os.mkdir(self.markdir)
        self.conf = os.path.join(self.dir, "supervisord.conf")
        self.tsv = os.path.join(self.dir, "programs.tsv")
        self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        if not self.opts.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def marker(self, name):
        return os.path.join(self.markdir, name)

    def program(self, name, argv, autorestart=False, maxbytes=0, backups=0):
        return {"name": name, "argv": argv, "autorestart": autorestart,
                "out": os.path.join(self.logdir, name + ".out"),
                "err": os.path.join(self.logdir, name + ".err"),
                "maxbytes": maxbytes, "backups": backups}

    def write(self, programs):
        """The same programs twice: the INI for supervisord, one line each for the floor."""
        with open(self.conf, "w") as f:
            f.write(ini(self.dir, self.logdir, programs))
        with open(self.tsv, "w") as f:
            f.write(floor_lines(programs))

    def start(self):
        argv = self.daemon.command(self.conf, self.tsv)
        out = open(os.path.join(self.dir, "daemon.out"), "wb")
        t0 = now()
        # its own session: a Ctrl-C at the terminal reaches only the harness, which then
        # kills the daemon itself
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=_die_with_harness)
        out.close()
        return t0

    def check(self):
        """Raise if the daemon died under us (with the end of its output)."""
        if self.proc.poll() is not None:
            with open(os.path.join(self.dir, "daemon.out"), "rb") as f:
                tail = f.read()[-800:].decode(errors="replace")
            raise BenchError("daemon exited early (rc=%s): %s" % (self.proc.returncode, tail))

    def scan(self):
        """Live processes of the run: {pid: stat} with 'role' daemon, program or helper."""
        table = proc_table()
        res = {}
        for pid in descendants(table):
            st = table[pid]
            if st["state"] in "ZX":
                continue
            if pid == self.proc.pid:
                st["role"] = "daemon"
            else:
                st["role"] = "program" if is_program(pid) else "helper"
            res[pid] = st
        return res

    def programs(self):
        return [s for s in self.scan().values() if s["role"] == "program"]

    def cpu_sample(self):
        """{(pid, starttime): ticks} of the daemon (all threads) and its helpers."""
        return {(p, s["starttime"]): s["ticks"] for p, s in self.scan().items()
                if s["role"] != "program"}

    def cpu_precise(self):
        """{(pid, starttime): (ticks, {tid: ns})} of the daemon and its helpers: what
        `cpu_seconds` turns into seconds at nanosecond resolution."""
        return {(p, s["starttime"]): (s["ticks"], thread_ns(p)) for p, s in self.scan().items()
                if s["role"] != "program"}

    def count_markers(self):
        return len(os.listdir(self.markdir))

    def wait_markers(self, n, timeout):
        """Wait for n files in markers/; returns (first, all) as monotonic times."""
        first = [None]

        def enough():
            count = self.count_markers()
            if count and first[0] is None:
                first[0] = now()
            return count >= n and now()
        t_all = wait_until(enough, timeout, "%d markers" % n, 0.001 if n <= 10 else 0.005,
                           self.check)
        return first[0], t_all

    def wait_sleeping(self, n, timeout):
        """Wait until n programs have exec'd into `sleep` (started, not just forked)."""
        def ready():
            return sum(1 for s in self.programs() if s["comm"] == "sleep") >= n
        wait_until(ready, timeout, "%d programs running" % n, 0.02, self.check)

    def wait_running(self, n, timeout):
        """Wait until the daemon has marked n starts RUNNING. That state is not in
        /proc, but supervisord logs each (`success: NAME entered RUNNING state`, at
        loglevel=info); the floors have no such state: their programs run once exec'd."""
        if self.daemon.name in FLOORS:
            return
        path = os.path.join(self.dir, "supervisord.log")

        def marked():
            try:
                with open(path, "rb") as f:
                    return f.read().count(b" entered RUNNING state") >= n
            except FileNotFoundError:
                return False
        wait_until(marked, timeout, "%d starts marked RUNNING" % n, 0.002, self.check)

    def wait_quiet(self, timeout, still=0.2):
        """Wait until the daemon's (and its helpers') CPU has not moved for `still` s:
        its after-start work (logging, state changes, a heap trim) is done."""
        last = [self.cpu_sample(), now()]

        def quiet():
            sample, t = self.cpu_sample(), now()
            if sample != last[0]:
                last[:] = [sample, t]
                return False
            return t - last[1] >= still
        wait_until(quiet, timeout, "the daemon quiet for %.1f s" % still, 0.02, self.check)

    def stop(self, timeout):
        """SIGTERM the daemon; time until it exited and no process of the run is alive.
        zombies: children it left unreaped (re-parented to us as zombies at its exit);
        orphans: processes of the run still alive `grace` s after it exited."""
        t0 = now()
        os.kill(self.proc.pid, signal.SIGTERM)
        wait_until(lambda: self.proc.poll() is not None, timeout, "daemon exit after SIGTERM",
                   0.002)
        res = {"daemon_exit_s": now() - t0, "daemon_rc": self.proc.returncode}
        zombies = reap_zombies()
        deadline = now() + self.opts.grace
        while True:
            table = proc_table()
            alive = [p for p in descendants(table) if table[p]["state"] not in "ZX"]
            reap_zombies()
            if not alive:
                res["stop_s"] = now() - t0
                break
            if now() > deadline:
                res["orphan_procs"] = ["%d:%s" % (p, table[p]["comm"]) for p in alive[:10]]
                break
            time.sleep(0.005)
        res["orphans"] = len(res.get("orphan_procs", ()))
        res["zombies"] = len(zombies)
        if zombies:
            res["zombie_procs"] = zombies[:10]
        return res

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                log("warning: daemon %d survived SIGKILL for 10 s" % self.proc.pid)
        sweep()


# -- generated configs ------------------------------------------------------------------

def ini(tmp, logdir, programs):
    """supervisord.conf for ours and Python's; `%` is escaped as supervisord expands it."""
    minfds = max(1024, 8 * len(programs) + 256)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY:
        minfds = min(minfds, hard)
    lines = ["; generated by tests/bench/bench.py", "[supervisord]",
             "logfile=" + os.path.join(tmp, "supervisord.log"),
             "pidfile=" + os.path.join(tmp, "supervisord.pid"),
             "childlogdir=" + logdir, "nodaemon=true", "loglevel=info",
             "minfds=%d" % minfds, ""]
    for p in programs:
        keys = {
            "command": shlex.join(p["argv"]), "autostart": "true",
            "autorestart": "true" if p["autorestart"] else "false",
            "startsecs": "0", "startretries": "1000000",
            "stdout_logfile": p["out"], "stderr_logfile": p["err"],
            "stdout_logfile_maxbytes": p["maxbytes"], "stdout_logfile_backups": p["backups"],
            "stderr_logfile_maxbytes": p["maxbytes"], "stderr_logfile_backups": p["backups"],
            "environment": 'BENCH_ROLE="program"',
        }
        lines.append("[program:%s]" % p["name"])
        lines += ["%s=%s" % (k, str(v).replace("%", "%%")) for k, v in keys.items()]
        lines.append("")
    return "\n".join(lines)


def floor_lines(programs):
    """The floor's program list (format documented at the top of floor.c)."""
    out = ["# generated by tests/bench/bench.py; format: see tests/bench/floor.c"]
    for p in programs:
        fields = [p["name"], "1" if p["autorestart"] else "0",
                  p["out"], p["maxbytes"], p["backups"], p["err"], p["maxbytes"], p["backups"],
                  "BENCH_ROLE=program"] + p["argv"]
        fields = [str(f) for f in fields]
        if any("\t" in f or "\n" in f for f in fields):
            raise BenchError("a TAB or newline in a field of program %s" % p["name"])
        out.append("\t".join(fields))
    return "\n".join(out) + "\n"
