#![doc = include_str!("../README.md")]

mod types;

pub use types::*;
