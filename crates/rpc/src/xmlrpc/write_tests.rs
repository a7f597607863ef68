//! Byte-for-byte checks of the writer: fixed cases captured from Supervisor 4.3, and a
//! differential run against CPython's `xmlrpc.client.dumps` on generated values.

use std::io::Write as _;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use super::*;

#[test]
fn response_matches_supervisor_capture() {
    // Captured from supervisord 4.3.0: `supervisor.getAPIVersion` and an unknown method.
    assert_eq!(
        response(&Value::from("3.0")),
        "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n\
         <value><string>3.0</string></value>\n</param>\n</params>\n</methodResponse>\n"
    );
    assert_eq!(
        fault(1, "UNKNOWN_METHOD"),
        "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n\
         <member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n\
         <member>\n<name>faultString</name>\n<value><string>UNKNOWN_METHOD</string></value>\n\
         </member>\n</struct></value>\n</fault>\n</methodResponse>\n"
    );
}

#[test]
fn arrays_structs_and_escaping() {
    let v = Value::Array(vec![
        Value::from("[31mred &<>\n"),
        Value::Int(17),
        Value::Bool(false),
        Value::structure([("a&b", Value::Bool(true))]),
    ]);
    let body = response(&v);
    assert!(body.contains(
        "<value><array><data>\n<value><string>[31mred &amp;&lt;&gt;\n</string></value>\n\
         <value><int>17</int></value>\n<value><boolean>0</boolean></value>\n\
         <value><struct>\n<member>\n<name>a&amp;b</name>\n\
         <value><boolean>1</boolean></value>\n</member>\n</struct></value>\n\
         </data></array></value>\n"
    ));
}

#[test]
fn xml_invalid_characters_become_replacement_characters() {
    let body = response(&Value::from("\u{1b}[31mred\u{1b}[0m\u{0}\u{ffff}\t\r\n"));
    assert!(body.contains("<string>\u{fffd}[31mred\u{fffd}[0m\u{fffd}\u{fffd}\t\r\n</string>"));
}

#[test]
fn base64_lines_are_76_wide() {
    let body = response(&Value::Base64(vec![0xab; 100]));
    let inner = body
        .split("<base64>\n")
        .nth(1)
        .and_then(|s| s.split("</base64>").next())
        .unwrap_or_default();
    let lines: Vec<&str> = inner.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].len(), 76);
    assert!(inner.ends_with('\n'));
    assert_eq!(
        response(&Value::Base64(Vec::new())),
        response(&Value::Base64(Vec::new()))
    );
    assert!(response(&Value::Base64(Vec::new())).contains("<base64>\n</base64>"));
}

/// Values Python can dump the same way: strings without XML-invalid characters
/// (which we deliberately replace) and dates in Python's accepted range.
pub(crate) fn arb_value() -> impl Strategy<Value = Value> {
    let text = any::<String>().prop_map(|s| s.chars().filter(|c| is_xml10_char(*c)).collect());
    let leaf = prop_oneof![
        any::<i32>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Bool),
        text.clone().prop_map(Value::String),
        any::<f64>().prop_map(Value::Double),
        (
            1u32..=9999,
            1u32..=12,
            1u32..=28,
            0u32..=23,
            0u32..=59,
            0u32..=59
        )
            .prop_map(|(y, mo, d, h, mi, s)| {
                Value::DateTime(format!("{y:04}{mo:02}{d:02}T{h:02}:{mi:02}:{s:02}"))
            }),
        proptest::collection::vec(any::<u8>(), 0..120).prop_map(Value::Base64),
        Just(Value::Nil),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((text.clone(), inner), 0..6).prop_map(Value::structure),
        ]
    })
}

/// A Python expression building the same value `xmlrpc.client` would marshal.
fn py_literal(v: &Value) -> String {
    let py_string = |s: &str| {
        let mut out = String::from("'");
        for c in s.chars() {
            out.push_str(&format!("\\U{:08x}", u32::from(c)));
        }
        out.push('\'');
        out
    };
    match v {
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::String(s) => py_string(s),
        // Rust's `{:?}` of an f64 round-trips and Python's float() reads it (NaN, inf too).
        Value::Double(f) => format!("float('{f:?}')"),
        Value::DateTime(d) => format!("xmlrpc.client.DateTime('{d}')"),
        Value::Base64(b) => format!("bytes({b:?})"),
        Value::Nil => "None".to_string(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(py_literal).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Struct(members) => {
            let inner: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {}", py_string(k), py_literal(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Runs `script` with python3 and returns its stdout, or `None` when python3 is absent.
fn run_python(script: &str) -> Option<String> {
    let mut child = match Command::new("python3")
        .arg("-")
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("skipping the CPython comparison: cannot run python3: {e}");
            return None;
        }
    };
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(script.as_bytes())
        .expect("write the script to python3");
    let out = child.wait_with_output().expect("python3 runs");
    assert!(out.status.success(), "python3 failed");
    Some(String::from_utf8(out.stdout).expect("python3 printed UTF-8"))
}

#[test]
fn matches_cpython_xmlrpc_client_dumps() {
    let mut runner = TestRunner::deterministic();
    let strategy = arb_value();
    let mut values = vec![
        Value::from("caf\u{e9} \u{1f600} &<>\"' \r\n\t"),
        Value::Array(Vec::new()),
        Value::structure(Vec::<(String, Value)>::new()),
        Value::Double(1e16),
        Value::Double(-0.0),
    ];
    for _ in 0..300 {
        values.push(strategy.new_tree(&mut runner).expect("generate").current());
    }
    let mut ours: Vec<String> = values.iter().map(response).collect();
    ours.push(fault(10, "BAD_NAME: <x> & y"));
    ours.push(method_call(
        "supervisor.getPID",
        &[Value::Int(1), Value::from("a")],
    ));

    let mut script = String::from("import sys, xmlrpc.client\nout = []\n");
    for v in &values {
        script.push_str(&format!(
            "out.append(xmlrpc.client.dumps(({},), methodresponse=True, allow_none=True))\n",
            py_literal(v)
        ));
    }
    script.push_str(
        "out.append(xmlrpc.client.dumps(xmlrpc.client.Fault(10, 'BAD_NAME: <x> & y')))\n",
    );
    script.push_str("out.append(xmlrpc.client.dumps((1, 'a'), methodname='supervisor.getPID'))\n");
    script.push_str("sys.stdout.write('\\x00'.join(out))\n");

    let Some(theirs) = run_python(&script) else {
        return;
    };
    let theirs: Vec<&str> = theirs.split('\0').collect();
    assert_eq!(theirs.len(), ours.len());
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let what = values.get(i);
        assert_eq!(a, b, "value {what:?}");
    }
}
