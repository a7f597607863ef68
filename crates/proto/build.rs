//! Compiles `proto/supervisor/v1/*.proto` with protox (pure Rust), so a fresh machine
//! needs no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = "../../proto";
    let fds = protox::compile(["supervisor/v1/supervisor.proto"], [dir])?;
    tonic_prost_build::configure().compile_fds(fds)?;
    // compile_fds emits no rerun-if-changed of its own.
    println!("cargo:rerun-if-changed={dir}");
    Ok(())
}
