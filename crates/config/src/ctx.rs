//! The typed layer's working state while one config is validated: the raw content,
//! the expansion names built up as Supervisor builds them (`ENV_*` grows with the
//! `[supervisord]` environment), the host facts, and the parse messages. Also the
//! helpers that read an option, expand it and wrap any failure with its location.

use crate::error::{ConfigError, Location, redact};
use crate::expand::{self, Expansions};
use crate::printf::ExpValue;
use crate::raw::{RawConfig, RawText};
use crate::values::Host;

pub(crate) struct Ctx<'a> {
    pub raw: &'a RawConfig,
    pub host: Host,
    /// The main file's directory (`%(here)s` for everything not pre-substituted).
    pub here: String,
    pub hostname: String,
    /// `ENV_*` names: the environment at load, plus `[supervisord] environment`.
    pub environ: Expansions,
    /// The value of `TMPDIR`-style lookups (`tempfile.gettempdir()`).
    pub tempdir: String,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
    /// supervisor-rs's own warnings (Supervisor logs nothing for them).
    pub notices: Vec<String>,
}

impl Ctx<'_> {
    pub fn loc(&self, section: &str, key: &str) -> Location {
        self.raw.location(section, key)
    }

    pub fn section_loc(&self, section: &str) -> Location {
        let s = self.raw.section(section);
        Location {
            file: s
                .and_then(|s| self.raw.files.get(s.file).cloned())
                .unwrap_or_default(),
            line: s.map_or(0, |s| s.line),
            section: section.to_string(),
        }
    }

    /// The name part of a `[kind:name]` section (datatypes.py
    /// `process_or_group_name`), or the error at that section.
    pub fn section_name(&self, section: &str) -> Result<String, ConfigError> {
        let raw = section.split_once(':').map_or("", |(_, n)| n);
        crate::values::process_or_group_name(raw).map_err(|m| self.err(section, None, m))
    }

    /// A section-level error located at the option if present, else the header.
    pub fn err(&self, section: &str, key: Option<&str>, message: impl Into<String>) -> ConfigError {
        ConfigError::Section {
            message: message.into(),
            at: Box::new(match key {
                Some(k) => self.loc(section, k),
                None => self.section_loc(section),
            }),
        }
    }

    pub fn value_err(&self, section: &str, key: &str, value: &str, reason: String) -> ConfigError {
        let reason = if crate::error::is_secret(key) {
            reason.replace(value, "<redacted>")
        } else {
            reason
        };
        ConfigError::Value {
            option: key.to_string(),
            value: redact(key, value).to_string(),
            reason,
            at: Box::new(self.loc(section, key)),
        }
    }

    /// The unexpanded text (configparser `get`), `None` when absent.
    pub fn text(&self, section: &str, key: &str) -> Result<Option<String>, ConfigError> {
        match self.raw.get(section, key).map(|v| &v.text) {
            None => Ok(None),
            Some(RawText::Text(t)) => Ok(Some(t.clone())),
            Some(RawText::Pairs(_)) => Err(self.err(
                section,
                Some(key),
                format!("'{key}' must be a string, not a table"),
            )),
        }
    }

    /// The names `saneget` expands with: the `ENV_*` ones overridden by `extra`.
    pub fn names(&self, extra: &Expansions) -> Expansions {
        let mut names = self.environ.clone();
        names.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        names
    }

    /// UnhosedConfigParser `saneget`: the value expanded with `ENV_*` + `extra`.
    pub fn get(
        &self,
        section: &str,
        key: &str,
        extra: &Expansions,
    ) -> Result<Option<String>, ConfigError> {
        match self.text(section, key)? {
            None => Ok(None),
            Some(t) => self
                .expand(
                    section,
                    key,
                    &t,
                    &self.names(extra),
                    &format!("{section}.{key}"),
                )
                .map(Some),
        }
    }

    /// `get` with a default that is used as-is (Supervisor's defaults hold no `%`).
    pub fn get_or(
        &self,
        section: &str,
        key: &str,
        default: &str,
        extra: &Expansions,
    ) -> Result<String, ConfigError> {
        Ok(self
            .get(section, key, extra)?
            .unwrap_or_else(|| default.to_string()))
    }

    /// Expands `text` (the value of `section.key`); `what` names it in the message.
    pub fn expand(
        &self,
        section: &str,
        key: &str,
        text: &str,
        names: &Expansions,
        what: &str,
    ) -> Result<String, ConfigError> {
        expand::expand(text, names, what).map_err(|message| ConfigError::Expansion {
            option: key.to_string(),
            message: if crate::error::is_secret(key) {
                message.replace(&supervisor_model::py_repr(text), "'<redacted>'")
            } else {
                message
            },
            at: Box::new(self.loc(section, key)),
        })
    }

    /// Converts an already-read value, locating the failure at `section.key`.
    pub fn convert<T>(
        &self,
        section: &str,
        key: &str,
        value: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        f(value).map_err(|reason| self.value_err(section, key, value, reason))
    }

    /// Reads, expands and converts in one go, with a textual default.
    pub fn typed<T>(
        &self,
        section: &str,
        key: &str,
        default: &str,
        extra: &Expansions,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        let value = self.get_or(section, key, default, extra)?;
        self.convert(section, key, &value, f)
    }

    /// `environment=`: text is expanded then parsed; a TOML table is expanded
    /// value by value (keys and values are already split).
    pub fn environment(
        &mut self,
        section: &str,
        key: &str,
        names: &Expansions,
        what: &str,
    ) -> Result<Vec<(String, String)>, ConfigError> {
        match self.raw.get(section, key).map(|v| v.text.clone()) {
            None => Ok(Vec::new()),
            Some(RawText::Text(t)) => {
                let expanded = self.expand(section, key, &t, names, what)?;
                let pairs = crate::env::parse(&expanded)
                    .map_err(|e| self.value_err(section, key, &expanded, e.0))?;
                self.check_environment(section, key, &expanded);
                Ok(pairs)
            }
            Some(RawText::Pairs(pairs)) => pairs
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.expand(section, key, v, names, what)?)))
                .collect(),
        }
    }
}

impl Ctx<'_> {
    /// One of our own warnings, once however many processes of a section repeat it.
    pub fn notice(&mut self, message: String) {
        if !self.notices.contains(&message) {
            self.notices.push(message);
        }
    }

    /// Warns about what Supervisor's parser silently drops from an `environment=`
    /// value that parsed (`env_check`).
    pub fn check_environment(&mut self, section: &str, key: &str, expanded: &str) {
        use crate::env_check::{describe, looks_secret, losses};
        let losses = losses(expanded);
        if losses.is_empty() {
            return;
        }
        let secret = crate::env::parse(expanded)
            .map(|pairs| pairs.iter().any(|(k, _)| looks_secret(k)))
            .unwrap_or(true);
        let at = self.loc(section, key);
        for loss in &losses {
            self.notice(format!("{key} {at}: {}", describe(loss, secret)));
        }
    }
}

/// Builds an expansion dict from string pairs.
pub(crate) fn names<'k>(pairs: impl IntoIterator<Item = (&'k str, ExpValue)>) -> Expansions {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
