"""Calls every XML-RPC method of Supervisor 4.3 (spec §6.4) with Python's own
xmlrpc.client, successes and faults alike, and prints a JSON transcript. Used by
tests/xmlrpc_api.rs, which runs it against Python supervisord 4.3 and against ours
(same config) and compares the two transcripts.

    calls.py <url> <config-file> <dir>

<url> is `unix:///path/to/sock` (an AF_UNIX transport, one persistent connection) or
`http://127.0.0.1:PORT`. <config-file> is the daemon's config: the reloadConfig calls
edit it and restore it. <dir> is the daemon's temp dir, masked as `<DIR>`.

Each transcript entry is {"call": "<method>(<args>)"} plus one of
  "result": the return value, normalized: pids and times masked, descriptions with
            a pid, an uptime or a stop time masked, the temp dir and automatic log
            names masked, result arrays sorted by name;
  "fault":  [faultCode, faultString];
  "http":   the status of an HTTP-level error (xmlrpc.client.ProtocolError);
  "error":  a client-side failure (e.g. the reply is not well-formed XML).
"""
import http.client
import json
import re
import socket
import sys
import time
import xmlrpc.client

URL, CONF, DIR = sys.argv[1], sys.argv[2], sys.argv[3]
DEADLINE = 20.0


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.unix_path)
        self.sock = sock


class UnixTransport(xmlrpc.client.Transport):
    """Supervisor's own client does the same (supervisor.xmlrpc.SupervisorTransport)."""

    def __init__(self, path):
        super().__init__()
        self.unix_path = path

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, UnixConnection(self.unix_path)
        return self._connection[1]


def proxy():
    if URL.startswith("unix://"):
        return xmlrpc.client.ServerProxy(
            "http://localhost/RPC2", transport=UnixTransport(URL[len("unix://"):])
        )
    return xmlrpc.client.ServerProxy(URL.rstrip("/") + "/RPC2")


server = proxy()
out = []

AUTO_LOG = re.compile(r"(-std(?:out|err)---supervisor-)[A-Za-z0-9_]+(\.log)")
UPTIME = re.compile(r"^pid \d+, uptime .*$")
STOP_TIME = re.compile(r"^[A-Z][a-z]{2} \d{2} \d{2}:\d{2} [AP]M$")
PORT = re.compile(r"127\.0\.0\.1:\d+")


def text(s):
    s = s.replace(DIR, "<DIR>")
    s = AUTO_LOG.sub(r"\1<AUTO>\2", s)
    return PORT.sub("127.0.0.1:<PORT>", s)


def norm(v, key=None):
    """The value with what differs between any two runs masked."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        if key in ("pid", "start", "stop", "now") and v != 0:
            return "<%s>" % key
        return v
    if isinstance(v, str):
        if key == "description":
            if UPTIME.match(v):
                return "pid <pid>, uptime <uptime>"
            if STOP_TIME.match(v):
                return "<stop time>"
        return text(v)
    if isinstance(v, list):
        items = [norm(x) for x in v]
        # Result arrays come in completion order: sort them by process.
        if items and all(isinstance(x, dict) and "status" in x for x in items):
            items.sort(key=lambda x: (x.get("group", ""), x.get("name", "")))
        return items
    if isinstance(v, dict):
        return {k: norm(x, k) for k, x in sorted(v.items())}
    if isinstance(v, float):
        return v
    return "<%s>" % type(v).__name__


def call(name, *params, label=None, shape=norm):
    """Calls `name` and records what came back; returns the raw value (or None)."""
    entry = {"call": label or "%s(%s)" % (name, ", ".join(repr(p) for p in params))}
    value = None
    try:
        value = server._ServerProxy__request(name, params)
        entry["result"] = shape(value)
    except xmlrpc.client.Fault as f:
        entry["fault"] = [f.faultCode, text(f.faultString)]
    except xmlrpc.client.ProtocolError as e:
        entry["http"] = e.errcode
    except Exception as e:  # a reply the client cannot parse
        entry["error"] = type(e).__name__
    out.append(entry)
    return value


def quiet(name, *params):
    """A call that is not recorded (polling); None on any failure."""
    try:
        return server._ServerProxy__request(name, params)
    except Exception:
        return None


def wait_for(what, cond):
    """Polls the process states (a dict `group:name` -> statename) until `cond`."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        infos = quiet("supervisor.getAllProcessInfo")
        if infos is not None:
            states = {p["group"] + ":" + p["name"]: p["statename"] for p in infos}
            if cond(states):
                return
        time.sleep(0.05)
    last = quiet("supervisor.getAllProcessInfo")
    raise SystemExit("timed out waiting for %s: %s" % (what, last))


