"""Observability benchmarks (BENCHMARKS.md, "Metrics and logs"), side by side in one run.

    obs_bench.py scrape --ours SUPERVISORD --python SUPERVISORD --node-exporter BIN [--n 1000] [--reps 50]
    obs_bench.py logs --ours SUPERVISORD [--mb 300] [--reps 3]

`scrape`: N `sleep` programs under each daemon; each path is asked `reps` times on
one keep-alive connection: our `/metrics`; node_exporter's supervisord collector
(Debian's prometheus-node-exporter, the exporter a Supervisor user can install today)
in front of Python supervisord and of ours; and the bare XML-RPC getAllProcessInfo
call every supervisord exporter makes. Latency median and p90, and the CPU time the
daemon (and the exporter) spent per scrape, read from /proc.

`logs`: one program writes MB megabytes of 80-byte lines as fast as the pipe takes
them, with `stdout_logfile_timestamps` off and on, alternately; the program's own
time from its first byte to its last (it blocks on the pipe, so that is how fast
supervisord reads and logs) and the daemon's CPU time.

Prints Markdown tables.
"""
import argparse
import http.client
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_conf(d, port, programs):
    lines = [
        "[supervisord]", f"logfile={d}/main.log", f"pidfile={d}/sd.pid",
        f"childlogdir={d}", "loglevel=warn", "minfds=8192", "",
        "[inet_http_server]", f"port=127.0.0.1:{port}", "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", "",
    ] + programs
    conf = os.path.join(d, "sd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    return conf


class Daemon:
    def __init__(self, binary, programs):
        self.dir = tempfile.mkdtemp(prefix="obsbench-")
        self.port = free_port()
        conf = write_conf(self.dir, self.port, programs)
        self.proc = subprocess.Popen(
            shlex.split(binary) + ["-n", "-c", conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.rpc = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}/RPC2")
        self.started = time.monotonic()

    def wait(self, ok, timeout=600):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if ok(self.rpc.supervisor.getAllProcessInfo()):
                    return
            except (OSError, xmlrpc.client.Error):
                pass
            time.sleep(0.05)
        raise SystemExit("daemon never got ready")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["rm", "-rf", self.dir])


def timed(reps, call, pids):
    """Latencies (ms) of `reps` calls and CPU seconds per call of each pid."""
    call()  # warm the connection
    before = [cpu_seconds(p) for p in pids]
    lat = []
    size = 0
    for _ in range(reps):
        t = time.perf_counter()
        size = call()
        lat.append((time.perf_counter() - t) * 1000)
    cpu = [(cpu_seconds(p) - b) / reps * 1000 for p, b in zip(pids, before)]
    return lat, cpu, size


def http_get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call():
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        assert r.status == 200, r.status
        return len(body)
    return call


def xmlrpc_call(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = xmlrpc.client.dumps((), "supervisor.getAllProcessInfo").encode()

    def call():
        conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
        r = conn.getresponse()
        data = r.read()
        assert r.status == 200
        return len(data)
    return call


def node_exporter(binary, port):
    listen = free_port()
    proc = subprocess.Popen(
        [binary, "--collector.disable-defaults", "--collector.supervisord",
         f"--collector.supervisord.url=http://127.0.0.1:{port}/RPC2",
         f"--web.listen-address=127.0.0.1:{listen}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", listen), timeout=1).close()
            return proc, listen
        except OSError:
            time.sleep(0.05)
    raise SystemExit("node_exporter never listened")


def row(label, lat, cpu, size):
    q = statistics.quantiles(lat, n=10)
    cpus = " + ".join(f"{c:.2f}" for c in cpu)
    print(f"| {label} | {statistics.median(lat):.2f} | {q[8]:.2f} | {cpus} | {size / 1024:.0f} kB |")


def scrape(args):
    programs = []
    for i in range(args.n):
        programs += [f"[program:p{i:04d}]", "command=/bin/sleep 100000", "startsecs=0",
                     "stdout_logfile=NONE", "stderr_logfile=NONE", ""]
    print(f"{args.n} programs, {args.reps} scrapes per path, one keep-alive connection\n")
    print("| path | median ms | p90 ms | CPU ms per scrape (daemon [+ exporter]) | size |")
    print("|---|---|---|---|---|")
    for label, binary in [("supervisor-rs", args.ours), ("Python supervisord 4.3", args.python)]:
        d = Daemon(binary, programs)
        try:
            d.wait(lambda infos: len(infos) == args.n and all(p["statename"] == "RUNNING" for p in infos))
            pid = d.proc.pid
            if label == "supervisor-rs":
                row(f"`/metrics` of {label}", *timed(args.reps, http_get(d.port, "/metrics"), [pid]))
            ne, ne_port = node_exporter(args.node_exporter, d.port)
            try:
                row(f"node_exporter supervisord collector → {label}",
                    *timed(args.reps, http_get(ne_port, "/metrics"), [pid, ne.pid]))
            finally:
                ne.kill()
                ne.wait()
            row(f"XML-RPC getAllProcessInfo → {label}", *timed(args.reps, xmlrpc_call(d.port), [pid]))
        finally:
            d.stop()


def logs(args):
    line = "x" * 79
    size = args.mb * 1_000_000
    results = {False: [], True: []}
    for _ in range(args.reps):
        for stamps in (False, True):
            # The program times itself: from its first byte to its last one taken by
            # the pipe, which is as fast as supervisord reads and logs.
            programs = ["[program:flood]",
                        f"command=sh -c 'date +%%s%%N > %(here)s/t0; yes {line} | head -c {size}; "
                        "date +%%s%%N > %(here)s/t1'",
                        "startsecs=0", "autorestart=false",
                        "stdout_logfile=%(here)s/flood.log", "stdout_logfile_maxbytes=0",
                        f"stdout_logfile_timestamps={'true' if stamps else 'false'}", ""]
            d = Daemon(args.ours, programs)
            try:
                d.wait(lambda infos: infos and infos[0]["statename"] == "EXITED")
                t = [int(open(os.path.join(d.dir, f)).read()) for f in ("t0", "t1")]
                wall = (t[1] - t[0]) / 1e9
                cpu = cpu_seconds(d.proc.pid)
                logged = os.path.getsize(os.path.join(d.dir, "flood.log"))
                results[stamps].append((wall, cpu, logged))
            finally:
                d.stop()
    print(f"{args.mb} MB of 80-byte lines through one pipe, {args.reps} runs each, medians\n")
    print("| timestamps | program's write time s | MB/s | daemon CPU s | log file MB |")
    print("|---|---|---|---|---|")
    for stamps in (False, True):
        wall = statistics.median(r[0] for r in results[stamps])
        cpu = statistics.median(r[1] for r in results[stamps])
        logged = results[stamps][0][2]
        print(f"| {'on' if stamps else 'off'} | {wall:.3f} | {args.mb / wall:.0f} | {cpu:.2f} | {logged / 1e6:.0f} |")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    s = sub.add_parser("scrape")
    s.add_argument("--ours", required=True)
    s.add_argument("--python", required=True)
    s.add_argument("--node-exporter", required=True)
    s.add_argument("--n", type=int, default=1000)
    s.add_argument("--reps", type=int, default=50)
    lg = sub.add_parser("logs")
    lg.add_argument("--ours", required=True)
    lg.add_argument("--mb", type=int, default=300)
    lg.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    {"scrape": scrape, "logs": logs}[args.what](args)


if __name__ == "__main__":
    sys.exit(main())
