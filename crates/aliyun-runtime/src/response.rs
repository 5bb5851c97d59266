//! Decoding responses: the operation output on success, the service's error
//! document otherwise.
//!
//! The service answers errors as JSON
//! (`{"RequestId","HostId","Code","Message","Recommend","AccessDeniedDetail"}`,
//! key case tolerated) or, from some gateways, as XML
//! (`<Error><Code>..</Code>..</Error>`). Anything else with an error status
//! (an HTML page from a proxy, an empty body) is a [`ResponseError`] that
//! keeps the status and an excerpt. These functions never panic, whatever
//! the bytes.

use std::borrow::Cow;
use std::fmt;

use aliyun_codec::de::FromJson;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::{
    ResponseError, ResponseErrorKind, SdkError, ServiceError, ServiceErrorMetadata,
};

/// Decodes a complete response: the output for a 2xx status, a typed
/// service error or a [`ResponseError`] otherwise.
pub fn decode_response<O: FromJson, E>(
    http_status: u16,
    body: &[u8],
    parse_error: fn(&str) -> E,
) -> Result<O, SdkError<E>> {
    if (200..300).contains(&http_status) {
        // One pass from the bytes to the output (see `crate::de`).
        let decoded = aliyun_codec::de::from_slice::<O>(body).map_err(|error| {
            SdkError::Response(
                ResponseError::undecodable_output(http_status, body, None).with_source(error),
            )
        })?;
        return decoded.map_err(|error| {
            SdkError::Response(
                ResponseError::undecodable_output(http_status, body, Some(error.path()))
                    .with_source(error),
            )
        });
    }
    match parse_service_error(http_status, body) {
        Some(metadata) => Err(SdkError::Service(ServiceError::new(
            parse_error(&metadata.code),
            metadata,
        ))),
        None => Err(SdkError::Response(ResponseError::new(
            ResponseErrorKind::UnrecognizedErrorBody,
            Some(http_status),
            body,
        ))),
    }
}

/// Reads the service's error document from a body, JSON or XML. `None`
/// when the body is neither or has no error code.
pub fn parse_service_error(http_status: u16, body: &[u8]) -> Option<ServiceErrorMetadata> {
    let start = body.iter().position(|byte| !byte.is_ascii_whitespace())?;
    match body[start] {
        b'{' => parse_json_error(http_status, body),
        b'<' => parse_xml_error(http_status, &body[start..]),
        _ => None,
    }
}

fn parse_json_error(http_status: u16, body: &[u8]) -> Option<ServiceErrorMetadata> {
    let fields = match scan_flat_object(body) {
        Some(fields) => fields,
        None => serde_json::from_slice::<JsonErrorFields>(body).ok()?.0,
    };
    let [code, message, request_id, host_id, recommend, access_denied_detail] =
        fields.map(FoundField::into_value);
    let code = code.filter(|code| !code.is_empty())?;
    Some(ServiceErrorMetadata {
        http_status,
        code,
        message: message.unwrap_or_default(),
        request_id,
        host_id,
        recommend,
        access_denied_detail,
    })
}

/// The fields of a JSON error document, in the order of
/// [`JsonErrorFields`]' slots.
const JSON_ERROR_FIELDS: [&str; 6] = [
    "Code",
    "Message",
    "RequestId",
    "HostId",
    "Recommend",
    "AccessDeniedDetail",
];

/// The error fields of a JSON object, read in one pass without building
/// the whole object: every error response is decoded, and a map of owned
/// keys and values costs several times what the handful of fields does.
///
/// The fields are found as a map lookup would find them: a key spelled
/// exactly wins, else the smallest key (in byte order) that matches ignoring
/// ASCII case; a repeated key keeps its last value. Values are kept as
/// [`FoundField::into_value`] describes.
struct JsonErrorFields<'de>([FoundField<'de>; 6]);

/// What was found for one error field.
#[derive(Default)]
struct FoundField<'de> {
    /// The value under the exact name.
    exact: Option<Option<String>>,
    /// The key and value of the best match ignoring case.
    folded: Option<(Cow<'de, str>, Option<String>)>,
}

impl FoundField<'_> {
    /// The field's text: strings as they are, `null` as absent, other
    /// values as their JSON text.
    fn into_value(self) -> Option<String> {
        match (self.exact, self.folded) {
            (Some(value), _) => value,
            (None, Some((_, value))) => value,
            (None, None) => None,
        }
    }
}

/// A JSON value as error-field text (see [`FoundField::into_value`]).
fn field_text(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

impl<'de> Deserialize<'de> for JsonErrorFields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(JsonErrorFieldsVisitor)
    }
}

struct JsonErrorFieldsVisitor;

