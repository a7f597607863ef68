//! Man pages and shell completion scripts, generated from the option tables and the
//! config reference (see the README).
#![doc = include_str!("../README.md")]

mod completions;
mod conf;
mod pages;

pub use completions::{SHELLS, completion_script};
pub use pages::man_pages;
