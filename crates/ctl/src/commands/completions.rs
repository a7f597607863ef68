//! `supervisorctl completions SHELL` (beyond Supervisor): prints the completion script
//! for bash, zsh or fish (crates/manual); and `completions --complete LINE`, which
//! those scripts call to get the candidates for the word at the end of LINE (the
//! command line after the program name, up to the cursor), one per line:
//!
//! * before the action: options (from the option table) or actions;
//! * after `-c`/`-r`: nothing, exit 3 — the script completes a file name;
//! * after the action: what the interactive shell's tab completion offers
//!   (`complete.rs`), with process and group names from the supervisord that LINE's
//!   own options (`-c`, `-s`, `-u`, `-p`) or the config file point at.
//!
//! Runs before (and without) the usual config reading, so a broken config never
//! breaks the shell's completion; it never prompts and gives up on a silent server.

use std::ffi::OsString;
use std::time::Duration;

use supervisor_model::cli::supervisorctl::{ACTIONS, OPTIONS, Opt};
use supervisor_model::getopt::getopt;

use crate::api::{Api, Server};
use crate::complete::{Names, candidates, word_start};
use crate::grpc::GrpcApi;

/// Exit status that asks the script for file-name completion.
pub const FILES: i32 = 3;

const HOW: &str = "Usage: supervisorctl completions bash|zsh|fish\n";

/// Runs `completions ARGS...` and returns the exit status.
pub fn run(argv0: &str, args: &[String]) -> i32 {
    match args {
        [shell] => match supervisor_manual::completion_script(shell) {
            Some(script) => {
                print!("{script}");
                0
            }
            None => {
                eprint!("Error: no completion for shell {shell:?}\n{HOW}");
                2
            }
        },
        [flag, line @ ..] if flag == "--complete" => {
            let line = line.join(" ");
            let (words, status) = complete(&line, &mut || fetch_names(argv0, &line));
            for w in words {
                println!("{w}");
            }
            status
        }
        _ => {
            eprint!("{HOW}");
            2
        }
    }
}

/// The candidates for the end of `line` and the exit status (0, or [`FILES`]).
/// `names` is called at most once, only when names are wanted.
pub(crate) fn complete(line: &str, names: &mut dyn FnMut() -> Names) -> (Vec<String>, i32) {
    let start = word_start(line, line.len());
    let current = &line[start..];
    let before: Vec<&str> = line[..start].split_whitespace().collect();
    let mut i = 0;
    while i < before.len() && before[i].starts_with('-') && before[i] != "-" {
        if wants_value(before[i]) {
            i += 1;
            if i == before.len() {
                // `current` is this option's value.
                return match value_of(before[i - 1]) {
                    Some(Opt::Configuration | Opt::History) => (Vec::new(), FILES),
                    _ => (Vec::new(), 0),
                };
            }
        }
        i += 1;
    }
    if i == before.len() {
        let words = if current.starts_with('-') {
            option_words(current)
        } else {
            ACTIONS
                .iter()
                .map(|(name, _, _)| name.to_string())
                .filter(|a| a.starts_with(current))
                .collect()
        };
        return (words, 0);
    }
    let action_line = &line[line.find(before[i]).unwrap_or(0)..];
    let words = match before[i] {
        "completions" if before.len() == i + 1 => supervisor_manual::SHELLS
            .iter()
            .filter(|s| s.starts_with(current))
            .map(|s| s.to_string())
            .collect(),
        "completions" | "top" => Vec::new(),
        _ => candidates(action_line, current, names)
            .into_iter()
            .map(|c| c.trim_end().to_string())
            .collect(),
    };
    (words, 0)
}

/// Whether `word` (an option word) leaves its value to the next word.
fn wants_value(word: &str) -> bool {
    if let Some(long) = word.strip_prefix("--") {
        return !long.contains('=') && value_of(word).is_some();
    }
    // In a cluster, the first option that takes a value takes the rest of the word.
    for (at, c) in word.char_indices().skip(1) {
        if OPTIONS
            .iter()
            .any(|d| d.short == Some(c) && d.takes_value())
        {
            return at + c.len_utf8() == word.len();
        }
    }
    false
}

