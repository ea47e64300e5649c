//! `SdkHttpMetadata` / `SdkResponseMetadata`: what the optimized Lambda, DynamoDB, SQS, SNS and
//! StartExecution integrations add to the API result (aws-facts §1.3; header names, their order and
//! array-vs-string values copied from the recorded cases: services/test_dynamodb_task_service,
//! test_sqs_task_service, test_sns_task_service, test_lambda_task_service).
//! `events:putEvents` and every `aws-sdk:*` integration return the bare API output.

use serde_json::{Map, Value};

/// The HTTP response the metadata describes.
#[derive(Debug, Clone)]
pub struct HttpResponseInfo<'a> {
    pub request_id: &'a str,
    /// Length of the API's response body in bytes (JSON for DynamoDB/SQS/Lambda, XML for SNS).
    pub content_length: usize,
    /// RFC 7231 date of the response.
    pub date: String,
    /// DynamoDB only: CRC32 of the response body.
    pub crc32: Option<u32>,
    /// Lambda only: the X-Amzn-Trace-Id header.
    pub trace_id: Option<String>,
}

/// Header layout of each service's responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderStyle {
    DynamoDb,
    /// SQS (JSON protocol) and SNS differ only in Content-Type.
    SqsJson,
    SnsXml,
    Lambda,
    StepFunctions,
    /// JSON 1.1 services (ECS, Athena, CodeBuild, Glue, Secrets Manager, SSM): the headers of the
    /// recorded `ecs:runTask` result (LocalStack test_ecs_task_service).
    Json11,
    /// REST-JSON services (Batch, SES v2): as Json11 with `application/json` [I].
    RestJson,
}

/// (name, value) pairs in the order the recorded AllHttpHeaders list them.
fn headers(style: HeaderStyle, info: &HttpResponseInfo) -> Vec<(&'static str, String)> {
    let len = info.content_length.to_string();
    let rid = info.request_id.to_string();
    match style {
        HeaderStyle::DynamoDb => vec![
            ("Server", "Server".into()),
            ("Connection", "keep-alive".into()),
            ("x-amzn-RequestId", rid),
            ("x-amz-crc32", info.crc32.unwrap_or(0).to_string()),
            ("Content-Length", len),
            ("Date", info.date.clone()),
            ("Content-Type", "application/x-amz-json-1.0".into()),
        ],
        HeaderStyle::SqsJson | HeaderStyle::StepFunctions => vec![
            ("x-amzn-RequestId", rid),
            ("connection", "keep-alive".into()),
            ("Content-Length", len),
            ("Date", info.date.clone()),
            ("Content-Type", "application/x-amz-json-1.0".into()),
        ],
        HeaderStyle::Json11 | HeaderStyle::RestJson => vec![
            ("x-amzn-RequestId", rid),
            ("Content-Length", len),
            ("Date", info.date.clone()),
            (
                "Content-Type",
                if style == HeaderStyle::Json11 {
                    "application/x-amz-json-1.1".into()
                } else {
                    "application/json".into()
                },
            ),
        ],
        HeaderStyle::SnsXml => vec![
            ("x-amzn-RequestId", rid),
            ("connection", "keep-alive".into()),
            ("Content-Length", len),
            ("Date", info.date.clone()),
            ("Content-Type", "text/xml".into()),
        ],
        HeaderStyle::Lambda => vec![
            ("X-Amz-Executed-Version", "$LATEST".into()),
            ("x-amzn-Remapped-Content-Length", "0".into()),
            ("Connection", "keep-alive".into()),
            ("x-amzn-RequestId", rid),
            ("Content-Length", len),
            ("Date", info.date.clone()),
            ("X-Amzn-Trace-Id", info.trace_id.clone().unwrap_or_default()),
            ("Content-Type", "application/json".into()),
        ],
    }
}

