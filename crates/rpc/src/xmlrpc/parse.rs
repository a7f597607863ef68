//! Parsing an XML-RPC `methodCall` request body into a method name and its
//! parameters. Accepts what Supervisor's `supervisor_xmlrpc_handler.loads` accepts
//! from real clients: int, i4, boolean, string, double, dateTime.iso8601, base64,
//! array, struct, nil, an untyped `<value>text</value>` (a string, whitespace kept),
//! and a missing `<params>` (no arguments). Any error here is the caller's HTTP 400.
//!
//! It must never panic and never recurse without bound, whatever the bytes: values
//! nest at most [`MAX_DEPTH`] deep, and a DOCTYPE (the door to entity expansion) is
//! refused. Where Python is lenient by accident we are strict and say so: a boolean
//! must be `0` or `1` (Python reads anything but `1`, even `true`, as false), ints
//! must fit 32 bits, and unknown elements are errors rather than silently read.

use std::collections::VecDeque;

use base64::Engine as _;
use quick_xml::Reader;
use quick_xml::events::Event;

use super::value::{Value, datetime_parts, insert_member};

/// How deep arrays and structs may nest in a request.
pub const MAX_DEPTH: usize = 64;

/// A parsed request.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    pub method: String,
    pub params: Vec<Value>,
}

