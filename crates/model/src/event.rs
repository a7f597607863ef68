//! Supervisor's event vocabulary shared by publishers and subscribers: one published
//! event (concrete name and payload) and the subscription rule (an abstract name
//! such as `PROCESS_STATE` covers every `PROCESS_STATE_*`; `EVENT` covers all).

/// One published event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Supervisor's global serial (from 0), given only to events some listener pool
    /// accepts, as Supervisor numbers them: `None` for an event no pool subscribed to.
    pub serial: Option<u64>,
    /// The concrete event name, e.g. `PROCESS_STATE_RUNNING`.
    pub name: String,
    /// The payload as Supervisor renders it (events.py, each event's `payload`).
    pub payload: String,
}

/// Supervisor's abstract event types (events.py): each covers the concrete names
/// that extend it with `_…`; `EVENT` covers everything.
pub const ABSTRACT_EVENTS: [&str; 7] = [
    "PROCESS_STATE",
    "PROCESS_LOG",
    "PROCESS_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "TICK",
    "PROCESS_GROUP",
    // Beyond Supervisor: ready and health checks.
    "PROCESS_HEALTH",
];

/// Does a subscription to `subscribed` receive the concrete event `concrete`?
pub fn subscribes(subscribed: &str, concrete: &str) -> bool {
    subscribed == "EVENT"
        || subscribed == concrete
        || (ABSTRACT_EVENTS.contains(&subscribed)
            && concrete
                .strip_prefix(subscribed)
                .is_some_and(|rest| rest.starts_with('_')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abstract_names_cover_their_subtypes() {
        assert!(subscribes("EVENT", "TICK_5"));
        assert!(subscribes("PROCESS_STATE", "PROCESS_STATE_RUNNING"));
        assert!(subscribes("PROCESS_STATE_RUNNING", "PROCESS_STATE_RUNNING"));
        assert!(!subscribes(
            "PROCESS_STATE_RUNNING",
            "PROCESS_STATE_STOPPED"
        ));
        assert!(subscribes("TICK", "TICK_60"));
        assert!(!subscribes("PROCESS_LOG", "PROCESS_GROUP_ADDED"));
        assert!(!subscribes("PROCESS", "PROCESS_STATE_RUNNING"));
    }
}
