//! The Debian package, built with cargo-deb from this build's binaries and generated
//! man pages and completions (as `just deb` builds it from release ones), installed
//! with dpkg into a throwaway root: every file and mode, the conffile, the installed
//! supervisord running the packaged config with a program in conf.d/, supervisorctl
//! through the packaged socket, and a purge that leaves nothing behind; then a switch
//! from Debian's `supervisor` and back that keeps the user's configuration.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{DEADLINE, stop_gently, wait_until};

const WORKSPACE: &str = env!("CARGO_MANIFEST_DIR");

fn run(cmd: &mut Command) -> String {
    let out = cmd.stdin(Stdio::null()).output().expect("the command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The .deb, built once for the suite (in target/tmp/deb-package).
fn deb() -> &'static Path {
    static DEB: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DEB.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deb-package");
        let _ = std::fs::remove_dir_all(&dir);
        build_deb(&dir)
    })
}

/// Builds the .deb in `dir` from the binaries under test and returns its path.
fn build_deb(dir: &Path) -> PathBuf {
    let cargo_deb = run(crate::support::command("bash")
        .arg(Path::new(WORKSPACE).join("packaging/ensure-cargo-deb.sh")));
    let release = dir.join("release");
    std::fs::create_dir_all(&release).unwrap();
    for (name, built) in [
        ("supervisord", env!("CARGO_BIN_EXE_supervisord")),
        ("supervisorctl", env!("CARGO_BIN_EXE_supervisorctl")),
        (
            "echo_supervisord_conf",
            env!("CARGO_BIN_EXE_echo_supervisord_conf"),
        ),
        ("pidproxy", env!("CARGO_BIN_EXE_pidproxy")),
    ] {
        std::fs::hard_link(built, release.join(name))
            .or_else(|_| std::fs::copy(built, release.join(name)).map(drop))
            .unwrap();
    }
    run(crate::support::command("bash")
        .arg(Path::new(WORKSPACE).join("packaging/stage-assets.sh"))
        .arg(Path::new(env!("OUT_DIR")).join("assets"))
        .arg(release.join("assets")));
    let deb = dir.join("supervisor-rs.deb");
    run(crate::support::command(cargo_deb.trim())
        .args([
            "--no-build",
            "--strip",
            "--fast",
            "-p",
            "supervisor-rs",
            "--output",
        ])
        .arg(&deb)
        .env("CARGO_TARGET_DIR", dir)
        .current_dir(WORKSPACE));
    deb
}

/// dpkg on the throwaway root: maintainer scripts run outside a chroot with
/// DPKG_ROOT set (ours honour it), dependencies are not installed there.
fn dpkg(root: &Path, args: &[&str]) -> String {
    run(crate::support::command("dpkg")
        .arg(format!("--root={}", root.display()))
        .args([
            "--force-script-chrootless",
            "--force-depends",
            "--force-not-root",
        ])
        .args(["--log=/dev/null"])
        .args(args))
}

/// An empty root with what every system has: dpkg's database, /var/log, /var/run.
fn new_root(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    for sub in [
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
        "var/log",
        "var/run",
    ] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    root
}

/// Every path under `root` (dpkg's own database excepted) with its mode.
fn tree(root: &Path) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            if rel.starts_with("var/lib/dpkg") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            out.insert(rel, meta.permissions().mode() & 0o7777);
            if meta.is_dir() {
                todo.push(path);
            }
        }
    }
    out
}

const FILES: [(&str, u32); 17] = [
    ("usr/bin/supervisord", 0o755),
    ("usr/bin/supervisorctl", 0o755),
    ("usr/bin/echo_supervisord_conf", 0o755),
    ("usr/bin/pidproxy", 0o755),
    ("etc/supervisor/supervisord.conf", 0o644),
    ("lib/systemd/system/supervisor.service", 0o644),
    ("usr/share/man/man8/supervisord.8.gz", 0o644),
    ("usr/share/man/man1/supervisorctl.1.gz", 0o644),
    ("usr/share/man/man1/echo_supervisord_conf.1.gz", 0o644),
    ("usr/share/man/man1/pidproxy.1.gz", 0o644),
    ("usr/share/man/man5/supervisord.conf.5.gz", 0o644),
    ("usr/share/bash-completion/completions/supervisorctl", 0o644),
    ("usr/share/zsh/vendor-completions/_supervisorctl", 0o644),
    (
        "usr/share/fish/vendor_completions.d/supervisorctl.fish",
        0o644,
    ),
    ("usr/share/doc/supervisor-rs/README.md", 0o644),
    ("usr/share/doc/supervisor-rs/copyright", 0o644),
    (
        "usr/share/doc/supervisor-rs/examples/supervisord.conf",
        0o644,
    ),
];

