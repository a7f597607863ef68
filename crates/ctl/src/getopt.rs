//! Python's `getopt.getopt(args, shortopts, longopts)` over a table of option
//! definitions: short clusters (`-ic FILE`, `-cFILE`), long options with `=` or a
//! separate value, unique-prefix matching of long names, stop at the first positional
//! argument (or `--`, or a lone `-`), and getopt's exact error texts. It knows nothing
//! of what the options mean.
//!
//! Note for the lead: this is the generic half of `supervisor-daemon`'s `cli/getopt.rs`
//! without the clap coupling; both binaries could share it from one crate.

/// One option getopt knows about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OptSpec<Id> {
    pub id: Id,
    pub short: Option<char>,
    /// Without the leading `--`.
    pub long: Option<&'static str>,
    pub takes_value: bool,
}

/// One option as getopt returns it: spelled as getopt reports it (`--serverurl` even
/// when `--server` was typed) and its argument (empty for flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Given<Id> {
    pub id: Id,
    pub spelled: String,
    pub value: String,
}

/// Parsed options and the remaining positional arguments.
pub(crate) type Parsed<Id> = (Vec<Given<Id>>, Vec<String>);

/// Parses `args` (without argv[0]). The error is getopt's message, e.g.
/// `option -v not recognized`.
pub(crate) fn getopt<Id: Copy>(
    specs: &[OptSpec<Id>],
    args: &[String],
) -> Result<Parsed<Id>, String> {
    let mut given = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        i += 1;
        if arg == "--" {
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            given.push(long_option(specs, body, args, &mut i)?);
        } else {
            short_options(specs, &arg[1..], args, &mut i, &mut given)?;
        }
    }
    Ok((given, args[i..].to_vec()))
}

/// getopt `do_longs` + `long_has_args`: an exact name wins, else a unique prefix.
fn long_option<Id: Copy>(
    specs: &[OptSpec<Id>],
    body: &str,
    args: &[String],
    next: &mut usize,
) -> Result<Given<Id>, String> {
    let (name, inline) = match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    };
    let longs = || specs.iter().filter_map(|s| Some((s, s.long?)));
    let spec = match longs().find(|(_, long)| *long == name) {
        Some((spec, _)) => spec,
        None => {
            let candidates: Vec<&OptSpec<Id>> = longs()
                .filter(|(_, long)| long.starts_with(name))
                .map(|(spec, _)| spec)
                .collect();
            match candidates[..] {
                [] => return Err(format!("option --{name} not recognized")),
                [one] => one,
                _ => return Err(format!("option --{name} not a unique prefix")),
            }
        }
    };
    let full = spec.long.unwrap_or_default();
    let value = match (spec.takes_value, inline) {
        (true, Some(v)) => v.to_string(),
        (true, None) => {
            let v = args
                .get(*next)
                .ok_or_else(|| format!("option --{full} requires argument"))?;
            *next += 1;
            v.clone()
        }
        (false, Some(_)) => return Err(format!("option --{full} must not have an argument")),
        (false, None) => String::new(),
    };
    Ok(Given {
        id: spec.id,
        spelled: format!("--{full}"),
        value,
    })
}

/// getopt `do_shorts`: a cluster like `-ih` or `-cFILE`.
fn short_options<Id: Copy>(
    specs: &[OptSpec<Id>],
    body: &str,
    args: &[String],
    next: &mut usize,
    given: &mut Vec<Given<Id>>,
) -> Result<(), String> {
    for (at, c) in body.char_indices() {
        let spec = specs
            .iter()
            .find(|s| s.short == Some(c))
            .ok_or_else(|| format!("option -{c} not recognized"))?;
        if !spec.takes_value {
            given.push(Given {
                id: spec.id,
                spelled: format!("-{c}"),
                value: String::new(),
            });
            continue;
        }
        let rest = &body[at + c.len_utf8()..];
        let value = if rest.is_empty() {
            let v = args
                .get(*next)
                .ok_or_else(|| format!("option -{c} requires argument"))?;
            *next += 1;
            v.clone()
        } else {
            rest.to_string()
        };
        given.push(Given {
            id: spec.id,
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

    const SPECS: [OptSpec<u8>; 4] = [
        OptSpec {
            id: 0,
            short: Some('h'),
            long: Some("help"),
            takes_value: false,
        },
        OptSpec {
            id: 1,
            short: Some('c'),
            long: Some("configuration"),
            takes_value: true,
        },
        OptSpec {
            id: 2,
            short: Some('r'),
            long: Some("history_file"),
            takes_value: true,
        },
        OptSpec {
            id: 3,
            short: Some('i'),
            long: Some("interactive"),
            takes_value: false,
        },
    ];

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    type Flat = (Vec<(u8, String, String)>, Vec<String>);

    fn parse(list: &[&str]) -> Result<Flat, String> {
        let (given, rest) = getopt(&SPECS, &args(list))?;
        Ok((
            given
                .into_iter()
                .map(|g| (g.id, g.spelled, g.value))
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
    }

    #[test]
    fn long_prefixes() {
        let (given, _) = parse(&["--conf=x", "--inter"]).unwrap();
        assert_eq!(given[0], (1, "--configuration".into(), "x".into()));
        assert_eq!(given[1].1, "--interactive");
        assert_eq!(
            parse(&["--h"]).unwrap_err(),
            "option --h not a unique prefix"
        );
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
    }

    #[test]
    fn errors_and_stops() {
        assert_eq!(parse(&["-v"]).unwrap_err(), "option -v not recognized");
        assert_eq!(parse(&["-c"]).unwrap_err(), "option -c requires argument");
        assert_eq!(parse(&["-:"]).unwrap_err(), "option -: not recognized");
        let (given, rest) = parse(&["--", "-h"]).unwrap();
        assert!(given.is_empty());
        assert_eq!(rest, args(&["-h"]));
        let (_, rest) = parse(&["-", "x"]).unwrap();
        assert_eq!(rest, args(&["-", "x"]));
    }
}
