"""Event benchmark: events per second delivered to one listener, and the latency
from a child's exit to the listener reading its PROCESS_STATE_EXITED.

    event_bench.py --daemon 'CMD -c {conf}' [--events 5000] [--exits 30] [--label L]

The same minimal listener (plain Python, READY / read / RESULT 2 OK) runs under
either daemon, so the figures compare the daemons. Throughput: one XML-RPC
system.multicall per 1000 sendRemoteCommEvent calls (N in all); the clock runs from the call
until the listener has read the N-th event. Latency: a child stamps the time and
exits; the listener stamps the time it reads the matching EXITED event.
Prints one JSON object. Used by `just bench-events`; figures go to BENCHMARKS.md.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

# The same directory: the control benchmark's XML-RPC-over-unix-socket transport.
from ctl_bench import UnixTransport

LISTENER = r'''
import sys, time
out = open(sys.argv[1], "a", buffering=1)
while True:
    sys.stdout.write("READY\n"); sys.stdout.flush()
    line = sys.stdin.readline()
    h = dict(t.split(":", 1) for t in line.split())
    payload = sys.stdin.read(int(h["len"]))
    now = time.time()
    if h["eventname"] == "PROCESS_STATE_EXITED" or payload.endswith("\nlast"):
        out.write("%s %s %r\n" % (now, h["eventname"], payload))
    sys.stdout.write("RESULT 2\nOK"); sys.stdout.flush()
'''

EXITER = r'''
import sys, time
sys.stdin.readline()
open(sys.argv[1], "a").write("%s\n" % time.time())
'''


def wait(cond, what, deadline=60.0):
    end = time.time() + deadline
    while time.time() < end:
        try:
            if cond():
                return
        except (OSError, xmlrpc.client.Fault):
            pass
        time.sleep(0.002)
    sys.exit("timed out: " + what)


def lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--exits", type=int, default=30)
    ap.add_argument("--label", default="daemon")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="event-bench-")
    for name, text in (("listener.py", LISTENER), ("exiter.py", EXITER)):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    py = sys.executable
    conf = os.path.join(d, "sd.conf")
    with open(conf, "w") as f:
        f.write(f"""[supervisord]
logfile={d}/main.log
pidfile={d}/sd.pid
childlogdir={d}
loglevel=warn

[unix_http_server]
file={d}/sv.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[eventlistener:bench]
command={py} {d}/listener.py {d}/seen.txt
events=REMOTE_COMMUNICATION,PROCESS_STATE_EXITED
buffer_size={a.events + 10}
startsecs=0

[program:exiter]
command={py} {d}/exiter.py {d}/exits.txt
startsecs=0
autorestart=false
""")
    daemon = subprocess.Popen(shlex.split(a.daemon.format(conf=conf)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rpc = xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport(f"{d}/sv.sock"))
        wait(lambda: rpc.supervisor.getProcessInfo("bench")["statename"] == "RUNNING"
             and rpc.supervisor.getProcessInfo("exiter")["statename"] == "RUNNING", "startup")
        seen = os.path.join(d, "seen.txt")
        # Throughput.
        calls = [{"methodName": "supervisor.sendRemoteCommEvent", "params": ["b", str(i)]}
                 for i in range(a.events - 1)]
        calls.append({"methodName": "supervisor.sendRemoteCommEvent", "params": ["b", "last"]})
        t0 = time.time()
        for at in range(0, len(calls), 1000):
            rpc.system.multicall(calls[at:at + 1000])
        wait(lambda: any("last" in l for l in lines(seen)), "last event")
        t_last = float(next(l for l in lines(seen) if "last" in l).split()[0])
        per_sec = a.events / (t_last - t0)
        # Latency, exit → listener.
        exits = os.path.join(d, "exits.txt")
        latencies = []
        for i in range(a.exits):
            if i:
                rpc.supervisor.startProcess("exiter")
            n_seen = sum("EXITED" in l for l in lines(seen))
            rpc.supervisor.sendProcessStdin("exiter", "go\n")
            wait(lambda: sum("EXITED" in l for l in lines(seen)) > n_seen, "EXITED")
            t_exit = float(lines(exits)[-1])
            t_seen = float([l for l in lines(seen) if "EXITED" in l][-1].split()[0])
            latencies.append((t_seen - t_exit) * 1000)
        print(json.dumps({
            "label": a.label,
            "events": a.events,
            "events_per_sec": round(per_sec),
            "exit_to_listener_ms_median": round(statistics.median(latencies), 2),
            "exit_to_listener_ms_p90": round(sorted(latencies)[int(len(latencies) * 0.9) - 1], 2),
        }))
    finally:
        daemon.terminate()
        daemon.wait()


if __name__ == "__main__":
    main()
