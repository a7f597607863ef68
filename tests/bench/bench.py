#!/usr/bin/env python3
"""The project's benchmark (`just bench`): supervisor-rs, Python supervisord 4.3 and a
floor (tests/bench/floor.c, a minimal C supervisor) measured interleaved in one run,
from outside only: a generated INI, marker files the programs write, and /proc.

    python3 tests/bench/bench.py [--reps 3] [--quick]
        [--daemons ours,python,floor[,splice-floor,supervisor-floor]]
        [--only spawn,restart,churn,idle,logs,rotate | --skip ...] [--sizes spawn=100,...]
        [--ours PATH] [--python PATH] [--out DIR] [--update BENCHMARKS.md]

Tests: spawn (launch -> N markers, then SIGTERM -> all gone), restart (kill -9 ->
marker grows, 20 samples), churn (50 programs exiting at once, restarts/s and daemon
CPU per restart), idle (N sleepers: CPU %, RSS, threads), logs (4 programs writing
100 MB of `seq` each, unrotated, checked byte for byte) and rotate (the same rotated at
1 MiB with 5 backups, checked to be a contiguous tail). Rep i runs every daemon back to
back for each test. Writes DIR/bench.json (every run) and DIR/bench.md (the table);
exits 1 if any run failed, lost or garbled log data, or left orphans or zombies.
Python 3 standard library only; Linux only.
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import bench_report
from bench_proc import FLOORS, BenchError, Daemon, become_subreaper, log, raise_nofile, sweep
from bench_tests import TESTS

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TARGET = os.path.join(REPO, os.environ.get("CARGO_TARGET_DIR", "target"))
DEFAULT_SIZES = {"spawn": 100, "idle": 1000, "streams": 4, "mb": 100, "churn": 50,
                 "churn_s": 10, "window": 10, "kills": 20}
QUICK_SIZES = {"spawn": 10, "idle": 50, "mb": 5, "churn_s": 3, "window": 2, "kills": 5}


class Interrupted(BaseException):
    """SIGTERM or SIGHUP: unwinds through every Run, which kills what it started."""


def on_signal(signum, frame):
    raise Interrupted("signal %d" % signum)


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--reps", type=int, help="reps per test and daemon (default 3, --quick 1)")
    p.add_argument("--daemons", default="ours,python,floor",
                   help="any of ours,python,floor,splice-floor (the floor moving unrotated "
                   "logs with splice(2): the least CPU copying output can cost), "
                   "supervisor-floor (the floor doing per spawn what Supervisor's semantics "
                   "add: a stdin pipe, the command checked in the parent)")
    p.add_argument("--only", default="", help="comma list of tests to run")
    p.add_argument("--skip", default="", help="comma list of tests to leave out")
    p.add_argument("--sizes", default="", help="key=value,...: " + ", ".join(DEFAULT_SIZES))
    p.add_argument("--quick", action="store_true",
                   help="smoke sizes, 1 rep: " + ",".join("%s=%s" % kv for kv in QUICK_SIZES.items()))
    p.add_argument("--ours", default=os.path.join(TARGET, "release", "supervisord"),
                   help="our supervisord (default: %(default)s)")
    p.add_argument("--python", help="Python's supervisord (default: the one beside the "
                   "python tests/oracle/ensure-venv.sh prints)")
    p.add_argument("--out", default=os.path.join(TARGET, "bench"), help="where bench.json/.md go")
    p.add_argument("--update", metavar="PATH", help="rewrite PATH's bench markers with the table")
    p.add_argument("--tmpdir", help="parent of the run's temp dir (default $TMPDIR)")
    p.add_argument("--keep", action="store_true", help="keep each run's temp dir")
    p.add_argument("--grace", type=float, default=3.0,
                   help="s after the daemon exited before a live process is an orphan")
    p.add_argument("--timeout-scale", type=float, default=1.0, help="multiplies every deadline")
    o = p.parse_args(argv)
    sizes = dict(DEFAULT_SIZES, **(QUICK_SIZES if o.quick else {}))
    for item in filter(None, o.sizes.split(",")):
        key, _, val = item.partition("=")
        if key not in sizes:
            p.error("--sizes: unknown key %r (known: %s)" % (key, ", ".join(sizes)))
        sizes[key] = float(val) if "." in val else int(val)
    vars(o).update(sizes)
    o.sizes = sizes
    o.reps = o.reps or (1 if o.quick else 3)
    o.daemons = [d for d in o.daemons.split(",") if d]
    o.tests = pick_tests(p, o.only, o.skip)
    if not o.daemons or set(o.daemons) - {"ours", "python"} - set(FLOORS):
        p.error("--daemons: a comma list of ours, python, floor, splice-floor, supervisor-floor")
    return o


def pick_tests(p, only, skip):
    only, skip = [t for t in only.split(",") if t], [t for t in skip.split(",") if t]
    unknown = set(only + skip) - set(TESTS)
    if unknown:
        p.error("unknown test(s) %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(TESTS)))
    return [t for t in TESTS if (not only or t in only) and t not in skip]


def build_floor(tmp):
    """floor.c compiled into the run's temp dir, never into the repository."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise SystemExit("bench: no C compiler (cc) for tests/bench/floor.c")
    exe = os.path.join(tmp, "floor")
    subprocess.run([cc, "-O2", "-Wall", "-o", exe, os.path.join(HERE, "floor.c")], check=True,
                   stdin=subprocess.DEVNULL, timeout=300)
    return exe