/// Why a request body is not an acceptable `methodCall`.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("malformed XML")]
    Xml(#[from] quick_xml::Error),
    #[error("text is not UTF-8")]
    Encoding(#[from] quick_xml::encoding::EncodingError),
    #[error("unknown entity or character reference &{0};")]
    Reference(String),
    #[error("a DOCTYPE is not accepted")]
    DocType,
    #[error("unexpected {found} where {expected} belongs")]
    Unexpected {
        expected: &'static str,
        found: String,
    },
    #[error("unknown value type <{0}>")]
    UnknownType(String),
    #[error("no method name")]
    NoMethodName,
    #[error("values nest deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("invalid <{kind}> value {text:?}")]
    Scalar { kind: &'static str, text: String },
    #[error("invalid base64")]
    Base64(#[source] base64::DecodeError),
}

/// Parses a request body.
pub fn parse_call(body: &[u8]) -> Result<MethodCall, ParseError> {
    let mut lx = Lexer::new(body);
    match lx.next_skipping_space()? {
        Tok::Open(name) if name == "methodCall" => {}
        other => return Err(unexpected("<methodCall>", &other)),
    }
    let (mut method, mut params) = (None, None);
    loop {
        match lx.next()? {
            // Python ignores stray text between the elements of a call.
            Tok::Text(_) => {}
            Tok::Open(name) if name == "methodName" => method = Some(lx.text_until_close()?),
            Tok::Open(name) if name == "params" => params = Some(parse_params(&mut lx)?),
            Tok::Close => break,
            other => return Err(unexpected("<methodName> or <params>", &other)),
        }
    }
    match lx.next_skipping_space()? {
        Tok::Eof => {}
        other => return Err(unexpected("the end of the document", &other)),
    }
    // Supervisor answers 400 both for no <methodName> and for an empty one.
    let method = method
        .filter(|m| !m.is_empty())
        .ok_or(ParseError::NoMethodName)?;
    Ok(MethodCall {
        method,
        params: params.unwrap_or_default(),
    })
}

/// The body of `<params>`: any number of `<param><value>…</value></param>`.
fn parse_params(lx: &mut Lexer<'_>) -> Result<Vec<Value>, ParseError> {
    let mut params = Vec::new();
    loop {
        match lx.next()? {
            Tok::Text(_) => {}
            Tok::Open(name) if name == "param" => {
                lx.expect_open("value")?;
                params.push(parse_value(lx, 0)?);
                lx.expect_close()?;
            }
            Tok::Close => return Ok(params),
            other => return Err(unexpected("<param>", &other)),
        }
    }
}

/// The rest of a `<value>` whose start tag was just read, through its end tag.
fn parse_value(lx: &mut Lexer<'_>, depth: usize) -> Result<Value, ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError::TooDeep);
    }
    let mut text = String::new();
    loop {
        match lx.next()? {
            Tok::Text(t) => text.push_str(&t),
            // Untyped: the text is the string, whitespace and all.
            Tok::Close => return Ok(Value::String(text)),
            Tok::Open(kind) => {
                let value = parse_typed(lx, &kind, depth)?;
                lx.expect_close()?;
                return Ok(value);
            }
            Tok::Eof => return Err(unexpected("</value>", &Tok::Eof)),
        }
    }
}

/// The rest of a typed element (`<int>`, `<array>`, …), through its end tag.
fn parse_typed(lx: &mut Lexer<'_>, kind: &str, depth: usize) -> Result<Value, ParseError> {
    let value = match kind {
        "int" | "i4" => Value::Int(scalar(lx, "int", |t| t.trim().parse().ok())?),
        "boolean" => Value::Bool(scalar(lx, "boolean", |t| match t.trim() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        })?),
        "string" => Value::String(lx.text_until_close()?),
        "double" => Value::Double(scalar(lx, "double", |t| t.trim().parse().ok())?),
        "dateTime.iso8601" => Value::DateTime(scalar(lx, "dateTime.iso8601", |t| {
            datetime_parts(t).map(|_| t.to_string())
        })?),
        "base64" => {
            let text = lx.text_until_close()?;
            let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map(Value::Base64)
                .map_err(ParseError::Base64)?
        }
        "nil" => {
            lx.text_until_close()?;
            Value::Nil
        }
        "array" => {
            lx.expect_open("data")?;
            let mut items = Vec::new();
            while lx.open_or_close("value")? {
                items.push(parse_value(lx, depth + 1)?);
            }
            lx.expect_close()?;
            Value::Array(items)
        }
        "struct" => {
            let mut members = Vec::new();
            while lx.open_or_close("member")? {
                lx.expect_open("name")?;
                let key = lx.text_until_close()?;
                lx.expect_open("value")?;
                let value = parse_value(lx, depth + 1)?;
                lx.expect_close()?;
                insert_member(&mut members, key, value);
            }
            Value::Struct(members)
        }
        other => return Err(ParseError::UnknownType(other.to_string())),
    };
    Ok(value)
}

/// The text of a scalar element, converted by `convert`.
fn scalar<T>(
    lx: &mut Lexer<'_>,
    kind: &'static str,
    convert: impl FnOnce(&str) -> Option<T>,
) -> Result<T, ParseError> {
    let text = lx.text_until_close()?;
    convert(&text).ok_or(ParseError::Scalar { kind, text })
}

fn unexpected(expected: &'static str, found: &Tok) -> ParseError {
    let found = match found {
        Tok::Open(name) => format!("<{name}>"),
        Tok::Close => "an end tag".to_string(),
        Tok::Text(_) => "text".to_string(),
        Tok::Eof => "the end of the document".to_string(),
    };
    ParseError::Unexpected { expected, found }
}

/// The document reduced to what the grammar needs: element starts, element ends
/// (quick-xml has already checked that they match), and runs of text with
/// references resolved and CDATA merged in. Comments and processing instructions
/// are dropped.
#[derive(Debug)]
enum Tok {
    Open(String),
    Close,
    Text(String),
    Eof,
}

struct Lexer<'a> {
    reader: Reader<&'a [u8]>,
    pending: VecDeque<Tok>,
}

