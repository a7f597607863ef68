"""Oracle for crates/config/tests/differential.rs: load each config file given on
the command line with Supervisor 4.3.0's own parser (ServerOptions.realize, as
`supervisord -c FILE` does, plus ClientOptions.read_config for [supervisorctl])
and print one JSON object per file, one per line, in the shape the Rust test
builds from our Config. The first line holds the host name used for
%(host_node_name)s, which the test pins on its side.

Normalisations (the only ones; everything else is printed as Supervisor holds it):
* child log file paths are made absolute (Supervisor keeps them relative to the
  cwd; our model stores them absolute);
* the [supervisord] environment is merged into each process environment exactly
  as Supervisor does (our model keeps the two apart);
* objects are named: the autorestart classes, log file markers (AUTO / NONE),
  factory and handler callables as "module:name", event classes by event name.
"""
import json
import os
import platform
import sys

from supervisor import events, loggers
from supervisor.datatypes import (
    Automatic,
    RestartUnconditionally,
    RestartWhenExitUnexpected,
)
from supervisor.options import (
    ClientOptions,
    EventListenerPoolConfig,
    FastCGIGroupConfig,
    ServerOptions,
)


class Usage(Exception):
    pass


def level_name(num):
    for name in dir(loggers.LevelsByName):
        if name.isupper() and getattr(loggers.LevelsByName, name) == num:
            return {"WARN": "warn", "BLAT": "blather", "TRAC": "trace",
                    "DEBG": "debug", "ERRO": "error", "CRIT": "critical",
                    "INFO": "info"}[name]
    return str(num)


def logfile(value):
    if value is None:
        return "NONE"
    if value is Automatic:
        return "AUTO"
    return os.path.normpath(os.path.abspath(value))


def autorestart(value):
    if value is RestartUnconditionally:
        return "true"
    if value is RestartWhenExitUnexpected:
        return "unexpected"
    return "false"


def callable_name(obj):
    return "%s:%s" % (obj.__module__, obj.__name__)


def channel(p, name):
    return {
        "logfile": logfile(getattr(p, name + "_logfile")),
        "logfile_maxbytes": getattr(p, name + "_logfile_maxbytes"),
        "logfile_backups": getattr(p, name + "_logfile_backups"),
        "capture_maxbytes": getattr(p, name + "_capture_maxbytes"),
        "events_enabled": bool(getattr(p, name + "_events_enabled")),
        "syslog": bool(getattr(p, name + "_syslog")),
    }


def process(p):
    return {
        "name": p.name,
        "command": p.command,
        "priority": p.priority,
        "autostart": bool(p.autostart),
        "startsecs": p.startsecs,
        "startretries": p.startretries,
        "autorestart": autorestart(p.autorestart),
        "exitcodes": list(p.exitcodes),
        "stopsignal": int(p.stopsignal),
        "stopwaitsecs": p.stopwaitsecs,
        "stopasgroup": bool(p.stopasgroup),
        "killasgroup": bool(p.killasgroup),
        "uid": p.uid,
        "redirect_stderr": bool(p.redirect_stderr),
        "stdout": channel(p, "stdout"),
        "stderr": channel(p, "stderr"),
        "environment": [[k, v] for k, v in (p.environment or {}).items()],
        "directory": p.directory,
        "umask": p.umask,
        "serverurl": p.serverurl,
    }


def group(g):
    out = {
        "name": g.name,
        "priority": g.priority,
        "kind": "program",
        "processes": [process(p) for p in g.process_configs],
    }
    if isinstance(g, EventListenerPoolConfig):
        out["kind"] = "eventlistener"
        out["buffer_size"] = g.buffer_size
        out["events"] = sorted(events.getEventNameByType(e) for e in g.pool_events)
        out["result_handler"] = callable_name(g.result_handler)
    if isinstance(g, FastCGIGroupConfig):
        sock = g.socket_config
        out["kind"] = "fcgi"
        out["socket"] = sock.url
        out["socket_backlog"] = sock.backlog
        owner = getattr(sock, "owner", None)
        out["socket_owner"] = list(owner) if owner is not None else None
        out["socket_mode"] = getattr(sock, "mode", None) if sock.url.startswith("unix://") else None
    return out


def server(c):
    out = {
        "section": c["section"],
        "username": c["username"],
        "password": c["password"],
    }
    if "file" in c:
        out.update(kind="unix", file=c["file"], chmod=c["chmod"], chown=list(c["chown"]))
    else:
        out.update(kind="inet", host=c["host"], port=c["port"])
    return out


def supervisorctl(path):
    opts = ClientOptions()
    try:
        section = opts.read_config(path)
    except ValueError:
        return None
    return {
        "serverurl": section.serverurl,
        "username": section.username,
        "password": section.password,
        "prompt": section.prompt,
        "history_file": section.history_file,
    }


def dump(path):
    opts = ServerOptions()

    def usage(msg):
        raise Usage(msg)

    opts.usage = usage
    try:
        opts.realize(args=["-c", path], doc="")
    except Usage as e:
        return {"file": path, "error": str(e)}
    sd = opts.configroot.supervisord
    env = dict(sd.environment or {})
    return {
        "file": path,
        "supervisord": {
            "logfile": opts.logfile,
            "logfile_maxbytes": opts.logfile_maxbytes,
            "logfile_backups": opts.logfile_backups,
            "loglevel": level_name(opts.loglevel),
            "pidfile": opts.pidfile,
            "umask": opts.umask,
            "nodaemon": bool(opts.nodaemon),
            "silent": bool(opts.silent),
            "minfds": opts.minfds,
            "minprocs": opts.minprocs,
            "nocleanup": bool(opts.nocleanup),
            "childlogdir": opts.childlogdir,
            "uid": opts.uid,
            "gid": opts.gid,
            "directory": opts.directory,
            "strip_ansi": bool(opts.strip_ansi),
            "environment": [[k, v] for k, v in env.items()],
            "identifier": opts.identifier,
        },
        "servers": [server(c) for c in opts.server_configs],
        "rpcinterfaces": [[n, callable_name(f)] for n, f, _ in opts.rpcinterface_factories],
        "groups": [group(g) for g in opts.process_group_configs],
        "messages": [["warn", m] for m in opts.parse_warnings]
        + [["info", m] for m in opts.parse_infos],
        "supervisorctl": supervisorctl(path),
    }


def main():
    # First line: the host name Supervisor expands %(host_node_name)s to, so the
    # Rust side can pin the same value instead of trusting both to agree.
    print(json.dumps({"host_node_name": platform.node()}), flush=True)
    for path in sys.argv[1:]:
        print(json.dumps(dump(path)), flush=True)


if __name__ == "__main__":
    main()
