#![doc = include_str!("../README.md")]
pub mod cli;
pub mod context;
pub mod control;
pub mod events;
#[cfg(test)]
mod events_tests;
pub mod grid;
pub mod group;
pub mod leftovers;
pub mod listener;
pub mod mainlog;
pub mod notify;
pub mod process;
pub mod readiness;
pub mod registry;
pub mod rfc3339;
pub mod root;
pub mod run;
pub mod snapshot;
pub mod startlog;
pub mod startup;
pub mod stop;
pub mod strategy;
pub mod ticks;
pub mod tree;
pub mod update;