impl<'de> Visitor<'de> for JsonErrorFieldsVisitor {
    type Value = JsonErrorFields<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON error object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields: [FoundField<'de>; 6] = Default::default();
        while let Some(ObjectKey(key)) = map.next_key()? {
            let Some(index) = error_field_index(&key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let value = field_text(map.next_value::<Value>()?);
            fields[index].record(key, value, index);
        }
        Ok(JsonErrorFields(fields))
    }
}

/// Which error field a key names, ignoring ASCII case.
fn error_field_index(key: &str) -> Option<usize> {
    JSON_ERROR_FIELDS
        .iter()
        .position(|name| name.eq_ignore_ascii_case(key))
}

impl<'de> FoundField<'de> {
    /// Keeps `value`, found under `key`, if it is the better match for
    /// field number `index` (see [`JsonErrorFields`]).
    fn record(&mut self, key: Cow<'de, str>, value: Option<String>, index: usize) {
        if key == JSON_ERROR_FIELDS[index] {
            self.exact = Some(value);
            return;
        }
        let better = match &self.folded {
            Some((best, _)) => key.as_ref() <= best.as_ref(),
            None => true,
        };
        if better {
            self.folded = Some((key, value));
        }
    }
}

/// The error fields of the common shape of error document, a flat object
/// whose keys and values are strings without escapes (or `null` values),
/// read with a plain byte scan. `None` for anything else, which is then
/// read by the general JSON reader: this is only a shortcut, never the
/// judge of what is valid.
///
/// Why: the JSON reader costs about half a microsecond per error body,
/// a measurable part of a loopback call, and nearly every error body has
/// this shape.
fn scan_flat_object(body: &[u8]) -> Option<[FoundField<'_>; 6]> {
    let mut fields: [FoundField<'_>; 6] = Default::default();
    let mut scanner = FlatScanner { body, at: 0 };
    scanner.skip_whitespace();
    scanner.expect(b'{')?;
    scanner.skip_whitespace();
    if scanner.peek() == Some(b'}') {
        scanner.at += 1;
    } else {
        loop {
            let key = scanner.plain_string()?;
            scanner.skip_whitespace();
            scanner.expect(b':')?;
            scanner.skip_whitespace();
            let value = if scanner.peek() == Some(b'"') {
                Some(scanner.plain_string()?)
            } else {
                scanner.null()?;
                None
            };
            if let Some(index) = error_field_index(key) {
                fields[index].record(Cow::Borrowed(key), value.map(str::to_owned), index);
            }
            scanner.skip_whitespace();
            match scanner.next_byte()? {
                b',' => scanner.skip_whitespace(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    scanner.skip_whitespace();
    (scanner.at == body.len()).then_some(fields)
}

/// A cursor over a body for [`scan_flat_object`].
struct FlatScanner<'body> {
    body: &'body [u8],
    at: usize,
}

impl<'body> FlatScanner<'body> {
    fn peek(&self) -> Option<u8> {
        self.body.get(self.at).copied()
    }

    fn next_byte(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, expected: u8) -> Option<()> {
        (self.next_byte()? == expected).then_some(())
    }

    /// Skips JSON whitespace (which, unlike ASCII whitespace, has no form
    /// feed).
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A string without escapes or control characters, as UTF-8.
    fn plain_string(&mut self) -> Option<&'body str> {
        self.expect(b'"')?;
        let rest = self.body.get(self.at..)?;
        let length = rest
            .iter()
            .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
        if rest[length] != b'"' {
            return None;
        }
        let text = std::str::from_utf8(&rest[..length]).ok()?;
        self.at += length + 1;
        Some(text)
    }

    fn null(&mut self) -> Option<()> {
        let end = self.at.checked_add(4)?;
        (self.body.get(self.at..end)? == b"null").then(|| self.at = end)
    }
}

/// An object key, borrowed from the body when it has no escapes.
struct ObjectKey<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for ObjectKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(ObjectKeyVisitor)
    }
}

struct ObjectKeyVisitor;

impl<'de> Visitor<'de> for ObjectKeyVisitor {
    type Value = ObjectKey<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(ObjectKey(Cow::Borrowed(key)))
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(ObjectKey(Cow::Owned(key.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, key: String) -> Result<Self::Value, E> {
        Ok(ObjectKey(Cow::Owned(key)))
    }
}

/// The error fields of an XML error document: the text of the root's
/// children named like the JSON fields.
fn parse_xml_error(http_status: u16, body: &[u8]) -> Option<ServiceErrorMetadata> {
    let mut reader = Reader::from_reader(body);
    let mut buffer = Vec::new();
    let mut depth = 0usize;
    let mut current_field: Option<String> = None;
    let mut text = String::new();
    let mut metadata = ServiceErrorMetadata {
        http_status,
        ..ServiceErrorMetadata::default()
    };
    loop {
        let event = reader.read_event_into(&mut buffer).ok()?;
        match event {
            Event::Start(start) => {
                depth += 1;
                if depth == 2 {
                    current_field =
                        Some(String::from_utf8_lossy(start.local_name().as_ref()).into_owned());
                    text.clear();
                }
            }
            Event::End(_) => {
                if depth == 2 {
                    if let Some(field) = current_field.take() {
                        store_xml_field(&mut metadata, &field, text.trim());
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(content) if depth == 2 => text.push_str(&content.decode().ok()?),
            Event::CData(content) if depth == 2 => text.push_str(&content.decode().ok()?),
            Event::GeneralRef(reference) if depth == 2 => {
                if let Ok(Some(character)) = reference.resolve_char_ref() {
                    text.push(character);
                } else {
                    let name = reference.decode().ok()?;
                    text.push_str(quick_xml::escape::resolve_predefined_entity(&name)?);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    (!metadata.code.is_empty()).then_some(metadata)
}

fn store_xml_field(metadata: &mut ServiceErrorMetadata, field: &str, value: &str) {
    let value = value.to_owned();
    let optional = || (!value.is_empty()).then(|| value.clone());
    match field.to_ascii_lowercase().as_str() {
        "code" => metadata.code = value.clone(),
        "message" => metadata.message = value.clone(),
        "requestid" => metadata.request_id = optional(),
        "hostid" => metadata.host_id = optional(),
        "recommend" => metadata.recommend = optional(),
        "accessdenieddetail" => metadata.access_denied_detail = optional(),
        _ => {}
    }
}

/// The request id of a successful JSON response, for traces.
pub(crate) fn success_request_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct RequestIdOnly {
        #[serde(rename = "RequestId")]
        request_id: Option<String>,
    }
    serde_json::from_slice::<RequestIdOnly>(body)
        .ok()?
        .request_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference reading of a JSON error document: the whole object as
    /// a map, then each field looked up by name.
    fn parse_json_error_via_map(http_status: u16, body: &[u8]) -> Option<ServiceErrorMetadata> {
        let Value::Object(fields) = serde_json::from_slice::<Value>(body).ok()? else {
            return None;
        };
        let field = |name: &str| -> Option<String> {
            let value = fields.get(name).or_else(|| {
                fields
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .map(|(_, value)| value)
            })?;
            field_text(value.clone())
        };
        let code = field("Code").filter(|code| !code.is_empty())?;
        Some(ServiceErrorMetadata {
            http_status,
            code,
            message: field("Message").unwrap_or_default(),
            request_id: field("RequestId"),
            host_id: field("HostId"),
            recommend: field("Recommend"),
            access_denied_detail: field("AccessDeniedDetail"),
        })
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "Code",
                "code",
                "CODE",
                "cOde",
                "Message",
                "message",
                "RequestId",
                "requestid",
                "REQUESTID",
                "HostId",
                "hostId",
                "Recommend",
                "recommend",
                "AccessDeniedDetail",
                "accessDeniedDetail",
                "Other",
            ])
            .prop_map(str::to_owned),
            "[A-Za-z]{0,6}",
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            "-?[0-9]{1,4}(\\.[0-9]{1,3})?",
            "[a-zA-Z .]{0,8}".prop_map(|text| format!("\"{text}\"")),
            Just("\"esc\\\"aped\\u00e9\"".to_owned()),
            Just("[1,\"two\",{\"Code\":3}]".to_owned()),
            Just("{\"Code\":\"nested\",\"n\":[null]}".to_owned()),
        ]
    }

    /// Objects written by hand, so keys can repeat and can carry escapes.
    fn object() -> impl Strategy<Value = String> {
        prop::collection::vec((key(), any::<bool>(), value()), 0..10).prop_map(|members| {
            let members: Vec<String> = members
                .into_iter()
                .map(|(key, escape_first, value)| {
                    let key = match key.char_indices().next() {
                        Some((_, first)) if escape_first => {
                            format!("\\u{:04x}{}", first as u32, &key[first.len_utf8()..])
                        }
                        _ => key,
                    };
                    format!("\"{key}\": {value}")
                })
                .collect();
            format!("{{{}}}", members.join(", "))
        })
    }

    #[test]
    fn documented_shape_is_read() {
        let body = br#"{"RequestId":"R-1","HostId":"rds.aliyuncs.com","Code":"InvalidMigrateTask","Message":"No task.","Recommend":"https://example.invalid/x","Extra":{"a":[1,2]}}"#;
        let metadata = parse_service_error(400, body).expect("error document");
        assert_eq!(metadata.code, "InvalidMigrateTask");
        assert_eq!(metadata.message, "No task.");
        assert_eq!(metadata.request_id.as_deref(), Some("R-1"));
        assert_eq!(metadata.host_id.as_deref(), Some("rds.aliyuncs.com"));
        assert_eq!(
            metadata.recommend.as_deref(),
            Some("https://example.invalid/x")
        );
        assert_eq!(metadata.access_denied_detail, None);
    }

    #[test]
    fn exact_keys_win_and_other_spellings_pick_the_smallest_key() {
        let body = br#"{"code":"lower","Code":"exact","CODE":"upper"}"#;
        assert_eq!(parse_service_error(400, body).unwrap().code, "exact");
        let body = br#"{"code":"lower","CODE":"upper","coDe":"mixed"}"#;
        assert_eq!(parse_service_error(400, body).unwrap().code, "upper");
        let body = br#"{"Code":"first","Code":"last","Message":7,"RequestId":null}"#;
        let metadata = parse_service_error(400, body).unwrap();
        assert_eq!(metadata.code, "last");
        assert_eq!(metadata.message, "7");
        assert_eq!(metadata.request_id, None);
    }

    #[test]
    fn non_objects_and_trailing_bytes_are_not_error_documents() {
        for body in [
            &b"[1]"[..],
            b"{\"Code\":\"X\"} x",
            b"{\"Code\":",
            b"{\"Code\":\"\"}",
        ] {
            assert_eq!(parse_service_error(400, body), None);
        }
    }

    /// The general reader alone, without the flat-object shortcut.
    fn parse_json_error_general(http_status: u16, body: &[u8]) -> Option<ServiceErrorMetadata> {
        let JsonErrorFields(fields) = serde_json::from_slice(body).ok()?;
        let [code, message, request_id, host_id, recommend, access_denied_detail] =
            fields.map(FoundField::into_value);
        Some(ServiceErrorMetadata {
            http_status,
            code: code.filter(|code| !code.is_empty())?,
            message: message.unwrap_or_default(),
            request_id,
            host_id,
            recommend,
            access_denied_detail,
        })
    }

    #[test]
    fn the_documented_shape_takes_the_shortcut() {
        let body =
            " {\"RequestId\":\"R-1\", \"Code\" : \"X\",\"Message\":\"café\",\"HostId\":null}\n";
        assert!(scan_flat_object(body.as_bytes()).is_some());
        let metadata = parse_service_error(400, body.as_bytes()).unwrap();
        assert_eq!(metadata.message, "café");
        assert_eq!(metadata.host_id, None);
        for unusual in [
            &br#"{"Code":"a\"b"}"#[..],
            br#"{"Code":1}"#,
            br#"{"Code":"X",}"#,
            br#"{"Code":"X"} x"#,
            b"\x0c{\"Code\":\"X\"}",
            b"{\"Code\":\"\xff\"}",
            b"{\"Code\":\"tab\there\"}",
            br#"{"Code":nul}"#,
            br#"{"Code":"X""#,
        ] {
            assert!(scan_flat_object(unusual).is_none(), "{unusual:?}");
        }
    }

    proptest! {
        #[test]
        fn the_shortcut_agrees_with_the_general_reader(
            members in prop::collection::vec((key(), prop_oneof![
                Just("null".to_owned()),
                "[a-zA-Z .\u{e9}\u{4f60}]{0,8}".prop_map(|text| format!("\"{text}\"")),
            ]), 0..8),
            spaces in "[ \t\r\n]{0,2}",
            status in 400u16..600,
        ) {
            let members: Vec<String> = members
                .into_iter()
                .map(|(key, value)| format!("\"{key}\"{spaces}:{spaces}{value}"))
                .collect();
            let body = format!("{spaces}{{{spaces}{}{spaces}}}{spaces}", members.join(","));
            prop_assert!(scan_flat_object(body.as_bytes()).is_some(), "{}", body);
            prop_assert_eq!(
                parse_json_error(status, body.as_bytes()),
                parse_json_error_general(status, body.as_bytes()),
                "{}", body
            );
        }

        #[test]
        fn the_shortcut_never_accepts_what_the_general_reader_refuses(
            body in prop::collection::vec(prop::sample::select(b"{}\":, \tnul\\Cx\xc3\xa9\x0c".to_vec()), 0..24),
        ) {
            if scan_flat_object(&body).is_some() {
                prop_assert!(serde_json::from_slice::<JsonErrorFields>(&body).is_ok(), "{:?}", body);
            }
        }

        #[test]
        fn one_pass_reading_agrees_with_the_map_lookup(body in object(), status in 400u16..600) {
            prop_assert_eq!(
                parse_json_error(status, body.as_bytes()),
                parse_json_error_via_map(status, body.as_bytes()),
                "{}", body
            );
        }
    }
}
