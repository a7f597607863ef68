//! Tests of spawn, the reaper and kill with real processes. They share one reaper
//! (one process can only have one `waitpid(-1)` owner) running on its own runtime
//! thread; each test waits on conditions with deadlines, never a fixed sleep.

use std::ffi::{OsStr, OsString};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::time::timeout;

use crate::{
    Child, Environment, Reaper, ReaperConfig, SpawnSpec, SpawnUser, kill, resolve_command, spawn,
};
use supervisor_model::ExitStatus;
use supervisor_model::Signal;

const DEADLINE: Duration = Duration::from_secs(10);

/// The test binary's one reaper, also the child subreaper of the test process.
pub(crate) fn reaper() -> &'static Reaper {
    static REAPER: OnceLock<Reaper> = OnceLock::new();
    REAPER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                crate::set_child_subreaper().expect("subreaper");
                // The grace must outlast a loaded test thread's way from EOF to
                // `register` (200 ms was too short on a busy CI machine), yet keep the
                // orphan test (which waits one grace) quick.
                let config = ReaperConfig {
                    grace: Duration::from_secs(2),
                    ..ReaperConfig::default()
                };
                tx.send(Reaper::start_with(config).expect("reaper"))
                    .expect("send");
                std::future::pending::<()>().await;
            });
        });
        rx.recv().expect("reaper started")
    })
}

fn spec(command: &str) -> SpawnSpec {
    let mut spec = SpawnSpec::new(resolve_command(command, None).expect("resolve"));
    spec.env = Arc::new(
        Environment::new([(OsString::from("PATH"), OsString::from("/bin:/usr/bin"))]).unwrap(),
    );
    spec
}

async fn read_all<R: tokio::io::AsyncRead + Unpin>(r: &mut Option<R>) -> String {
    let mut out = Vec::new();
    let reader = r.as_mut().expect("pipe");
    timeout(DEADLINE, reader.read_to_end(&mut out))
        .await
        .expect("EOF before the deadline")
        .expect("read");
    String::from_utf8(out).expect("utf-8")
}

async fn exit(child: Child) -> ExitStatus {
    timeout(DEADLINE, child.exit)
        .await
        .expect("exit before the deadline")
        .expect("reaper alive")
}

/// Run `spec` to completion: (stdout, stderr, status).
async fn run(spec: &SpawnSpec) -> (String, String, ExitStatus) {
    let mut child = spawn(spec, reaper()).expect("spawn");
    let out = read_all(&mut child.stdout).await;
    let err = match child.stderr {
        Some(_) => read_all(&mut child.stderr).await,
        None => String::new(),
    };
    (out, err, exit(child).await)
}

#[tokio::test]
async fn a_second_reaper_is_refused() {
    let _ = reaper();
    assert!(matches!(
        Reaper::start(),
        Err(crate::ReaperError::AlreadyStarted)
    ));
}

#[tokio::test]
async fn exit_statuses_are_routed_to_their_child() {
    let (_, _, status) = run(&spec("/bin/sh -c 'exit 3'")).await;
    assert_eq!(status, ExitStatus::Exited(3));
    let (_, _, status) = run(&spec("false")).await;
    assert_eq!(status.describe(), "exit status 1");
    let (_, _, status) = run(&spec("/bin/sh -c 'kill -KILL $$'")).await;
    assert_eq!(status.describe(), "terminated by SIGKILL");
    assert_eq!(status.exit_code(), -1);
}

#[tokio::test]
async fn children_exiting_at_once_are_never_lost() {
    // /bin/true usually exits before fork() returns in the parent; registration under
    // the reaper's lock must still route every status.
    let children: Vec<Child> = (0..40)
        .map(|_| spawn(&spec("/bin/true"), reaper()).expect("spawn"))
        .collect();
    for child in children {
        assert_eq!(exit(child).await, ExitStatus::Exited(0));
    }
}

#[tokio::test]
async fn a_child_that_dies_during_a_fork_is_reaped_when_the_fork_ends() {
    // The reaper never waits for a fork in progress: its pass is left to the fork.
    let mut first = spawn(&spec("/bin/sh -c 'read x'"), reaper()).expect("spawn");
    let first_pid = first.pid;
    let registered = reaper().fork_registered(|| {
        drop(first.stdin.take()); // EOF: `read` fails, the shell exits 1
        let dead = wait_until(|| proc_state(first_pid) == Some('Z'));
        let left = wait_until(|| reaper().reap_pending());
        assert!(
            dead && left,
            "zombie: {dead}, pass left to the fork: {left}"
        );
        // No real child is needed for this test: a pid that never exits.
        Ok::<i32, ()>(i32::MAX)
    });
    assert!(registered.is_ok());
    assert_eq!(exit(first).await, ExitStatus::Exited(1));
}

