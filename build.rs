//! Generates the man pages and the completion scripts into `$OUT_DIR/assets/` from the
//! same option tables and config reference the binaries use (crates/manual), for the
//! Debian package (`just deb`) and the tests that check them.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let assets = Path::new(&out).join("assets");
    let man = assets.join("man");
    let completions = assets.join("completions");
    std::fs::create_dir_all(&man)?;
    std::fs::create_dir_all(&completions)?;
    for (name, page) in supervisor_manual::man_pages() {
        std::fs::write(man.join(name), page)?;
    }
    for (shell, file) in [
        ("bash", "supervisorctl"),
        ("zsh", "_supervisorctl"),
        ("fish", "supervisorctl.fish"),
    ] {
        let script = supervisor_manual::completion_script(shell).expect("a known shell");
        std::fs::write(completions.join(file), script)?;
    }
    for dir in [
        "crates/manual",
        "crates/model/src/cli",
        "crates/config/src/reference.rs",
    ] {
        println!("cargo:rerun-if-changed={dir}");
    }
    Ok(())
}
