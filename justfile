# Convenience recipes over cargo; `cargo test --workspace` is the canonical test command.

default: test

# run supervisord in the foreground on the sample config
run:
    cargo run --bin supervisord -- -n -c config/supervisord.conf

test:
    cargo test --workspace

lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

fmt:
    cargo fmt --all

# install Debian's chromium and chromium-driver (only if missing), then run the browser
# test; its screenshots land in target/web-artifacts/
browser:
    bash tests/browser/ensure-chromium.sh
    cargo test --test e2e web_page::

# build the Debian package (release binaries, man pages, completions; cargo-deb is
# built into target/tools/ on first use); prints the .deb's path
deb:
    bash packaging/deb.sh

# provision the Python Supervisor 4.3 oracle used by the differential tests
oracle:
    bash tests/oracle/ensure-venv.sh

# the benchmark (BENCHMARKS.md): our release build, Python supervisord 4.3 (the oracle
# venv) and the C floor (tests/bench/floor.c, built on the fly) interleaved, `reps` reps;
# spawn, stop, restart latency, churn, idle, logs. Writes target/bench/bench.{json,md}
bench reps="3":
    cargo build --release --bin supervisord
    V="$(bash tests/oracle/ensure-venv.sh)" && \
    BENCH_COMMAND="just bench {{reps}}" python3 tests/bench/bench.py --reps {{reps}} --python "$(dirname "$V")/supervisord"

# `just bench`, then the table between BENCHMARKS.md's bench markers
bench-update reps="3":
    cargo build --release --bin supervisord
    V="$(bash tests/oracle/ensure-venv.sh)" && \
    BENCH_COMMAND="just bench-update {{reps}}" python3 tests/bench/bench.py --reps {{reps}} --python "$(dirname "$V")/supervisord" --update BENCHMARKS.md

# floor.c -S is the supervisor floor (a stdin pipe per child, the command checked in the
# parent, as Supervisor's semantics require), floor.c -s the splice floor.
# issue 20's bounds (BENCHMARKS.md): churn and output beside every C floor, one run
bench-floors reps="5":
    cargo build --release --bin supervisord
    BENCH_COMMAND="just bench-floors {{reps}}" python3 tests/bench/bench.py --reps {{reps}} --only churn,logs,rotate --daemons ours,floor,supervisor-floor,splice-floor --out target/bench/floors

# cross-check against the team's reference harness outside this repository: our release
# build, then Python supervisord 4.3, each beside @minisup (../shared/bench/supbench.py);
# results go to target/bench/
bench-supbench reps="3":
    cargo build --release --bin supervisord
    mkdir -p target/bench
    SUPERVISORD="$PWD/target/release/supervisord -n -c {conf}" python3 ../shared/bench/supbench.py --label supervisor-rs --reps {{reps}} all --md target/bench/rust.md --json-out target/bench/rust.json
    SUPERVISORD="$(bash tests/oracle/ensure-venv.sh | xargs dirname)/supervisord -n -c {conf}" python3 ../shared/bench/supbench.py --label python-supervisord --reps {{reps}} all --skip limit --md target/bench/python.md --json-out target/bench/python.json

# fuzz every target (the XML-RPC request parser, the INI/TOML loader, `environment=`, the
# event-listener protocol, the basic-auth header) for `secs` seconds each with cargo-fuzz
# (nightly; cargo-fuzz is installed on first use). Without a nightly toolchain the same
# fuzz bodies run as proptests (the `fuzz_*` tests), many cases.
fuzz secs="60":
    bash fuzz/run.sh {{secs}}

# soak the release daemon under mixed load for `minutes` (tests/soak.rs): restarts, kill
# storms, XML-RPC and gRPC clients, log followers, updates and reloads, an event listener;
# prints fds, RSS, zombies, orphans and lost log bytes at the start and the end
soak minutes="30":
    SOAK_MINUTES={{minutes}} cargo test --release --test e2e soak:: -- --nocapture

# the resident cost of one empty ractor actor (the idle-memory floor in BENCHMARKS.md)
actor-floor n="10000":
    cargo run --release -p supervisor-daemon --example actor_floor -- {{n}}

