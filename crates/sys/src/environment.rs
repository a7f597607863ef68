//! A child's environment as `execve` takes it: each `KEY=VALUE` a C string, checked
//! for NUL bytes and built once. A program's environment is the same for every
//! spawn of one config, so the daemon builds it once per config and every spawn
//! only points at it (BENCHMARKS.md, churn: building and freeing ~30 strings per
//! spawn was a visible part of a restart).

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use crate::spawn::SpawnError;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    vars: Vec<CString>,
}

impl Environment {
    /// The variables in order; later duplicates are the caller's business (most
    /// libcs' `getenv` take the first, so callers should not produce any).
    pub fn new(
        pairs: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Environment, SpawnError> {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| {
                let mut kv = Vec::with_capacity(k.len() + v.len() + 1);
                kv.extend_from_slice(k.as_bytes());
                kv.push(b'=');
                kv.extend_from_slice(v.as_bytes());
                CString::new(kv).map_err(|_| SpawnError::Nul {
                    what: "the environment",
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Environment { vars })
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&OsStr> {
        self.vars.iter().find_map(|kv| {
            let kv = kv.as_bytes();
            let rest = kv.strip_prefix(key.as_bytes())?;
            rest.strip_prefix(b"=").map(OsStr::from_bytes)
        })
    }

    pub(crate) fn vars(&self) -> &[CString] {
        &self.vars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_found_by_their_whole_name() {
        let env = Environment::new([
            (OsString::from("PATHX"), OsString::from("no")),
            (OsString::from("PATH"), OsString::from("/bin:/usr/bin")),
            (OsString::from("EMPTY"), OsString::new()),
        ])
        .unwrap();
        assert_eq!(env.get("PATH"), Some(OsStr::new("/bin:/usr/bin")));
        assert_eq!(env.get("EMPTY"), Some(OsStr::new("")));
        assert_eq!(env.get("PAT"), None);
        assert_eq!(env.vars().len(), 3);
    }

    #[test]
    fn a_nul_byte_is_refused() {
        let nul = Environment::new([(OsString::from("A"), OsString::from("x\0y"))]);
        assert!(matches!(
            nul,
            Err(SpawnError::Nul {
                what: "the environment"
            })
        ));
    }
}
