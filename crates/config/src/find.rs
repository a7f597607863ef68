//! Where the config file is when no `-c` is given (options.py `Options.__init__`
//! search paths and `default_configfile`, options.py `Options.default_configfile`).

use std::path::{Path, PathBuf};

use crate::error::ConfigError;
use crate::values::python_dirname;

/// Supervisor's search order (options.py `Options.default_configfile`) for the given `argv[0]`.
pub fn search_paths(argv0: &Path) -> Vec<PathBuf> {
    let argv0 = argv0.to_string_lossy();
    let here = python_dirname(python_dirname(&argv0)).to_string();
    let join = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_string()
        } else {
            format!("{}/{b}", a.trim_end_matches('/'))
        }
    };
    vec![
        PathBuf::from(join(&here, "etc/supervisord.conf")),
        PathBuf::from(join(&here, "supervisord.conf")),
        PathBuf::from("supervisord.conf"),
        PathBuf::from("etc/supervisord.conf"),
        PathBuf::from("/etc/supervisord.conf"),
        PathBuf::from("/etc/supervisor/supervisord.conf"),
    ]
}

/// The first existing file of [`search_paths`], or Supervisor's usage error.
pub fn find_config_file(argv0: &Path) -> Result<PathBuf, ConfigError> {
    let paths = search_paths(argv0);
    if let Some(found) = paths.iter().find(|p| p.exists()) {
        return Ok(found.clone());
    }
    let searched: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    Err(ConfigError::NoConfigFile {
        searched: searched.join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_order_follows_argv0() {
        let paths = search_paths(Path::new("/usr/bin/supervisord"));
        assert_eq!(paths[0], Path::new("/usr/etc/supervisord.conf"));
        assert_eq!(paths[1], Path::new("/usr/supervisord.conf"));
        assert_eq!(paths[5], Path::new("/etc/supervisor/supervisord.conf"));
        let bare = search_paths(Path::new("supervisord"));
        assert_eq!(bare[0], Path::new("etc/supervisord.conf"));
        assert_eq!(bare[1], Path::new("supervisord.conf"));
    }

    #[test]
    fn no_config_file_message() {
        let e = find_config_file(Path::new("/nonexistent-xyz/bin/supervisord"));
        if let Err(e) = e {
            let text = e.to_string();
            assert!(
                text.starts_with(
                    "No config file found at default paths (/nonexistent-xyz/etc/supervisord.conf, "
                ),
                "{text}"
            );
            assert!(
                text.ends_with("; use the -c option to specify a config file at a different path")
            );
        }
    }
}
