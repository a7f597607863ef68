//! supervisord's own `user=` (options.py `drop_privileges` as called by
//! `set_uid_or_exit`): setgroups, setgid, setuid, with Supervisor's messages. Called
//! before the runtime exists. The child-side twin lives in `child.rs`; both take their
//! group list from [`group_list`].

// Only the tests fork (to drop privileges in a throw-away process).
#![cfg_attr(test, allow(unsafe_code))]

use std::ffi::CString;

use nix::unistd::{Gid, Uid, getgrouplist, getuid, setgid, setgroups, setuid};

/// Why the privileges could not be dropped; `Display` is Supervisor's text (the daemon
/// prints `Error: <msg>` and exits 2).
#[derive(Debug, thiserror::Error)]
pub enum PrivilegeError {
    #[error("Can't drop privilege as nonroot user")]
    NotRoot,
    #[error("Could not set groups of effective user")]
    Groups(#[source] nix::Error),
    #[error("Could not set group id of effective user")]
    SetGid(#[source] nix::Error),
    #[error("Could not set user id of effective user")]
    SetUid(#[source] nix::Error),
    #[error("user name {0:?} contains a NUL byte")]
    Nul(String),
}

/// Become `uid` (primary group `gid`, login `name`). Already that uid → nothing; not
/// root → [`PrivilegeError::NotRoot`]. HOME, USER etc. are not changed (as Supervisor).
/// On success supervisord logs `Set uid to user <uid> succeeded`.
pub fn drop_privileges(uid: u32, gid: u32, name: &str) -> Result<(), PrivilegeError> {
    let current = getuid().as_raw();
    if current == uid {
        return Ok(());
    }
    if current != 0 {
        return Err(PrivilegeError::NotRoot);
    }
    let groups = group_list(name, gid).map_err(|e| match e {
        GroupListError::Nul => PrivilegeError::Nul(name.to_string()),
        GroupListError::Lookup(e) => PrivilegeError::Groups(e),
    })?;
    let groups: Vec<Gid> = groups.into_iter().map(Gid::from_raw).collect();
    setgroups(&groups).map_err(PrivilegeError::Groups)?;
    setgid(Gid::from_raw(gid)).map_err(PrivilegeError::SetGid)?;
    setuid(Uid::from_raw(uid)).map_err(PrivilegeError::SetUid)
}

pub(crate) enum GroupListError {
    Nul,
    Lookup(nix::Error),
}

/// `[gid] + every group listing the user` (primary first: on some systems setgid
/// overwrites the first entry of the list).
pub(crate) fn group_list(name: &str, gid: u32) -> Result<Vec<u32>, GroupListError> {
    let cname = CString::new(name).map_err(|_| GroupListError::Nul)?;
    let found = getgrouplist(&cname, Gid::from_raw(gid)).map_err(GroupListError::Lookup)?;
    let mut groups = vec![gid];
    groups.extend(found.iter().map(|g| g.as_raw()).filter(|&g| g != gid));
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_uid_is_a_no_op() {
        let me = getuid().as_raw();
        drop_privileges(me, nix::unistd::getgid().as_raw(), "whoever").unwrap();
    }

    /// Drop to nobody in a forked child (never in the test process itself); the exit
    /// code says which check failed.
    #[tokio::test]
    async fn drops_to_nobody_then_refuses_as_nonroot() {
        if !getuid().is_root() {
            return;
        }
        let reaper = crate::spawn_tests::reaper();
        // SAFETY: the child only makes the checks below and always ends in `_exit`;
        // glibc keeps malloc and NSS lookups usable in a forked child.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let code = child_checks();
            // SAFETY: ends the child without unwinding into the test harness.
            unsafe { libc::_exit(code) }
        }
        let status = tokio::time::timeout(std::time::Duration::from_secs(10), reaper.register(pid))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status, supervisor_model::ExitStatus::Exited(0));
    }

    fn child_checks() -> i32 {
        if drop_privileges(65534, 65534, "nobody").is_err() {
            return 1;
        }
        if getuid().as_raw() != 65534 || nix::unistd::getgid().as_raw() != 65534 {
            return 2;
        }
        match nix::unistd::getgroups() {
            Ok(g) if g.first() == Some(&Gid::from_raw(65534)) => {}
            _ => return 3,
        }
        match drop_privileges(0, 0, "root") {
            Err(e) if e.to_string() == "Can't drop privilege as nonroot user" => 0,
            _ => 4,
        }
    }

    #[test]
    fn group_list_puts_the_primary_group_first() {
        let groups = group_list("root", 0).ok().expect("root exists");
        assert_eq!(groups[0], 0);
        assert_eq!(groups.iter().filter(|&&g| g == 0).count(), 1);
        let nobody = group_list("nobody", 65534).ok().expect("nobody exists");
        assert_eq!(nobody[0], 65534);
    }
}
