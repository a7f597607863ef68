//! The table of Supervisor's 41 XML-RPC methods (rpcinterface.py): exact names, the
//! signatures `system.methodSignature` reports (observed on 4.3.0), how many trailing
//! arguments are optional, and the texts `system.methodHelp` returns. Supervisor
//! derives signatures from `@param`/`@return` lines in its docstrings; our help texts
//! are our own words but carry the same tags, so the two views agree.

/// One published method.
#[derive(Debug)]
pub struct Method {
    pub name: &'static str,
    /// `[return type, parameter types…]`.
    pub signature: &'static [&'static str],
    /// Trailing parameters with a default (`wait=True`).
    pub optional: usize,
    pub help: &'static str,
}

impl Method {
    /// Whether `n` arguments fit; anything else is INCORRECT_PARAMETERS, as Python's
    /// `TypeError` from calling the method with the wrong arity is.
    pub fn accepts(&self, n: usize) -> bool {
        let max = self.signature.len().saturating_sub(1);
        (max.saturating_sub(self.optional)..=max).contains(&n)
    }
}

const fn m(
    name: &'static str,
    signature: &'static [&'static str],
    optional: usize,
    help: &'static str,
) -> Method {
    Method {
        name,
        signature,
        optional,
        help,
    }
}

const TAIL: &str = "Tail a process log: return up to `length` bytes ending at the end of the \
file. If the file grew past `offset + length`, `overflow` is true and the data skips ahead.\n\
\n@param string name     Process (`name` or `group:name`)\n@param int offset      Offset to \
read from\n@param int length      Most bytes to return\n@return array result   [string \
bytes, int offset, bool overflow]";

