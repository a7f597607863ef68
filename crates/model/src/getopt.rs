//! Python's `getopt.getopt(args, shortopts, longopts)` over a table of option
//! definitions ([`OptDef`]), as Supervisor's `Options.realize` calls it: short clusters
//! (`-nse info`, `-cFILE`), long options with `=` or a separate value, any unique
//! prefix of a long name (`--conf=x`), a stop at the first positional argument (or
//! `--`, or a lone `-`), and getopt's exact error texts. It knows nothing of what the
//! options mean; the tables in [`crate::cli`] say that, and the same tables feed `-h`,
//! the man pages and the shell completions.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// One option of a command line: everything a parser, a help text, a man page and a
/// shell completion need to know about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptDef<Id: 'static> {
    /// What the option stands for, for the program that matches on it.
    pub id: Id,
    pub short: Option<char>,
    /// Without the leading `--`.
    pub long: Option<&'static str>,
    /// The argument's name as the help spells it (`FILENAME`); `None` for a flag.
    pub value: Option<&'static str>,
    /// The line(s) `-h` prints for it, exactly as Supervisor's docstring does (each
    /// line ends with a newline); empty for an undocumented spelling such as `-?`.
    pub usage: &'static str,
    /// One sentence for man pages and completions.
    pub about: &'static str,
    /// Ours, not Supervisor's: matched only when spelled in full, so every prefix
    /// Supervisor accepts (`--con` = `--configuration`) keeps its meaning.
    pub extension: bool,
}

impl<Id: Copy> OptDef<Id> {
    /// A flag (no argument), documented by `usage`.
    pub const fn flag(
        id: Id,
        short: Option<char>,
        long: Option<&'static str>,
        usage: &'static str,
        about: &'static str,
    ) -> OptDef<Id> {
        OptDef {
            id,
            short,
            long,
            value: None,
            usage,
            about,
            extension: false,
        }
    }

    /// An option that takes an argument named `value`.
    pub const fn with_value(
        id: Id,
        short: Option<char>,
        long: Option<&'static str>,
        value: &'static str,
        usage: &'static str,
        about: &'static str,
    ) -> OptDef<Id> {
        OptDef {
            id,
            short,
            long,
            value: Some(value),
            usage,
            about,
            extension: false,
        }
    }

    /// The same option marked as ours (see [`OptDef::extension`]).
    pub const fn ours(self) -> OptDef<Id> {
        OptDef {
            extension: true,
            ..self
        }
    }

    pub fn takes_value(&self) -> bool {
        self.value.is_some()
    }
}

/// The `usage` lines of `defs` that are Supervisor's (`extension == false`) or ours,
/// concatenated in table order.
pub fn usage_lines<Id: Copy>(defs: &[OptDef<Id>], extensions: bool) -> String {
    defs.iter()
        .filter(|d| d.extension == extensions)
        .map(|d| d.usage)
        .collect()
}

/// One option as getopt returns it: spelled as getopt reports it (`--configuration`
/// even when `--conf` was typed) and its argument (empty for a flag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given<Id> {
    pub id: Id,
    pub spelled: String,
    pub value: OsString,
}

impl<Id> Given<Id> {
    /// The argument as text (lossily, for values that are not paths).
    pub fn text(&self) -> String {
        self.value.to_string_lossy().into_owned()
    }
}

/// Options in command-line order and the remaining positional arguments.
pub type Parsed<Id> = (Vec<Given<Id>>, Vec<OsString>);

/// Parses `args` (without argv[0]). The error is getopt's message, e.g.
/// `option -v not recognized`.
pub fn getopt<Id: Copy>(defs: &[OptDef<Id>], args: &[OsString]) -> Result<Parsed<Id>, String> {
    let mut given = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_bytes();
        if !arg.starts_with(b"-") || arg == b"-" {
            break;
        }
        i += 1;
        if arg == b"--" {
            break;
        }
        if let Some(body) = arg.strip_prefix(b"--") {
            given.push(long_option(defs, body, args, &mut i)?);
        } else {
            short_options(defs, &arg[1..], args, &mut i, &mut given)?;
        }
    }
    Ok((given, args[i..].to_vec()))
}

/// getopt `do_longs` + `long_has_args`: an exact name wins, else a unique prefix of
/// Supervisor's names.
fn long_option<Id: Copy>(
    defs: &[OptDef<Id>],
    body: &[u8],
    args: &[OsString],
    next: &mut usize,
) -> Result<Given<Id>, String> {
    let (name, inline) = match body.iter().position(|&b| b == b'=') {
        Some(eq) => (&body[..eq], Some(&body[eq + 1..])),
        None => (body, None),
    };
    let name = String::from_utf8_lossy(name);
    let longs = || defs.iter().filter_map(|d| Some((d, d.long?)));
    let def = match longs().find(|(_, long)| *long == name) {
        Some((def, _)) => def,
        None => {
            let candidates: Vec<&OptDef<Id>> = longs()
                .filter(|(d, long)| !d.extension && long.starts_with(&*name))
                .map(|(d, _)| d)
                .collect();
            match candidates[..] {
                [] => return Err(format!("option --{name} not recognized")),
                [one] => one,
                _ => return Err(format!("option --{name} not a unique prefix")),
            }
        }
    };
    let full = def.long.unwrap_or_default();
    let value = match (def.takes_value(), inline) {
        (true, Some(v)) => OsStr::from_bytes(v).to_owned(),
        (true, None) => {
            let v = args
                .get(*next)
                .ok_or_else(|| format!("option --{full} requires argument"))?;
            *next += 1;
            v.clone()
        }
        (false, Some(_)) => return Err(format!("option --{full} must not have an argument")),
        (false, None) => OsString::new(),
    };
    Ok(Given {
        id: def.id,
        spelled: format!("--{full}"),
        value,
    })
}

