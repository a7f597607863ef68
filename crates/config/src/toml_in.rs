//! Reading the TOML form of a config into the same raw layer as INI, so every rule
//! after parsing (defaults, `%(x)s` expansion, validation, includes) is shared.
//! The mapping (documented in README.md): `[supervisord]`, `[supervisorctl]`,
//! `[unix_http_server]`, `[inet_http_server]`, `[include]`, `[DEFAULT]` keep their
//! names; `[programs.X]` is `[program:X]`, `[groups.X]`, `[eventlisteners.X]`,
//! `[fcgi-programs.X]`, `[rpcinterface.X]`, `[unix_http_servers.X]`,
//! `[inet_http_servers.X]`, `[ctlplugins.X]` likewise. Values are typed natively:
//! integers and booleans become their INI spelling, arrays of scalars are joined
//! with `,` (with whitespace for `[include] files`), and `environment` may be a
//! table of strings.

use std::path::Path;

use toml_edit::{Document, Item, Table, Value};

use crate::error::ConfigError;
use crate::raw::{RawConfig, RawText, RawValue};

/// Table-of-tables names → the INI section prefix of their entries.
pub const PLURAL_SECTIONS: &[(&str, &str)] = &[
    ("programs", "program"),
    ("groups", "group"),
    ("eventlisteners", "eventlistener"),
    ("fcgi-programs", "fcgi-program"),
    ("rpcinterface", "rpcinterface"),
    ("unix_http_servers", "unix_http_server"),
    ("inet_http_servers", "inet_http_server"),
    ("ctlplugins", "ctlplugin"),
];

/// Sections that keep their name.
pub const PLAIN_SECTIONS: &[&str] = &[
    "supervisord",
    "supervisorctl",
    "unix_http_server",
    "inet_http_server",
    "include",
    "DEFAULT",
];

pub(crate) fn read(raw: &mut RawConfig, path: &Path, text: &str) -> Result<(), ConfigError> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let err = |offset: usize, message: String| ConfigError::Toml {
        file: path.to_path_buf(),
        line: line_of(offset),
        message,
    };
    let doc = Document::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        err(offset, e.message().to_string())
    })?;
    let file = raw.files.len();
    raw.files.push(path.to_path_buf());
    let root = doc.as_table();
    for (name, item) in root.iter() {
        let offset = root.key(name).and_then(|k| k.span()).map_or(0, |s| s.start);
        let table =
            as_table(item).ok_or_else(|| err(offset, format!("'{name}' must be a table")))?;
        if PLAIN_SECTIONS.contains(&name) {
            let entries = entries(&table, name, file, &line_of, &err)?;
            raw.merge_section(name, file, line_of(offset), entries);
        } else if let Some((_, prefix)) = PLURAL_SECTIONS.iter().find(|(plural, _)| *plural == name)
        {
            for (sub, item) in table.iter() {
                let sub_offset = table
                    .key(sub)
                    .and_then(|k| k.span())
                    .map_or(offset, |s| s.start);
                let inner = as_table(item)
                    .ok_or_else(|| err(sub_offset, format!("'{name}.{sub}' must be a table")))?;
                let section = format!("{prefix}:{sub}");
                let entries = entries(&inner, &section, file, &line_of, &err)?;
                raw.merge_section(&section, file, line_of(sub_offset), entries);
            }
        } else {
            // Unknown sections are ignored, as Supervisor ignores unknown INI ones.
            let entries = entries(&table, name, file, &line_of, &err)?;
            raw.merge_section(name, file, line_of(offset), entries);
        }
    }
    Ok(())
}

/// A `[table]` or an inline `{ ... }` table, as a plain table.
fn as_table(item: &Item) -> Option<Table> {
    match item {
        Item::Table(t) => Some(t.clone()),
        Item::Value(Value::InlineTable(t)) => Some(t.clone().into_table()),
        _ => None,
    }
}

fn entries(
    table: &Table,
    section: &str,
    file: usize,
    line_of: &dyn Fn(usize) -> usize,
    err: &dyn Fn(usize, String) -> ConfigError,
) -> Result<Vec<(String, RawValue)>, ConfigError> {
    let mut out = Vec::new();
    for (key, item) in table.iter() {
        let offset = table.key(key).and_then(|k| k.span()).map_or(0, |s| s.start);
        let bad = |what: &str| err(offset, format!("'{section}.{key}' {what}"));
        let key_lower = key.to_lowercase();
        let text = match item {
            Item::Value(v) => value_text(&key_lower, v).map_err(|w| bad(&w))?,
            Item::Table(t) if key_lower == "environment" => {
                pairs(&Value::InlineTable(t.clone().into_inline_table())).map_err(|w| bad(&w))?
            }
            _ => return Err(bad("must be a string, integer, boolean or array")),
        };
        out.push((
            key_lower,
            RawValue {
                text,
                file,
                line: line_of(offset),
            },
        ));
    }
    Ok(out)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.value().clone()),
        Value::Integer(i) => Some(i.value().to_string()),
        Value::Boolean(b) => Some(b.value().to_string()),
        _ => None,
    }
}

fn value_text(key: &str, v: &Value) -> Result<RawText, String> {
    if let Some(s) = scalar(v) {
        return Ok(RawText::Text(s));
    }
    match v {
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(scalar).collect();
            let parts = parts.ok_or("must be an array of strings or integers")?;
            let sep = if key == "files" { " " } else { "," };
            Ok(RawText::Text(parts.join(sep)))
        }
        Value::InlineTable(_) if key == "environment" => pairs(v),
        _ => Err("must be a string, integer, boolean or array".into()),
    }
}

fn pairs(v: &Value) -> Result<RawText, String> {
    let Value::InlineTable(t) = v else {
        return Err("must be a table of strings".into());
    };
    t.iter()
        .map(|(k, v)| {
            scalar(v)
                .map(|s| (k.to_string(), s))
                .ok_or_else(|| "values must be strings".to_string())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(RawText::Pairs)
}
