//! The raw layer: the merged content of the main file and its includes, exactly as
//! configparser holds it (sections in first-seen order, each an ordered key → value
//! map where a repeated key overwrites in place, `[DEFAULT]` keys visible in every
//! section), plus where each section and value came from. No value is interpreted
//! here; `%(here)s` pre-substitution (`expand_here`) is the only rewrite.

use std::path::{Path, PathBuf};

use crate::error::{ConfigError, Location, redact};
use crate::ini::IniSection;

/// A value as written: INI and most TOML values are text; a TOML `environment`
/// table keeps its pairs so no quoting round trip can change them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawText {
    Text(String),
    Pairs(Vec<(String, String)>),
}

impl RawText {
    pub fn contains(&self, needle: &str) -> bool {
        match self {
            RawText::Text(t) => t.contains(needle),
            RawText::Pairs(p) => p.iter().any(|(_, v)| v.contains(needle)),
        }
    }

    pub fn replace(&self, from: &str, to: &str) -> RawText {
        match self {
            RawText::Text(t) => RawText::Text(t.replace(from, to)),
            RawText::Pairs(p) => RawText::Pairs(
                p.iter()
                    .map(|(k, v)| (k.clone(), v.replace(from, to)))
                    .collect(),
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue {
    pub text: RawText,
    /// Index into [`RawConfig::files`].
    pub file: usize,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSection {
    pub name: String,
    /// The file whose header created the section (configparser's `section_to_file`).
    pub file: usize,
    pub line: usize,
    pub entries: Vec<(String, RawValue)>,
}

impl RawSection {
    fn set(&mut self, key: &str, value: RawValue) {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => *slot = value,
            None => self.entries.push((key.to_string(), value)),
        }
    }

    fn get(&self, key: &str) -> Option<&RawValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// Everything read so far, merged with configparser's `strict=False` rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawConfig {
    /// Files in the order they were read; index 0 is the main file.
    pub files: Vec<PathBuf>,
    pub defaults: Vec<(String, RawValue)>,
    pub sections: Vec<RawSection>,
}

impl RawConfig {
    /// Merges one parsed file: repeated sections merge, repeated keys overwrite.
    pub fn add_file(&mut self, path: &Path, sections: Vec<IniSection>) {
        let file = self.files.len();
        self.files.push(path.to_path_buf());
        for section in sections {
            let entries = section.entries.into_iter().map(|e| {
                let value = RawValue {
                    text: RawText::Text(e.value),
                    file,
                    line: e.line,
                };
                (e.key, value)
            });
            self.merge_section(&section.name, file, section.line, entries);
        }
    }

    /// Adds (or merges into) a section; used by the INI and TOML readers.
    pub fn merge_section(
        &mut self,
        name: &str,
        file: usize,
        line: usize,
        entries: impl IntoIterator<Item = (String, RawValue)>,
    ) {
        if name == "DEFAULT" {
            for (key, value) in entries {
                match self.defaults.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, slot)) => *slot = value,
                    None => self.defaults.push((key, value)),
                }
            }
            return;
        }
        let index = match self.sections.iter().position(|s| s.name == name) {
            Some(i) => i,
            None => {
                self.sections.push(RawSection {
                    name: name.to_string(),
                    file,
                    line,
                    entries: Vec::new(),
                });
                self.sections.len() - 1
            }
        };
        for (key, value) in entries {
            self.sections[index].set(&key, value);
        }
    }

    pub fn has_section(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    pub fn section(&self, name: &str) -> Option<&RawSection> {
        self.sections.iter().find(|s| s.name == name)
    }

    pub fn section_names(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|s| s.name.as_str())
    }

    /// configparser `get`: the section's own value, else the `[DEFAULT]` one.
    pub fn get(&self, section: &str, key: &str) -> Option<&RawValue> {
        self.section(section)
            .and_then(|s| s.get(key))
            .or_else(|| self.defaults.iter().find(|(k, _)| k == key).map(|(_, v)| v))
    }

    /// configparser `options`: the section's keys, then the defaults' other keys.
    pub fn options(&self, section: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .section(section)
            .map(|s| s.entries.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        for (k, _) in &self.defaults {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        keys
    }

    /// UnhosedConfigParser `expand_here`: replace the literal text `%(here)s` in
    /// every value visible in every section (defaults included, which copies them
    /// into the section) with `here`.
    pub fn expand_here(&mut self, here: &str) {
        const HERE: &str = "%(here)s";
        for index in 0..self.sections.len() {
            // `items(section)`: defaults first, overridden by the section's own.
            let mut items: Vec<(String, RawValue)> = self.defaults.clone();
            for (k, v) in &self.sections[index].entries {
                match items.iter_mut().find(|(ik, _)| ik == k) {
                    Some((_, slot)) => *slot = v.clone(),
                    None => items.push((k.clone(), v.clone())),
                }
            }
            for (key, value) in items {
                if value.text.contains(HERE) {
                    let replaced = RawValue {
                        text: value.text.replace(HERE, here),
                        ..value
                    };
                    self.sections[index].set(&key, replaced);
                }
            }
        }
    }

    /// The first NUL byte in a section name, an option name or a value, as an error
    /// naming where it stands. No value can hold one: each ends up as a path, a name,
    /// an environment string or an argument, which the OS takes as C strings, so
    /// Supervisor fails on it only later (`ValueError: embedded null byte`).
    pub fn nul_error(&self) -> Option<ConfigError> {
        let at = |section: &str, file: usize, line: usize| {
            Box::new(Location {
                file: self.files.get(file).cloned().unwrap_or_default(),
                line,
                section: section.to_string(),
            })
        };
        let in_section = |name: &str, entries: &[(String, RawValue)]| {
            entries.iter().find_map(|(key, value)| {
                let nul = key.contains('\0')
                    || match &value.text {
                        RawText::Text(t) => t.contains('\0'),
                        RawText::Pairs(p) => {
                            p.iter().any(|(k, v)| k.contains('\0') || v.contains('\0'))
                        }
                    };
                nul.then(|| ConfigError::Value {
                    option: key.replace('\0', "\\x00"),
                    value: redact(key, "<contains NUL>").to_string(),
                    reason: "contains a NUL byte".to_string(),
                    at: at(name, value.file, value.line),
                })
            })
        };
        if let Some(e) = in_section("DEFAULT", &self.defaults) {
            return Some(e);
        }
        self.sections.iter().find_map(|s| {
            if s.name.contains('\0') {
                return Some(ConfigError::Section {
                    message: "the section name contains a NUL byte".to_string(),
                    at: at(&s.name.replace('\0', "\\x00"), s.file, s.line),
                });
            }
            in_section(&s.name, &s.entries)
        })
    }

    /// Where an option (or, when absent, its section header) stands.
    pub fn location(&self, section: &str, key: &str) -> Location {
        let (file, line) = match (self.get(section, key), self.section(section)) {
            (Some(v), _) => (v.file, v.line),
            (None, Some(s)) => (s.file, s.line),
            (None, None) => (0, 0),
        };
        Location {
            file: self.files.get(file).cloned().unwrap_or_default(),
            line,
            section: section.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ini;

    fn load(texts: &[(&str, &str)]) -> RawConfig {
        let mut raw = RawConfig::default();
        for (name, text) in texts {
            raw.add_file(Path::new(name), ini::parse(text, Path::new(name)).unwrap());
        }
        raw
    }

    fn text(raw: &RawConfig, s: &str, k: &str) -> Option<String> {
        raw.get(s, k).map(|v| match &v.text {
            RawText::Text(t) => t.clone(),
            RawText::Pairs(_) => panic!(),
        })
    }

    #[test]
    fn merges_sections_and_last_key_wins_across_files() {
        let raw = load(&[
            ("a.conf", "[x]\nk=1\nj=0\n[y]\n[x]\nk=2\n"),
            ("b.conf", "[x]\nk=3\n[z]\n"),
        ]);
        assert_eq!(raw.section_names().collect::<Vec<_>>(), ["x", "y", "z"]);
        assert_eq!(text(&raw, "x", "k").as_deref(), Some("3"));
        assert_eq!(raw.location("x", "k").line, 2);
        assert_eq!(raw.location("x", "k").file, Path::new("b.conf"));
        assert_eq!(raw.section("z").unwrap().file, 1);
        assert_eq!(raw.options("x"), ["k", "j"]);
    }

    #[test]
    fn a_nul_byte_anywhere_is_located() {
        let raw = load(&[("a.conf", "[s]\nk=1\n\n[t]\nj=a\0b\n")]);
        let e = raw.nul_error().unwrap().to_string();
        assert_eq!(
            e,
            "invalid value for 'j': contains a NUL byte in section 't' (file: 'a.conf', line 5)"
        );
        assert!(load(&[("a.conf", "[s]\nk=1\n")]).nul_error().is_none());
    }

    #[test]
    fn defaults_visible_everywhere_and_expand_here() {
        let mut raw = load(&[("a.conf", "[DEFAULT]\nd=%(here)s/x\n[s]\nk=%(here)s\n")]);
        assert_eq!(text(&raw, "s", "d").as_deref(), Some("%(here)s/x"));
        raw.expand_here("/main");
        assert_eq!(text(&raw, "s", "d").as_deref(), Some("/main/x"));
        assert_eq!(text(&raw, "s", "k").as_deref(), Some("/main"));
        assert_eq!(raw.options("s"), ["k", "d"]);
        // The default itself is untouched, so a later file's sections get their dir.
        raw.add_file(
            Path::new("b.conf"),
            ini::parse("[t]\n", Path::new("b.conf")).unwrap(),
        );
        raw.expand_here("/inc");
        assert_eq!(text(&raw, "t", "d").as_deref(), Some("/inc/x"));
        assert_eq!(text(&raw, "s", "d").as_deref(), Some("/main/x"));
    }
}
