//! `Signal`: a signal as Supervisor accepts it in `stopsignal=` and `signalProcess`
//! (datatypes.py `signal_number`) and names it in logs (`signame`).

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

/// Linux signal numbers and the name Supervisor prints for each (supervisord.py `Supervisor.handle_signal`: the
/// aliases SIGIOT, SIGCLD and SIGIO are accepted on input but 6, 17 and 29 print as
/// SIGABRT, SIGCHLD and SIGPOLL, as Python's table ends up).
const NAMES: &[(i32, &str)] = &[
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGPOLL"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
    (34, "SIGRTMIN"),
    (64, "SIGRTMAX"),
];

/// Names accepted on input that are not the printed name of their number.
const ALIASES: &[(&str, i32)] = &[("SIGIOT", 6), ("SIGCLD", 17), ("SIGIO", 29)];

/// A signal number that Python's `signal` module knows on Linux (1–31, 34, 64).
/// Real-time signals 35–63 are rejected, as Supervisor rejects them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signal(i32);

impl Signal {
    pub const HUP: Signal = Signal(1);
    pub const INT: Signal = Signal(2);
    pub const QUIT: Signal = Signal(3);
    pub const KILL: Signal = Signal(9);
    pub const USR1: Signal = Signal(10);
    pub const USR2: Signal = Signal(12);
    pub const TERM: Signal = Signal(15);
    pub const CHLD: Signal = Signal(17);
    pub const CONT: Signal = Signal(18);
    pub const STOP: Signal = Signal(19);

    /// A signal from its number, if Supervisor would accept that number.
    pub fn from_number(n: i32) -> Option<Signal> {
        NAMES.iter().any(|&(k, _)| k == n).then_some(Signal(n))
    }

    pub fn number(self) -> i32 {
        self.0
    }

    /// `SIGTERM`-style name, as in `terminated by SIGTERM`.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|&&(k, _)| k == self.0)
            .map(|&(_, n)| n)
            .expect("a Signal always holds a known number")
    }

    /// Supervisor's `signame` for any number, including ones that are not a `Signal`
    /// (a child killed by a real-time signal): `signal N` for unknown numbers.
    pub fn describe(n: i32) -> String {
        match Signal::from_number(n) {
            Some(s) => s.name().to_string(),
            None => format!("signal {n}"),
        }
    }
}

impl FromStr for Signal {
    type Err = ValueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let trimmed = value.trim();
        let number = match trimmed.parse::<i32>() {
            Ok(n) => n,
            Err(_) => {
                let upper = trimmed.to_ascii_uppercase();
                let name = if upper.starts_with("SIG") {
                    upper
                } else {
                    format!("SIG{upper}")
                };
                NAMES
                    .iter()
                    .find(|&&(_, n)| n == name)
                    .map(|&(k, _)| k)
                    .or_else(|| ALIASES.iter().find(|&&(n, _)| n == name).map(|&(_, k)| k))
                    .ok_or_else(|| {
                        ValueError(format!("value '{value}' is not a valid signal name"))
                    })?
            }
        };
        Signal::from_number(number)
            .ok_or_else(|| ValueError(format!("value '{value}' is not a valid signal number")))
    }
}

impl fmt::Display for Signal {
    /// Prints the name without `SIG`, as a config file would spell it (`TERM`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name()[3..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_supervisors_spellings() {
        for (text, n) in [
            ("TERM", 15),
            ("sigterm", 15),
            ("SIGKILL", 9),
            ("hup", 1),
            ("9", 9),
            (" 15 ", 15),
            ("IOT", 6),
            ("CLD", 17),
            ("POLL", 29),
            ("IO", 29),
            ("RTMIN", 34),
            ("rtmax", 64),
        ] {
            assert_eq!(text.parse::<Signal>().unwrap().number(), n, "{text}");
        }
    }

    #[test]
    fn rejects_with_supervisors_messages() {
        assert_eq!(
            "BOGUS".parse::<Signal>().unwrap_err().0,
            "value 'BOGUS' is not a valid signal name"
        );
        assert_eq!(
            "40".parse::<Signal>().unwrap_err().0,
            "value '40' is not a valid signal number"
        );
        assert!("0".parse::<Signal>().is_err());
        assert!("65".parse::<Signal>().is_err());
    }

    #[test]
    fn names_in_logs() {
        assert_eq!(Signal::describe(6), "SIGABRT");
        assert_eq!(Signal::describe(17), "SIGCHLD");
        assert_eq!(Signal::describe(40), "signal 40");
        assert_eq!(Signal::TERM.to_string(), "TERM");
    }

    proptest! {
        #[test]
        fn display_round_trips(n in 0i32..70) {
            if let Some(sig) = Signal::from_number(n) {
                prop_assert_eq!(sig.to_string().parse::<Signal>().unwrap(), sig);
                prop_assert_eq!(sig.name().parse::<Signal>().unwrap(), sig);
                prop_assert_eq!(n.to_string().parse::<Signal>().unwrap(), sig);
            } else {
                prop_assert!(n.to_string().parse::<Signal>().is_err());
            }
        }
    }
}