def settled(states):
    return (
        states.get("sleeper:sleeper") == "RUNNING"
        and states.get("failer:failer") == "FATAL"
        and all(states.get(p + ":" + p) == "EXITED" for p in ("quick", "ansi", "binary"))
    )


def size_only(v):
    """Main-log text: timestamps and pids inside, so only its type is compared."""
    return "<str>" if isinstance(v, str) else norm(v)


# -- introspection -------------------------------------------------------------------
wait_for("the initial states", settled)
METHODS = call("system.listMethods") or []
for m in METHODS:
    call("system.methodHelp", m)
for m in METHODS:
    call("system.methodSignature", m)
call("system.methodHelp", "nosuch")
call("system.methodSignature", "supervisor.nosuch")
call("system.methodHelp")
call("system.methodSignature", "a", "b")
call("system.listMethods", 1)

# -- unknown methods and object traversal (CVE-2017-11610) ---------------------------
for name in (
    "supervisor.foo",
    "supervisor._update",
    "supervisor._getGroupAndProcess",
    "supervisor.getState.__class__",
    "supervisor.getState.__func__",
    "supervisor.__init__",
    "supervisor.supervisord",
    "supervisor.a.b",
    "supervisor",
    "getState",
    "nosuch.getState",
    "system._listMethods",
    "system.multicall.x",
    ".getState",
    "supervisor.",
):
    call(name)

# -- supervisord itself --------------------------------------------------------------
call("supervisor.getAPIVersion")
call("supervisor.getVersion")
call("supervisor.getSupervisorVersion")
call("supervisor.getIdentification")
call("supervisor.getState")
call("supervisor.getState", "extra")
call("supervisor.getPID", shape=lambda v: "<int>" if isinstance(v, int) and v > 0 else v)
call("supervisor.readLog", 0, 0, shape=size_only)
call("supervisor.readMainLog", -10, 0, shape=lambda v: len(v))
call("supervisor.readLog", 0, 10, shape=lambda v: len(v))
call("supervisor.readLog", -10, 5)
call("supervisor.readLog", 0, -1)
call("supervisor.readLog", 0)
call("supervisor.readLog", "0", "4", shape=lambda v: len(v))

# -- information ---------------------------------------------------------------------
call("supervisor.getAllProcessInfo")
call("supervisor.getAllConfigInfo")
call("supervisor.getProcessInfo", "sleeper")
call("supervisor.getProcessInfo", "sleeper:sleeper")
call("supervisor.getProcessInfo", "grp:multi_00")
call("supervisor.getProcessInfo", "failer")
call("supervisor.getProcessInfo", "quick")
call("supervisor.getProcessInfo", "missing")
call("supervisor.getProcessInfo", "nosuch")
call("supervisor.getProcessInfo", "grp:*")
call("supervisor.getProcessInfo", "grp:")
call("supervisor.getProcessInfo", "grp")
call("supervisor.getProcessInfo", "nosuch:multi_00")
call("supervisor.getProcessInfo")
call("supervisor.getProcessInfo", "sleeper", "extra")
call("supervisor.getProcessInfo", 5)

# -- process logs --------------------------------------------------------------------
for read in ("readProcessStdoutLog", "readProcessLog"):
    call("supervisor." + read, "quick", 0, 0)
