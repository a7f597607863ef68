"""A gRPC client generated from proto/supervisor/v1/supervisor.proto by grpcio-tools,
used by tests/grpc_api.rs to prove the API stands on its own: it knows nothing of
supervisor-rs but the proto file.

    client.py <generated-dir> <socket-path> <scenario> [user password]

Prints one JSON object with what it saw.
"""
import base64
import json
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import supervisor_pb2 as pb  # noqa: E402
import supervisor_pb2_grpc as rpc  # noqa: E402

sock, scenario = sys.argv[2], sys.argv[3]
# grpc-core derives the :authority of a unix target from its path ("tmp%2F..."),
# which HTTP/2 servers may reject; any plain name will do.
channel = grpc.insecure_channel(
    "unix://" + sock, options=[("grpc.default_authority", "localhost")]
)
stub = rpc.SupervisorStub(channel)
metadata = []
if len(sys.argv) > 5:
    token = base64.b64encode(f"{sys.argv[4]}:{sys.argv[5]}".encode()).decode()
    metadata = [("authorization", "Basic " + token)]


def wait_live(stream, sock):
    """Returns once `stream` (a WatchEvents subscription) is live: a marker event came
    back through it. Markers sent before the server subscribed are lost, so they are
    sent until one arrives."""
    import threading
    import xmlrpc.client

    from supervisor.xmlrpc import SupervisorTransport

    synced = threading.Event()

    def sync():
        marker = xmlrpc.client.ServerProxy(
            "http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + sock)
        )
        while not synced.wait(0.05):
            marker.supervisor.sendRemoteCommEvent("sync", "")

    syncer = threading.Thread(target=sync)
    syncer.start()
    try:
        for ev in stream:
            if ev.name == "REMOTE_COMMUNICATION":
                break
    finally:
        synced.set()
        syncer.join()


def fault(err):
    """The Fault carried in the status details (trailer grpc-status-details-bin)."""
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            f = pb.Fault.FromString(value)
            return {"code": f.code, "text": f.text}
    return None


out = {}
if scenario == "lifecycle":
    procs = stub.ListProcesses(pb.ListProcessesRequest(), metadata=metadata).processes
    out["before"] = [[p.name, p.group, p.statename, p.description] for p in procs]
    stub.StartProcesses(
        pb.ProcessActionRequest(target=pb.Target(process="manual"), wait=True),
        metadata=metadata,
    )
    p = stub.GetProcess(pb.GetProcessRequest(name="manual"), metadata=metadata)
    out["manual"] = [p.statename, p.pid > 0, p.description.startswith("pid ")]
    try:
        stub.StartProcesses(
            pb.ProcessActionRequest(target=pb.Target(process="missing"), wait=True),
            metadata=metadata,
        )
        out["missing"] = "no error"
    except grpc.RpcError as err:
        out["missing"] = [err.code().name, fault(err)]
    try:
        stub.GetProcess(pb.GetProcessRequest(name="nosuch"), metadata=metadata)
    except grpc.RpcError as err:
        out["nosuch"] = [err.code().name, fault(err)]
    res = stub.StopProcesses(
        pb.ProcessActionRequest(target=pb.Target(all=True), wait=True),
        metadata=metadata,
    )
    out["stopall"] = sorted([r.name, r.status, r.description] for r in res.results)
    state = stub.GetState(pb.GetStateRequest(), metadata=metadata)
    out["state"] = [state.code, state.name, state.api_version, state.supervisor_version]
elif scenario == "watch":
    stream = stub.WatchProcesses(pb.WatchProcessesRequest(), metadata=metadata)
    initial = sorted((next(stream).name) for _ in range(3))
    out["initial"] = initial
    stub.StartProcesses(
        pb.ProcessActionRequest(target=pb.Target(process="manual"), wait=False),
        metadata=metadata,
    )
    seen = []
    for info in stream:
        if info.name == "manual":
            seen.append(info.statename)
            if info.statename == "RUNNING":
                break
    out["manual"] = seen
    stream.cancel()
