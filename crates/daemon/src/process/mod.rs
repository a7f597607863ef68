//! One supervised process: its pure state machine ([`machine`]); the actor that carries
//! out the machine's effects joins it with the supervision-tree work (issue 3).

pub mod machine;
