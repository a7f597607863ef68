//! The web page at the HTTP level, with raw requests against a live supervisord:
//! basic auth in front of every page (401 without credentials), the CSRF rule
//! (cross-site POSTs and GET actions refused with 403, scripts' plain GET actions
//! and the page's own token-carrying POSTs served), escaping of names, log text and
//! messages, the live `/follow` stream, the unix socket, and Supervisor's GET
//! actions compared with Python supervisord 4.3's answers.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Instant;

use crate::support::http::{AUTH, Reply, exchange};
use crate::support::{DEADLINE, Daemon, free_port, oracle_python, wait_until};

const MARKUP_NAME: &str = "<script>alert(\"x&y\")<script>";

fn tcp(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s
}

/// `GET path` with `extra` header lines.
fn get(port: u16, path: &str, extra: &str) -> Reply {
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Connection: close\r\n\r\n"
    );
    exchange(tcp(port), &req, None)
}

/// `POST path` with a form body.
fn post(port: u16, path: &str, extra: &str, form: &str) -> Reply {
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    exchange(tcp(port), &req, None)
}

/// The CSRF token the status page carries.
fn token(port: u16) -> String {
    let page = get(port, "/", AUTH).body;
    let at = page.find("name=\"token\" value=\"").expect("a token field") + 20;
    page[at..at + 32].to_string()
}

/// A daemon with the page on `[inet_http_server]` (basic auth) and the unix socket.
fn daemon(port: u16, programs: &str) -> Daemon {
    let d = Daemon::start(&format!(
        "{}[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=s3cr3t\n\n{programs}",
        crate::support::SOCKET
    ));
    d.wait_for_socket();
    assert!(wait_until(DEADLINE, || TcpStream::connect((
        "127.0.0.1",
        port
    ))
    .is_ok()));
    d
}

const SLEEPER: &str = "[program:sleeper]\ncommand=/bin/sleep 1000\nstartsecs=0\n\n";

fn wait_running(port: u16, ns: &str) {
    let row = format!("data-namespec=\"{ns}\"");
    assert!(
        wait_until(DEADLINE, || {
            let page = get(port, "/", AUTH).body;
            page.split(&row)
                .nth(1)
                .is_some_and(|r| r.split("</tr>").next().unwrap().contains(">running<"))
        }),
        "{ns} never showed as running"
    );
}

#[test]
fn every_page_needs_the_login() {
    let port = free_port();
    let d = daemon(port, SLEEPER);
    wait_running(port, "sleeper");
    let wrong = "Authorization: Basic dXNlcjp3cm9uZw==\r\n"; // user:wrong
    for path in [
        "/",
        "/index.html",
        "/index.html?action=stop&processname=sleeper",
        "/tail.html?processname=sleeper",
        "/follow?processname=sleeper",
        "/ok.html",
        "/stylesheets/supervisor.css",
        "/scripts/status.js",
    ] {
        for creds in ["", wrong] {
            let r = get(port, path, creds);
            assert_eq!(r.status, 401, "GET {path} {creds:?}: {r:?}");
            assert_eq!(
                r.header("www-authenticate").as_deref(),
                Some("Basic realm=\"default\"")
            );
        }
    }
    let t = token(port);
    let r = post(
        port,
        "/index.html",
        "",
        &format!("action=stop&processname=sleeper&token={t}"),
    );
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(d.count("stopped: sleeper"), 0, "{}", d.main_log());

    // With the login: the page, hardened.
    let r = get(port, "/", AUTH);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(get(port, "/ok.html", AUTH).body, "OK");

    // The unix socket serves the same page.
    let sock = std::os::unix::net::UnixStream::connect(d.path("sv.sock")).unwrap();
    sock.set_read_timeout(Some(DEADLINE)).unwrap();
    let r = exchange(
        sock,
        "GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        None,
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("data-namespec=\"sleeper\""), "{}", r.body);
}

