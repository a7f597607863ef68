"""Control-plane benchmark: `supervisorctl status` end to end (process start to
exit) with N programs, and one-call round trips (gRPC ListProcesses, XML-RPC
getAllProcessInfo) on a persistent connection.

    ctl_bench.py --daemon 'CMD -c {conf}' --ctl 'CMD -c {conf}' [--n 500] [--reps 30]
                 [--grpc-python PY --proto-dir DIR] [--label L]

Prints one JSON object. Used by `just bench-ctl`; figures go to BENCHMARKS.md.
"""
import argparse
import http.client
import json
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        if self._connection[1] is None:
            self._connection = (host, UnixHTTP(self.path))
        return self._connection[1]


def write_conf(d, n):
    lines = [
        "[unix_http_server]", f"file={d}/sv.sock", "",
        "[supervisord]", f"logfile={d}/main.log", f"pidfile={d}/sd.pid",
        f"childlogdir={d}", "loglevel=warn", "minfds=4096", "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", "",
        "[supervisorctl]", f"serverurl=unix://{d}/sv.sock", "",
    ]
    for i in range(n):
        lines += [f"[program:p{i:04d}]", "command=/bin/sleep 100000", "startsecs=0",
                  "stdout_logfile=NONE", "stderr_logfile=NONE", ""]
    conf = os.path.join(d, "sd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(lines))
    return conf


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--grpc-python")
    ap.add_argument("--proto-dir")
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="ctlbench.")
    conf = write_conf(d, a.n)
    sock = os.path.join(d, "sv.sock")
    daemon = subprocess.Popen(shlex.split(a.daemon.format(conf=conf)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {"label": a.label, "programs": a.n}
    try:
        proxy = xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport(sock))
        deadline = time.time() + 120
        while True:
            try:
                infos = proxy.supervisor.getAllProcessInfo()
                if sum(1 for i in infos if i["statename"] == "RUNNING") == a.n:
                    break
            except (OSError, xmlrpc.client.Fault, http.client.HTTPException):
                proxy = xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport(sock))
            if time.time() > deadline:
                raise SystemExit("programs never all RUNNING")
            time.sleep(0.05)
        ctl = shlex.split(a.ctl.format(conf=conf)) + ["status"]
        times = []
        for _ in range(a.reps):
            t = time.perf_counter()
            r = subprocess.run(ctl, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            times.append((time.perf_counter() - t) * 1000)
            if r.stdout.count(b"RUNNING") != a.n:
                raise SystemExit(f"status printed {r.stdout.count(b'RUNNING')} RUNNING lines: {r.stderr!r}")
        out["ctl_status_ms"] = {"median": statistics.median(times), "p90": pct(times, 90)}
        rt = []
        for _ in range(a.reps * 3):
            t = time.perf_counter()
            proxy.supervisor.getAllProcessInfo()
            rt.append((time.perf_counter() - t) * 1000)
        out["xmlrpc_getAllProcessInfo_ms"] = {"median": statistics.median(rt), "p90": pct(rt, 90)}
        if a.grpc_python:
            code = (
                "import sys,time,statistics,grpc\n"
                f"sys.path.insert(0,{a.proto_dir!r})\n"
                "import supervisor_pb2 as pb, supervisor_pb2_grpc as rpc\n"
                f"ch=grpc.insecure_channel('unix://{sock}',options=[('grpc.default_authority','localhost')])\n"
                "s=rpc.SupervisorStub(ch); s.ListProcesses(pb.ListProcessesRequest())\n"
                "ts=[]\n"
                f"for _ in range({a.reps * 3}):\n"
                "  t=time.perf_counter(); r=s.ListProcesses(pb.ListProcessesRequest()); ts.append((time.perf_counter()-t)*1000)\n"
                f"  assert len(r.processes)=={a.n}\n"
                "ts.sort(); print(statistics.median(ts), ts[int(0.9*(len(ts)-1))])\n"
            )
            r = subprocess.run([a.grpc_python, "-c", code], stdout=subprocess.PIPE, check=True)
            med, p90 = map(float, r.stdout.split())
            out["grpc_ListProcesses_ms"] = {"median": med, "p90": p90}
    finally:
        daemon.terminate()
        try:
            daemon.wait(60)
        except subprocess.TimeoutExpired:
            daemon.kill()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