def python_supervisord():
    """The oracle's supervisord, provisioned as the differential tests provision it."""
    py = subprocess.run(["bash", os.path.join(REPO, "tests", "oracle", "ensure-venv.sh")],
                        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, check=True, text=True,
                        timeout=1800)  # a first run creates the venv and pip-installs
    return os.path.join(os.path.dirname(py.stdout.strip()), "supervisord")


def daemons(o, tmp):
    out = []
    for name in o.daemons:
        if name in FLOORS:
            out.append(Daemon(name, [build_floor(tmp)] + FLOORS[name] + ["{tsv}"]))
            continue
        exe = o.ours if name == "ours" else (o.python or python_supervisord())
        if not os.access(exe, os.X_OK):
            raise SystemExit("bench: %s supervisord %s is not an executable" % (name, exe))
        out.append(Daemon(name, [os.path.abspath(exe), "-n", "-c", "{conf}"]))
    return out


def one(test, daemon, o, rep):
    log("%s rep %d/%d: %s" % (test, rep + 1, o.reps, daemon.name))
    t0 = time.monotonic()
    try:
        res = TESTS[test](daemon, o)
    except BenchError as e:
        res = {"error": str(e)}
    res["wall_s"] = time.monotonic() - t0
    shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in res.items()
             if not isinstance(v, (list, dict)) or k == "problems" and v}
    log("  " + json.dumps(shown))
    return {"test": test, "rep": rep, "daemon": daemon.name, "result": res}


def run_all(o, ds):
    """Per test, rep i runs every daemon back to back (paired reps against drift)."""
    runs = []
    for test in o.tests:
        for rep in range(o.reps):
            for d in ds:
                runs.append(one(test, d, o, rep))
    return runs


def command_line(argv):
    return os.environ.get("BENCH_COMMAND") or "python3 tests/bench/bench.py " + shlex.join(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    o = parse(argv)
    become_subreaper()
    raise_nofile()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    base = tempfile.mkdtemp(prefix="supervisor-rs-bench-", dir=o.tmpdir)
    o.tmp = base
    doc = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
           "machine": bench_report.machine(), "reps": o.reps, "sizes": o.sizes,
           "tests": o.tests, "command": command_line(argv)}
    try:
        ds = daemons(o, base)
        doc["daemons"] = {d.name: d.argv for d in ds}
        doc["runs"] = run_all(o, ds)
    except (KeyboardInterrupt, Interrupted) as e:
        log("interrupted (%s); everything started was killed" % (e or "Ctrl-C"))
        return 130
    finally:
        sweep()
        if not o.keep:
            shutil.rmtree(base, ignore_errors=True)
    return report(o, doc)


def report(o, doc):
    os.makedirs(o.out, exist_ok=True)
    with open(os.path.join(o.out, "bench.json"), "w") as f:
        json.dump(doc, f, indent=1)
    md = bench_report.markdown(doc)
    with open(os.path.join(o.out, "bench.md"), "w") as f:
        f.write(md)
    print(md)
    log("wrote %s/bench.json and bench.md" % o.out)
    if o.update:
        bench_report.update(o.update, doc)
        log("updated " + o.update)
    bad = bench_report.failures(doc)
    if bad:
        log("FAILED:\n" + "\n".join(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
