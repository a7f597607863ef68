//! INI → TOML conversion (`supervisord --convert-config FILE`): the main file's
//! sections and values, unexpanded (so `%(here)s` keeps meaning "this file's
//! directory" when the TOML sits next to the INI), mapped as README.md describes.
//! Values become native TOML types only when that cannot change their meaning:
//! integer and boolean options whose text parses as such, comma lists as arrays,
//! and `environment` as a table when it contains no `%` (expansion happens before
//! splitting in INI but per value in TOML, so expanded text could split differently).

use std::path::Path;

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use crate::error::ConfigError;
use crate::raw::{RawConfig, RawText};
use crate::toml_in::PLURAL_SECTIONS;
use crate::values::integer;

/// Options that are integers in every section that has them.
const INTEGER_KEYS: &[&str] = &[
    "priority",
    "numprocs",
    "numprocs_start",
    "startsecs",
    "startretries",
    "stopwaitsecs",
    "logfile_backups",
    "stdout_logfile_backups",
    "stderr_logfile_backups",
    "minfds",
    "minprocs",
    "buffer_size",
    "socket_backlog",
    "max_restarts",
    "restart_window",
    "backoff_max",
    "fatal_retry_after",
    "health_retries",
];

/// Options that are booleans in every section that has them.
const BOOLEAN_KEYS: &[&str] = &[
    "autostart",
    "stopasgroup",
    "killasgroup",
    "redirect_stderr",
    "stdout_events_enabled",
    "stderr_events_enabled",
    "stdout_syslog",
    "stderr_syslog",
    "nodaemon",
    "silent",
    "nocleanup",
    "strip_ansi",
    "stdout_logfile_timestamps",
    "stderr_logfile_timestamps",
    "metrics_auth",
    "health_auth",
    "essential",
    "die_with_supervisord",
    "reload_keeps_running",
];

/// Comma-separated lists (`files` is whitespace-separated).
const LIST_KEYS: &[&str] = &["exitcodes", "events", "programs", "depends_on", "env_files"];

pub(crate) fn convert(path: &Path) -> Result<String, ConfigError> {
    let mut raw = RawConfig::default();
    if !path.exists() {
        return Err(ConfigError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let text = crate::load::read_text(path)?;
    let sections = crate::ini::parse(&text, path).map_err(|e| match e {
        ConfigError::Syntax { line, text, .. } => ConfigError::Syntax {
            file: path.to_path_buf(),
            line,
            text,
        },
        ConfigError::NoSectionHeader { line, text, .. } => ConfigError::NoSectionHeader {
            file: path.to_path_buf(),
            line,
            text,
        },
        other => other,
    })?;
    raw.add_file(path, sections);
    Ok(render(&raw, &path.display().to_string()))
}

/// Renders the raw layer as TOML text.
pub(crate) fn render(raw: &RawConfig, origin: &str) -> String {
    let mut doc = DocumentMut::new();
    doc.decor_mut().set_prefix(format!(
        "# Converted from {origin} by supervisord --convert-config.\n\n"
    ));
    if !raw.defaults.is_empty() {
        let entries: Vec<(String, RawText)> = raw
            .defaults
            .iter()
            .map(|(k, v)| (k.clone(), v.text.clone()))
            .collect();
        doc.insert("DEFAULT", Item::Table(table(&entries)));
    }
    for section in &raw.sections {
        let entries: Vec<(String, RawText)> = section
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), v.text.clone()))
            .collect();
        let body = table(&entries);
        let plural = section.name.split_once(':').and_then(|(prefix, name)| {
            PLURAL_SECTIONS
                .iter()
                .find(|(_, p)| *p == prefix)
                .map(|(plural, _)| (*plural, name))
        });
        match plural {
            Some((plural, name)) => {
                let parent = doc
                    .entry(plural)
                    .or_insert_with(|| {
                        let mut t = Table::new();
                        t.set_implicit(true);
                        Item::Table(t)
                    })
                    .as_table_mut()
                    .expect("plural sections are tables");
                parent.insert(name, Item::Table(body));
            }
            None => {
                doc.insert(&section.name, Item::Table(body));
            }
        }
    }
    doc.to_string()
}

fn table(entries: &[(String, RawText)]) -> Table {
    let mut t = Table::new();
    for (key, text) in entries {
        t.insert(key, Item::Value(typed(key, text)));
    }
    t
}

/// The most natural TOML value that loads back to the same meaning.
fn typed(key: &str, text: &RawText) -> Value {
    let text = match text {
        RawText::Pairs(pairs) => return env_table(pairs),
        RawText::Text(t) => t,
    };
    if text.contains('%') {
        return Value::from(text.as_str());
    }
    if INTEGER_KEYS.contains(&key)
        && let Ok(n) = integer(text)
    {
        return Value::from(n);
    }
    if BOOLEAN_KEYS.contains(&key)
        && let Ok(b) = supervisor_model::parse_bool(text)
    {
        return Value::from(b);
    }
    if LIST_KEYS.contains(&key) && !text.trim().is_empty() {
        let parts = crate::values::list_of_strings(text);
        let mut array = Array::new();
        if key == "exitcodes" {
            let ints: Result<Vec<i64>, _> = parts.iter().map(|p| integer(p)).collect();
            match ints {
                Ok(ints) => ints.into_iter().for_each(|n| array.push(n)),
                Err(_) => return Value::from(text.as_str()),
            }
        } else {
            parts.iter().for_each(|p| array.push(p.as_str()));
        }
        return Value::Array(array);
    }
    if key == "files" {
        let mut array = Array::new();
        text.split_whitespace().for_each(|p| array.push(p));
        return Value::Array(array);
    }
    if key == "environment"
        && let Ok(pairs) = crate::env::parse(text)
    {
        return env_table(&pairs);
    }
    Value::from(text.as_str())
}

fn env_table(pairs: &[(String, String)]) -> Value {
    let mut t = InlineTable::new();
    for (k, v) in pairs {
        t.insert(k, Value::from(v.as_str()));
    }
    Value::InlineTable(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_sections_and_types() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.conf");
        std::fs::write(
            &path,
            "[supervisord]\nnodaemon=yes\nminfds=%(ENV_X)s\numask=022\n\
             [program:web]\ncommand=/bin/web %(process_num)d\nnumprocs=2\nprocess_name=w%(process_num)d\n\
             exitcodes=0,2\nenvironment=A=1,B=\"x y\"\n[group:g]\nprograms=web\n\
             [include]\nfiles=a/*.conf b.conf\n",
        )
        .unwrap();
        let toml = convert(&path).unwrap();
        let doc: DocumentMut = toml.parse().unwrap();
        assert_eq!(doc["supervisord"]["nodaemon"].as_bool(), Some(true));
        assert_eq!(doc["supervisord"]["minfds"].as_str(), Some("%(ENV_X)s"));
        assert_eq!(doc["supervisord"]["umask"].as_str(), Some("022"));
        assert_eq!(doc["programs"]["web"]["numprocs"].as_integer(), Some(2));
        assert_eq!(
            doc["programs"]["web"]["exitcodes"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            doc["programs"]["web"]["environment"]["B"].as_str(),
            Some("x y")
        );
        assert_eq!(doc["groups"]["g"]["programs"].as_array().unwrap().len(), 1);
        assert_eq!(doc["include"]["files"].as_array().unwrap().len(), 2);
        assert!(toml.starts_with("# Converted from "));
    }
}
