//! The top of the tree: [`actor::RootActor`] owns the running config and the active
//! groups' handles; what it takes and answers is in [`api`], what it does in
//! [`state`].

pub mod actor;
pub mod api;
pub mod state;