/// The value-taking option `word` names (a long name may be any unique prefix, as
/// getopt allows; a cluster names its last letter).
fn value_of(word: &str) -> Option<Opt> {
    let (given, _) = getopt(OPTIONS, &[OsString::from(word), OsString::from("x")]).ok()?;
    given
        .last()
        .map(|g| g.id)
        .filter(|id| OPTIONS.iter().any(|d| d.id == *id && d.takes_value()))
}

fn option_words(prefix: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for d in OPTIONS {
        if let Some(long) = d.long {
            words.push(format!("--{long}"));
        }
        if let Some(short) = d.short.filter(|c| *c != '?') {
            words.push(format!("-{short}"));
        }
    }
    words.retain(|w| w.starts_with(prefix));
    words
}

/// The processes of the supervisord `line`'s options point at (as `realize` finds
/// it); nothing when it cannot be reached within a second or two.
fn fetch_names(argv0: &str, line: &str) -> Names {
    let words: Vec<OsString> = line.split_whitespace().map(OsString::from).collect();
    let Ok((_, rest)) = getopt(OPTIONS, &words) else {
        return Names::new();
    };
    let mut args: Vec<String> = words[..words.len() - rest.len()]
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    args.push("status".into());
    let Ok(settings) = crate::options::realize(argv0, &args) else {
        return Names::new();
    };
    let server = Server {
        serverurl: settings.serverurl,
        username: settings.username,
        password: settings.password,
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Names::new();
    };
    let mut api = GrpcApi::new(&server);
    let list = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(2), api.list_processes()).await
    });
    match list {
        Ok(Ok(infos)) => infos.into_iter().map(|i| (i.group, i.name)).collect(),
        _ => Names::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        [("web", "web_0"), ("web", "web_1"), ("db", "db")]
            .into_iter()
            .map(|(g, n)| (g.to_string(), n.to_string()))
            .collect()
    }

    fn words(line: &str) -> (Vec<String>, i32) {
        complete(line, &mut names)
    }

    #[test]
    fn actions_and_options_before_the_action() {
        assert_eq!(words("st").0, ["start", "status", "stop"]);
        assert_eq!(words("-c x.conf t").0, ["tail", "top"]);
        assert_eq!(words("--ser").0, ["--serverurl"]);
        assert_eq!(words("-").0.len(), 7 + 7);
        assert!(words("").0.contains(&"completions".to_string()));
    }

    #[test]
    fn option_values() {
        assert_eq!(words("-c "), (vec![], FILES));
        assert_eq!(words("--conf "), (vec![], FILES));
        assert_eq!(words("-ic "), (vec![], FILES));
        assert_eq!(words("-s "), (vec![], 0));
        // A value given in the same word is not awaited.
        assert_eq!(words("-cx.conf st").0, ["start", "status", "stop"]);
        assert_eq!(words("--configuration=x st").0, ["start", "status", "stop"]);
    }

    #[test]
    fn names_after_the_action() {
        assert_eq!(words("start we").0, ["web:web_0", "web:*", "web:web_1"]);
        assert_eq!(
            words("-c x.conf stop web:").0,
            ["web:web_0", "web:*", "web:web_1"]
        );
        assert_eq!(words("status d").0, ["db"]);
        assert_eq!(words("completions ").0, ["bash", "zsh", "fish"]);
        assert_eq!(words("completions z").0, ["zsh"]);
        assert!(words("top ").0.is_empty());
    }

    #[test]
    fn names_are_fetched_only_when_needed() {
        let fetched = std::cell::Cell::new(0);
        let mut fetch = || {
            fetched.set(fetched.get() + 1);
            names()
        };
        complete("sta", &mut fetch);
        complete("-c ", &mut fetch);
        assert_eq!(fetched.get(), 0);
        complete("start ", &mut fetch);
        assert_eq!(fetched.get(), 1);
    }
}