call("supervisor.readProcessStdoutLog", "quick", -4, 0)
call("supervisor.readProcessStdoutLog", "quick", 2, 3)
call("supervisor.readProcessStdoutLog", "quick", 100, 0)
call("supervisor.readProcessStdoutLog", "quick", -4, 2)
call("supervisor.readProcessStdoutLog", "quick", 0, -1)
call("supervisor.readProcessStdoutLog", "sleeper", 0, 0)
call("supervisor.readProcessStdoutLog", "missing", 0, 0)
call("supervisor.readProcessStdoutLog", "nosuch", 0, 0)
call("supervisor.readProcessStdoutLog", "grp:*", 0, 0)
call("supervisor.readProcessStdoutLog", "quick", 0)
call("supervisor.readProcessStderrLog", "quick", 0, 0)
call("supervisor.readProcessStderrLog", "missing", 0, 0)
call("supervisor.readProcessStderrLog", "nosuch", 0, 0)
call("supervisor.readProcessStderrLog", "failer", 0, 0)
# Valid UTF-8 with ESC (XML 1.0 cannot carry it) and invalid UTF-8.
call("supervisor.readProcessStdoutLog", "ansi", 0, 0)
call("supervisor.readProcessStdoutLog", "binary", 0, 0)
for tail in ("tailProcessStdoutLog", "tailProcessLog"):
    call("supervisor." + tail, "quick", 0, 100)
call("supervisor.tailProcessStdoutLog", "quick", 0, 3)
call("supervisor.tailProcessStdoutLog", "quick", 8, 100)
call("supervisor.tailProcessStdoutLog", "quick", 100, 5)
call("supervisor.tailProcessStdoutLog", "quick", 0, 0)
call("supervisor.tailProcessStdoutLog", "sleeper", 0, 100)
call("supervisor.tailProcessStdoutLog", "missing", 0, 100)
call("supervisor.tailProcessStdoutLog", "nosuch", 0, 100)
call("supervisor.tailProcessStdoutLog", "grp:*", 0, 100)
call("supervisor.tailProcessStdoutLog", "quick", 0)
call("supervisor.tailProcessStderrLog", "quick", 0, 100)
call("supervisor.tailProcessStderrLog", "missing", 0, 100)
call("supervisor.tailProcessStderrLog", "nosuch", 0, 100)
call("supervisor.tailProcessStdoutLog", "ansi", 0, 100)
call("supervisor.tailProcessStdoutLog", "binary", 0, 100)

# -- start, stop, signal -------------------------------------------------------------
call("supervisor.startProcess", "sleeper")
call("supervisor.startProcess", "sleeper", False)
call("supervisor.startProcess", "nosuch")
call("supervisor.startProcess", "nosuch:*")
call("supervisor.startProcess", "nosuch:")
call("supervisor.startProcess", "missing")
call("supervisor.startProcess", "missing", False)
call("supervisor.startProcess", "notexec")
call("supervisor.startProcessGroup", "notexec")
call("supervisor.startProcess")
call("supervisor.startProcess", "sleeper", True, "extra")
call("supervisor.startProcess", "failer")
wait_for("failer FATAL", lambda s: s.get("failer:failer") == "FATAL")
call("supervisor.getProcessInfo", "failer")
call("supervisor.startProcess", "grp:multi_00")
call("supervisor.getProcessInfo", "grp:multi_00")
call("supervisor.startProcess", "grp:*")
call("supervisor.startProcessGroup", "grp")
call("supervisor.startProcessGroup", "nosuch")
call("supervisor.startProcessGroup")
call("supervisor.stopProcess", "quick")
call("supervisor.stopProcess", "missing")
call("supervisor.stopProcess", "nosuch")
call("supervisor.stopProcess", "nosuch:*")
call("supervisor.stopProcess", "grp:multi_00")
call("supervisor.getProcessInfo", "grp:multi_00")
call("supervisor.stopProcess", "grp:multi_00")
call("supervisor.stopProcess", "grp:*")
call("supervisor.stopProcessGroup", "grp")
call("supervisor.stopProcessGroup", "nosuch")
call("supervisor.stopProcess")
# After a start without waiting, wait until the children run before stopping them:
# a signal that reaches a child between fork and exec is lost in Python (its
# handlers only set a flag there), which costs the full stopwaitsecs.


def both_running(states):
    return states.get("grp:multi_00") == states.get("grp:multi_01") == "RUNNING"