#[test]
fn cross_site_requests_are_refused_and_the_pages_own_are_served() {
    let port = free_port();
    let d = daemon(port, SLEEPER);
    wait_running(port, "sleeper");
    let t = token(port);
    let me = format!("http://127.0.0.1:{port}");
    let form = format!("action=stop&processname=sleeper&token={t}");

    // POSTs: no token, a wrong one, or the right one from another site.
    let refused_posts = [
        (String::new(), "action=stop&processname=sleeper".to_string()),
        (
            String::new(),
            "action=stop&processname=sleeper&token=00000000000000000000000000000000".into(),
        ),
        (
            format!("Origin: {me}\r\n"),
            "action=stop&processname=sleeper".into(),
        ),
        ("Origin: http://evil.example\r\n".into(), form.clone()),
        ("Origin: null\r\n".into(), form.clone()),
        (
            format!("Origin: http://127.0.0.1:{}\r\n", port + 1),
            form.clone(),
        ),
        (
            "Referer: http://evil.example/x.html\r\n".into(),
            form.clone(),
        ),
        ("Sec-Fetch-Site: cross-site\r\n".into(), form.clone()),
        ("Sec-Fetch-Site: same-site\r\n".into(), form.clone()),
    ];
    for (headers, body) in &refused_posts {
        let r = post(port, "/index.html", &format!("{AUTH}{headers}"), body);
        assert_eq!(r.status, 403, "POST {headers:?} {body:?}: {r:?}");
        assert!(r.body.contains("Refused"), "{}", r.body);
    }
    // Supervisor's GET actions from a browser on another site.
    for headers in [
        "Sec-Fetch-Site: cross-site\r\n",
        "Sec-Fetch-Site: same-site\r\n",
        "Origin: http://evil.example\r\n",
        "Referer: http://evil.example/x.html\r\n",
    ] {
        let r = get(
            port,
            "/index.html?action=stop&processname=sleeper",
            &format!("{AUTH}{headers}"),
        );
        assert_eq!(r.status, 403, "GET {headers:?}: {r:?}");
    }
    assert_eq!(d.count("stopped: sleeper"), 0, "{}", d.main_log());

    // The page's own form: same origin, the token. 303 back to the page.
    let r = post(
        port,
        "/index.html",
        &format!("{AUTH}Origin: {me}\r\nSec-Fetch-Site: same-origin\r\n"),
        &form,
    );
    assert_eq!(r.status, 303, "{r:?}");
    assert_eq!(
        r.header("location").as_deref(),
        Some("index.html?message=Process%20sleeper%20stopped")
    );
    let page = get(port, "/?message=Process%20sleeper%20stopped", AUTH).body;
    assert!(
        page.contains("status_msg ok\" role=\"status\">Process sleeper stopped<"),
        "{page}"
    );
    assert!(page.contains(">stopped<"));

    // A script (no browser headers) and a same-origin link keep Supervisor's GET.
    let r = get(port, "/index.html?action=start&processname=sleeper", AUTH);
    assert_eq!(r.status, 301, "{r:?}");
    assert_eq!(
        r.header("location"),
        Some(format!("{me}/?message=Process%20sleeper%20started"))
    );
    let r = get(
        port,
        "/?action=stop&processname=sleeper",
        &format!("{AUTH}Sec-Fetch-Site: same-origin\r\nReferer: {me}/index.html\r\n"),
    );
    assert_eq!(r.status, 301, "{r:?}");
    assert_eq!(d.count("stopped: sleeper"), 2, "{}", d.main_log());
}

#[test]
fn names_log_text_and_messages_are_escaped() {
    let port = free_port();
    let d = daemon(
        port,
        &format!(
            "[program:{MARKUP_NAME}]\ncommand=/bin/sh -c \"printf '<script>alert(1)</script>\\\\n'; exec /bin/sleep 1000\"\nstartsecs=0\nstdout_logfile=%(here)s/markup.out\n\n"
        ),
    );
    assert!(wait_until(DEADLINE, || crate::support::read(
        &d.path("markup.out")
    )
    .contains("alert(1)")));
    // Each page has exactly one <script> element: its own script file.
    let scripts = |body: &str| body.matches("<script").count();
    let page = get(port, "/", AUTH).body;
    assert!(!page.contains(MARKUP_NAME), "{page}");
    assert_eq!(scripts(&page), 1, "{page}");
    let q = "%3Cscript%3Ealert%28%22x%26y%22%29%3Cscript%3E";
    assert!(
        page.contains(&format!("tail.html?processname={q}")),
        "{page}"
    );

    let tail = get(port, &format!("/tail.html?processname={q}"), AUTH);
    assert_eq!(tail.status, 200);
    assert!(!tail.body.contains("<script>alert"), "{}", tail.body);
    assert_eq!(scripts(&tail.body), 1, "{}", tail.body);
    assert!(tail.body.contains("alert(1)"), "{}", tail.body);

    let msg = get(port, "/?message=%3Cscript%3Ealert(2)%3C/script%3E", AUTH).body;
    assert_eq!(scripts(&msg), 1, "{msg}");
    let unknown = get(port, "/tail.html?processname=%3Cscript%3Ealert(3)", AUTH).body;
    assert_eq!(scripts(&unknown), 1, "{unknown}");
    assert!(unknown.contains("BAD_NAME"), "{unknown}");

    // A name with CR LF cannot split the redirect's headers.
    let r = get(
        port,
        "/index.html?action=start&processname=x%0D%0ASet-Cookie:%20a=b",
        AUTH,
    );
    assert_eq!(r.status, 301);
    assert!(r.header("set-cookie").is_none(), "{r:?}");
    assert!(
        r.header("location")
            .unwrap()
            .ends_with("No%20such%20process%20named%20x%0D%0ASet-Cookie%3A%20a%3Db"),
        "{r:?}"
    );
}

