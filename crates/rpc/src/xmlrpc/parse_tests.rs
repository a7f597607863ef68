//! Request parser tests: accepted shapes, rejected ones, round trips through the
//! writer, and the `fuzz_*` proptests (the fallback of `just fuzz`).

use proptest::prelude::*;

use super::*;
use crate::xmlrpc::write::method_call;
use crate::xmlrpc::write::tests::arb_value;

fn call(params: &str) -> Result<MethodCall, ParseError> {
    parse_call(
        format!(
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>m.x</methodName>\n\
             <params>{params}</params></methodCall>\n"
        )
        .as_bytes(),
    )
}

fn one(value_xml: &str) -> Result<Value, ParseError> {
    let c = call(&format!("<param><value>{value_xml}</value></param>"))?;
    Ok(c.params.into_iter().next().unwrap_or(Value::Nil))
}

#[test]
fn parses_every_type() {
    let c = call(
        "<param><value><int>-7</int></value></param>\
         <param><value><i4> +42 </i4></value></param>\
         <param><value><boolean>1</boolean></value></param>\
         <param><value><string>a &amp; b &#x1b;&#27;</string></value></param>\
         <param><value><double>1.5</double></value></param>\
         <param><value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value></param>\
         <param><value><base64>aGVs\nbG8=</base64></value></param>\
         <param><value><array><data><value>x</value><value><nil/></value></data></array></value></param>\
         <param><value><struct><member><name>k</name><value><int>1</int></value></member></struct></value></param>",
    )
    .expect("parses");
    assert_eq!(c.method, "m.x");
    assert_eq!(
        c.params,
        vec![
            Value::Int(-7),
            Value::Int(42),
            Value::Bool(true),
            Value::from("a & b \u{1b}\u{1b}"),
            Value::Double(1.5),
            Value::DateTime("20240102T03:04:05".into()),
            Value::Base64(b"hello".to_vec()),
            Value::Array(vec![Value::from("x"), Value::Nil]),
            Value::structure([("k", Value::Int(1))]),
        ]
    );
}

#[test]
fn untyped_values_and_whitespace_follow_supervisor() {
    assert_eq!(one("  spaced  ").ok(), Some(Value::from("  spaced  ")));
    assert_eq!(one("\n  <string>x</string>\n").ok(), Some(Value::from("x")));
    assert_eq!(one("").ok(), Some(Value::from("")));
    assert_eq!(one("<string/>").ok(), Some(Value::from("")));
    assert_eq!(one("<![CDATA[<a>]]>").ok(), Some(Value::from("<a>")));
    assert_eq!(
        one("<string>a\r\nb</string>").ok(),
        Some(Value::from("a\nb"))
    );
    let c = parse_call(b"<methodCall><methodName>system.listMethods</methodName></methodCall>");
    assert_eq!(c.ok().map(|c| c.params), Some(Vec::new()));
    let c = parse_call(b"<methodCall><methodName> a.b </methodName><params/></methodCall>");
    assert_eq!(c.ok().map(|c| c.method), Some(" a.b ".to_string()));
}

#[test]
fn struct_keys_behave_like_a_python_dict() {
    let v = one("<struct><member><name>a</name><value>1</value></member>\
         <member><name>b</name><value>2</value></member>\
         <member><name>a</name><value>3</value></member></struct>");
    assert_eq!(
        v.ok(),
        Some(Value::Struct(vec![
            ("a".into(), "3".into()),
            ("b".into(), "2".into())
        ]))
    );
}

