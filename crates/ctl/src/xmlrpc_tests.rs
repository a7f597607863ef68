//! Decoding Supervisor's XML-RPC answers, byte for byte as Python's `xmlrpc.client`
//! (which Supervisor 4.3 uses to marshal) writes them.

use super::*;
use crate::xmlrpc_values::result;

const HEAD: &str = "<?xml version='1.0'?>\n<methodResponse>\n";

fn response(value: &str) -> Vec<u8> {
    format!("{HEAD}<params>\n<param>\n{value}\n</param>\n</params>\n</methodResponse>\n")
        .into_bytes()
}

#[test]
fn strings_keep_their_whitespace() {
    // `tail` prints the string as is: the leading blanks and the trailing newline
    // are part of the log.
    let body = response("<value><string>  quick-out\n</string></value>");
    assert_eq!(
        decode(&body).unwrap(),
        Value::String("  quick-out\n".into())
    );
    let body = response("<value><string></string></value>");
    assert_eq!(decode(&body).unwrap(), Value::String(String::new()));
    let body = response("<value><string>a &lt;b&gt; &amp; c</string></value>");
    assert_eq!(decode(&body).unwrap(), Value::String("a <b> & c".into()));
}

#[test]
fn faults_become_supervisor_faults() {
    let body = format!(
        "{HEAD}<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: nosuch</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
    );
    let e = decode(body.as_bytes()).unwrap_err();
    assert!(e.is(Fault::BadName), "{e:?}");
    assert_eq!(e.fault().unwrap().text, "BAD_NAME: nosuch");
    let e = decode(b"<html>nope</html>").unwrap_err();
    assert!(matches!(e, CallError::BadResponse(_)), "{e:?}");
}

#[test]
fn result_arrays() {
    let body = response(
        "<value><array><data>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>a</string></value>\n</member>\n<member>\n<name>group</name>\n<value><string>g</string></value>\n</member>\n<member>\n<name>status</name>\n<value><int>80</int></value>\n</member>\n<member>\n<name>description</name>\n<value><string>OK</string></value>\n</member>\n</struct></value>\n</data></array></value>",
    );
    let value = decode(&body).unwrap();
    assert_eq!(
        results(&value),
        vec![v1::ProcessResult {
            name: "a".into(),
            group: "g".into(),
            status: 80,
            description: "OK".into(),
        }]
    );
    let Value::Array(items) = value else {
        panic!("not an array")
    };
    assert_eq!(result(&items[0]).status, 80);
}

#[test]
fn multicall_entries() {
    let body = response(
        "<value><array><data>\n<value><array><data>\n<value><string>3.0</string></value>\n</data></array></value>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>6</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>SHUTDOWN_STATE</string></value>\n</member>\n</struct></value>\n</data></array></value>",
    );
    let Value::Array(mut entries) = decode(&body).unwrap() else {
        panic!("not an array")
    };
    let fault = multicall_entry(entries.pop().unwrap()).unwrap_err();
    assert!(fault.is(Fault::ShutdownState));
    assert_eq!(
        multicall_entry(entries.pop().unwrap()).unwrap(),
        Value::String("3.0".into())
    );
    // Supervisor's own multicall answers the bare value.
    assert_eq!(
        multicall_entry(Value::String("4.3.0".into())).unwrap(),
        Value::String("4.3.0".into())
    );
}

#[test]
fn paths_and_offsets() {
    assert_eq!(tail_path(&LogSource::Main), "/mainlogtail");
    assert_eq!(
        tail_path(&LogSource::Stderr("g:p".into())),
        "/logtail/g:p/stderr"
    );
    assert_eq!(int(-1600), Value::Integer(-1600));
    assert_eq!(int(i64::MIN), Value::Integer(i32::MIN));
}

#[test]
fn line_ends_are_normalised_as_xml_requires() {
    let body = response("<value><string>a\r\nb\rc\n</string></value>");
    assert_eq!(decode(&body).unwrap(), Value::String("a\nb\nc\n".into()));
}

#[test]
fn control_characters_python_sends_raw_are_read() {
    // Python's supervisord sends a log's ESC bytes unescaped, which is not
    // well-formed XML; Python's supervisorctl fails on it, we print the log.
    let body = response("<value><string>\u{1b}[31mred\u{1b}[0m</string></value>");
    assert_eq!(
        decode(&body).unwrap(),
        Value::String("\u{1b}[31mred\u{1b}[0m".into())
    );
}