call("supervisor.startProcessGroup", "grp", False)
wait_for("grp RUNNING", both_running)
call("supervisor.stopProcessGroup", "grp", True)
call("supervisor.startProcess", "grp:", False)
wait_for("grp RUNNING", both_running)
call("supervisor.stopProcess", "grp:")
call("supervisor.signalProcess", "sleeper", "CONT")
call("supervisor.signalProcess", "sleeper", "SIGCONT")
call("supervisor.signalProcess", "sleeper", "18")
call("supervisor.signalProcess", "sleeper", 18)
call("supervisor.signalProcess", "sleeper", "BOGUS")
call("supervisor.signalProcess", "sleeper", "99")
call("supervisor.signalProcess", "quick", "CONT")
call("supervisor.signalProcess", "quick", "BOGUS")
call("supervisor.signalProcess", "nosuch", "CONT")
call("supervisor.signalProcess", "grp:*", "CONT")
call("supervisor.signalProcess", "sleeper")
call("supervisor.signalProcessGroup", "grp", "CONT")
call("supervisor.signalProcessGroup", "sleeper", "CONT")
call("supervisor.signalProcessGroup", "sleeper", "BOGUS")
call("supervisor.signalProcessGroup", "nosuch", "CONT")
call("supervisor.signalAllProcesses", "CONT")
call("supervisor.signalAllProcesses", "BOGUS")
call("supervisor.signalAllProcesses")

# -- stdin and events ----------------------------------------------------------------
call("supervisor.sendProcessStdin", "sleeper", "hello\n")
call("supervisor.sendProcessStdin", "sleeper", "")
call("supervisor.sendProcessStdin", "sleeper", 5)
call("supervisor.sendProcessStdin", "sleeper", ["a", 1])
call("supervisor.sendProcessStdin", "quick", "x")
call("supervisor.sendProcessStdin", "nosuch", "x")
call("supervisor.sendProcessStdin", "grp:*", "x")
call("supervisor.sendProcessStdin", "sleeper")
call("supervisor.sendRemoteCommEvent", "mytype", "mydata")
call("supervisor.sendRemoteCommEvent", "mytype")

# -- clearing logs -------------------------------------------------------------------
call("supervisor.clearProcessLogs", "quick")
call(
    "supervisor.readProcessStdoutLog",
    "quick", 0, 0,
    label="supervisor.readProcessStdoutLog('quick', 0, 0) after clearProcessLogs('quick')",
)
call("supervisor.clearProcessLog", "ansi")
call("supervisor.clearProcessLogs", "missing")
call("supervisor.clearProcessLogs", "nosuch")
call("supervisor.clearProcessLogs", "grp:*")
call("supervisor.clearProcessLogs")
call("supervisor.clearAllProcessLogs")
call("supervisor.clearAllProcessLogs", 1)
call(
    "supervisor.readProcessStdoutLog",
    "binary", 0, 0,
    label="supervisor.readProcessStdoutLog('binary', 0, 0) after clearAllProcessLogs()",
)
call("supervisor.clearLog")
call("supervisor.clearLog", 1)
call("supervisor.readLog", 0, 0, shape=size_only)

# -- process groups ------------------------------------------------------------------
call("supervisor.addProcessGroup", "sleeper")
call("supervisor.addProcessGroup", "nosuch")
call("supervisor.addProcessGroup")
call("supervisor.removeProcessGroup", "sleeper")
call("supervisor.removeProcessGroup", "nosuch")
call("supervisor.removeProcessGroup", "missing")
call("supervisor.getProcessInfo", "missing")
call("supervisor.removeProcessGroup", "missing")
call("supervisor.getAllConfigInfo", label="supervisor.getAllConfigInfo() without missing")
call("supervisor.addProcessGroup", "missing")
call("supervisor.addProcessGroup", "missing")
call("supervisor.getProcessInfo", "missing")
for group in ("quick", "ansi", "binary"):
    call("supervisor.removeProcessGroup", group)
call("supervisor.getAllProcessInfo")

