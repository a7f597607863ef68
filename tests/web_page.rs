//! The web page in a real browser: headless Chromium (Debian's `chromium`), driven
//! through WebDriver (Debian's `chromium-driver`, the `chromedriver` binary, which
//! tests/browser/ensure-chromium.sh installs when missing) with fantoccini, against
//! a live supervisord on `[inet_http_server]` with basic auth. It logs in, reads
//! the table, stops and starts a process with the page's buttons, watches the table
//! follow a change made elsewhere without a reload, follows a log live on the tail
//! page, checks that a process named like markup stays text, and has a page on
//! another origin try to act with the browser's login (refused). Screenshots go to
//! `target/web-artifacts/`; tests/browser/mod.rs is the harness.

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::browser::{Driver, screenshot};
use crate::support::{DEADLINE, Daemon, free_port, wait_until};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// A process whose name is markup; the page must show it as text.
const MARKUP_NAME: &str = "<script>window.pwned=1<script>";

/// Waits (with the deadline) until `f` returns `Some`.
async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let end = Instant::now() + DEADLINE;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text of the first element matching `css`, if there is one.
async fn text(c: &Client, css: &str) -> Option<String> {
    let e = c.find(Locator::Css(css)).await.ok()?;
    e.text().await.ok()
}

/// Waits until the element at `css` shows exactly `want`.
async fn wait_text(c: &Client, css: &str, want: &str) {
    let end = Instant::now() + DEADLINE;
    loop {
        let got = text(c, css).await;
        if got.as_deref() == Some(want) {
            return;
        }
        assert!(
            Instant::now() < end,
            "timed out waiting for {css} to read {want:?}; it reads {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn state_css(ns: &str) -> String {
    format!("tr[data-namespec=\"{ns}\"] td.status span")
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// A marker that survives only as long as the page is not reloaded.
async fn mark_page(c: &Client) {
    c.execute("window.__notReloaded = true;", vec![])
        .await
        .unwrap();
}

async fn page_was_not_reloaded(c: &Client) -> bool {
    c.execute("return window.__notReloaded === true;", vec![])
        .await
        .unwrap()
        == Value::Bool(true)
}

/// A page on another origin that tries to make the logged-in browser act on the
/// daemon: an `<img>` pointing at a GET action, and a form POST (submitted by the
/// test) with a guessed token. Served from a thread until dropped.
struct EvilSite {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EvilSite {
    fn serve(target: u16) -> EvilSite {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let page = format!(
            "<!DOCTYPE html><html><head><title>evil</title></head><body>\
             <img src=\"http://127.0.0.1:{target}/index.html?action=stop&amp;processname=sleeper\" onerror=\"document.title='img done'\" onload=\"document.title='img done'\">\
             <form id=\"forged\" method=\"post\" action=\"http://127.0.0.1:{target}/index.html\">\
             <input name=\"action\" value=\"stop\"><input name=\"processname\" value=\"sleeper\"><input name=\"token\" value=\"00000000000000000000000000000000\">\
             </form></body></html>"
        );
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        // A blocking accept; Drop sets the flag and connects once to wake it.
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok(_) if flag.load(Ordering::Relaxed) => break,
                    Ok((mut s, _)) => {
                        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                        let mut req = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                            match s.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => req.extend_from_slice(&buf[..n]),
                            }
                        }
                        let _ = write!(
                            s,
                            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                            page.len()
                        );
                    }
                    Err(_) => break,
                }
            }
        });
        EvilSite {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for EvilSite {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Supervisor's GET action, as a script would send it (no browser headers).
fn script_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Basic dXNlcjpzM2NyM3Q=\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_in_a_real_browser() {
    let port = free_port();
    let daemon = Daemon::configure(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=s3cr3t\n\n\
         [program:sleeper]\ncommand=/bin/sleep 1000\nstartsecs=0\n\n\
         [program:feeder]\ncommand=/usr/bin/tail -n +1 -F %(here)s/feed\nstartsecs=0\nstdout_logfile=%(here)s/feeder.out\n\n\
         [program:{MARKUP_NAME}]\ncommand=/bin/sleep 1000\nautostart=false\n"
    ));
    std::fs::write(daemon.path("feed"), "first line\n").unwrap();
    let daemon = daemon.launch(&["-n"]);
    assert!(
        wait_until(DEADLINE, || TcpStream::connect(("127.0.0.1", port)).is_ok()),
        "no HTTP server; main log:\n{}",
        daemon.main_log()
    );
    let driver = Driver::start();
    let c = driver.browser().await;

    // Log in (credentials in the address, as a person would type them) and see the table.
    c.goto(&format!("http://user:s3cr3t@127.0.0.1:{port}/"))
        .await
        .unwrap();
    wait_text(&c, &state_css("sleeper"), "running").await;
    wait_text(&c, &state_css("feeder"), "running").await;
    let title = c.title().await.unwrap();
    assert_eq!(title, "Supervisor Status");
    let desc = text(&c, "tr[data-namespec=\"sleeper\"] td.description")
        .await
        .unwrap();
    assert!(desc.starts_with("pid "), "{desc}");

    // The markup-named process is plain text: its name reads back verbatim, no
    // script ran, no element was made of it.
    let names: Vec<String> = {
        let mut v = Vec::new();
        for e in c.find_all(Locator::Css("td.name a")).await.unwrap() {
            v.push(e.text().await.unwrap());
        }
        v
    };
    assert!(names.contains(&MARKUP_NAME.to_string()), "{names:?}");
    let scripts = c
        .execute(
            "return [window.pwned === undefined, document.querySelectorAll('#statustable script').length];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(scripts, json!([true, 0]));
    screenshot(&c, "status.png").await;

    // Stop, then start, with the page's own buttons (POST forms with the token).
    click(&c, "tr[data-namespec=\"sleeper\"] button[value=\"stop\"]").await;
    wait_text(&c, "#statusmessage", "Process sleeper stopped").await;
    wait_text(&c, &state_css("sleeper"), "stopped").await;
    click(&c, "tr[data-namespec=\"sleeper\"] button[value=\"start\"]").await;
    wait_text(&c, "#statusmessage", "Process sleeper started").await;
    wait_text(&c, &state_css("sleeper"), "running").await;
    screenshot(&c, "status-after-restart.png").await;

    // Another origin (another port of this host: same site, other origin) tries
    // both forgeries with the browser's cached login: an <img> GET action and a
    // form POST with a guessed token. Both are refused; sleeper keeps running.
    let stops_before = daemon.count("stopped: sleeper");
    let evil = EvilSite::serve(port);
    c.goto(&format!("http://127.0.0.1:{}/", evil.port))
        .await
        .unwrap();
    eventually("the forged <img> request to finish", || {
        let c = c.clone();
        async move { (c.title().await.ok()? == "img done").then_some(()) }
    })
    .await;
    c.execute("document.getElementById('forged').submit();", vec![])
        .await
        .unwrap();
    eventually("the forged POST to be answered", || {
        let c = c.clone();
        async move { (c.title().await.ok()? == "Forbidden").then_some(()) }
    })
    .await;
    let refusal = text(&c, "body").await.unwrap();
    assert!(refusal.contains("Refused"), "{refusal}");
    c.goto(&format!("http://127.0.0.1:{port}/")).await.unwrap();
    wait_text(&c, &state_css("sleeper"), "running").await;
    assert_eq!(
        daemon.count("stopped: sleeper"),
        stops_before,
        "a forged request stopped sleeper:\n{}",
        daemon.main_log()
    );
    drop(evil);

    // A change made elsewhere (a script's GET action) shows up without a reload.
    mark_page(&c).await;
    let reply = script_get(port, "/index.html?action=stop&processname=sleeper");
    assert!(reply.starts_with("HTTP/1.1 301"), "{reply}");
    wait_text(&c, &state_css("sleeper"), "stopped").await;
    assert!(page_was_not_reloaded(&c).await, "the page reloaded");

    // The tail page: the log so far, then new output as it lands, without a reload.
    click(&c, "tr[data-namespec=\"feeder\"] td.name a").await;
    eventually("the tail page to show the first line", || {
        let c = c.clone();
        async move { text(&c, "#tail").await.filter(|t| t.contains("first line")) }
    })
    .await;
    wait_text(&c, "#live", "following live").await;
    mark_page(&c).await;
    let marker = "fresh <b>output</b> & more";
    std::fs::OpenOptions::new()
        .append(true)
        .open(daemon.path("feed"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{marker}\n").as_bytes()))
        .unwrap();
    eventually("new output on the tail page", || {
        let c = c.clone();
        async move { text(&c, "#tail").await.filter(|t| t.contains(marker)) }
    })
    .await;
    assert!(page_was_not_reloaded(&c).await, "the tail page reloaded");
    // Appended as text: no <b> element appeared.
    let bold = c
        .execute(
            "return document.querySelectorAll('#tail b').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(bold, json!(0));
    screenshot(&c, "tail.png").await;

    c.close().await.unwrap();
    let mut driver = driver;
    let left = driver.stop();
    assert!(left.is_empty(), "browser processes left behind: {left:?}");
    drop(daemon);
}
