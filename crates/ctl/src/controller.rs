//! [`Controller`]: supervisorctl's `Controller` (a `cmd.Cmd`): runs one command line
//! (`onecmd`: parse, dispatch, the unknown-syntax message, the login retry on
//! UNAUTHENTICATED, the catch-all `error: …` line), holds the exit status the
//! commands set, and offers them the shared steps: `upcheck`, output, the y/N
//! question, and the exit status of a fault code.

use std::io::Write;

use supervisor_model::{API_VERSION, Fault};

use crate::api::{Api, Console, Server};
use crate::commands;
use crate::error::CallError;
use crate::format::{exit, parseline};

/// What the caller does after a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next line.
    Continue,
    /// `quit`, `exit`, EOF: leave the shell.
    Stop,
    /// Ctrl-C during a command: the shell prints a newline and ends; a one-shot run
    /// ends as Python does on an uncaught KeyboardInterrupt.
    Interrupted,
}

/// Runs command lines against a server.
pub struct Controller<A: Api, C: Console> {
    pub(crate) api: A,
    pub(crate) console: C,
    pub(crate) server: Server,
    /// Ask before reload/shutdown, prompt for credentials on UNAUTHENTICATED.
    pub(crate) interactive: bool,
    pub(crate) out: Box<dyn Write>,
    pub(crate) err: Box<dyn Write>,
    /// ANSI colours in `status` (stdout is a terminal and NO_COLOR is unset).
    pub(crate) color: bool,
    pub(crate) exit: i32,
}

impl<A: Api, C: Console> Controller<A, C> {
    pub fn new(
        api: A,
        console: C,
        server: Server,
        interactive: bool,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
    ) -> Self {
        Controller {
            api,
            console,
            server,
            interactive,
            out,
            err,
            color: false,
            exit: exit::SUCCESS,
        }
    }

    /// Colours state names in `status` output.
    pub fn with_color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    /// The exit status the commands so far have set.
    pub fn exit_status(&self) -> i32 {
        self.exit
    }

    /// The server the next call goes to.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The API client (the shell's completer clones it).
    pub fn api(&self) -> &A {
        &self.api
    }

    /// `Controller.output`: the message and a newline on stdout. Write errors (a
    /// closed pipe) are ignored, as there is nobody left to tell.
    pub fn output(&mut self, message: &str) {
        let _ = self.out.write_all(message.as_bytes());
        let _ = self.out.write_all(b"\n");
        let _ = self.out.flush();
    }

    /// Raw bytes on stdout, flushed (log data, prompts).
    pub fn write_raw(&mut self, data: &[u8]) {
        let _ = self.out.write_all(data);
        let _ = self.out.flush();
    }

    /// A line on stderr.
    pub fn error_line(&mut self, message: &str) {
        let _ = self.err.write_all(message.as_bytes());
        let _ = self.err.write_all(b"\n");
        let _ = self.err.flush();
    }

    /// `set_exitstatus_from_xmlrpc_fault`: success and `ignored` leave the status;
    /// SPAWN_ERROR, ABNORMAL_TERMINATION, NOT_RUNNING set 7; anything else 1.
    pub fn set_exit_from_fault(&mut self, code: i32, ignored: Option<Fault>) {
        if code == Fault::Success.code() || ignored.is_some_and(|f| f.code() == code) {
            return;
        }
        let dead = [
            Fault::SpawnError,
            Fault::AbnormalTermination,
            Fault::NotRunning,
        ];
        self.exit = if dead.iter().any(|f| f.code() == code) {
            exit::NOT_RUNNING
        } else {
            exit::GENERIC
        };
    }