# -- whole-supervisor operations -----------------------------------------------------
call("supervisor.startAllProcesses")
wait_for("failer FATAL again", lambda s: s.get("failer:failer") == "FATAL")
call("supervisor.getAllProcessInfo")
call("supervisor.startAllProcesses", True)
wait_for("failer FATAL again", lambda s: s.get("failer:failer") == "FATAL")
call("supervisor.signalAllProcesses", "CONT")
call("supervisor.stopAllProcesses")
call("supervisor.stopAllProcesses", False)
# failer may or may not have exited by the time a no-wait start looks: out of the way.
call("supervisor.removeProcessGroup", "failer")
call("supervisor.startAllProcesses", False)
wait_for("all RUNNING", lambda s: both_running(s) and s.get("sleeper:sleeper") == "RUNNING")
call("supervisor.stopAllProcesses", True)
call("supervisor.getAllProcessInfo")
call("supervisor.startAllProcesses", 1, 2)

# -- reloadConfig --------------------------------------------------------------------
call("supervisor.reloadConfig")
with open(CONF) as f:
    original = f.read()
edited = original.replace("[program:missing]", "[program:missing_was]").replace(
    "command=/bin/sleep 1000\nstdout", "command=/bin/sleep 999\nstdout", 1
) + "\n[program:extra]\ncommand=/bin/sleep 1000\nautostart=false\n"
with open(CONF, "w") as f:
    f.write(edited)
call("supervisor.reloadConfig")
call("supervisor.getAllConfigInfo", label="supervisor.getAllConfigInfo() after reloadConfig()")
with open(CONF, "w") as f:
    f.write(original + "\n[program:broken]\nautostart=false\n")
call("supervisor.reloadConfig")
with open(CONF, "w") as f:
    f.write(original)
call("supervisor.reloadConfig")
call("supervisor.reloadConfig", 1)

# -- multicall -----------------------------------------------------------------------
call(
    "system.multicall",
    [
        {"methodName": "supervisor.getAPIVersion", "params": []},
        {"methodName": "supervisor.getProcessInfo", "params": ["nosuch"]},
        {"methodName": "system.multicall", "params": [[]]},
        {"params": []},
        {"methodName": "supervisor.getState"},
        {"methodName": "supervisor.startProcess", "params": ["grp:multi_00"]},
        {"methodName": "supervisor.startProcess", "params": ["grp:multi_00"]},
        {"methodName": "supervisor.stopProcessGroup", "params": ["grp"]},
        {"methodName": "supervisor.getProcessInfo", "params": ["grp:multi_00"]},
        {"methodName": "supervisor.nosuch", "params": []},
        {"methodName": "supervisor._update", "params": ["x"]},
        {"methodName": "supervisor.getProcessInfo", "params": []},
        {"methodName": "system.listMethods", "params": []},
        {"methodName": "system.methodSignature", "params": ["supervisor.getPID"]},
    ],
    label="system.multicall([...mixed...])",
)
call("system.multicall", [])
call("system.multicall")
call("system.multicall", [], [])
call("system.multicall", [{"methodName": "system.multicall", "params": []}])

# -- restart, then shutdown ----------------------------------------------------------
call(
    "system.multicall",
    [
        {"methodName": "supervisor.restart", "params": []},
        {"methodName": "supervisor.getState", "params": []},
        {"methodName": "supervisor.getProcessInfo", "params": ["sleeper"]},
        {"methodName": "supervisor.sendRemoteCommEvent", "params": ["t", "d"]},
        {"methodName": "system.listMethods", "params": []},
    ],
    label="system.multicall([restart, getState, getProcessInfo, sendRemoteCommEvent, listMethods])",
)
# The daemon restarts in place: wait until it serves again and has settled.
server = proxy()
wait_for("the restart", settled)
call("supervisor.getState")
call("supervisor.getAllProcessInfo")
call("supervisor.shutdown", 1)
call("supervisor.restart", 1)
call(
    "system.multicall",
    [
        {"methodName": "supervisor.shutdown", "params": []},
        {"methodName": "supervisor.getState", "params": []},
        {"methodName": "supervisor.restart", "params": []},
        {"methodName": "supervisor.sendRemoteCommEvent", "params": ["t", "d"]},
        {"methodName": "system.methodSignature", "params": ["supervisor.getPID"]},
    ],
    label="system.multicall([shutdown, getState, restart, sendRemoteCommEvent, methodSignature])",
)

json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