#[test]
fn rejects_what_supervisor_answers_400_to() {
    let bad = [
        &b""[..],
        b"not xml",
        b"<methodCall>",
        b"<methodCall><params/></methodCall>",
        b"<methodCall><methodName></methodName></methodCall>",
        b"<methodCall><methodName>a.b</methodName></methodCall><x/>",
        b"<methodCall><methodName>a.b</methodName></methodResponse>",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e 'x'>]><methodCall/>",
        b"<other/>",
    ];
    for body in bad {
        assert!(
            parse_call(body).is_err(),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    for value in [
        "<int>x</int>",
        "<int>2147483648</int>",
        "<boolean>true</boolean>",
        "<double>one</double>",
        "<dateTime.iso8601>2024-01-02</dateTime.iso8601>",
        "<base64>!!!</base64>",
        "<array><value>x</value></array>",
        "<struct><member><value>x</value></member></struct>",
        "<i8>5</i8>",
        "<string><b/></string>",
        "<int>1</int><int>2</int>",
        "&unknown;",
        "&#0;",
    ] {
        assert!(one(value).is_err(), "{value}");
    }
    assert!(matches!(
        parse_call(b"<methodCall><params/></methodCall>"),
        Err(ParseError::NoMethodName)
    ));
}

#[test]
fn nesting_is_bounded() {
    let nest = |n: usize| "<array><data><value>".repeat(n) + &"</value></data></array>".repeat(n);
    assert!(one(&nest(MAX_DEPTH)).is_ok());
    assert!(matches!(
        one(&nest(MAX_DEPTH + 1)),
        Err(ParseError::TooDeep)
    ));
    // Far deeper than the limit must fail fast, not overflow the stack.
    assert!(one(&nest(100_000)).is_err());
}

#[test]
fn invalid_utf8_is_an_error_not_a_panic() {
    assert!(one("\u{e9}").is_ok());
    let mut body = b"<methodCall><methodName>a\xff</methodName></methodCall>".to_vec();
    assert!(parse_call(&body).is_err());
    body.truncate(10);
    assert!(parse_call(&body).is_err());
}

/// XML's end-of-line handling, which is all a round trip may change.
fn normalize_eols(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

proptest! {
    #[test]
    fn round_trips_through_the_writer(
        method in "[a-zA-Z_.&<>]{1,20}",
        params in proptest::collection::vec(arb_value(), 0..4),
    ) {
        let xml = method_call(&method, &params);
        let parsed = parse_call(xml.as_bytes()).expect("our own output parses");
        prop_assert_eq!(&parsed.method, &method);
        prop_assert_eq!(
            method_call(&parsed.method, &parsed.params),
            normalize_eols(&xml)
        );
    }

    #[test]
    fn fuzz_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzz_one(&data);
    }

    #[test]
    fn fuzz_arbitrary_text(text in any::<String>()) {
        fuzz_one(text.as_bytes());
    }

    #[test]
    fn fuzz_xml_token_soup(tokens in proptest::collection::vec(token(), 0..60)) {
        let body: String = ["<methodCall><methodName>a.b</methodName><params><param><value>"]
            .into_iter()
            .chain(tokens.iter().map(String::as_str))
            .chain(["</value></param></params></methodCall>"])
            .collect();
        fuzz_one(body.as_bytes());
    }
}

/// Pieces of XML-RPC, mostly well-formed in isolation, so that random sequences
/// often reach deep into the grammar.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "<value>",
            "</value>",
            "<array>",
            "</array>",
            "<data>",
            "</data>",
            "<struct>",
            "</struct>",
            "<member>",
            "</member>",
            "<name>",
            "</name>",
            "<int>",
            "</int>",
            "<i4>",
            "</i4>",
            "<boolean>",
            "</boolean>",
            "<string>",
            "</string>",
            "<double>",
            "</double>",
            "<base64>",
            "</base64>",
            "<dateTime.iso8601>",
            "</dateTime.iso8601>",
            "<nil/>",
            "<value/>",
            "<string/>",
            "&amp;",
            "&lt;",
            "&#x1b;",
            "&#13;",
            "&bogus;",
            "<![CDATA[]]>",
            "<![CDATA[<x>]]>",
            "<!-- c -->",
            "<?pi x?>",
            "\r\n",
            " ",
            "1",
            "0",
            "-5",
            "1e400",
            "nan",
            "aGk=",
            "20240102T03:04:05",
            "</params>",
            "<param>",
            "</methodCall>",
        ])
        .prop_map(str::to_string),
        "[a-z0-9 ]{0,8}",
    ]
}
