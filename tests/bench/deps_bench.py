"""Dependency and health-check benchmark (README, "Dependencies, readiness and
health checks"; figures in BENCHMARKS.md).

    deps_bench.py levels --daemon 'CMD -n -c {conf}' [--levels 10] [--width 10]
    deps_bench.py levels --daemon '...' --priority-only    (Supervisor's way)
    deps_bench.py idle --daemon '...' [--programs 1000] [--interval 10] [--seconds 60]

levels: LEVELS groups of WIDTH programs; every program of a level depends on the
whole level before (`depends_on = lN:*:ready`) and has a `tcp://` ready check. Each
program is a tiny server (C, built with gcc; --python-server for Python) that stamps
the time it listens. The overhead of an edge is
the time from the last program of level N-1 listening to a program of level N being
spawned (read from the main log, millisecond resolution): readiness detection plus
the dependency's propagation plus the level's own spawns, one after another
(first_dependent_ms: to the level's first spawn only). The programs' own start-up time is not in it. With
--priority-only the same servers get increasing `priority` instead (what Supervisor
offers): the figure is then how many programs were spawned before the level they
need was listening.

idle: PROGRAMS sleeping programs, each with `health_check = tcp://` against one
listener, every INTERVAL seconds; the daemon's CPU (utime+stime from /proc) over
SECONDS once all are RUNNING, as a share of one core.

Prints one JSON object.
"""
import argparse
import datetime
import json
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SERVER = r'''
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
open(sys.argv[2], "w").write(repr(time.time()))
while True:
    c, _ = s.accept()
    c.close()
'''


# The same server in C: a Python server's own start-up (tens of ms of CPU each, ten at
# once on two cores) starves the daemon's spawn loop and the probes, which is the
# programs' start-up time, not the edge's. Compiled with gcc when it is there.
SERVER_C = r'''
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 16)) return 1;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    FILE *f = fopen(argv[2], "w");
    fprintf(f, "%ld.%09ld", (long)t.tv_sec, t.tv_nsec);
    fclose(f);
    for (;;) { int c = accept(s, 0, 0); if (c >= 0) close(c); }
}
'''


def server_command(tmp, python_server):
    """argv prefix of the test server: the C one when gcc builds it."""
    if not python_server:
        src, exe = os.path.join(tmp, "server.c"), os.path.join(tmp, "server")
        open(src, "w").write(SERVER_C)
        if subprocess.run(["gcc", "-O2", "-o", exe, src], capture_output=True).returncode == 0:
            return exe
    server = os.path.join(tmp, "server.py")
    open(server, "w").write(SERVER)
    return f"{sys.executable} {server}"


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def wait(cond, what, deadline=120.0):
    end = time.time() + deadline
    while time.time() < end:
        if cond():
            return
        time.sleep(0.01)
    sys.exit("timed out: " + what)


def log_times(path, word):
    """name -> epoch seconds of the main log's `<word>: 'name'` / `<word>: name` lines."""
    out = {}
    for line in open(path, errors="replace"):
        if f" {word}: " not in line:
            continue
        stamp = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
        rest = line.split(f" {word}: ", 1)[1]
        name = rest.split()[0].strip("'")
        out.setdefault(name, stamp.timestamp())
    return out


def start(daemon, conf, tmp):
    cmd = shlex.split(daemon.replace("{conf}", conf))
    return subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(120)
    except subprocess.TimeoutExpired:
        proc.kill()