#[test]
fn installs_runs_and_purges_like_debians_supervisor() {
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let deb = deb();

    let fields = run(crate::support::command("dpkg-deb").args(["-f"]).arg(deb));
    for field in [
        "Package: supervisor-rs",
        "Conflicts: supervisor",
        "Replaces: supervisor",
        "Provides: supervisor (= 4.3.0)",
    ] {
        assert!(fields.contains(field), "{field} missing:\n{fields}");
    }

    let root = work.path().join("root");
    // What every system has: dpkg's database, /var/log and /var/run.
    for dir in [
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
        "var/log",
        "var/run",
    ] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    dpkg(&root, &["-i", deb.to_str().unwrap()]);

    // Every file with its mode; directories made by the package or its postinst.
    let installed = tree(&root);
    for (path, mode) in FILES {
        assert_eq!(installed.get(path), Some(&mode), "{path}");
    }
    for dir in ["etc/supervisor/conf.d", "var/log/supervisor"] {
        assert_eq!(installed.get(dir), Some(&0o755), "{dir}");
    }
    let files: Vec<&String> = installed
        .iter()
        .filter(|(p, _)| !root.join(p).is_dir())
        .map(|(p, _)| p)
        .collect();
    assert_eq!(files.len(), FILES.len(), "unexpected files: {files:?}");
    let conffiles = run(crate::support::command("dpkg-query")
        .arg(format!(
            "--admindir={}",
            root.join("var/lib/dpkg").display()
        ))
        .args(["-W", "-f=${Conffiles}", "supervisor-rs"]));
    assert_eq!(
        conffiles.split_whitespace().next(),
        Some("/etc/supervisor/supervisord.conf")
    );
    let man = run(crate::support::command("gzip")
        .arg("-dc")
        .arg(root.join("usr/share/man/man5/supervisord.conf.5.gz")));
    assert!(man.contains("stopwaitsecs") && man.contains("reload_keeps_running"));
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/supervisor.service")).unwrap();
    assert!(unit.contains("Type=notify"));
    assert!(unit.contains("ExecStart=/usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf"));

    // The packaged config, with its absolute paths moved into the root, runs a
    // program from conf.d/ and answers supervisorctl on the packaged socket.
    std::fs::write(
        root.join("etc/supervisor/conf.d/web.conf"),
        "[program:web]\ncommand=/bin/sleep 1000\n",
    )
    .unwrap();
    let r = root.display().to_string();
    let conf = std::fs::read_to_string(root.join("etc/supervisor/supervisord.conf"))
        .unwrap()
        .replace("/var/", &format!("{r}/var/"))
        .replace("/etc/supervisor/", &format!("{r}/etc/supervisor/"));
    let run_conf = work.path().join("run.conf");
    std::fs::write(&run_conf, conf).unwrap();
    let daemon = crate::support::command(root.join("usr/bin/supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(&run_conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ctl = || {
        let out = crate::support::command(root.join("usr/bin/supervisorctl"))
            .arg("-c")
            .arg(&run_conf)
            .arg("status")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut status = String::new();
    let up = wait_until(DEADLINE, || {
        status = ctl();
        status.starts_with("web ") && status.contains("RUNNING")
    });
    let socket = root.join("var/run/supervisor.sock");
    let log = std::fs::read_to_string(root.join("var/log/supervisor/supervisord.log"))
        .unwrap_or_default();
    stop_gently(daemon);
    assert!(up, "status: {status}\nlog:\n{log}");
    assert!(log.contains("spawned: 'web'"), "{log}");
    assert!(!socket.exists(), "the socket is removed at exit");

    // Purge: the package's files, its directories, supervisord's logs are gone;
    // a file the user put in conf.d would stay, so take ours out first.
    std::fs::remove_file(root.join("etc/supervisor/conf.d/web.conf")).unwrap();
    dpkg(&root, &["--purge", "supervisor-rs"]);
    let left: Vec<String> = tree(&root)
        .into_keys()
        .filter(|p| !matches!(p.as_str(), "var" | "var/lib" | "var/log" | "var/run"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A stand-in for Debian's `supervisor` with its paths (conffile, binary, unit) but no
/// maintainer scripts: the real one's would act on this machine, not on the root.
fn debian_supervisor(dir: &Path) -> PathBuf {
    let tree = dir.join("supervisor");
    for sub in ["DEBIAN", "etc/supervisor", "usr/bin", "lib/systemd/system"] {
        std::fs::create_dir_all(tree.join(sub)).unwrap();
    }
    let write = |path: &str, text: &str| std::fs::write(tree.join(path), text).unwrap();
    write(
        "DEBIAN/control",
        "Package: supervisor\nVersion: 4.2.5-1\nArchitecture: all\nMaintainer: tests <t@localhost>\nDescription: stand-in for Debian's supervisor\n",
    );
    write("DEBIAN/conffiles", "/etc/supervisor/supervisord.conf\n");
    write(
        "etc/supervisor/supervisord.conf",
        "; Debian's\n[include]\nfiles = /etc/supervisor/conf.d/*.conf\n",
    );
    write("usr/bin/supervisord", "#!/bin/sh\necho python\n");
    std::fs::set_permissions(
        tree.join("usr/bin/supervisord"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    write("lib/systemd/system/supervisor.service", "[Service]\n");
    let deb = dir.join("supervisor.deb");
    run(crate::support::command("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(&tree)
        .arg(&deb));
    deb
}

fn status(root: &Path, package: &str) -> String {
    run(crate::support::command("dpkg-query")
        .arg(format!(
            "--admindir={}",
            root.join("var/lib/dpkg").display()
        ))
        .args(["-W", "-f=${db:Status-Abbrev}", package]))
    .trim()
    .to_string()
}

#[test]
fn switching_from_debians_supervisor_and_back_keeps_the_configuration() {
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let python = debian_supervisor(work.path());
    let root = new_root(work.path());
    let conf = root.join("etc/supervisor/supervisord.conf");
    dpkg(&root, &["-i", python.to_str().unwrap()]);
    // The user's edits: the main file and a program in conf.d.
    let mine = format!("{}; mine\n", std::fs::read_to_string(&conf).unwrap());
    std::fs::write(&conf, &mine).unwrap();
    std::fs::create_dir_all(root.join("etc/supervisor/conf.d")).unwrap();
    std::fs::write(
        root.join("etc/supervisor/conf.d/web.conf"),
        "[program:web]\n",
    )
    .unwrap();

    // To ours: supervisor is removed in its favour; a changed conffile is kept
    // (--force-confold is the prompt's default answer; ours lands beside it).
    dpkg(&root, &["--force-confold", "-i", deb().to_str().unwrap()]);
    assert_eq!(status(&root, "supervisor-rs"), "ii");
    assert_ne!(
        status(&root, "supervisor"),
        "ii",
        "removed in favour of ours"
    );
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), mine);
    assert!(
        root.join("etc/supervisor/supervisord.conf.dpkg-dist")
            .exists()
    );
    assert!(root.join("etc/supervisor/conf.d/web.conf").exists());
    let ours = run(crate::support::command(root.join("usr/bin/supervisord")).arg("-v"));
    assert_eq!(ours, "4.3.0\n");

    // And back: ours removed, Debian's installed; the configuration is still the user's.
    dpkg(&root, &["-r", "supervisor-rs"]);
    dpkg(&root, &["--force-confold", "-i", python.to_str().unwrap()]);
    assert_eq!(status(&root, "supervisor"), "ii");
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), mine);
    // Purging ours afterwards leaves what Debian's package now owns and uses.
    dpkg(&root, &["--purge", "supervisor-rs"]);
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), mine);
    assert!(root.join("etc/supervisor/conf.d/web.conf").exists());
    assert!(root.join("var/log/supervisor").is_dir());
    let python_bin = run(&mut crate::support::command(
        root.join("usr/bin/supervisord"),
    ));
    assert_eq!(python_bin, "python\n");
}
