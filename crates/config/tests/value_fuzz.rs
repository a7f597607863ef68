//! Differential fuzzing of two value parsers against Supervisor 4.3.0 itself
//! (`tests/oracle/dump_values.py`): `environment=` (non-POSIX shlex quirks) and
//! `%(name)s` expansion (Python's `%` operator). Inputs are generated from a fixed
//! seed out of the characters that matter to each parser; results must be equal,
//! and what one rejects the other must reject.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use serde_json::{Value, json};

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
}

fn oracle(mode: &str, inputs: &[String]) -> Vec<Value> {
    let python = supervisor_testkit::oracle_python(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/dump_values.py");
    let mut child = supervisor_testkit::command(python)
        .arg(script)
        .arg(mode)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the oracle");
    // Feed stdin from a thread so neither side blocks on a full pipe.
    let mut stdin = child.stdin.take().unwrap();
    let input: String = inputs
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
    let values: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(values.len(), inputs.len());
    values
}

fn compare(
    inputs: &[String],
    ours: impl Fn(&str) -> Value,
    theirs: &[Value],
) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut rejected = 0;
    for (input, theirs) in inputs.iter().zip(theirs) {
        let mine = ours(input);
        match (mine.get("error"), theirs.get("error")) {
            (Some(_), Some(_)) => rejected += 1,
            (None, None) if mine == *theirs => {}
            _ => failures.push(format!(
                "input {input:?}\n  ours:   {mine}\n  python: {theirs}"
            )),
        }
    }
    (failures, rejected)
}

#[test]
fn environment_matches_supervisor() {
    const PARTS: &[&str] = &[
        "A",
        "KEY_2",
        "=",
        "=",
        ",",
        ",",
        ";",
        " ",
        "val",
        "/usr/bin:/bin",
        "1.5e+3",
        "(x)",
        "\"q, t\"",
        "'s p'",
        "\"\"",
        "@",
        "#c",
        "\n",
        "x=y",
        "'",
        "\"",
        "-",
        "ü",
        "\t",
    ];
    let mut rng = Rng(0x0e1f_2a3b_4c5d_6e7f);
    let inputs: Vec<String> = (0..3000)
        .map(|i| {
            // Half the inputs start from a well-formed pair so acceptance is common.
            let mut s = if i % 2 == 0 {
                "K=v,".to_string()
            } else {
                String::new()
            };
            for _ in 0..(rng.next() % 8) {
                s.push_str(rng.pick(PARTS));
            }
            s
        })
        .collect();
    let theirs = oracle("env", &inputs);
    let ours = |s: &str| match supervisor_config::environment_for_tests(s) {
        Ok(pairs) => {
            json!({ "pairs": pairs.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>() })
        }
        Err(e) => json!({ "error": e }),
    };
    let (failures, rejected) = compare(&inputs, ours, &theirs);
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        rejected > 100 && rejected < inputs.len() - 300,
        "{rejected} rejected"
    );
}

#[test]
fn expansion_matches_python_percent_operator() {
    const PARTS: &[&str] = &[
        "%(n)", "%(neg)", "%(s)", "%(here)", "%(nope)", "%", "%%", "d", "s", "x", "X", "o", "r",
        "05", "-", "+", " ", "#", ".2", "3", "i", "u", "c", "z", "f", "e", "g", "text", "(", ")",
        "/", "%(n", "l",
    ];
    let mut rng = Rng(0x1234_5678_9abc_def0);
    let inputs: Vec<String> = (0..4000)
        .map(|_| (0..(1 + rng.next() % 6)).map(|_| rng.pick(PARTS)).collect())
        .collect();
    let theirs = oracle("expand", &inputs);
    let ours = |s: &str| match supervisor_config::expand_for_tests(s) {
        Ok(text) => json!({ "text": text }),
        Err(e) => json!({ "error": e }),
    };
    let (failures, rejected) = compare(&inputs, ours, &theirs);
    // Where Python formats the whole dict (a bare `%s`/`%r`), we reject on purpose.
    let failures: Vec<String> = failures
        .into_iter()
        .filter(|f| !(f.contains("format requires a mapping") && f.contains("python: {\"text\"")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(rejected > 100, "{rejected} rejected");
}
