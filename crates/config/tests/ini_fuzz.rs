//! Differential fuzzing of the INI layer: a few hundred INI texts, generated from a
//! fixed seed out of the fragments that make configparser tricky (inline comments
//! with and without whitespace, `:` and `=`, indented continuation lines, blank and
//! comment lines inside values, `[DEFAULT]`, repeated sections and keys, case, CRLF,
//! stray lines), are parsed by our INI layer and by Supervisor's
//! `UnhosedConfigParser` (`tests/oracle/dump_values.py ini`); sections, keys and values must
//! be identical, and a text one rejects the other must reject too.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use serde_json::{Value, json};

/// A small deterministic generator (xorshift), so every run tests the same texts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const SECTIONS: &[&str] = &[
    "[supervisord]",
    "[program:a]",
    "[program:b]",
    "[DEFAULT]",
    "[group:g]",
    "  [program:a]",
    "[a]b] x",
    "[Program:A]",
];
const KEYS: &[&str] = &[
    "command",
    "Command",
    "environment",
    "priority",
    "KEY",
    "a b",
    "x.y",
    "p",
];
const DELIMS: &[&str] = &["=", " = ", ":", " : ", "\t=\t", "=  "];
const VALUES: &[&str] = &[
    "/bin/cat",
    "a;b",
    "a ;b",
    "a #b",
    "a#b",
    "'x ; y'",
    "\"q\"",
    "",
    "100%",
    "%(here)s",
    "v ; comment",
    "tab\t;comment",
    "x=y:z",
    "a \\",
    "[not a section]",
    "  spaced  ",
    "ü ñ",
];
const CONTINUATIONS: &[&str] = &[
    "    more",
    "\tmore ; c",
    "  ; only comment",
    "",
    "   # hash",
    "  [x]",
    "      deeper=1",
];
const STRAY: &[&str] = &[
    "; comment",
    "# comment",
    "",
    "   ",
    "junk line",
    "=novalue",
    "  indented=1",
];

fn generate(rng: &mut Rng) -> String {
    let mut lines: Vec<String> = Vec::new();
    if rng.chance(5) {
        lines.push("orphan=1".into());
    }
    for _ in 0..(1 + rng.next() % 4) {
        lines.push(rng.pick(SECTIONS).to_string());
        for _ in 0..(rng.next() % 5) {
            if rng.chance(10) {
                lines.push(rng.pick(STRAY).to_string());
                continue;
            }
            lines.push(format!(
                "{}{}{}",
                rng.pick(KEYS),
                rng.pick(DELIMS),
                rng.pick(VALUES)
            ));
            for _ in 0..(if rng.chance(25) { rng.next() % 3 } else { 0 }) {
                lines.push(rng.pick(CONTINUATIONS).to_string());
            }
        }
    }
    let newline = if rng.chance(10) { "\r\n" } else { "\n" };
    lines.join(newline) + if rng.chance(80) { newline } else { "" }
}

fn ours(text: &str) -> Value {
    match supervisor_config::ini_sections_for_tests(text) {
        Err(e) => json!({ "error": e.to_string() }),
        Ok((defaults, sections)) => json!({
            "defaults": defaults.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "sections": sections
                .iter()
                .map(|(n, e)| json!([n, e.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()]))
                .collect::<Vec<_>>(),
        }),
    }
}

#[test]
fn ini_layer_matches_configparser() {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let texts: Vec<String> = (0..1500).map(|_| generate(&mut rng)).collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/dump_values.py");
    let mut child = supervisor_testkit::command(supervisor_testkit::oracle_python(&[]))
        .arg(script)
        .arg("ini")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the configparser oracle");
    // Feed stdin from a thread: the oracle answers as it reads, and a full stdout
    // pipe would otherwise block both sides.
    let mut stdin = child.stdin.take().unwrap();
    let input: String = texts
        .iter()
        .map(|t| serde_json::to_string(t).unwrap() + "\n")
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "oracle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(python.len(), texts.len());

    let mut failures = Vec::new();
    let mut rejected = 0;
    for (text, theirs) in texts.iter().zip(&python) {
        let mine = ours(text);
        match (mine.get("error"), theirs.get("error")) {
            (Some(_), Some(_)) => rejected += 1,
            (None, None) if mine == *theirs => {}
            _ => failures.push(format!(
                "text {text:?}\n  ours:   {mine}\n  python: {theirs}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} texts differ:\n{}",
        failures.len(),
        texts.len(),
        failures.join("\n")
    );
    // The generator must exercise both outcomes to mean anything.
    assert!(
        rejected > 10 && rejected < texts.len() - 500,
        "{rejected} rejected"
    );
}
