//! Python's `getopt.getopt` over supervisord's option definitions: short clusters
//! (`-nse info`, `-cFILE`), long options with `=` or a separate value, unique-prefix
//! matching of long names, stop at the first positional argument, and getopt's error
//! texts. It knows nothing of what the options mean.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use super::{EXTENSIONS, Opt, command};

/// getopt's view of the definitions.
pub(super) struct Spec {
    pub(super) opt: Opt,
    pub(super) short: Option<char>,
    pub(super) long: Option<String>,
    pub(super) takes_value: bool,
}

pub(super) fn specs() -> Vec<Spec> {
    command()
        .get_arguments()
        .filter_map(|arg| {
            Some(Spec {
                opt: Opt::from_id(arg.get_id().as_str())?,
                short: arg.get_short(),
                long: arg.get_long().map(str::to_owned),
                takes_value: arg.get_action().takes_values(),
            })
        })
        .collect()
}

/// One option as getopt returns it: the option spelled in full (`--configuration`
/// even if `--conf` was typed, as getopt reports it) and its argument.
pub(super) struct Given<'a> {
    pub(super) spec: &'a Spec,
    pub(super) spelled: String,
    pub(super) value: OsString,
}

/// Python's `getopt.getopt(args, shortopts, longopts)`: options up to the first
/// non-option (or `--`), the rest positional. Errors carry getopt's message.
pub(super) fn getopt<'a>(
    specs: &'a [Spec],
    args: &[OsString],
) -> Result<(Vec<Given<'a>>, Vec<OsString>), String> {
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
            given.push(long_option(specs, body, args, &mut i)?);
        } else {
            short_options(specs, &arg[1..], args, &mut i, &mut given)?;
        }
    }
    Ok((given, args[i..].to_vec()))
}

/// getopt `do_longs` + `long_has_args`.
fn long_option<'a>(
    specs: &'a [Spec],
    body: &[u8],
    args: &[OsString],
    next: &mut usize,
) -> Result<Given<'a>, String> {
    let (name, inline) = match body.iter().position(|&b| b == b'=') {
        Some(eq) => (&body[..eq], Some(&body[eq + 1..])),
        None => (body, None),
    };
    let name = String::from_utf8_lossy(name);
    let longs = || specs.iter().filter_map(|s| Some((s, s.long.as_deref()?)));
    let exact = longs().find(|(_, long)| *long == name);
    let spec = match exact {
        Some((spec, _)) => spec,
        None => {
            let candidates: Vec<&Spec> = longs()
                .filter(|(_, long)| !EXTENSIONS.contains(long) && long.starts_with(&*name))
                .map(|(spec, _)| spec)
                .collect();
            match candidates[..] {
                [] => return Err(format!("option --{name} not recognized")),
                [one] => one,
                _ => return Err(format!("option --{name} not a unique prefix")),
            }
        }
    };
    let full = spec.long.as_deref().unwrap_or_default();
    let value = match (spec.takes_value, inline) {
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
        spec,
        spelled: format!("--{full}"),
        value,
    })
}

/// getopt `do_shorts`: a cluster like `-nse info` or `-cFILE`.
fn short_options<'a>(
    specs: &'a [Spec],
    body: &[u8],
    args: &[OsString],
    next: &mut usize,
    given: &mut Vec<Given<'a>>,
) -> Result<(), String> {
    // Every option letter is ASCII, so up to the first non-ASCII character (always an
    // error) a character index is a byte index.
    let text = String::from_utf8_lossy(body);
    for (at, c) in text.char_indices() {
        let spec = specs
            .iter()
            .find(|s| s.short == Some(c))
            .ok_or_else(|| format!("option -{c} not recognized"))?;
        if !spec.takes_value {
            given.push(Given {
                spec,
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
            spec,
            spelled: format!("-{c}"),
            value,
        });
        break;
    }
    Ok(())
}
