//! The reference against the sample config: every option documented, none twice.

use super::*;

/// The documented options of `section` (those it inherits included).
fn documented(section: &str) -> Vec<&'static str> {
    let doc = SECTIONS
        .iter()
        .find(|s| s.name == section)
        .unwrap_or_else(|| panic!("no section {section}"));
    let mut names: Vec<&str> = doc.options.iter().map(|o| o.name).collect();
    if let Some(parent) = doc.inherits {
        names.extend(documented(parent));
    }
    names
}

#[test]
fn every_option_of_the_sample_is_documented() {
    let sample = crate::sample_ini();
    let mut section = String::new();
    let mut checked = 0;
    for line in sample.lines() {
        let line = line.trim_start_matches(';').trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = match name.split_once(':') {
                Some((kind, _)) if kind != "rpcinterface" => format!("{kind}:x"),
                _ => name.to_string(),
            };
            continue;
        }
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if section.is_empty() || key.contains(' ') || key.is_empty() {
            continue;
        }
        assert!(
            documented(&section).contains(&key),
            "[{section}] {key} is not in the reference"
        );
        checked += 1;
    }
    assert!(checked > 80, "only {checked} options found in the sample");
}

#[test]
fn names_are_unique_per_section() {
    for s in SECTIONS {
        let names = documented(s.name);
        for n in &names {
            assert_eq!(
                names.iter().filter(|m| *m == n).count(),
                1,
                "{} {n}",
                s.name
            );
        }
    }
}
