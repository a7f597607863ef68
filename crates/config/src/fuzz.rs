//! The fuzz bodies of the config layer, shared by the cargo-fuzz targets (`fuzz/`)
//! and the `fuzz_*` proptests below (the fallback of `just fuzz` without nightly):
//! the whole loader on arbitrary INI and TOML text, and the `environment=` parser.
//! Neither may panic; each checks a property that holds for every input it accepts.

use std::path::Path;

use crate::{Loader, env};

/// Loads `data` as a config file: its first byte picks INI or TOML. Any text
/// loads or is refused with an error naming a file (never a panic), and a text
/// that loads loads the same way twice (nothing depends on hidden state).
pub fn load(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // `[include]` globs the real file system: not what a fuzzer should walk.
    if text.to_ascii_lowercase().contains("include") {
        return;
    }
    let name = if kind % 2 == 0 {
        "fuzz.conf"
    } else {
        "fuzz.toml"
    };
    let loader = Loader::new()
        .env([("HOME".to_string(), "/nonexistent".to_string())])
        .cwd("/nonexistent-fuzz-dir")
        .hostname("fuzz");
    let path = Path::new("/nonexistent-fuzz-dir").join(name);
    match loader.load_text(&path, text) {
        Ok(config) => {
            let again = loader.load_text(&path, text).expect("loads twice");
            assert_eq!(format!("{config:?}"), format!("{again:?}"));
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
        }
    }
}

/// Parses `data` as an `environment=` value. Whatever parses survives being written
/// back (`KEY="value",...`, with a quote the value does not hold) and parsed again.
pub fn environment(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(pairs) = env::parse(text) else {
        return;
    };
    let mut again = Vec::new();
    for (k, v) in &pairs {
        let Some(q) = ['"', '\''].into_iter().find(|q| !v.contains(*q)) else {
            return;
        };
        again.push(format!("{k}={q}{v}{q}"));
    }
    let reparsed = env::parse(&again.join(","))
        .unwrap_or_else(|e| panic!("{again:?} from {text:?} does not parse: {}", e.0));
    assert_eq!(reparsed, pairs, "written back as {again:?}");
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// Fragments that make configs interesting, glued at random.
    fn config_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("[supervisord]\n".to_string()),
            Just("[program:a]\n".to_string()),
            Just("[program:b]\ncommand=/bin/true\n".to_string()),
            Just("[group:g]\nprograms=a,b\n".to_string()),
            Just("[eventlistener:e]\ncommand=/bin/cat\nevents=TICK_5\n".to_string()),
            Just("[unix_http_server]\nfile=/tmp/x.sock\n".to_string()),
            Just("[inet_http_server]\nport=127.0.0.1:9001\n".to_string()),
            Just("command=/bin/sleep 1\n".to_string()),
            Just("numprocs=3\nprocess_name=%(program_name)s_%(process_num)d\n".to_string()),
            Just("environment=A=\"1\",B='x,y'\n".to_string()),
            Just("  continued\n".to_string()),
            Just("; comment\n".to_string()),
            "[a-z_]{1,12}=[ -~]{0,20}\n",
            "[ -~]{0,30}\n",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
    }

    fn toml_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("[supervisord]\n".to_string()),
            Just("[programs.a]\ncommand = \"/bin/true\"\n".to_string()),
            Just("[programs.b]\n".to_string()),
            Just("environment = { A = \"1\" }\n".to_string()),
            Just("numprocs = 2\n".to_string()),
            Just("autostart = true\n".to_string()),
            Just("[groups.g]\nprograms = [\"a\", \"b\"]\n".to_string()),
            "[a-z_]{1,12} = [0-9]{1,4}\n",
            "[a-z_]{1,12} = \"[ -~]{0,20}\"\n",
            "[ -~]{0,30}\n",
        ];
        proptest::collection::vec(piece, 0..10).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn fuzz_load_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            super::load(&data);
        }

        #[test]
        fn fuzz_load_ini_fragments(text in config_text()) {
            super::load(format!("\0{text}").as_bytes());
        }

        #[test]
        fn fuzz_load_toml_fragments(text in toml_text()) {
            super::load(format!("\x01{text}").as_bytes());
        }

        #[test]
        fn fuzz_environment_arbitrary(text in any::<String>()) {
            super::environment(text.as_bytes());
        }

        #[test]
        fn fuzz_environment_pairs(text in "([A-Za-z_]{1,5}=(\"[ -~]{0,6}\"|'[ -~]{0,6}'|[a-z0-9/.:()+-]{0,6}),?){0,5}") {
            super::environment(text.as_bytes());
        }
    }
}
