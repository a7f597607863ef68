//! One process group: the actor ([`actor`]), what it owns and does ([`state`]), what
//! others hold of it ([`api`]), how it makes its members ([`members`]) and runs a
//! listener pool ([`pool`]).

pub mod actor;
pub mod api;
pub mod members;
pub mod pool;
pub mod state;
