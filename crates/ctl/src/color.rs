//! Whether `status` colours troubled states: only when stdout is a terminal, never
//! when piped (so output stays byte-identical to Supervisor's for scripts), and never
//! under `NO_COLOR` (<https://no-color.org>) or `TERM=dumb`.

use std::io::IsTerminal;

/// The decision for this process's stdout and environment.
pub fn enabled() -> bool {
    decide(
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

fn decide(
    terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    let no_color = no_color.is_some_and(|v| !v.is_empty());
    let dumb = term.is_some_and(|t| t == "dumb");
    terminal && !no_color && !dumb
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn rules() {
        assert!(decide(true, None, Some(OsStr::new("xterm"))));
        assert!(!decide(false, None, None));
        assert!(!decide(true, Some(OsStr::new("1")), None));
        assert!(decide(true, Some(OsStr::new("")), None));
        assert!(!decide(true, None, Some(OsStr::new("dumb"))));
    }
}
