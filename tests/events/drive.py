"""Drives one supervisord (Python's or ours) through the event-listener scenario of
tests/event_listeners.rs and prints what each listener pool received, as JSON.

    drive.py DIR      (DIR holds sv.sock, the listeners' records and flag files)

Every step waits on a condition (a record line, a process state) with a deadline.
"""

import json
import os
import sys
import time
import xmlrpc.client

from supervisor.xmlrpc import SupervisorTransport

DIR = sys.argv[1]
DEADLINE = 30.0
rpc = xmlrpc.client.ServerProxy(
    "http://127.0.0.1",
    transport=SupervisorTransport(None, None, "unix://" + os.path.join(DIR, "sv.sock")),
).supervisor


def wait(what, cond):
    end = time.time() + DEADLINE
    while time.time() < end:
        try:
            if cond():
                return
        except (OSError, xmlrpc.client.Fault):
            pass
        time.sleep(0.02)
    sys.exit("timed out waiting for " + what + "\n" + json.dumps(records(), indent=1))


def records_of(pool):
    try:
        with open(os.path.join(DIR, pool + ".jsonl")) as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return []


def records():
    return {p: records_of(p) for p in ("all", "picky", "dier", "slow")}


def has(pool, needle, count=1):
    return sum(needle in r["header"] + r["payload"] for r in records_of(pool)) >= count


def state(name):
    return rpc.getProcessInfo(name)["statename"]


# 1. Startup: every program is RUNNING (quick has exited); logger and comm wait for
# a line on stdin before they write, so their output events follow RUNNING.
wait("startup", lambda: has("all", "PROCESS_STATE_EXITED")
     and has("all", "processname:comm groupname:comm from_state:STARTING")
     and has("all", "processname:logger groupname:logger from_state:STARTING")
     and has("all", "processname:errlog groupname:errlog from_state:STARTING")
     and has("all", "PROCESS_STATE_FATAL"))
for name in ("logger", "comm", "errlog"):
    rpc.sendProcessStdin(name, "go\n")
wait("output events", lambda: has("all", "PROCESS_LOG_STDOUT")
     and has("all", "PROCESS_LOG_STDERR")
     and has("all", "PROCESS_COMMUNICATION_STDOUT"))
# 2. A stop.
rpc.stopProcess("logger")
wait("logger stopped", lambda: has("all", "PROCESS_STATE_STOPPED"))
# 3. Warm-up: picky fails it twice, dier dies on it and gets it again.
rpc.sendRemoteCommEvent("warmup", "w")
wait("warm-up everywhere", lambda: has("picky", "type:warmup", 3)
     and has("dier", "type:warmup", 2) and has("slow", "type:warmup")
     and has("all", "type:warmup"))
# 4. slow holds r1 while r2..r5 arrive: its buffer (2) keeps only r4 and r5.
rpc.sendRemoteCommEvent("r", "1")
wait("slow holds r1", lambda: has("slow", "type:r\n1"))
for n in "2345":
    rpc.sendRemoteCommEvent("r", n)
wait("r5 everywhere else", lambda: has("all", "type:r\n5")
     and has("picky", "type:r\n5") and has("dier", "type:r\n5"))
open(os.path.join(DIR, "release"), "w").close()
wait("slow gets r5", lambda: has("slow", "type:r\n5"))
rpc.removeProcessGroup("quick")
wait("group removed", lambda: has("all", "PROCESS_GROUP_REMOVED"))
rpc.sendRemoteCommEvent("done", "")
wait("done everywhere", lambda: all(has(p, "type:done") for p in records()))


print(json.dumps(records(), indent=1, sort_keys=True))
