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

# provision the Python Supervisor 4.3 oracle used by the differential tests
oracle:
    bash tests/oracle/ensure-venv.sh

# benchmark our release build, then Python supervisord 4.3, each beside @minisup
# (../shared/bench/supbench.py); results go to target/bench/
bench reps="3":
    cargo build --release --bin supervisord
    mkdir -p target/bench
    SUPERVISORD="$PWD/target/release/supervisord -n -c {conf}" python3 ../shared/bench/supbench.py --label supervisor-rs --reps {{reps}} all --md target/bench/rust.md --json-out target/bench/rust.json
    SUPERVISORD="$(bash tests/oracle/ensure-venv.sh | xargs dirname)/supervisord -n -c {conf}" python3 ../shared/bench/supbench.py --label python-supervisord --reps {{reps}} all --skip limit --md target/bench/python.md --json-out target/bench/python.json
