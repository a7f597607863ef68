"""Reporting for tests/bench/bench.py: the Markdown table (medians with min–max per daemon,
ratios to the floor) and the update of BENCHMARKS.md between its bench markers.

Ratios are the median of the per-rep ratios (rep i of a daemon ÷ rep i of the floor,
measured back to back), not the ratio of the medians: the machine's speed drifts by up
to 2× over minutes, and a pair measured together drifts together.
"""
import os
import platform
import re
import statistics

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
LABELS = {"ours": "ours", "python": "Python", "floor": "floor", "splice-floor": "splice floor",
          "supervisor-floor": "supervisor floor"}

# (figure, test, key); {spawn}, {idle}, {streams} and {mb} are the run's sizes
ROWS = [
    ("spawn {spawn} (s)", "spawn", "start_s"),
    ("stop {spawn} (s)", "spawn", "stop_s"),
    ("restart latency, median (ms)", "restart", "median_ms"),
    ("restart latency, p90 (ms)", "restart", "p90_ms"),
    ("churn restarts/s", "churn", "restarts_per_s"),
    ("churn CPU ms/restart", "churn", "cpu_ms_per_restart"),
    ("idle {idle} CPU %", "idle", "cpu_pct"),
    ("idle {idle} RSS MB", "idle", "rss_mb"),
    ("logs {streams}×{mb} MB daemon CPU s (no rotation)", "logs", "cpu_s"),
    ("logs with rotation (1 MiB × 5) daemon CPU s", "rotate", "cpu_s"),
    ("logs throughput MB/s (no rotation)", "logs", "mbps"),
    ("logs throughput MB/s (rotation)", "rotate", "mbps"),
]


def machine():
    info = {"nproc": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version(), "cpu": "?"}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def fmt(v):
    if not number(v):
        return "—"
    a = abs(v)
    return "%.0f" % v if a >= 100 else "%.1f" % v if a >= 10 else "%.2f" % v if a >= 1 else "%.3f" % v


def series(doc, test, daemon, key):
    """The figure of each rep, in rep order (None for a failed or missing run)."""
    by_rep = {r["rep"]: r["result"].get(key) for r in doc["runs"]
              if r["test"] == test and r["daemon"] == daemon}
    return [by_rep.get(i) for i in range(doc["reps"])]


def cell(values, with_range=True):
    nums = [v for v in values if number(v)]
    if not nums:
        return "—"
    text = fmt(statistics.median(nums))
    if with_range and len(nums) > 1:
        text += " (%s–%s)" % (fmt(min(nums)), fmt(max(nums)))
    return text


def ratio(values, floor):
    pairs = [v / f for v, f in zip(values, floor) if number(v) and number(f) and f > 0]
    if not pairs:
        return "—"
    r = statistics.median(pairs)
    return ("%.0f×" if r >= 100 else "%.1f×" if r >= 10 else "%.2f×") % r


def checks(doc, daemon):
    """'ok', or how many runs failed or reported a problem."""
    bad = [r for r in doc["runs"] if r["daemon"] == daemon and failed(r)]
    return "ok" if not bad else "**%d failed**" % len(bad)


def failed(run):
    return bool(run["result"].get("error") or run["result"].get("problems"))


def table(doc):
    daemons = doc["daemons"]
    has_floor = "floor" in daemons
    others = [d for d in daemons if d != "floor"]
    head = ["figure"] + ["%s (median, min–max)" % LABELS[d] for d in others]
    if has_floor:
        head += ["floor"] + ["%s÷floor" % LABELS[d] for d in others]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    tests = {r["test"] for r in doc["runs"]}
    for figure, test, key in ROWS:
        if test not in tests:
            continue
        vals = {d: series(doc, test, d, key) for d in daemons}
        row = [figure.format(**doc["sizes"])] + [cell(vals[d]) for d in others]
        if has_floor:
            row += [cell(vals["floor"], False)] + [ratio(vals[d], vals["floor"]) for d in others]
        lines.append("| " + " | ".join(row) + " |")
    row = ["checks: logs byte for byte, no orphans, no zombies"] + [checks(doc, d) for d in others]
    if has_floor:
        row += [checks(doc, "floor")] + [""] * len(others)
    lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def failures(doc):
    """One line per failed run: its test, rep, daemon and what went wrong."""
    out = []
    for r in doc["runs"]:
        if failed(r):
            what = [r["result"]["error"]] if r["result"].get("error") else r["result"]["problems"]
            out.append("- %s rep %d, %s: %s" % (r["test"], r["rep"] + 1, r["daemon"], "; ".join(what)))
    return out


def about(doc):
    m = doc["machine"]
    order = ", ".join(LABELS[d] for d in doc["daemons"])
    return ("Measured %s on %s CPUs (%s), kernel %s; %d rep(s), each test's rep i run for %s "
            "back to back; ratios are medians of the per-rep ratios. Command: `%s`."
            % (doc["started"][:10], m["nproc"], m["cpu"], m["kernel"], doc["reps"], order,
               doc["command"]))


def markdown(doc):
    parts = [table(doc), "", about(doc)]
    bad = failures(doc)
    if bad:
        parts += ["", "Failed runs:", ""] + bad
    return "\n".join(parts) + "\n"


def update(path, doc):
    """Replace what is between the bench markers in `path` with the table and its line."""
    with open(path) as f:
        text = f.read()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit("%s: no %s ... %s markers" % (path, BEGIN, END))
    block = "%s\n%s\n%s" % (BEGIN, markdown(doc).rstrip("\n"), END)
    with open(path, "w") as f:
        f.write(pattern.sub(lambda _: block, text, count=1))