elif scenario == "events":
    import re
    import xmlrpc.client

    from supervisor.xmlrpc import SupervisorTransport

    rpc2 = xmlrpc.client.ServerProxy(
        "http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + sock)
    )
    try:
        stub.WatchEvents(pb.WatchEventsRequest(names=["NO_SUCH_EVENT"])).next()
    except grpc.RpcError as err:
        out["bad"] = [err.code().name, fault(err)]
    stream = stub.WatchEvents(
        pb.WatchEventsRequest(names=["PROCESS_STATE", "REMOTE_COMMUNICATION"]),
        metadata=metadata,
        timeout=20,
    )
    wait_live(stream, sock)
    stub.StartProcesses(
        pb.ProcessActionRequest(target=pb.Target(process="manual"), wait=True),
        metadata=metadata,
    )
    # The same call through gRPC.
    stub.SendRemoteCommEvent(pb.RemoteCommEventRequest(type="hello", data="world"),
                             metadata=metadata)
    seen = []
    serials = []
    for ev in stream:
        if ev.payload.startswith("type:sync"):
            continue  # a late marker of wait_live
        seen.append([ev.name, re.sub(r"pid:\d+", "pid:N", ev.payload), ev.dropped])
        serials.append(ev.serial)
        if ev.name == "REMOTE_COMMUNICATION":
            break
    out["events"] = seen
    out["increasing"] = serials == sorted(serials)
    stream.cancel()
elif scenario == "group_events":
    import xmlrpc.client

    from supervisor.xmlrpc import SupervisorTransport

    rpc2 = xmlrpc.client.ServerProxy(
        "http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + sock)
    )

    def brief(response):
        return [
            [
                g.name,
                pb.GroupUpdate.Kind.Name(g.kind),
                [
                    [p.name, pb.ProcessUpdate.Action.Name(p.action), list(p.fields), p.start]
                    for p in g.processes
                ],
            ]
            for g in response.groups
        ]

    # A deadline, so a missing event fails the test instead of hanging it.
    stream = stub.WatchEvents(
        pb.WatchEventsRequest(names=["PROCESS_GROUP", "REMOTE_COMMUNICATION"]),
        metadata=metadata,
        timeout=20,
    )
    wait_live(stream, sock)
    out["dry"] = brief(stub.Update(pb.UpdateRequest(dry_run=True), metadata=metadata))
    rpc2.supervisor.sendRemoteCommEvent("dry-run-done", "")
    out["update"] = brief(stub.Update(pb.UpdateRequest(), metadata=metadata))
    rpc2.supervisor.sendRemoteCommEvent("update-done", "")
    seen = []
    for ev in stream:
        if ev.payload.startswith("type:sync"):
            continue  # a late marker of the syncer
        seen.append([ev.name, ev.payload])
        if ev.payload.startswith("type:update-done"):
            break
    out["events"] = seen
    stream.cancel()
elif scenario == "watchers":
    # tests/spliced_output.rs: a watcher of state changes, kept until the test has
    # seen the `talker` stream stay spliced (it creates `states-checked`); then a
    # watcher of output, which has the stream read, for five of its events.
    import os
    import time

    here = os.path.dirname(sock)

    def wait_for(name):
        end = time.monotonic() + 20
        while not os.path.exists(os.path.join(here, name)):
            if time.monotonic() > end:
                sys.exit(f"client: no {name} within 20 s")
            time.sleep(0.01)

    states = stub.WatchEvents(
        pb.WatchEventsRequest(names=["PROCESS_STATE", "REMOTE_COMMUNICATION"]),
        metadata=metadata,
        timeout=30,
    )
    wait_live(states, sock)
    open(os.path.join(here, "states-live"), "w").close()
    wait_for("states-checked")
    states.cancel()
    logs = stub.WatchEvents(
        pb.WatchEventsRequest(names=["PROCESS_LOG", "REMOTE_COMMUNICATION"]),
        metadata=metadata,
        timeout=30,
    )
    wait_live(logs, sock)
    data = []
    for ev in logs:
        if ev.name == "PROCESS_LOG_STDOUT":
            data.append(ev.payload.split("\n", 1)[1])
            if len(data) == 5:
                break
    logs.cancel()
    out["data"] = data
elif scenario == "auth":
    try:
        stub.GetState(pb.GetStateRequest(), metadata=metadata)
        out["state"] = "ok"
    except grpc.RpcError as err:
        out["state"] = err.code().name
elif scenario == "huge_name":
    # A 3 MB name: the fault echoes it, and grpc-core refuses metadata over its limit.
    name = "x" * (3 << 20)
    try:
        stub.GetProcess(pb.GetProcessRequest(name=name), metadata=metadata)
        out["code"] = "OK"
    except grpc.RpcError as err:
        out["code"] = err.code().name
        out["message"] = err.details()
        out["fault"] = fault(err)
print(json.dumps(out))
