#![doc = include_str!("../README.md")]

mod checks;
mod ctx;
mod deps;
mod diff;
mod env;
mod env_check;
mod env_files;
mod error;
mod expand;
mod find;
mod foreign;
#[doc(hidden)]
pub mod fuzz;
mod ini;
mod load;
mod printf;
mod process;
mod programs;
mod raw;
pub mod reference;
mod sample;
mod sections;
mod toml_in;
mod toml_out;
mod types;
mod values;

use std::path::{Path, PathBuf};

pub use diff::{ConfigDiff, GroupChange, ProcessChange, diff};
pub use error::{ConfigError, Location};
pub use find::search_paths;
pub use foreign::{FOREIGN_OPTIONS, ForeignOption, SUPERVISOR_RPC_FACTORY, foreign_option};
pub use load::Loader;
pub use programs::{DEFAULT_RESTART_WINDOW, DEFAULT_RESULT_HANDLER, EVENT_TYPES};
pub use sample::{sample_ini, sample_toml};
pub use types::*;
pub use values::UNCHANGED_GID;

/// Loads a config file as supervisord does: `.toml` → TOML, anything else → INI,
/// with `[include]` files, every expansion and every validation of Supervisor 4.3.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    Loader::new().load(path)
}

/// `[supervisorctl]` of `path` as supervisorctl reads it (main file only).
pub fn load_supervisorctl(path: &Path) -> Result<Option<SupervisorctlConfig>, ConfigError> {
    Loader::new().load_supervisorctl(path)
}

/// The config file supervisord uses without `-c` (options.py `Options.default_configfile`), or the usage error
/// Supervisor prints when none exists.
pub fn find_config_file(argv0: &Path) -> Result<PathBuf, ConfigError> {
    find::find_config_file(argv0)
}

/// Converts an INI config into the equivalent TOML text (`--convert-config`):
/// same sections and values, unexpanded, typed where the value allows it.
pub fn to_toml(path: &Path) -> Result<String, ConfigError> {
    toml_out::convert(path)
}

/// The INI layer alone, for the configparser differential test: `[DEFAULT]`
/// keys and every section with its own keys, merged as configparser merges them.
/// Not part of the supported API.
#[doc(hidden)]
pub fn ini_sections_for_tests(text: &str) -> Result<IniSectionsForTests, ConfigError> {
    let path = Path::new("<string>");
    let mut raw = raw::RawConfig::default();
    raw.add_file(path, ini::parse(text, path)?);
    let pairs = |entries: &[(String, raw::RawValue)]| -> Vec<(String, String)> {
        entries
            .iter()
            .map(|(k, v)| match &v.text {
                raw::RawText::Text(t) => (k.clone(), t.clone()),
                raw::RawText::Pairs(_) => (k.clone(), String::new()),
            })
            .collect()
    };
    Ok((
        pairs(&raw.defaults),
        raw.sections
            .iter()
            .map(|s| (s.name.clone(), pairs(&s.entries)))
            .collect(),
    ))
}

/// `([DEFAULT] pairs, [(section, pairs)])`, see [`ini_sections_for_tests`].
#[doc(hidden)]
pub type IniSectionsForTests = (Vec<(String, String)>, Vec<(String, Vec<(String, String)>)>);

/// `environment=` parsing alone, for the differential fuzz test. Not supported API.
#[doc(hidden)]
pub fn environment_for_tests(value: &str) -> Result<Vec<(String, String)>, String> {
    env::parse(value).map_err(|e| e.0)
}

/// `%(name)s` expansion alone with the fuzz test's names (`n`=7, `neg`=-42,
/// `s`="héllo", `here`="/etc"). Not supported API.
#[doc(hidden)]
pub fn expand_for_tests(text: &str) -> Result<String, String> {
    use printf::ExpValue;
    let names: expand::Expansions = [
        ("n", ExpValue::Int(7)),
        ("neg", ExpValue::Int(-42)),
        ("s", ExpValue::Str("héllo".into())),
        ("here", ExpValue::Str("/etc".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    expand::expand(text, &names, "section.option")
}
