//! Supervisor's namespecs (options.py `make_namespec`, `split_namespec`): `name`
//! when a process's group has the same name, `group:name` otherwise; `group:*` and
//! `group:` mean the whole group.

/// `(group, Some(process))`, or `(group, None)` for a whole group.
pub fn split(namespec: &str) -> (&str, Option<&str>) {
    match namespec.split_once(':') {
        Some((group, "" | "*")) => (group, None),
        Some((group, process)) => (group, Some(process)),
        None => (namespec, Some(namespec)),
    }
}

/// The namespec of a process.
pub fn make(group: &str, name: &str) -> String {
    if group == name {
        name.to_string()
    } else {
        format!("{group}:{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_follows_supervisor() {
        assert_eq!(split("web"), ("web", Some("web")));
        assert_eq!(split("g:web"), ("g", Some("web")));
        assert_eq!(split("g:*"), ("g", None));
        assert_eq!(split("g:"), ("g", None));
        assert_eq!(split("g:a:b"), ("g", Some("a:b")));
        assert_eq!(make("g", "g"), "g");
        assert_eq!(make("g", "p"), "g:p");
    }
}