#[test]
fn the_tail_page_and_its_live_stream() {
    let port = free_port();
    let d = Daemon::configure(&format!(
        "{}[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=s3cr3t\n\n\
         [program:feeder]\ncommand=/usr/bin/tail -n +1 -F %(here)s/feed\nstartsecs=0\nstdout_logfile=%(here)s/feeder.out\nstderr_logfile=NONE\n",
        crate::support::SOCKET
    ));
    std::fs::write(d.path("feed"), "one\ntwo\n").unwrap();
    let d = d.launch(&["-n"]);
    d.wait_for_socket();
    assert!(wait_until(DEADLINE, || crate::support::read(
        &d.path("feeder.out")
    ) == "one\ntwo\n"));
    let page = get(port, "/tail.html?processname=feeder", AUTH).body;
    assert!(page.contains(">one\ntwo\n</pre>"), "{page}");
    assert!(
        page.contains("data-follow=\"follow?processname=feeder&#38;channel=stdout&#38;offset=8\""),
        "{page}"
    );
    // Unknown process / no file: Supervisor's texts.
    let none = get(port, "/tail.html", AUTH).body;
    assert!(none.contains("No process name found"), "{none}");
    let nofile = get(port, "/tail.html?processname=feeder&channel=stderr", AUTH).body;
    assert!(nofile.contains("No file for feeder"), "{nofile}");

    // /follow from offset 4 sends "two\n", then what is appended, as it lands.
    let mut s = tcp(port);
    let req = format!(
        "GET /follow?processname=feeder&offset=4 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{AUTH}\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    read_until(&mut s, &mut got, "two\n");
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(!text.contains("one\n"), "{text}");
    std::fs::OpenOptions::new()
        .append(true)
        .open(d.path("feed"))
        .unwrap()
        .write_all(b"three\n")
        .unwrap();
    read_until(&mut s, &mut got, "three\n");
    let r = get(port, "/follow?processname=nosuch", AUTH);
    assert_eq!(r.status, 404);
}

/// Supervisor's GET actions against Python supervisord 4.3 and ours: the same
/// status and `Location` for each (timestamps aside).
#[test]
fn get_actions_answer_like_python_supervisord() {
    let transcript = |supervisord: &std::path::Path| {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("sd.conf"),
            format!(
                "[inet_http_server]\nport=127.0.0.1:{port}\n\n\
                 [supervisord]\nlogfile=%(here)s/main.log\npidfile=%(here)s/sd.pid\nchildlogdir=%(here)s\n\n\
                 [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
                 {SLEEPER}[program:missing]\ncommand=/nonexistent/cmd\nautostart=false\n"
            ),
        )
        .unwrap();
        let child = crate::support::command(supervisord)
            .arg("-n")
            .arg("-c")
            .arg(dir.path().join("sd.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(wait_until(DEADLINE, || get_ok(port)));
        // Both serve HTTP before autostart is done: the first stop needs it running.
        assert!(wait_until(DEADLINE, || crate::support::read(
            &dir.path().join("main.log")
        )
        .contains("success: sleeper entered RUNNING")));
        let mut lines = Vec::new();
        for path in [
            "/index.html?action=stop&processname=sleeper",
            "/index.html?action=stop&processname=sleeper",
            "/?action=start&processname=missing",
            "/index.html?action=start&processname=nosuch",
            "/index.html?action=clearlog&processname=sleeper",
            "/index.html?action=restart&processname=sleeper",
            "/index.html?action=start&processname=sleeper",
            "/index.html?action=refresh",
            "/index.html?action=stopall",
            "/index.html?action=restartall",
            "/ok.html",
        ] {
            let r = get(port, path, "");
            let location = r
                .header("location")
                .unwrap_or_default()
                .replace(&port.to_string(), "PORT");
            // `... at <ctime>`: keep the words, drop the time.
            let location = location.split("%20at%20").next().unwrap().to_string();
            let body = if r.status == 200 {
                r.body
            } else {
                String::new()
            };
            lines.push(format!("{path}: {} {location} {body}", r.status));
        }
        crate::support::stop_gently(child);
        lines
    };
    let python = oracle_python(&[]).parent().unwrap().join("supervisord");
    let theirs = transcript(&python);
    let ours = transcript(std::path::Path::new(env!("CARGO_BIN_EXE_supervisord")));
    assert_eq!(theirs, ours);
    assert!(
        theirs[2].contains("ERROR%3A%20Process%20missing%3A%20no%20such%20file"),
        "{theirs:?}"
    );
}

/// Reads the stream into `got` until it holds `needle`.
fn read_until(s: &mut TcpStream, got: &mut Vec<u8>, needle: &str) {
    let end = Instant::now() + DEADLINE;
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(got).contains(needle) {
        assert!(
            Instant::now() < end,
            "no {needle:?} in {:?}",
            String::from_utf8_lossy(got)
        );
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "the stream ended");
        got.extend_from_slice(&buf[..n]);
    }
}

fn get_ok(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok() && get(port, "/ok.html", "").status == 200
}
