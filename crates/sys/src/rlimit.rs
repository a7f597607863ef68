//! Raising RLIMIT_NOFILE / RLIMIT_NPROC to `minfds` / `minprocs` at startup, exactly as
//! options.py `set_rlimits_or_exit` does, with its messages.

use nix::sys::resource::{Resource, getrlimit, setrlimit};

const INFINITY: u64 = libc::RLIM_INFINITY;

/// A limit that could not be raised; `Display` is Supervisor's usage message (the
/// daemon prints `Error: <msg>` and exits 2).
#[derive(Debug, thiserror::Error)]
pub enum RlimitError {
    #[error("cannot read {name}")]
    Get {
        name: &'static str,
        #[source]
        source: nix::Error,
    },
    #[error("{message}")]
    Set {
        message: String,
        #[source]
        source: nix::Error,
    },
}

/// Raise the soft limits to `minfds` and `minprocs` where they are lower (and finite),
/// raising the hard limit too when it is lower (works as root). Returns the info lines
/// `Increased RLIMIT_NOFILE limit to N`.
pub fn raise_rlimits(minfds: u64, minprocs: u64) -> Result<Vec<String>, RlimitError> {
    let limits = [
        (
            Resource::RLIMIT_NOFILE,
            "RLIMIT_NOFILE",
            minfds,
            "The minimum number of file descriptors required to run this process is {min} as \
             per the \"minfds\" command-line argument or config file setting. The current \
             environment will only allow you to open {hard} file descriptors.  Either raise the \
             number of usable file descriptors in your environment (see README.rst) or lower the \
             minfds setting in the config file to allow the process to start.",
        ),
        (
            Resource::RLIMIT_NPROC,
            "RLIMIT_NPROC",
            minprocs,
            "The minimum number of available processes required to run this program is {min} as \
             per the \"minprocs\" command-line argument or config file setting. The current \
             environment will only allow you to open {hard} processes.  Either raise the number \
             of usable processes in your environment (see README.rst) or lower the minprocs \
             setting in the config file to allow the program to start.",
        ),
    ];
    let mut infos = Vec::new();
    for (resource, name, min, template) in limits {
        let (soft, mut hard) =
            getrlimit(resource).map_err(|source| RlimitError::Get { name, source })?;
        if soft >= min || soft == INFINITY {
            continue;
        }
        if hard < min && hard != INFINITY {
            hard = min;
        }
        match setrlimit(resource, min, hard) {
            Ok(()) => infos.push(format!("Increased {name} limit to {min}")),
            Err(source) => {
                // Python prints RLIM_INFINITY as -1 and the hard limit after it was
                // replaced by the minimum.
                let shown = if hard == INFINITY {
                    "-1".to_string()
                } else {
                    hard.to_string()
                };
                let message = template
                    .replace("{min}", &min.to_string())
                    .replace("{hard}", &shown);
                return Err(RlimitError::Set { message, source });
            }
        }
    }
    Ok(infos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_high_enough_says_nothing() {
        assert_eq!(raise_rlimits(1, 1).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn raising_reports_like_supervisor() {
        let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        if soft == INFINITY || soft >= hard {
            return; // nothing to raise within the hard limit on this machine
        }
        let target = soft + 1;
        let infos = raise_rlimits(target, 1).unwrap();
        assert_eq!(
            infos,
            vec![format!("Increased RLIMIT_NOFILE limit to {target}")]
        );
        assert_eq!(getrlimit(Resource::RLIMIT_NOFILE).unwrap().0, target);
    }
}