# control-plane benchmark (BENCHMARKS.md): `supervisorctl status` with 500 programs and
# single-call round trips, ours and Python's side by side
bench-ctl n="500" reps="30":
    cargo build --release --bin supervisord --bin supervisorctl
    mkdir -p target/bench/grpc-py
    V="$(bash tests/oracle/ensure-venv.sh grpcio-tools==1.76.0 | xargs dirname)"; \
    "$V/python" -m grpc_tools.protoc -Iproto/supervisor/v1 --python_out=target/bench/grpc-py --grpc_python_out=target/bench/grpc-py supervisor.proto && \
    python3 tests/bench/ctl_bench.py --label ours --n {{n}} --reps {{reps}} --daemon "$PWD/target/release/supervisord -n -c {conf}" --ctl "$PWD/target/release/supervisorctl -c {conf}" --grpc-python "$V/python" --proto-dir target/bench/grpc-py && \
    python3 tests/bench/ctl_bench.py --label python-ctl-ours --n {{n}} --reps {{reps}} --daemon "$PWD/target/release/supervisord -n -c {conf}" --ctl "$V/supervisorctl -c {conf}" && \
    python3 tests/bench/ctl_bench.py --label python --n {{n}} --reps {{reps}} --daemon "$V/supervisord -n -c {conf}" --ctl "$V/supervisorctl -c {conf}"

# event benchmark (BENCHMARKS.md): events/s to one listener and exit → listener latency,
# ours and Python's side by side
bench-events reps="3":
    cargo build --release --bin supervisord
    V="$(bash tests/oracle/ensure-venv.sh | xargs dirname)"; \
    for i in $(seq {{reps}}); do \
      "$V/python" tests/bench/event_bench.py --label ours --daemon "$PWD/target/release/supervisord -n -c {conf}" && \
      "$V/python" tests/bench/event_bench.py --label python --daemon "$V/supervisord -n -c {conf}"; \
    done

# fault injection: N restarts under random SIGKILL/SIGSTOP/exits, then checks
# for zombies, orphans, fd and RSS levels; prints the figures
chaos restarts="10000":
    CHAOS_RESTARTS={{restarts}} cargo test --release --test e2e chaos:: -- --nocapture

# dependency benchmark (BENCHMARKS.md, "Dependencies and health checks"): 100 programs in
# 10 levels, each level waiting for the one before with tcp:// ready checks (overhead per
# edge), the same with Supervisor's priority only (ours and Python supervisord), and the
# idle CPU of 1000 programs health-checked every 10 s
bench-deps reps="3":
    cargo build --release --bin supervisord
    V="$(bash tests/oracle/ensure-venv.sh | xargs dirname)"; \
    for i in $(seq {{reps}}); do \
      python3 tests/bench/deps_bench.py levels --label ours --daemon "$PWD/target/release/supervisord -n -c {conf}" && \
      python3 tests/bench/deps_bench.py levels --label ours-priority --priority-only --daemon "$PWD/target/release/supervisord -n -c {conf}" && \
      python3 tests/bench/deps_bench.py levels --label python-priority --priority-only --daemon "$V/supervisord -n -c {conf}" || exit 1; \
    done && \
    python3 tests/bench/deps_bench.py idle --label ours --daemon "$PWD/target/release/supervisord -n -c {conf}"

# observability benchmark (BENCHMARKS.md, "Metrics and logs"): a /metrics scrape of 1000
# programs beside node_exporter's supervisord collector (Debian's
# prometheus-node-exporter, installed if missing) in front of Python supervisord and of
# ours, and log throughput with stdout_logfile_timestamps off and on
bench-obs n="1000" reps="50":
    cargo build --release --bin supervisord
    command -v prometheus-node-exporter >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-node-exporter) </dev/null
    V="$(bash tests/oracle/ensure-venv.sh | xargs dirname)"; \
    python3 tests/bench/obs_bench.py scrape --n {{n}} --reps {{reps}} --ours "$PWD/target/release/supervisord" --python "$V/supervisord" --node-exporter /usr/bin/prometheus-node-exporter && \
    python3 tests/bench/obs_bench.py logs --ours "$PWD/target/release/supervisord" --mb 300 --reps 3
