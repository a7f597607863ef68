//! A child's environment as `execve` takes it: each `KEY=VALUE` a C string, checked
//! for NUL bytes and built once. A program's environment is the same for every
//! spawn of one config, so the daemon builds it once per config and every spawn
//! only points at it (BENCHMARKS.md, churn: building and freeing ~30 strings per
//! spawn was a visible part of a restart). Most of it is supervisord's own
//! environment, the same for every program: that part ([`Environment::base`]) is
//! shared by all of them, so a thousand programs do not hold a thousand copies
//! (BENCHMARKS.md, idle memory); each holds only what it sets itself.

use std::ffi::{CStr, CString, OsStr, OsString, c_char};
use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;

use crate::spawn::SpawnError;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// Shared by many environments; an entry whose key `own` sets is replaced in
    /// place (Python's `dict.update`: the key keeps its position).
    base: Arc<[CString]>,
    /// Set on top of `base`, in order; keys not in `base` follow it.
    own: Vec<CString>,
    /// `envp`'s order, worked out once: matching keys per spawn was a few percent
    /// of a restart's CPU (BENCHMARKS.md, churn).
    order: Vec<Var>,
}

/// One entry of `envp`: an index into `base` or into `own`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    Base(usize),
    Own(usize),
}

fn c_var((k, v): (OsString, OsString)) -> Result<CString, SpawnError> {
    let mut kv = Vec::with_capacity(k.len() + v.len() + 1);
    kv.extend_from_slice(k.as_bytes());
    kv.push(b'=');
    kv.extend_from_slice(v.as_bytes());
    CString::new(kv).map_err(|_| SpawnError::Nul {
        what: "the environment",
    })
}

fn key(kv: &CStr) -> &[u8] {
    let kv = kv.to_bytes();
    kv.iter().position(|&b| b == b'=').map_or(kv, |i| &kv[..i])
}

impl Environment {
    /// Exactly `pairs`, in order (later duplicates are the caller's business: most
    /// libcs' `getenv` take the first, so callers should not produce any).
    pub fn new(
        pairs: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Environment, SpawnError> {
        Environment::over(Arc::default(), pairs)
    }

    /// A base to share between environments ([`Environment::over`]).
    pub fn base(
        pairs: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Arc<[CString]>, SpawnError> {
        pairs.into_iter().map(c_var).collect()
    }

    /// `base` with `pairs` set on top (each replacing the base's value in place, or
    /// following the base if new). `pairs` should hold each key once.
    pub fn over(
        base: Arc<[CString]>,
        pairs: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Environment, SpawnError> {
        let own: Vec<CString> = pairs.into_iter().map(c_var).collect::<Result<_, _>>()?;
        let order = envp_order(&base, &own);
        Ok(Environment { base, own, order })
    }

    /// The value of `key`, if set.
    pub fn get(&self, name: &str) -> Option<&OsStr> {
        let found = |kv: &&CString| key(kv) == name.as_bytes();
        let kv = self
            .own
            .iter()
            .find(found)
            .or_else(|| self.base.iter().find(found))?;
        Some(OsStr::from_bytes(&kv.to_bytes()[name.len() + 1..]))
    }

    /// The NULL-terminated `envp` array, pointing into `self` (valid while it lives).
    pub(crate) fn pointers(&self) -> Vec<*const c_char> {
        let mut out = Vec::with_capacity(self.order.len() + 1);
        out.extend(self.order.iter().map(|var| match *var {
            Var::Base(i) => self.base[i].as_ptr(),
            Var::Own(i) => self.own[i].as_ptr(),
        }));
        out.push(std::ptr::null());
        out
    }
}

/// `base` in order, each entry `own` sets replaced by it, then the rest of `own`.
fn envp_order(base: &[CString], own: &[CString]) -> Vec<Var> {
    let mut used = vec![false; own.len()];
    let mut order = Vec::with_capacity(base.len() + own.len());
    for (b, var) in base.iter().enumerate() {
        match own.iter().position(|o| key(o) == key(var)) {
            Some(i) => {
                used[i] = true;
                order.push(Var::Own(i));
            }
            None => order.push(Var::Base(b)),
        }
    }
    order.extend((0..own.len()).filter(|&i| !used[i]).map(Var::Own));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        p.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    /// What `envp` holds, each pointer found among the strings `env` owns.
    fn vars(env: &Environment) -> Vec<String> {
        let ptrs = env.pointers();
        assert!(ptrs.last().unwrap().is_null());
        ptrs[..ptrs.len() - 1]
            .iter()
            .map(|&p| {
                let owner = env.base.iter().chain(&env.own).find(|c| c.as_ptr() == p);
                owner
                    .expect("a pointer into env")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn own_variables_replace_the_base_in_place_and_new_ones_follow() {
        let base = Environment::base(pairs(&[("HOME", "/root"), ("PATH", "/bin"), ("TZ", "UTC")]));
        let env = Environment::over(base.unwrap(), pairs(&[("NEW", "1"), ("PATH", "/opt")]));
        let env = env.unwrap();
        assert_eq!(vars(&env), ["HOME=/root", "PATH=/opt", "TZ=UTC", "NEW=1"]);
        assert_eq!(env.get("PATH"), Some(OsStr::new("/opt")));
        assert_eq!(env.get("TZ"), Some(OsStr::new("UTC")));
        assert_eq!(env.get("PAT"), None);
    }

    #[test]
    fn variables_are_found_by_their_whole_name() {
        let env = Environment::new(pairs(&[
            ("PATHX", "no"),
            ("PATH", "/bin:/usr/bin"),
            ("EMPTY", ""),
        ]));
        let env = env.unwrap();
        assert_eq!(env.get("PATH"), Some(OsStr::new("/bin:/usr/bin")));
        assert_eq!(env.get("EMPTY"), Some(OsStr::new("")));
        assert_eq!(vars(&env).len(), 3);
    }

    #[test]
    fn a_nul_byte_is_refused() {
        let nul = Environment::new(pairs(&[("A", "x\0y")]));
        assert!(matches!(
            nul,
            Err(SpawnError::Nul {
                what: "the environment"
            })
        ));
    }
}