impl<'a> Lexer<'a> {
    fn new(body: &'a [u8]) -> Lexer<'a> {
        let mut reader = Reader::from_reader(body);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = true;
        Lexer {
            reader,
            pending: VecDeque::new(),
        }
    }

    fn next(&mut self) -> Result<Tok, ParseError> {
        if let Some(tok) = self.pending.pop_front() {
            return Ok(tok);
        }
        let mut text: Option<String> = None;
        let tok = loop {
            match self.reader.read_event()? {
                Event::Text(t) => text.get_or_insert_default().push_str(&t.xml10_content()?),
                Event::CData(c) => text.get_or_insert_default().push_str(&c.xml10_content()?),
                Event::GeneralRef(r) => {
                    let resolved = resolve_reference(&r)?;
                    text.get_or_insert_default().push_str(&resolved);
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
                Event::DocType(_) => return Err(ParseError::DocType),
                Event::Start(s) => break Tok::Open(element_name(s.name().as_ref())?),
                // Not produced with expand_empty_elements, but cheap to handle.
                Event::Empty(s) => {
                    self.pending.push_back(Tok::Close);
                    break Tok::Open(element_name(s.name().as_ref())?);
                }
                Event::End(_) => break Tok::Close,
                Event::Eof => break Tok::Eof,
            }
        };
        match text {
            Some(t) => {
                self.pending.push_front(tok);
                Ok(Tok::Text(t))
            }
            None => Ok(tok),
        }
    }

    /// The next token that is not whitespace-only text.
    fn next_skipping_space(&mut self) -> Result<Tok, ParseError> {
        loop {
            match self.next()? {
                Tok::Text(t) if t.trim().is_empty() => {}
                tok => return Ok(tok),
            }
        }
    }

    /// All text up to the end tag of the current element, which must have no children.
    fn text_until_close(&mut self) -> Result<String, ParseError> {
        let mut text = String::new();
        loop {
            match self.next()? {
                Tok::Text(t) => text.push_str(&t),
                Tok::Close => return Ok(text),
                other => return Err(unexpected("text", &other)),
            }
        }
    }

    /// Skips text, then requires the start tag `<name>`.
    fn expect_open(&mut self, name: &'static str) -> Result<(), ParseError> {
        match self.skip_text()? {
            Tok::Open(n) if n == name => Ok(()),
            other => Err(unexpected(name, &other)),
        }
    }

    /// Skips text, then requires the end tag of the current element.
    fn expect_close(&mut self) -> Result<(), ParseError> {
        match self.skip_text()? {
            Tok::Close => Ok(()),
            other => Err(unexpected("an end tag", &other)),
        }
    }

    /// Skips text; `true` after the start tag `<name>`, `false` after an end tag.
    fn open_or_close(&mut self, name: &'static str) -> Result<bool, ParseError> {
        match self.skip_text()? {
            Tok::Open(n) if n == name => Ok(true),
            Tok::Close => Ok(false),
            other => Err(unexpected(name, &other)),
        }
    }

    /// Python ignores text around structural elements, so do we.
    fn skip_text(&mut self) -> Result<Tok, ParseError> {
        loop {
            match self.next()? {
                Tok::Text(_) => {}
                tok => return Ok(tok),
            }
        }
    }
}

fn element_name(raw: &[u8]) -> Result<String, ParseError> {
    std::str::from_utf8(raw)
        .map(str::to_string)
        .map_err(|e| ParseError::Encoding(e.into()))
}

/// `&lt;` and friends, `&#NN;` and `&#xNN;`; anything else is an error (no DTD, so no
/// other entity can be defined).
fn resolve_reference(r: &quick_xml::events::BytesRef<'_>) -> Result<String, ParseError> {
    let name = r.decode()?;
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Ok(c.to_string());
    }
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(str::to_string)
        .ok_or_else(|| ParseError::Reference(name.into_owned()))
}

/// The fuzz body, shared by the cargo-fuzz target (`fuzz/`) and the `fuzz_*`
/// proptests: parsing never panics, and whatever parses re-serializes into a
/// document that parses again and reaches a fixed point after one more round (the
/// first round may still change text: CR becomes LF, XML-invalid characters become
/// U+FFFD).
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    let Ok(call) = parse_call(data) else {
        return;
    };
    let once = super::write::method_call(&call.method, &call.params);
    let again = match parse_call(once.as_bytes()) {
        Ok(c) => super::write::method_call(&c.method, &c.params),
        Err(e) => panic!("our own serialization does not parse: {e}\n{once}"),
    };
    let third = match parse_call(again.as_bytes()) {
        Ok(c) => super::write::method_call(&c.method, &c.params),
        Err(e) => panic!("our own serialization does not parse: {e}\n{again}"),
    };
    assert_eq!(again, third, "serialization is not stable");
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