/// getopt `do_shorts`: a cluster like `-nse info` or `-cFILE`.
fn short_options<Id: Copy>(
    defs: &[OptDef<Id>],
    body: &[u8],
    args: &[OsString],
    next: &mut usize,
    given: &mut Vec<Given<Id>>,
) -> Result<(), String> {
    // Every option letter is ASCII, so up to the first non-ASCII character (always an
    // error) a character index is a byte index.
    let text = String::from_utf8_lossy(body);
    for (at, c) in text.char_indices() {
        let def = defs
            .iter()
            .find(|d| d.short == Some(c))
            .ok_or_else(|| format!("option -{c} not recognized"))?;
        if !def.takes_value() {
            given.push(Given {
                id: def.id,
                spelled: format!("-{c}"),
                value: OsString::new(),
            });
            continue;
        }
        let rest = &body[at + 1..];
        let value = if rest.is_empty() {
            let v = args
                .get(*next)
                .ok_or_else(|| format!("option -{c} requires argument"))?;
            *next += 1;
            v.clone()
        } else {
            OsStr::from_bytes(rest).to_owned()
        };
        given.push(Given {
            id: def.id,
            spelled: format!("-{c}"),
            value,
        });
        break;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFS: [OptDef<u8>; 5] = [
        OptDef::flag(0, Some('h'), Some("help"), "", ""),
        OptDef::with_value(1, Some('c'), Some("configuration"), "FILE", "", ""),
        OptDef::with_value(2, Some('r'), Some("history_file"), "FILE", "", ""),
        OptDef::flag(3, Some('i'), Some("interactive"), "", ""),
        OptDef::with_value(4, None, Some("convert-config"), "FILE", "", "").ours(),
    ];

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    type Flat = (Vec<(u8, String, String)>, Vec<OsString>);

    fn parse(list: &[&str]) -> Result<Flat, String> {
        let (given, rest) = getopt(&DEFS, &args(list))?;
        Ok((
            given
                .iter()
                .map(|g| (g.id, g.spelled.clone(), g.text()))
                .collect(),
            rest,
        ))
    }

    #[test]
    fn clusters_and_values() {
        let (given, rest) = parse(&["-ic", "f", "status", "-h"]).unwrap();
        assert_eq!(
            given,
            vec![
                (3, "-i".into(), String::new()),
                (1, "-c".into(), "f".into())
            ]
        );
        assert_eq!(rest, args(&["status", "-h"]));
        let (given, _) = parse(&["-cfile"]).unwrap();
        assert_eq!(given[0].2, "file");
        let (given, _) = parse(&["-hic", "x"]).unwrap();
        assert_eq!(given.len(), 3);
    }

    #[test]
    fn long_prefixes() {
        let (given, _) = parse(&["--conf=x", "--inter"]).unwrap();
        assert_eq!(given[0], (1, "--configuration".into(), "x".into()));
        assert_eq!(given[1].1, "--interactive");
        // An extension is never a prefix match, so `--con` stays Supervisor's.
        assert_eq!(parse(&["--con", "x"]).unwrap().0[0].0, 1);
        assert_eq!(
            parse(&["--convert", "x"]).unwrap_err(),
            "option --convert not recognized"
        );
        assert_eq!(parse(&["--convert-config=x"]).unwrap().0[0].0, 4);
        assert_eq!(
            parse(&["--help=x"]).unwrap_err(),
            "option --help must not have an argument"
        );
        assert_eq!(
            parse(&["--configuration"]).unwrap_err(),
            "option --configuration requires argument"
        );
        assert_eq!(
            parse(&["--bogus"]).unwrap_err(),
            "option --bogus not recognized"
        );
        assert_eq!(parse(&["--"]).unwrap(), (vec![], vec![]));
    }

    #[test]
    fn ambiguous_prefix() {
        const TWO: [OptDef<u8>; 2] = [
            OptDef::flag(0, None, Some("help"), "", ""),
            OptDef::flag(1, None, Some("history"), "", ""),
        ];
        assert_eq!(
            getopt(&TWO, &args(&["--h"])).unwrap_err(),
            "option --h not a unique prefix"
        );
    }

    #[test]
    fn errors_and_stops() {
        assert_eq!(parse(&["-v"]).unwrap_err(), "option -v not recognized");
        assert_eq!(parse(&["-c"]).unwrap_err(), "option -c requires argument");
        assert_eq!(parse(&["-:"]).unwrap_err(), "option -: not recognized");
        assert_eq!(parse(&["-é"]).unwrap_err(), "option -é not recognized");
        let (given, rest) = parse(&["--", "-h"]).unwrap();
        assert!(given.is_empty());
        assert_eq!(rest, args(&["-h"]));
        let (_, rest) = parse(&["-", "x"]).unwrap();
        assert_eq!(rest, args(&["-", "x"]));
    }

    #[test]
    fn usage_lines_split_ours_from_supervisors() {
        const DOC: [OptDef<u8>; 2] = [
            OptDef::flag(0, Some('h'), None, "-h -- help\n", ""),
            OptDef::flag(1, None, Some("x"), "--x -- ours\n", "").ours(),
        ];
        assert_eq!(usage_lines(&DOC, false), "-h -- help\n");
        assert_eq!(usage_lines(&DOC, true), "--x -- ours\n");
    }
}
