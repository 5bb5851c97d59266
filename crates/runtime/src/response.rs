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

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{
    ResponseError, ResponseErrorKind, SdkError, ServiceError, ServiceErrorMetadata,
};

/// Decodes a complete response: the output for a 2xx status, a typed
/// service error or a [`ResponseError`] otherwise.
pub fn decode_response<O: DeserializeOwned, E>(
    http_status: u16,
    body: &[u8],
    parse_error: fn(&str) -> E,
) -> Result<O, SdkError<E>> {
    if (200..300).contains(&http_status) {
        return serde_json::from_slice(body).map_err(|error| {
            SdkError::Response(
                ResponseError::new(
                    ResponseErrorKind::UndecodableOutput,
                    Some(http_status),
                    body,
                )
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
    let Value::Object(fields) = serde_json::from_slice::<Value>(body).ok()? else {
        return None;
    };
    let code = json_field(&fields, "Code").filter(|code| !code.is_empty())?;
    Some(ServiceErrorMetadata {
        http_status,
        code,
        message: json_field(&fields, "Message").unwrap_or_default(),
        request_id: json_field(&fields, "RequestId"),
        host_id: json_field(&fields, "HostId"),
        recommend: json_field(&fields, "Recommend"),
        access_denied_detail: json_field(&fields, "AccessDeniedDetail"),
    })
}

/// A field by name, any case; strings as they are, other values as JSON.
fn json_field(fields: &Map<String, Value>, name: &str) -> Option<String> {
    let value = fields.get(name).or_else(|| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })?;
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
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
