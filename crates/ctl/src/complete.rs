//! Tab completion in the shell (supervisorctl.py `Controller.complete` and its
//! `_complete_*` helpers): action names for the first word and for `help`, group
//! names for `add`/`remove`/`update`, namespecs (and `group:*`) for the process
//! actions. Every candidate ends with a space. Words break at readline's delimiters
//! minus `:`, `*` and `-`, so `group:name` is one word.

use std::cell::RefCell;

use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::commands::ACTIONS;

/// readline's default word delimiters without `:`, `*` and `-`.
const DELIMITERS: &str = " \t\n\"\\'`@$><=;|&{(";

/// `(group, name)` of every process, fetched only when a completion needs it.
pub(crate) type Names = Vec<(String, String)>;

/// Start of the word being completed at `pos`.
pub(crate) fn word_start(line: &str, pos: usize) -> usize {
    line[..pos]
        .rfind(|c: char| DELIMITERS.contains(c))
        .map_or(0, |i| i + 1)
}

/// The candidates for `text` (the word at the cursor) in `line` (the whole line).
/// `names` is called at most once, and only for group or process completion.
pub(crate) fn candidates(line: &str, text: &str, names: &mut dyn FnMut() -> Names) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let actions = || {
        ACTIONS
            .iter()
            .filter(|a| a.starts_with(text))
            .map(|a| format!("{a} "))
            .collect::<Vec<_>>()
    };
    let Some(action) = words.first() else {
        return actions();
    };
    if words.len() == 1 && !line.ends_with(' ') {
        return actions();
    }
    // Python tests `action in ('help')`: a substring test on the string "help".
    if "help".contains(action) {
        return actions();
    }
    match *action {
        "add" | "remove" | "update" => {
            let mut groups: Vec<String> = Vec::new();
            for (group, _) in names() {
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
            groups
                .into_iter()
                .filter(|g| g.starts_with(text))
                .map(|g| format!("{g} "))
                .collect()
        }
        "clear" | "fg" | "pid" | "restart" | "signal" | "start" | "status" | "stop" | "tail" => {
            let mut specs: Vec<String> = Vec::new();
            for (group, name) in names() {
                if text.contains(':') || name != group {
                    specs.push(format!("{group}:{name}"));
                    let all = format!("{group}:*");
                    if !specs.contains(&all) {
                        specs.push(all);
                    }
                } else {
                    specs.push(name);
                }
            }
            specs
                .into_iter()
                .filter(|s| s.starts_with(text))
                .map(|s| format!("{s} "))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The rustyline helper: completion only. The process list comes from `fetch`,
/// cached for the life of the helper (one prompt: Python drops its cache at each
/// command).
pub(crate) struct ShellHelper<'a> {
    fetch: Box<dyn Fn() -> Names + 'a>,
    cache: RefCell<Option<Names>>,
}

impl<'a> ShellHelper<'a> {
    pub(crate) fn new(fetch: Box<dyn Fn() -> Names + 'a>) -> ShellHelper<'a> {
        ShellHelper {
            fetch,
            cache: RefCell::new(None),
        }
    }
}

impl Completer for ShellHelper<'_> {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let start = word_start(line, pos);
        let text = &line[start..pos];
        let mut names = || {
            self.cache
                .borrow_mut()
                .get_or_insert_with(|| (self.fetch)())
                .clone()
        };
        Ok((start, candidates(line, text, &mut names)))
    }
}

impl Hinter for ShellHelper<'_> {
    type Hint = String;
}
impl Highlighter for ShellHelper<'_> {}
impl Validator for ShellHelper<'_> {}
impl Helper for ShellHelper<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        [
            ("sleeper", "sleeper"),
            ("grp", "multi_00"),
            ("grp", "multi_01"),
        ]
        .into_iter()
        .map(|(g, n)| (g.to_string(), n.to_string()))
        .collect()
    }

    fn complete(line: &str) -> Vec<String> {
        let start = word_start(line, line.len());
        candidates(line, &line[start..], &mut names)
    }

    #[test]
    fn actions() {
        assert_eq!(complete("st"), ["start ", "status ", "stop "]);
        assert_eq!(complete("").len(), ACTIONS.len());
        assert_eq!(
            complete("help re"),
            ["reload ", "remove ", "reread ", "restart "]
        );
        assert!(complete("bogus x").is_empty());
    }

    #[test]
    fn processes_and_groups() {
        assert_eq!(
            complete("start "),
            ["sleeper ", "grp:multi_00 ", "grp:* ", "grp:multi_01 "]
        );
        assert_eq!(
            complete("stop grp:"),
            ["grp:multi_00 ", "grp:* ", "grp:multi_01 "]
        );
        // With a colon typed, lone processes are offered as group:name too.
        assert_eq!(
            complete("stop sleeper:"),
            ["sleeper:sleeper ", "sleeper:* "]
        );
        assert_eq!(complete("update g"), ["grp "]);
        assert_eq!(word_start("tail -f grp:mu", 14), 8);
    }

    #[test]
    fn names_are_fetched_lazily() {
        let mut fetched = 0;
        let mut fetch = || {
            fetched += 1;
            names()
        };
        candidates("sta", "sta", &mut fetch);
        assert_eq!(fetched, 0);
    }
}
