//! Generated code only: the `supervisor.v1` gRPC service and its messages, compiled
//! from `proto/supervisor/v1/supervisor.proto`. Conversions live in the crates that
//! use them, never here.

/// The `supervisor.v1` package.
#[allow(clippy::all, clippy::pedantic)]
pub mod v1 {
    tonic::include_proto!("supervisor.v1");
}
