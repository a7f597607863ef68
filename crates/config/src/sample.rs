//! The commented sample configs printed by `echo_supervisord_conf` (INI) and
//! `echo_supervisord_conf --toml`. Written for this project, covering every section.

/// The INI sample; its first line is `; Sample supervisor config file.`.
pub fn sample_ini() -> &'static str {
    include_str!("../samples/sample.conf")
}

/// The same sample in the TOML mapping.
pub fn sample_toml() -> &'static str {
    include_str!("../samples/sample.toml")
}
