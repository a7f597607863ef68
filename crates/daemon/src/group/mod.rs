//! One process group: the actor ([`actor`]), what it owns and does ([`state`]), what
//! others hold of it ([`api`]), how it makes its members ([`members`]), runs a
//! listener pool ([`pool`]) and owns an fcgi-program's socket ([`socket`]).

pub mod actor;
pub mod api;
pub mod members;
pub mod pool;
pub mod socket;
pub mod state;