    /// `Controller.upcheck`: can we talk to this server at all? Prints why not and
    /// sets the exit status; faults other than UNKNOWN_METHOD and unexpected
    /// connection errors propagate.
    pub async fn upcheck(&mut self) -> Result<bool, CallError> {
        match self.api.get_state().await {
            Ok(state) if state.api_version == API_VERSION => Ok(true),
            Ok(state) => {
                self.output(&format!(
                    "Sorry, this version of supervisorctl expects to talk to a server with API version {API_VERSION}, but the remote version is {}.",
                    state.api_version
                ));
                self.exit = exit::NOT_INSTALLED;
                Ok(false)
            }
            Err(e) if e.is(Fault::UnknownMethod) => {
                self.output(
                    "Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).",
                );
                self.exit = exit::UNIMPLEMENTED_FEATURE;
                Ok(false)
            }
            Err(CallError::Refused) => {
                let url = self.server.serverurl.clone();
                self.output(&format!("{url} refused connection"));
                self.exit = exit::INSUFFICIENT_PRIVILEGES;
                Ok(false)
            }
            Err(CallError::NoSuchFile) => {
                let url = self.server.serverurl.clone();
                self.output(&format!("{url} no such file"));
                self.exit = exit::NOT_RUNNING;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Python's `raw_input(prompt)`: the prompt on stdout, one line back; end of
    /// input is an error (`EOFError`).
    pub async fn input(&mut self, prompt: &str) -> Result<String, CallError> {
        self.write_raw(prompt.as_bytes());
        self.console.read_line().await?.ok_or(CallError::Eof)
    }

    /// `reload`/`shutdown`'s question: yes only for an answer starting with `y`.
    pub async fn confirm(&mut self, question: &str) -> Result<bool, CallError> {
        let answer = self.input(question).await?;
        Ok(answer.to_lowercase().starts_with('y'))
    }

    /// `Controller.onecmd`: one command line. Never fails: errors are printed.
    pub async fn onecmd(&mut self, line: &str) -> Flow {
        let parsed = parseline(line);
        if parsed.line.is_empty() {
            // emptyline(): a blank line does not repeat the last command.
            return Flow::Continue;
        }
        let cmd = match parsed.cmd.as_deref() {
            Some(cmd) if commands::exists(cmd) => cmd.to_string(),
            _ => {
                self.output(&format!("*** Unknown syntax: {}", parsed.line));
                self.exit = exit::GENERIC;
                return Flow::Continue;
            }
        };
        loop {
            match commands::run(self, &cmd, &parsed.arg).await {
                Ok(flow) => return flow,
                Err(CallError::Interrupted) => return Flow::Interrupted,
                Err(CallError::Unauthenticated) => {
                    self.output("Server requires authentication");
                    if !self.interactive {
                        // Python runs the command a second time, which fails the
                        // same way and lands in the catch-all.
                        self.output(&CallError::Unauthenticated.python_line());
                        self.exit = exit::GENERIC;
                        return Flow::Continue;
                    }
                    match self.login().await {
                        Ok(()) => continue,
                        Err(CallError::Interrupted) => return Flow::Interrupted,
                        Err(CallError::Eof) => {
                            // Python reports the EOF where its shell asks for the
                            // username (supervisorctl.py line 212), not 1027.
                            let line = CallError::Eof.python_line();
                            self.output(&line.replace("line: 1027", "line: 212"));
                            self.exit = exit::GENERIC;
                            return Flow::Continue;
                        }
                        Err(e) => {
                            self.unhandled(&e);
                            return Flow::Continue;
                        }
                    }
                }
                Err(e) => {
                    self.unhandled(&e);
                    return Flow::Continue;
                }
            }
        }
    }

    /// The catch-all of `onecmd`.
    fn unhandled(&mut self, e: &CallError) {
        match e {
            // Better than Supervisor, which prints a bare `PermissionError` line
            // naming socket.py: say which socket and why.
            CallError::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                let msg = permission_denied(&self.server.serverurl);
                self.output(&msg);
            }
            CallError::NotOffered(what) => {
                let url = self.server.serverurl.clone();
                self.output(&format!(
                    "error: {what} needs supervisor-rs's gRPC API; {url} speaks only Supervisor's XML-RPC"
                ));
            }
            _ => self.output(&e.python_line()),
        }
        self.exit = exit::GENERIC;
    }

    /// Asks for credentials and uses them from now on.
    async fn login(&mut self) -> Result<(), CallError> {
        let username = self.input("Username:").await?;
        let password = self
            .console
            .read_password("Password:")
            .await?
            .ok_or(CallError::Eof)?;
        self.output("");
        self.server.username = Some(username);
        self.server.password = Some(password);
        let server = self.server.clone();
        self.api.set_server(&server);
        Ok(())
    }

    /// Points the controller (and its client) at another serverurl (`open`).
    pub fn set_serverurl(&mut self, url: &str) {
        self.server.serverurl = url.to_string();
        let server = self.server.clone();
        self.api.set_server(&server);
    }
}

/// The message for a socket this user may not connect to (EACCES).
fn permission_denied(serverurl: &str) -> String {
    let uid = nix::unistd::getuid();
    format!(
        "error: {serverurl}: permission denied: this user (uid {uid}) may not connect to the socket; its owner and mode come from chown= and chmod= in [unix_http_server]"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Harness, Reply, info, running_state};
    use std::cell::Cell;
    use std::rc::Rc;

    #[test]
    fn unknown_and_empty_lines() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("bogus x"),
            ("*** Unknown syntax: bogus x\n".into(), 1)
        );
        assert_eq!(h.run("!ls"), ("*** Unknown syntax: !ls\n".into(), 1));
        assert_eq!(h.run("STATUS"), ("*** Unknown syntax: STATUS\n".into(), 1));
        assert_eq!(h.run("   "), (String::new(), 0));
    }

    #[test]
    fn interactive_login_retries_the_command() {
        let mut h = Harness::new();
        h.interactive();
        let first = Rc::new(Cell::new(true));
        h.state(move || {
            if first.replace(false) {
                Err(CallError::Unauthenticated)
            } else {
                Ok(running_state())
            }
        });
        h.typed(Some("user")).typed(Some("secret"));
        h.reply(Reply::Processes(vec![info("a", "a", "RUNNING", "pid 1")]));
        let (out, code) = h.run("status");
        assert_eq!(
            out,
            format!(
                "Server requires authentication\nUsername:\n{:<33}RUNNING   pid 1\n",
                "a"
            )
        );
        assert_eq!(code, 0);
        let server = h.servers.borrow().last().cloned().unwrap();
        assert_eq!(server.username.as_deref(), Some("user"));
        assert_eq!(server.password.as_deref(), Some("secret"));
    }

    #[test]
    fn ctrl_c_during_a_prompt_interrupts() {
        let mut h = Harness::new();
        h.interactive();
        h.interrupt_when_idle();
        assert_eq!(
            h.run_flow("shutdown"),
            (
                "Really shut the remote supervisord process down y/N? ".into(),
                Flow::Interrupted
            )
        );
    }

    #[test]
    fn exit_status_of_faults() {
        let mut h = Harness::new();
        h.ctl.set_exit_from_fault(Fault::Success.code(), None);
        assert_eq!(h.ctl.exit, 0);
        h.ctl
            .set_exit_from_fault(Fault::AlreadyStarted.code(), Some(Fault::AlreadyStarted));
        assert_eq!(h.ctl.exit, 0);
        h.ctl
            .set_exit_from_fault(Fault::AbnormalTermination.code(), None);
        assert_eq!(h.ctl.exit, 7);
        h.ctl.set_exit_from_fault(Fault::BadName.code(), None);
        assert_eq!(h.ctl.exit, 1);
    }
}
