//! `open <url>` (supervisorctl.py `do_open`): talk to another supervisord from now on
//! (`http://` or `unix://`), then show its status. The status does not change the
//! exit status.

use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;
use crate::url::urlparse;

pub(super) const HELP: &str = "open <url>\tConnect to a remote supervisord process.\n\
\t\t(for UNIX domain socket, use unix:///socket/path)\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let scheme = urlparse(arg).scheme;
    if scheme != "unix" && scheme != "http" {
        ctl.output("ERROR: url must be http:// or unix://");
        ctl.exit = exit::GENERIC;
        return Ok(());
    }
    ctl.set_serverurl(arg);
    let before = ctl.exit;
    super::status::run(ctl, "").await?;
    ctl.exit = before;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::error::CallError;
    use crate::testing::{Harness, Reply};

    #[test]
    fn switches_server() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("open"),
            ("ERROR: url must be http:// or unix://\n".into(), 1)
        );
        assert_eq!(
            h.run("open foo://x"),
            ("ERROR: url must be http:// or unix://\n".into(), 1)
        );
        h.reply(Reply::Processes(vec![]));
        assert_eq!(h.run("open http://other:9001"), (String::new(), 0));
        assert_eq!(
            h.servers.borrow().last().unwrap().serverurl,
            "http://other:9001"
        );
        h.state(|| Err(CallError::NoSuchFile));
        assert_eq!(
            h.run("open unix:///nonexist"),
            ("unix:///nonexist no such file\n".into(), 0)
        );
    }
}
