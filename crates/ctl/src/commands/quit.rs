//! `quit`, `exit` and end of input (supervisorctl.py `do_quit`, `do_exit`,
//! `Controller.do_EOF`): print an empty line and leave the shell.

use crate::api::{Api, Console};
use crate::controller::{Controller, Flow};

pub(super) const HELP_QUIT: &str = "quit\tExit the supervisor shell.\n";
pub(super) const HELP_EXIT: &str = "exit\tExit the supervisor shell.\n";

pub(super) fn run<A: Api, C: Console>(ctl: &mut Controller<A, C>) -> Flow {
    ctl.output("");
    Flow::Stop
}

#[cfg(test)]
mod tests {
    use crate::controller::Flow;
    use crate::testing::Harness;

    #[test]
    fn leaves() {
        let mut h = Harness::new();
        for line in ["quit", "exit", "EOF", "quit now"] {
            assert_eq!(h.run_flow(line), ("\n".into(), Flow::Stop));
        }
    }
}
