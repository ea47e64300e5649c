//! Simulated S3 for the aws-sdk integration: GetObject, PutObject, CopyObject, ListObjectsV2,
//! DeleteObject. Bodies are text (Step Functions returns GetObject's Body as a string, aws-facts §1.3).
//!
//! Result shapes: aws-facts §1.3 (recorded getObject/putObject outputs); API semantics and errors:
//! S3 API Reference (API_GetObject.html, API_PutObject.html, API_CopyObject.html,
//! API_ListObjectsV2.html, API_DeleteObject.html): `NoSuchBucket` "The specified bucket does not
//! exist", `NoSuchKey` "The specified key does not exist." (recorded as `S3.NoSuchKeyException`).

use super::errors::{AwsError, Service};
use super::metadata::crc32;
use super::sqs::md5_hex;
use super::world::{Change, S3Object, World};
use serde_json::{json, Map, Value};

const SVC: Service = Service::S3;

fn no_bucket() -> AwsError {
    AwsError::modeled(
        SVC,
        "NoSuchBucket",
        404,
        "The specified bucket does not exist",
    )
}

fn no_key() -> AwsError {
    AwsError::modeled(SVC, "NoSuchKey", 404, "The specified key does not exist.")
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn required<'a>(p: &'a Map<String, Value>, k: &str) -> Result<&'a str, AwsError> {
    p.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AwsError::unmodeled(
                SVC,
                "InvalidRequest",
                400,
                format!("Missing required parameter {k}"),
            )
        })
}

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    let p = params.as_object().cloned().unwrap_or_default();
    match action {
        "GetObject" => {
            let (b, k) = (required(&p, "Bucket")?, required(&p, "Key")?);
            let bucket = world.buckets.get(b).ok_or_else(no_bucket)?;
            let o = bucket.objects.get(k).ok_or_else(no_key)?;
            Ok(json!({
                "AcceptRanges": "bytes",
                "Body": o.body,
                "ContentLength": o.body.len(),
                "ContentType": o.content_type,
                "ETag": o.etag,
                "LastModified": iso(o.last_modified_ms),
                "Metadata": o.metadata,
                "ServerSideEncryption": "AES256"
            }))
        }
        "PutObject" => {
            let (b, k) = (
                required(&p, "Bucket")?.to_string(),
                required(&p, "Key")?.to_string(),
            );
            if !world.buckets.contains_key(&b) {
                return Err(no_bucket());
            }
            // An object Body is stored as compact JSON, text/plain (aws-facts §1.4, recorded).
            let (body, default_type) = match p.get("Body") {
                None | Some(Value::Null) => (String::new(), "binary/octet-stream"),
                Some(Value::String(s)) => (s.clone(), "binary/octet-stream"),
                Some(other) => (other.to_string(), "text/plain; charset=UTF-8"),
            };
            let content_type = p
                .get("ContentType")
                .and_then(Value::as_str)
                .unwrap_or(default_type)
                .to_string();
            let etag = format!("\"{}\"", md5_hex(body.as_bytes()));
            let checksum = base64(&crc32(body.as_bytes()).to_be_bytes());
            let obj = S3Object {
                body: body.clone(),
                content_type,
                metadata: p
                    .get("Metadata")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                etag: etag.clone(),
                last_modified_ms: world.ctx.now_ms,
            };
            world
                .buckets
                .get_mut(&b)
                .ok_or_else(no_bucket)?
                .objects
                .insert(k.clone(), obj);
            world.record(Change::ObjectPut {
                bucket: b,
                key: k,
                etag: etag.clone(),
                body,
            });
            Ok(
                json!({"ChecksumCRC32": checksum, "ChecksumType": "FULL_OBJECT", "ETag": etag, "ServerSideEncryption": "AES256"}),
            )
        }
        "CopyObject" => {
            let (b, k) = (
                required(&p, "Bucket")?.to_string(),
                required(&p, "Key")?.to_string(),
            );
            let src = required(&p, "CopySource")?
                .trim_start_matches('/')
                .to_string();
            let (sb, sk) = src.split_once('/').ok_or_else(|| {
                AwsError::unmodeled(
                    SVC,
                    "InvalidArgument",
                    400,
                    "Invalid copy source object key",
                )
            })?;
            let obj = world
                .buckets
                .get(sb)
                .ok_or_else(no_bucket)?
                .objects
                .get(sk)
                .ok_or_else(no_key)?
                .clone();
            if !world.buckets.contains_key(&b) {
                return Err(no_bucket());
            }
            let mut copy = obj.clone();
            copy.last_modified_ms = world.ctx.now_ms;
            let etag = copy.etag.clone();
            world
                .buckets
                .get_mut(&b)
                .ok_or_else(no_bucket)?
                .objects
                .insert(k.clone(), copy.clone());
            world.record(Change::ObjectPut {
                bucket: b,
                key: k,
                etag: etag.clone(),
                body: copy.body,
            });
            Ok(
                json!({"CopyObjectResult": {"ETag": etag, "LastModified": iso(world.ctx.now_ms)}, "ServerSideEncryption": "AES256"}),
            )
        }
        "ListObjectsV2" => {
            let b = required(&p, "Bucket")?;
            let bucket = world.buckets.get(b).ok_or_else(no_bucket)?;
            let prefix = p.get("Prefix").and_then(Value::as_str).unwrap_or("");
            let start_after = p
                .get("ContinuationToken")
                .or(p.get("StartAfter"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let max = p.get("MaxKeys").and_then(Value::as_u64).unwrap_or(1000) as usize;
            let matching: Vec<(&String, &S3Object)> = bucket
                .objects
                .iter()
                .filter(|(k, _)| k.starts_with(prefix) && k.as_str() > start_after)
                .collect();
            let truncated = matching.len() > max;
            let page: Vec<Value> = matching.iter().take(max).map(|(k, o)| json!({
                "Key": k, "LastModified": iso(o.last_modified_ms), "ETag": o.etag, "Size": o.body.len(), "StorageClass": "STANDARD"
            })).collect();
            let mut out = Map::new();
            if !page.is_empty() {
                out.insert("Contents".into(), Value::Array(page.clone()));
            }
            out.insert("IsTruncated".into(), json!(truncated));
            out.insert("KeyCount".into(), json!(page.len()));
            out.insert("MaxKeys".into(), json!(max));
            out.insert("Name".into(), json!(b));
            if truncated {
                if let Some(last) = page.last() {
                    out.insert("NextContinuationToken".into(), last["Key"].clone());
                }
            }
            out.insert("Prefix".into(), json!(prefix));
            Ok(Value::Object(out))
        }
        "DeleteObject" => {
            let (b, k) = (
                required(&p, "Bucket")?.to_string(),
                required(&p, "Key")?.to_string(),
            );
            let bucket = world.buckets.get_mut(&b).ok_or_else(no_bucket)?;
            // Deleting a missing key succeeds (API_DeleteObject).
            if bucket.objects.remove(&k).is_some() {
                world.record(Change::ObjectDeleted { bucket: b, key: k });
            }
            Ok(json!({}))
        }
        _ => Err(AwsError::unmodeled(
            SVC,
            "NotImplemented",
            501,
            format!("lambdaless: S3 {action} is not simulated"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_list_copy_delete() {
        let mut w = World::new(1);
        w.add_bucket("b");
        let r = call(
            &mut w,
            "PutObject",
            &json!({"Bucket": "b", "Key": "k", "Body": {"Dict": "Value"}}),
        )
        .unwrap();
        // The whole result, as aws-facts §1.3 records it (checksum and ETag computed independently:
        // zlib.crc32 and hashlib.md5 of the 16 stored bytes).
        assert_eq!(
            r,
            json!({"ChecksumCRC32": "hnEfWw==", "ChecksumType": "FULL_OBJECT",
                   "ETag": "\"49e31cee5aec8faf3345893addb14346\"", "ServerSideEncryption": "AES256"})
        );
        let g = call(&mut w, "GetObject", &json!({"Bucket": "b", "Key": "k"})).unwrap();
        assert_eq!(
            g,
            json!({"AcceptRanges": "bytes", "Body": "{\"Dict\":\"Value\"}", "ContentLength": 16,
                   "ContentType": "text/plain; charset=UTF-8", "ETag": "\"49e31cee5aec8faf3345893addb14346\"",
                   "LastModified": g["LastModified"], "Metadata": {}, "ServerSideEncryption": "AES256"})
        );
        let e = call(&mut w, "GetObject", &json!({"Bucket": "nope", "Key": "k"})).unwrap_err();
        assert_eq!(
            (
                e.error_name(crate::services::errors::Integration::AwsSdk),
                e.message.as_str()
            ),
            (
                "S3.NoSuchBucketException".to_string(),
                "The specified bucket does not exist"
            )
        );
        call(
            &mut w,
            "CopyObject",
            &json!({"Bucket": "b", "Key": "k2", "CopySource": "b/k"}),
        )
        .unwrap();
        let l = call(&mut w, "ListObjectsV2", &json!({"Bucket": "b"})).unwrap();
        assert_eq!(l["KeyCount"], json!(2));
        call(&mut w, "DeleteObject", &json!({"Bucket": "b", "Key": "k"})).unwrap();
        let e = call(&mut w, "GetObject", &json!({"Bucket": "b", "Key": "k"})).unwrap_err();
        assert_eq!(
            e.error_name(crate::services::errors::Integration::AwsSdk),
            "S3.NoSuchKeyException"
        );
        assert_eq!(base64(&[0xde, 0xad, 0xbe, 0xef]), "3q2+7w==");
    }
}
