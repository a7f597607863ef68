//! The version strings clients compare: the XML-RPC API generation
//! (rpcinterface.py `API_VERSION`, checked by supervisorctl's `upcheck`) and the
//! Supervisor release this implementation behaves as (`getSupervisorVersion`,
//! `supervisord --version`, the web page's footer).

/// `supervisor.getAPIVersion`.
pub const API_VERSION: &str = "3.0";

/// `supervisor.getSupervisorVersion` and `supervisord --version`.
pub const SUPERVISOR_VERSION: &str = "4.3.0";
