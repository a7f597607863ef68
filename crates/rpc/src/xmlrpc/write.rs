//! Serializing XML-RPC documents byte for byte as Python's `xmlrpc.client.dumps`
//! writes them, which is what Supervisor 4.3 sends (`xmlrpc_marshal`): the same
//! header, the same line breaks after each element, the same escaping. Clients that
//! compare raw bytes (and our own differential tests) depend on it.
//!
//! One deliberate difference, for strings only. XML 1.0 forbids most C0 control
//! characters (everything below U+0020 except tab, LF and CR) and U+FFFE/U+FFFF,
//! even as character references (`&#27;` is not well-formed either). Python sends
//! them raw, so a `tail` of a coloured log (ANSI ESC) makes every standard XML-RPC
//! client fail to parse the whole response (xmlrpc.py `xmlrpc_marshal` writes them as
//! they are). We replace each such
//! character with U+FFFD REPLACEMENT CHARACTER: the response stays parseable, the
//! position of the dropped byte stays visible, and the text around it is unchanged
//! (stripping would glue `[31m` to its neighbours without a trace). Log offsets are
//! byte offsets into the file, so they are unaffected. CR is legal and sent raw, as
//! Python does, even though XML parsers will read it back as LF.

use std::fmt::Write as _;

use base64::Engine as _;
use supervisor_model::FaultError;

use super::value::{Value, py_float_repr};

/// Python's `xmlrpc.client` header (no encoding declaration: the body is UTF-8).
const HEADER: &str = "<?xml version='1.0'?>\n";

/// A `methodResponse` carrying one value.
pub fn response(value: &Value) -> String {
    let mut out = String::from(HEADER);
    out.push_str("<methodResponse>\n<params>\n<param>\n");
    write_value(&mut out, value);
    out.push_str("</param>\n</params>\n</methodResponse>\n");
    out
}

/// A `methodResponse` carrying a fault: struct `{faultCode, faultString}`.
pub fn fault(code: i32, text: &str) -> String {
    let mut out = String::from(HEADER);
    out.push_str("<methodResponse>\n<fault>\n");
    write_value(&mut out, &fault_struct(code, text));
    out.push_str("</fault>\n</methodResponse>\n");
    out
}

/// [`fault`] for a control-layer error.
pub fn fault_error(e: &FaultError) -> String {
    fault(e.fault.code(), &e.text)
}

/// The `{faultCode, faultString}` struct, also used inside `system.multicall` results.
pub fn fault_struct(code: i32, text: &str) -> Value {
    Value::structure([
        ("faultCode", Value::Int(code)),
        ("faultString", Value::String(text.to_string())),
    ])
}

/// A `methodCall` (as `xmlrpc.client.dumps(params, methodname)`); used by tests, the
/// fuzz target and any Rust client of `/RPC2`. Unlike Python we escape the method
/// name too, so that the document is always well-formed.
pub fn method_call(method: &str, params: &[Value]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("<methodCall>\n<methodName>");
    escape_into(&mut out, method);
    out.push_str("</methodName>\n<params>\n");
    for p in params {
        out.push_str("<param>\n");
        write_value(&mut out, p);
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    out
}

/// One `<value>…</value>\n`, recursively (Python's `Marshaller.dump_*`).
fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Int(n) => {
            let _ = writeln!(out, "<value><int>{n}</int></value>");
        }
        Value::Bool(b) => {
            let _ = writeln!(out, "<value><boolean>{}</boolean></value>", u8::from(*b));
        }
        Value::String(s) => {
            out.push_str("<value><string>");
            escape_into(out, s);
            out.push_str("</string></value>\n");
        }
        Value::Double(f) => {
            let _ = writeln!(out, "<value><double>{}</double></value>", py_float_repr(*f));
        }
        Value::DateTime(d) => {
            out.push_str("<value><dateTime.iso8601>");
            escape_into(out, d);
            out.push_str("</dateTime.iso8601></value>\n");
        }
        Value::Base64(bytes) => {
            out.push_str("<value><base64>\n");
            write_base64_lines(out, bytes);
            out.push_str("</base64></value>\n");
        }
        Value::Array(items) => {
            out.push_str("<value><array><data>\n");
            for item in items {
                write_value(out, item);
            }
            out.push_str("</data></array></value>\n");
        }
        Value::Struct(members) => {
            out.push_str("<value><struct>\n");
            for (k, v) in members {
                out.push_str("<member>\n<name>");
                escape_into(out, k);
                out.push_str("</name>\n");
                write_value(out, v);
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
        // Python writes this only with allow_none=True, and without the newline.
        Value::Nil => out.push_str("<value><nil/></value>"),
    }
}

/// `base64.encodebytes`: lines of at most 76 characters, each ending in `\n`.
fn write_base64_lines(out: &mut String, bytes: &[u8]) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    // Base64 output is ASCII, so byte chunks are char boundaries.
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
}

/// Python's `xmlrpc.client.escape` (`&`, `<`, `>` only), plus the replacement of
/// characters XML 1.0 cannot carry (see the module docs).
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_xml10_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// XML 1.0 `Char` production (surrogates cannot occur in a Rust `str`).
fn is_xml10_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
#[path = "write_tests.rs"]
pub(crate) mod tests;