/// Builds `SdkHttpMetadata`: `AllHttpHeaders` values are arrays of strings, `HttpHeaders` values
/// plain strings sorted case-insensitively (as recorded).
pub fn sdk_http_metadata(style: HeaderStyle, info: &HttpResponseInfo) -> Value {
    let hs = headers(style, info);
    let mut all = Map::new();
    for (k, v) in &hs {
        all.insert(
            (*k).to_string(),
            Value::Array(vec![Value::String(v.clone())]),
        );
    }
    let mut sorted = hs.clone();
    sorted.sort_by_key(|(k, _)| k.to_ascii_lowercase());
    let mut single = Map::new();
    for (k, v) in sorted {
        single.insert(k.to_string(), Value::String(v));
    }
    let mut m = Map::new();
    m.insert("AllHttpHeaders".into(), Value::Object(all));
    m.insert("HttpHeaders".into(), Value::Object(single));
    m.insert("HttpStatusCode".into(), Value::from(200));
    Value::Object(m)
}

/// The optimized-integration result: the API output plus both metadata objects, keys sorted
/// (recorded results list `MD5OfMessageBody, MessageId, SdkHttpMetadata, SdkResponseMetadata,
/// SequenceNumber` in that order).
pub fn wrap_optimized(
    api_output: Map<String, Value>,
    style: HeaderStyle,
    info: &HttpResponseInfo,
) -> Value {
    let mut all = api_output;
    all.insert("SdkHttpMetadata".into(), sdk_http_metadata(style, info));
    let mut rm = Map::new();
    rm.insert(
        "RequestId".into(),
        Value::String(info.request_id.to_string()),
    );
    all.insert("SdkResponseMetadata".into(), Value::Object(rm));
    let mut keys: Vec<String> = all.keys().cloned().collect();
    keys.sort();
    let mut out = Map::new();
    for k in keys {
        if let Some(v) = all.remove(&k) {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

/// RFC 7231 IMF-fixdate for an epoch-milliseconds instant (HTTP `Date` header).
pub fn http_date(now_ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(now_ms) {
        Some(t) => t.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        None => "Thu, 01 Jan 1970 00:00:00 GMT".to_string(),
    }
}

/// CRC-32 (IEEE) of a body: DynamoDB's `x-amz-crc32` header.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc: u32 = 0xffff_ffff;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            let mask = (!(crc & 1)).wrapping_add(1);
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// Compact JSON text of an API output (the response body a JSON-protocol service sends).
pub fn json_body(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// JSON text as Python's `json.dumps` writes it (`", "` and `": "` separators, non-ASCII escaped):
/// the body a Python Lambda function returns, whose length is the recorded `Content-Length`
/// (e.g. `{"body": "string body"}` in local_mocking/test_lambda_service_invoke).
pub fn python_json(v: &Value) -> String {
    let mut out = String::new();
    write_python(v, &mut out);
    out
}

fn write_python(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_str(k, out);
                out.push_str(": ");
                write_python(x, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python(x, out);
            }
            out.push(']');
        }
        Value::String(s) => write_python_str(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn write_python_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            // Python's ensure_ascii escapes everything outside ' '..='~', DEL included.
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    #[test]
    fn python_json_escapes_as_python_does() {
        // python3 -c 'import json; print(json.dumps("\b\f\x7f"))' prints "\b\f\u007f"
        assert_eq!(
            super::python_json(&serde_json::json!("\u{8}\u{c}\u{7f}")),
            r#""\b\f\u007f""#
        );
    }

    #[test]
    fn python_json_matches_json_dumps() {
        assert_eq!(
            python_json(&json!({"body": "string body", "l": [1, 2.5, null, true], "u": "é\n"})),
            r#"{"body": "string body", "l": [1, 2.5, null, true], "u": "\u00e9\n"}"#
        );
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn crc32_known_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn dynamodb_put_item_shape() {
        let info = HttpResponseInfo {
            request_id: "RID",
            content_length: 2,
            date: http_date(0),
            crc32: Some(crc32(b"{}")),
            trace_id: None,
        };
        let v = wrap_optimized(Map::new(), HeaderStyle::DynamoDb, &info);
        assert_eq!(
            v["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"],
            json!("2")
        );
        assert_eq!(
            v["SdkHttpMetadata"]["AllHttpHeaders"]["Connection"],
            json!(["keep-alive"])
        );
        assert_eq!(v["SdkResponseMetadata"], json!({"RequestId": "RID"}));
        let keys: Vec<_> = v["SdkHttpMetadata"]["HttpHeaders"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(
            keys,
            [
                "Connection",
                "Content-Length",
                "Content-Type",
                "Date",
                "Server",
                "x-amz-crc32",
                "x-amzn-RequestId"
            ]
        );
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