def levels(args):
    tmp = tempfile.mkdtemp(prefix="deps-bench-")
    server = server_command(tmp, args.python_server)
    n = args.levels * args.width
    ports = free_ports(n)
    conf = [f"[supervisord]\nlogfile={tmp}/main.log\npidfile={tmp}/sd.pid\nloglevel=info\n"]
    for lv in range(args.levels):
        names = []
        for i in range(args.width):
            k = lv * args.width + i
            name = f"p{k:03d}"
            names.append(name)
            conf.append(f"[program:{name}]\ncommand={server} {ports[k]} {tmp}/{name}.stamp\n")
            if args.priority_only:
                conf.append(f"priority={100 + lv}\n")
            else:
                conf.append(f"ready_check=tcp://127.0.0.1:{ports[k]}\n")
            conf.append("stdout_logfile=NONE\nstderr_logfile=NONE\n")
        conf.append(f"[group:l{lv}]\nprograms={','.join(names)}\n")
        if args.priority_only:
            conf.append(f"priority={100 + lv}\n")
        if lv > 0 and not args.priority_only:
            conf.append(f"depends_on=l{lv - 1}:*:ready\n")
    path = os.path.join(tmp, "sd.conf")
    open(path, "w").write("".join(conf))
    t0 = time.time()
    proc = start(args.daemon, path, tmp)
    stamps = lambda: [os.path.join(tmp, f"p{k:03d}.stamp") for k in range(n)]
    wait(lambda: all(os.path.exists(s) and os.path.getsize(s) > 0 for s in stamps()), "all listening")
    t_all = time.time() - t0
    listen = {f"p{k:03d}": float(open(s).read()) for k, s in enumerate(stamps())}
    stop(proc)
    spawned = log_times(os.path.join(tmp, "main.log"), "spawned")
    edges, firsts, early = [], [], 0
    for lv in range(1, args.levels):
        before = max(listen[f"p{(lv - 1) * args.width + i:03d}"] for i in range(args.width))
        gaps = [spawned[f"p{lv * args.width + i:03d}"] - before for i in range(args.width)]
        edges += [g * 1000 for g in gaps]
        firsts.append(min(gaps) * 1000)
        early += sum(g < 0 for g in gaps)
    edges.sort()
    return {
        "mode": "priority only (Supervisor)" if args.priority_only else "depends_on + tcp ready checks",
        "server": "python" if server.endswith(".py") else "c",
        "programs": n,
        "launch_to_all_listening_s": round(t_all, 3),
        "edges": len(edges),
        "edge_ms_median": round(statistics.median(edges), 2),
        "edge_ms_p90": round(edges[int(len(edges) * 0.9)], 2),
        "edge_ms_max": round(edges[-1], 2),
        # The level's first spawn: detection and propagation alone, without the
        # level's own spawns one after another.
        "first_dependent_ms_median": round(statistics.median(firsts), 2),
        "spawned_before_their_dependency_listened": early,
    }


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def idle(args):
    tmp = tempfile.mkdtemp(prefix="deps-idle-")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    port = listener.getsockname()[1]
    import threading

    accepted = [0]

    def accept():
        while True:
            c, _ = listener.accept()
            c.close()
            accepted[0] += 1

    threading.Thread(target=accept, daemon=True).start()
    conf = [f"[supervisord]\nlogfile={tmp}/main.log\npidfile={tmp}/sd.pid\nloglevel=info\n"
            f"[unix_http_server]\nfile={tmp}/sv.sock\n"]
    for k in range(args.programs):
        conf.append(f"[program:p{k:04d}]\ncommand=sleep 100000\nstartsecs=0\n"
                    f"health_check=tcp://127.0.0.1:{port}\nhealth_interval={args.interval}\n"
                    "stdout_logfile=NONE\nstderr_logfile=NONE\n")
    path = os.path.join(tmp, "sd.conf")
    open(path, "w").write("".join(conf))
    proc = start(args.daemon, path, tmp)
    log = os.path.join(tmp, "main.log")
    wait(lambda: os.path.exists(log) and open(log).read().count("entered RUNNING") >= args.programs,
         "all running", 300)
    # Until every check has probed once (the first probe comes an interval after the
    # start), so the window sees the steady state and not the start-up.
    wait(lambda: accepted[0] >= args.programs, "every check probed once", 300)
    hz = os.sysconf("SC_CLK_TCK")
    c0, t0 = cpu_ticks(proc.pid), time.time()
    time.sleep(args.seconds)  # the measurement window itself, not a wait for a state
    c1, t1 = cpu_ticks(proc.pid), time.time()
    stop(proc)
    share = (c1 - c0) / hz / (t1 - t0) * 100
    return {
        "programs": args.programs,
        "health_interval_s": args.interval,
        "checks_per_s": round(args.programs / args.interval, 1),
        "window_s": round(t1 - t0, 1),
        "daemon_cpu_percent_of_one_core": round(share, 3),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["levels", "idle"])
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--levels", type=int, default=10)
    ap.add_argument("--width", type=int, default=10)
    ap.add_argument("--priority-only", action="store_true")
    ap.add_argument("--python-server", action="store_true",
                    help="levels: Python test servers instead of the C one")
    ap.add_argument("--programs", type=int, default=1000)
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    result = levels(args) if args.what == "levels" else idle(args)
    result["label"] = args.label
    print(json.dumps(result))


if __name__ == "__main__":
    main()