/// Sorted by name, which is the order `system.listMethods` reports.
#[rustfmt::skip]
pub static METHODS: [Method; 41] = [
    m("supervisor.addProcessGroup", &["boolean", "string"], 0,
      "Activate a process group from the configuration that is not running yet.\n\n@param string name     Group name\n@return boolean result  true unless error"),
    m("supervisor.clearAllProcessLogs", &["array"], 0,
      "Clear the stdout and stderr logs of every process.\n\n@return array result    A status struct per process"),
    m("supervisor.clearLog", &["boolean"], 0,
      "Clear the main log.\n\n@return boolean result  true unless error"),
    m("supervisor.clearProcessLog", &["boolean", "string"], 0,
      "Alias of clearProcessLogs.\n\n@param string name     Process (`name` or `group:name`)\n@return boolean result  true unless error"),
    m("supervisor.clearProcessLogs", &["boolean", "string"], 0,
      "Clear the stdout and stderr logs of a process and reopen them.\n\n@param string name     Process (`name` or `group:name`)\n@return boolean result  true unless error"),
    m("supervisor.getAPIVersion", &["string"], 0,
      "Return the version of the RPC API.\n\n@return string version"),
    m("supervisor.getAllConfigInfo", &["array"], 0,
      "Return the configuration of every process, active or not.\n\n@return array result    A config struct per process"),
    m("supervisor.getAllProcessInfo", &["array"], 0,
      "Return the state of every process.\n\n@return array result    A process info struct per process"),
    m("supervisor.getIdentification", &["string"], 0,
      "Return the identifier of this supervisord.\n\n@return string identifier"),
    m("supervisor.getPID", &["int"], 0,
      "Return the process id of supervisord.\n\n@return int PID"),
    m("supervisor.getProcessInfo", &["struct", "string"], 0,
      "Return the state of one process.\n\n@param string name     Process (`name` or `group:name`)\n@return struct result   Process info"),
    m("supervisor.getState", &["struct"], 0,
      "Return the state of supervisord.\n\n@return struct result   {statecode, statename}"),
    m("supervisor.getSupervisorVersion", &["string"], 0,
      "Return the version of Supervisor this supervisord implements.\n\n@return string version"),
    m("supervisor.getVersion", &["string"], 0,
      "Alias of getAPIVersion, for clients older than 3.0.\n\n@return string version"),
    m("supervisor.readLog", &["string", "int", "int"], 0,
      "Read `length` bytes of the main log from `offset` (a negative offset counts from the end).\n\n@param int offset      Offset to read from\n@param int length      Bytes to read, 0 for all\n@return string result   Log text"),
    m("supervisor.readMainLog", &["string", "int", "int"], 0,
      "Alias of readLog.\n\n@param int offset      Offset to read from\n@param int length      Bytes to read, 0 for all\n@return string result   Log text"),
    m("supervisor.readProcessLog", &["string", "string", "int", "int"], 0,
      "Alias of readProcessStdoutLog.\n\n@param string name     Process (`name` or `group:name`)\n@param int offset      Offset to read from\n@param int length      Bytes to read, 0 for all\n@return string result   Log text"),
    m("supervisor.readProcessStderrLog", &["string", "string", "int", "int"], 0,
      "Read `length` bytes of a process's stderr log from `offset`.\n\n@param string name     Process (`name` or `group:name`)\n@param int offset      Offset to read from\n@param int length      Bytes to read, 0 for all\n@return string result   Log text"),
    m("supervisor.readProcessStdoutLog", &["string", "string", "int", "int"], 0,
      "Read `length` bytes of a process's stdout log from `offset`.\n\n@param string name     Process (`name` or `group:name`)\n@param int offset      Offset to read from\n@param int length      Bytes to read, 0 for all\n@return string result   Log text"),
    m("supervisor.reloadConfig", &["array"], 0,
      "Read the configuration file again and report the group changes, without applying them.\n\n@return array result    [[added, changed, removed]]"),
    m("supervisor.removeProcessGroup", &["boolean", "string"], 0,
      "Remove a stopped process group from the active configuration.\n\n@param string name     Group name\n@return boolean result  true unless error"),
    m("supervisor.restart", &["boolean"], 0,
      "Restart supervisord: stop everything and reload the configuration.\n\n@return boolean result  true unless error"),
    m("supervisor.sendProcessStdin", &["boolean", "string", "string"], 0,
      "Write characters (UTF-8 encoded) to a process's stdin.\n\n@param string name     Process (`name` or `group:name`)\n@param string chars    Data to send\n@return boolean result  true unless error"),
    m("supervisor.sendRemoteCommEvent", &["boolean", "string", "string"], 0,
      "Emit a REMOTE_COMMUNICATION event to subscribed event listeners.\n\n@param string type     The event's `type` header\n@param string data     The event body\n@return boolean result  true unless error"),
    m("supervisor.shutdown", &["boolean"], 0,
      "Stop every process, then supervisord.\n\n@return boolean result  true unless error"),
    m("supervisor.signalAllProcesses", &["array", "string"], 0,
      "Send a signal to every process that can receive one.\n\n@param string signal   Name (`HUP`) or number (`1`)\n@return array result    A status struct per process"),
    m("supervisor.signalProcess", &["boolean", "string", "string"], 0,
      "Send a signal to a process (`group:*` signals the group).\n\n@param string name     Process (`name` or `group:name`)\n@param string signal   Name (`HUP`) or number (`1`)\n@return boolean result  true unless error"),
    m("supervisor.signalProcessGroup", &["array", "string", "string"], 0,
      "Send a signal to every process of a group that can receive one.\n\n@param string name     Group name\n@param string signal   Name (`HUP`) or number (`1`)\n@return array result    A status struct per process"),
    m("supervisor.startAllProcesses", &["array", "boolean"], 1,
      "Start every process that is not running.\n\n@param boolean wait    Reply only once they are running (default true)\n@return array result    A status struct per process"),
    m("supervisor.startProcess", &["boolean", "string", "boolean"], 1,
      "Start a process (`group:*` starts the group).\n\n@param string name     Process (`name` or `group:name`)\n@param boolean wait    Reply only once it is running (default true)\n@return boolean result  true unless error"),
    m("supervisor.startProcessGroup", &["array", "string", "boolean"], 1,
      "Start every process of a group that is not running.\n\n@param string name     Group name\n@param boolean wait    Reply only once they are running (default true)\n@return array result    A status struct per process"),
    m("supervisor.stopAllProcesses", &["array", "boolean"], 1,
      "Stop every running process.\n\n@param boolean wait    Reply only once they are stopped (default true)\n@return array result    A status struct per process"),
    m("supervisor.stopProcess", &["boolean", "string", "boolean"], 1,
      "Stop a process (`group:*` stops the group).\n\n@param string name     Process (`name` or `group:name`)\n@param boolean wait    Reply only once it is stopped (default true)\n@return boolean result  true unless error"),
    m("supervisor.stopProcessGroup", &["array", "string", "boolean"], 1,
      "Stop every running process of a group.\n\n@param string name     Group name\n@param boolean wait    Reply only once they are stopped (default true)\n@return array result    A status struct per process"),
    m("supervisor.tailProcessLog", &["array", "string", "int", "int"], 0, TAIL),
    m("supervisor.tailProcessStderrLog", &["array", "string", "int", "int"], 0, TAIL),
    m("supervisor.tailProcessStdoutLog", &["array", "string", "int", "int"], 0, TAIL),
    m("system.listMethods", &["array"], 0,
      "Return the names of all methods.\n\n@return array result    Method names"),
    m("system.methodHelp", &["string", "string"], 0,
      "Return the documentation of a method.\n\n@param string name     Method name\n@return string result   Its documentation"),
    m("system.methodSignature", &["array", "string"], 0,
      "Return a method's signature as [return type, parameter types...].\n\n@param string name     Method name\n@return array result    The signature"),
    m("system.multicall", &["array", "array"], 0,
      "Run several calls in order. Each call is a struct {methodName, params}; each result is the call's bare return value or a {faultCode, faultString} struct.\n\n@param array calls     The calls\n@return array result    One result per call"),
];

/// A method by its exact name.
pub fn lookup(name: &str) -> Option<&'static Method> {
    METHODS
        .binary_search_by(|m| m.name.cmp(name))
        .ok()
        .and_then(|i| METHODS.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_complete() {
        assert!(METHODS.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(METHODS.len(), 41);
        for m in &METHODS {
            assert_eq!(lookup(m.name).map(|x| x.name), Some(m.name));
            // Every help text documents the return type its signature reports.
            let ret = format!("@return {}", m.signature[0]);
            assert!(m.help.contains(&ret), "{}", m.name);
            let params = m.help.matches("@param ").count();
            assert_eq!(params, m.signature.len() - 1, "{}", m.name);
        }
        assert!(lookup("supervisor._update").is_none());
        assert!(lookup("supervisor").is_none());
    }

    #[test]
    fn arity() {
        let start = lookup("supervisor.startProcess").expect("known");
        assert!(!start.accepts(0));
        assert!(start.accepts(1) && start.accepts(2));
        assert!(!start.accepts(3));
        let pid = lookup("supervisor.getPID").expect("known");
        assert!(pid.accepts(0) && !pid.accepts(1));
    }
}
