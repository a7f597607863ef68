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
