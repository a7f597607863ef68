#![doc = include_str!("../README.md")]
pub mod cli;
pub mod mainlog;
pub mod process;