/// Polls `ok` until it holds or [`DEADLINE`] passes.
fn wait_until(mut ok: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + DEADLINE;
    while std::time::Instant::now() < end {
        if ok() {
            return true;
        }
        std::thread::yield_now();
    }
    false
}

/// The state letter of `/proc/<pid>/stat`.
fn proc_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].chars().next()
}

#[tokio::test]
async fn late_registration_gets_a_kept_status() {
    // The child waits for a line on stdin, so the owner is surely gone before it exits
    // (a status sent into a still-open channel that is dropped afterwards is another
    // case: the receiver had it).
    let mut child = spawn(&spec("/bin/sh -c 'read line; exit 5'"), reaper()).expect("spawn");
    let pid = child.pid;
    // The owner goes away before the exit (an actor crash): the status is kept.
    drop(std::mem::replace(
        &mut child.exit,
        tokio::sync::oneshot::channel().1,
    ));
    drop(child.stdin.take()); // EOF on stdin: `read` returns and the shell exits 5
    let _ = read_all(&mut child.stdout).await; // EOF: the shell has exited
    // Wait until the reaper has collected it: a zombie keeps its /proc entry until
    // waited for, so the entry going away means the status is in the kept table.
    let proc_entry = format!("/proc/{pid}");
    timeout(DEADLINE, async {
        while std::path::Path::new(&proc_entry).exists() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("reaped before the deadline");
    // Registering now gets the kept status. (waitpid returns, and so /proc clears, a
    // moment before the reaper files the status under its lock; a registration in that
    // window is routed directly instead, so await rather than try_recv.)
    let status = timeout(DEADLINE, reaper().register(pid))
        .await
        .expect("status before the deadline")
        .expect("status");
    assert_eq!(status, ExitStatus::Exited(5));
}

#[tokio::test]
async fn grandchildren_are_reported_as_orphans() {
    let mut orphans = reaper()
        .orphans()
        .expect("only this test takes the orphans");
    let mut child = spawn(&spec("/bin/sh -c '/bin/sleep 0.1 & echo $!'"), reaper()).expect("spawn");
    let grandchild: i32 = read_all(&mut child.stdout)
        .await
        .trim()
        .parse()
        .expect("pid");
    assert_eq!(exit(child).await, ExitStatus::Exited(0));
    let orphan = timeout(DEADLINE, async {
        loop {
            let o = orphans.recv().await.expect("orphan stream open");
            if o.pid == grandchild {
                return o;
            }
        }
    })
    .await
    .expect("orphan before the deadline");
    assert_eq!(orphan.status, ExitStatus::Exited(0));
    assert_eq!(
        orphan.to_string(),
        format!("reaped unknown pid {grandchild} (exit status 0)")
    );
}

#[tokio::test]
async fn group_kill_reaches_the_shells_children() {
    let mut child = spawn(
        &spec("/bin/sh -c '/bin/sleep 1000 & echo $!; wait'"),
        reaper(),
    )
    .expect("spawn");
    let mut line = Vec::new();
    let stdout = child.stdout.as_mut().expect("stdout");
    while !line.ends_with(b"\n") {
        let mut byte = [0u8; 1];
        let n = timeout(DEADLINE, stdout.read(&mut byte))
            .await
            .expect("line")
            .expect("read");
        assert_eq!(n, 1, "EOF before the pid line");
        line.push(byte[0]);
    }
    let sleeper: i32 = String::from_utf8(line)
        .unwrap()
        .trim()
        .parse()
        .expect("pid");
    kill(child.pid, Signal::TERM, true).expect("kill group");
    assert_eq!(exit(child).await.describe(), "terminated by SIGTERM");
    // The sleeper got SIGTERM too: it disappears (reaped as an orphan).
    timeout(DEADLINE, async {
        // Signal 0 probes existence; the reaper (we are the subreaper) reaps it.
        while nix::sys::signal::kill(nix::unistd::Pid::from_raw(sleeper), None).is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the group member died");
    assert_eq!(
        kill(999_999_999, Signal::TERM, false),
        Err(nix::errno::Errno::ESRCH)
    );
}

#[tokio::test]
async fn user_switch_to_nobody() {
    if !nix::unistd::getuid().is_root() {
        return;
    }
    let mut s = spec("/usr/bin/id -u");
    s.user = Some(SpawnUser {
        uid: 65534,
        gid: 65534,
        name: "nobody".into(),
    });
    let (out, err, status) = run(&s).await;
    assert_eq!(
        (out.as_str(), err.as_str(), status),
        ("65534\n", "", ExitStatus::Exited(0))
    );
    s.argv = vec!["id".into(), "-g".into()];
    assert_eq!(run(&s).await.0, "65534\n");
}

#[tokio::test]
async fn chdir_failure_is_reported_on_stderr() {
    let mut s = spec("/bin/true");
    s.directory = Some("/nonexistent/dir".into());
    let (out, err, status) = run(&s).await;
    assert_eq!(out, "");
    assert_eq!(
        err,
        "supervisor: couldn't chdir to /nonexistent/dir: ENOENT\n\
         supervisor: child process was not spawned\n"
    );
    assert_eq!(status, ExitStatus::Exited(127));
}

#[tokio::test]
async fn exec_failure_is_reported_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus");
    std::fs::write(&bogus, [0u8, 1, 2, 3]).unwrap();
    std::fs::set_permissions(&bogus, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut s = spec(bogus.to_str().unwrap());
    s.argv[0] = "bogus-argv0".into();
    s.redirect_stderr = true;
    let (out, err, status) = run(&s).await;
    assert_eq!(err, "");
    assert_eq!(
        out,
        "supervisor: couldn't exec bogus-argv0: ENOEXEC\nsupervisor: child process was not spawned\n"
    );
    assert_eq!(status, ExitStatus::Exited(127));
}

#[tokio::test]
async fn redirect_stderr_shares_the_stdout_pipe() {
    let mut s = spec("/bin/sh -c 'echo out; echo err >&2'");
    s.redirect_stderr = true;
    let mut child = spawn(&s, reaper()).expect("spawn");
    assert!(child.stderr.is_none());
    assert_eq!(read_all(&mut child.stdout).await, "out\nerr\n");
    assert_eq!(exit(child).await, ExitStatus::Exited(0));
    let (out, err, _) = run(&spec("/bin/sh -c 'echo out; echo err >&2'")).await;
    assert_eq!((out.as_str(), err.as_str()), ("out\n", "err\n"));
}

#[tokio::test]
async fn environment_is_passed_exactly() {
    let mut s = spec("/usr/bin/env");
    s.env = Arc::new(
        Environment::new([
            (OsString::from("A"), OsString::from("1")),
            (OsString::from("SPACED"), OsString::from("x y=z")),
            (OsString::from("EMPTY"), OsString::new()),
        ])
        .unwrap(),
    );
    assert_eq!(run(&s).await.0, "A=1\nSPACED=x y=z\nEMPTY=\n");
}

#[tokio::test]
async fn fds_above_stdio_are_not_leaked() {
    // An inheritable (non-CLOEXEC) fd, as a leaked descriptor would be.
    let file = std::fs::File::open("/dev/null").unwrap();
    let leaked = nix::unistd::dup(&file).unwrap();
    let (out, _, status) = run(&spec("/bin/ls /proc/self/fd")).await;
    drop(leaked);
    // 3 is the directory ls itself opened to list /proc/self/fd.
    assert_eq!(out, "0\n1\n2\n3\n");
    assert_eq!(status, ExitStatus::Exited(0));
}

#[tokio::test]
async fn child_setup_matches_supervisor() {
    // Own process group and the umask.
    let mut s = spec("/bin/sh -c 'umask; cut -d\\  -f5 /proc/$$/stat'");
    s.umask = Some(0o027);
    let mut child = spawn(&s, reaper()).expect("spawn");
    let pid = child.pid;
    let out = read_all(&mut child.stdout).await;
    assert_eq!(
        out,
        format!("0027\n{pid}\n"),
        "umask, then the pgid = the child's pid"
    );
    assert_eq!(exit(child).await, ExitStatus::Exited(0));
    // Default signal dispositions and an empty mask, seen by the exec'd program itself
    // (the test harness ignores SIGPIPE, and exec would keep that).
    let (out, _, _) = run(&spec("/bin/grep -E ^Sig(Blk|Ign) /proc/self/status")).await;
    assert_eq!(
        out,
        "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
    );
}

#[tokio::test]
async fn the_childs_stdio_is_blocking() {
    // The daemon's ends are non-blocking, the child's must not be (a program may
    // not cope with EAGAIN on stdout).
    let (out, _, status) = run(&spec(
        "/bin/sh -c 'for fd in 0 1 2; do grep ^flags: /proc/$$/fdinfo/$fd; done'",
    ))
    .await;
    assert_eq!(status, ExitStatus::Exited(0));
    let flags: Vec<u32> = out
        .lines()
        .map(|l| u32::from_str_radix(l.trim_start_matches("flags:").trim(), 8).unwrap())
        .collect();
    assert_eq!(flags.len(), 3, "{out}");
    for (fd, f) in flags.iter().enumerate() {
        assert_eq!(
            f & libc::O_NONBLOCK as u32,
            0,
            "fd {fd} is non-blocking: {out}"
        );
    }
}

#[tokio::test]
async fn without_stdin_the_child_reads_dev_null() {
    let mut s = spec("/bin/cat");
    s.want_stdin = false;
    let mut child = spawn(&s, reaper()).expect("spawn");
    assert!(child.stdin.is_none());
    assert_eq!(read_all(&mut child.stdout).await, "");
    assert_eq!(exit(child).await, ExitStatus::Exited(0));
    // With a stdin pipe the child sees what we write, then EOF when we close it.
    let mut child = spawn(&spec("/bin/cat"), reaper()).expect("spawn");
    let stdin = child.stdin.take().expect("stdin");
    let mut stdin = tokio::net::unix::pipe::Sender::from_owned_fd(stdin).expect("register");
    tokio::io::AsyncWriteExt::write_all(&mut stdin, b"hello")
        .await
        .unwrap();
    drop(stdin);
    assert_eq!(read_all(&mut child.stdout).await, "hello");
    assert_eq!(exit(child).await, ExitStatus::Exited(0));
}

#[test]
fn spawnerr_texts_are_supervisors() {
    use crate::SpawnError;
    use nix::errno::Errno;
    let e = SpawnError::Pipe(Errno::EMFILE);
    assert_eq!(e.spawnerr("web"), "too many open files to spawn 'web'");
    let e = SpawnError::Pipe(Errno::EACCES);
    assert_eq!(
        e.spawnerr("web"),
        "unknown error making dispatchers for 'web': EACCES"
    );
    let e = SpawnError::Fork(Errno::EAGAIN);
    assert_eq!(
        e.spawnerr("web"),
        "Too many processes in process table to spawn 'web'"
    );
    let e = SpawnError::Fork(Errno::ENOMEM);
    assert_eq!(
        e.spawnerr("web"),
        "unknown error during fork for 'web': ENOMEM"
    );
    let e: SpawnError = resolve_command("/no/such", Some(OsStr::new("")))
        .unwrap_err()
        .into();
    assert!(e.is_no_file() && !e.is_not_executable());
    assert_eq!(e.spawnerr("web"), "can't find command '/no/such'");
}

/// `die_with_parent`: the child is forked on the spawner thread, so the thread that
/// asked for it (here one that exits at once, as a runtime's blocking thread does
/// after 10 s idle) can come and go without taking the child with it.
#[test]
fn a_child_that_dies_with_the_parent_outlives_the_thread_that_spawned_it() {
    let reaper = reaper().clone();
    let (pid, exit) = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let mut s = spec("/bin/sleep 1000");
            s.die_with_parent = true;
            let child = spawn(&s, &reaper).expect("spawn");
            (child.pid, child.exit)
        })
    })
    .join()
    .expect("the spawning thread");
    let alive =
        || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "));
    // Still there a second after its spawning thread ended.
    let end = std::time::Instant::now() + Duration::from_secs(1);
    while std::time::Instant::now() < end {
        assert!(alive(), "the child died with the thread that spawned it");
        std::thread::sleep(Duration::from_millis(50));
    }
    kill(pid, Signal::KILL, false).expect("kill");
    let status = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            timeout(DEADLINE, exit)
                .await
                .expect("exit")
                .expect("status")
        });
    assert_eq!(status.signal(), Some(9));
}
