//! The interactive shell (supervisorctl.py `Controller.exec_cmdloop`, `cmd.Cmd.cmdloop`):
//! `status` first, then one command per line until `quit`/`exit`/EOF or Ctrl-C.
//! On a terminal it is a rustyline editor with the `history_file` and tab completion;
//! otherwise (a pipe) the prompt is printed on stdout and lines are read plainly, as
//! Python's `input()` does.

use std::io::IsTerminal;
use std::path::Path;

use rustyline::Editor;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
use tokio::runtime::Runtime;

use crate::api::{Api, Console};
use crate::auto::AutoApi;
use crate::complete::{Names, ShellHelper};
use crate::console::TermConsole;
use crate::controller::{Controller, Flow};

/// Runs the shell until the user leaves. The exit status is always 0 (Python's
/// `sys.exit(0)` after the loop), so nothing is returned.
pub fn run(
    rt: &Runtime,
    ctl: &mut Controller<AutoApi, TermConsole>,
    prompt: &str,
    history_file: Option<&Path>,
) {
    // Take SIGINT now, before the first editor saves "the previous handler": from
    // here on Ctrl-C during a command is ours (rustyline reads it as a key at the
    // prompt). tokio keeps the handler installed after the stream is dropped.
    {
        let _runtime = rt.enter();
        let _ = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    }
    // cmdqueue.append('status')
    if rt.block_on(ctl.onecmd("status")) == Flow::Interrupted {
        ctl.output("");
        return;
    }
    let prompt = format!("{prompt}> ");
    if std::io::stdin().is_terminal() {
        // Without a usable terminal after all, fall back to plain lines.
        if let Ok(config) = editor_config() {
            return edit_loop(rt, ctl, &prompt, &config, history_file);
        }
    }
    plain_loop(rt, ctl, &prompt);
}

fn editor_config() -> rustyline::Result<Config> {
    Ok(Config::builder()
        .auto_add_history(true)
        .completion_type(CompletionType::List)
        .max_history_size(10_000)?
        .build())
}

/// The completer's view of the processes: a clone of the client, driven on `rt`.
fn fetcher<'a>(rt: &'a Runtime, api: &AutoApi) -> Box<dyn Fn() -> Names + 'a> {
    let api = std::cell::RefCell::new(api.clone());
    Box::new(move || {
        let mut api = api.borrow_mut();
        rt.block_on(api.list_processes())
            .map(|infos| infos.into_iter().map(|i| (i.group, i.name)).collect())
            .unwrap_or_default()
    })
}

/// One line from a fresh editor. rustyline installs its own SIGINT handler for as
/// long as an editor exists (and puts the previous one back when it is dropped), so
/// the editor must not outlive the prompt: Ctrl-C during a command (`tail -f`,
/// `fg`, a long `start`) has to reach our handler. The history moves from editor
/// to editor.
fn read_line<'a>(
    rt: &'a Runtime,
    api: &AutoApi,
    config: &Config,
    history: &mut FileHistory,
    prompt: &str,
) -> rustyline::Result<String> {
    let moved = std::mem::replace(history, FileHistory::with_config(config));
    let mut editor: Editor<ShellHelper<'a>, FileHistory> =
        Editor::with_history(config.clone(), moved)?;
    editor.set_helper(Some(ShellHelper::new(fetcher(rt, api))));
    let line = editor.readline(prompt);
    *history = std::mem::replace(editor.history_mut(), FileHistory::with_config(config));
    line
}

fn edit_loop(
    rt: &Runtime,
    ctl: &mut Controller<AutoApi, TermConsole>,
    prompt: &str,
    config: &Config,
    history_file: Option<&Path>,
) {
    let mut history = FileHistory::with_config(config);
    if let Some(path) = history_file {
        // A missing or unreadable history file is not an error (IOError: pass).
        let _ = history.load(path);
    }
    loop {
        let flow = match read_line(rt, ctl.api(), config, &mut history, prompt) {
            Ok(line) => rt.block_on(ctl.onecmd(&line)),
            // Ctrl-D / Ctrl-C at the prompt: Python prints one newline (do_EOF's, or
            // exec_cmdloop's); rustyline has already moved to a new line.
            Err(ReadlineError::Eof | ReadlineError::Interrupted) => break,
            Err(_) => Flow::Stop,
        };
        match flow {
            Flow::Continue => {}
            Flow::Stop => break,
            Flow::Interrupted => {
                // exec_cmdloop: KeyboardInterrupt ends the shell after a newline.
                ctl.output("");
                break;
            }
        }
    }
    if let Some(path) = history_file {
        let _ = history.save(path);
    }
}

fn plain_loop(rt: &Runtime, ctl: &mut Controller<AutoApi, TermConsole>, prompt: &str) {
    loop {
        ctl.write_raw(prompt.as_bytes());
        let flow = match rt.block_on(ctl.console.read_line()) {
            Ok(Some(line)) => rt.block_on(ctl.onecmd(&line)),
            Ok(None) => rt.block_on(ctl.onecmd("EOF")),
            Err(crate::error::CallError::Interrupted) => Flow::Interrupted,
            Err(_) => Flow::Stop,
        };
        match flow {
            Flow::Continue => {}
            Flow::Stop => break,
            Flow::Interrupted => {
                ctl.output("");
                break;
            }
        }
    }
}
