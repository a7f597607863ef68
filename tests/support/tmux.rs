//! A real terminal for the tests that need one (shell completion in bash,
//! `supervisorctl top`): a private tmux server running one window, driven with
//! send-keys and read with capture-pane. tmux comes from tests/tui/ensure-tmux.sh
//! (which .ci/run calls).

use std::process::Command;

use super::{DEADLINE, wait_until};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a `width`×`height` window with `env` set.
    pub fn start(command: &str, env: &[(&str, &str)], width: u16, height: u16) -> Tmux {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmux = Tmux {
            socket: format!("svrs-{}-{n}", std::process::id()),
        };
        let mut cmd = tmux.tmux();
        cmd.args(["-f", "/dev/null", "new-session", "-d", "-s", "t"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()]);
        // The server (new, private) starts with this client's environment, and the
        // window with the server's.
        cmd.envs(env.iter().copied());
        let status = cmd.arg(command).status().expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn tmux(&self) -> Command {
        let mut cmd = super::command("tmux");
        cmd.args(["-L", &self.socket]);
        cmd
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Presses keys by tmux name (`Tab`, `Enter`, `C-c`, `Down`, ...).
    pub fn keys(&self, keys: &[&str]) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Whether the window's program still runs (tmux ends the session with it).
    pub fn alive(&self) -> bool {
        self.tmux()
            .args(["has-session", "-t", "t"])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// What the window shows now.
    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen satisfies `ok`, and returns it.
    #[track_caller]
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let mut screen = String::new();
        let seen = wait_until(DEADLINE, || {
            screen = self.screen();
            ok(&screen)
        });
        assert!(seen, "never saw {what}; the screen:\n{screen}");
        screen
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .tmux()
            .arg("kill-server")
            .stderr(std::process::Stdio::null())
            .status();
    }
}
