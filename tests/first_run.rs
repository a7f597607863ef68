//! The README's first run: `config/supervisord.conf` starts its programs and serves
//! the web page on 127.0.0.1:9001 behind the credentials the README prints. The test
//! runs the sample with its /tmp paths and port moved to a private directory and a
//! free port (a developer may have the demo running), and checks the README says
//! what the sample does.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;

use crate::support::{DEADLINE, stop_gently, wait_until};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `GET /` with optional basic credentials; the status code.
fn get(port: u16, auth: Option<&str>) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let auth = auth
        .map(|a| format!("Authorization: Basic {a}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    String::from_utf8_lossy(&head[9..12]).parse().ok()
}

#[test]
fn the_sample_serves_the_page_with_the_readme_credentials() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    assert!(readme.contains("cargo run --bin supervisord -- -n -c config/supervisord.conf"));
    assert!(readme.contains("http://127.0.0.1:9001/"));
    assert!(readme.contains("user `demo`, password `demo`"));

    let sample = std::fs::read_to_string(Path::new(ROOT).join("config/supervisord.conf")).unwrap();
    assert!(sample.contains("port = 127.0.0.1:9001"));
    let dir = tempfile::tempdir().unwrap();
    let port = crate::support::free_port();
    let conf = sample
        .replace("/tmp/", &format!("{}/", dir.path().display()))
        .replace(
            "childlogdir = /tmp ",
            &format!("childlogdir = {} ", dir.path().display()),
        )
        .replace("127.0.0.1:9001", &format!("127.0.0.1:{port}"));
    let path = dir.path().join("supervisord.conf");
    std::fs::write(&path, conf).unwrap();
    let daemon = crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // demo:demo
    let up = wait_until(DEADLINE, || get(port, Some("ZGVtbzpkZW1v")) == Some(200));
    let refused = get(port, None);
    let status = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .arg("-c")
        .arg(&path)
        .arg("status")
        .output()
        .unwrap();
    stop_gently(daemon);
    assert!(up, "the page never answered 200 with demo:demo");
    assert_eq!(refused, Some(401));
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains("ticker") && status.contains("workers:worker_0"),
        "{status}"
    );
}
