//! Simulated Secrets Manager: GetSecretValue of the world's secrets.
//!
//! API: Secrets Manager API Reference, GetSecretValue (botocore `secretsmanager` model): `SecretId`
//! required (name or ARN), optional `VersionId` / `VersionStage`; output `ARN`, `Name`, `VersionId`,
//! `SecretString` or `SecretBinary`, `VersionStages`, `CreatedDate`. A missing secret (or version)
//! is `ResourceNotFoundException` "Secrets Manager can't find the specified secret." (the service's
//! text as quoted in public error reports, e.g. lgallard/terraform-aws-secrets-manager#24).
//! Each secret has one version, labelled `AWSCURRENT`.

use super::errors::{AwsError, Service};
use super::request::{epoch_seconds, members, not_simulated, opt_str, req_str};
use super::resources::Secret;
use super::world::World;
use serde_json::{json, Map, Value};

const SVC: Service = Service::SecretsManager;
const CURRENT: &str = "AWSCURRENT";

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "GetSecretValue" => get_secret_value(world, params),
        _ => Err(not_simulated(SVC, action)),
    }
}

fn not_found() -> AwsError {
    AwsError::modeled(
        SVC,
        "ResourceNotFoundException",
        400,
        "Secrets Manager can't find the specified secret.",
    )
}

/// The secret `id` names: its name, its full ARN, or its ARN without the random suffix.
fn find<'a>(world: &'a World, id: &str) -> Option<&'a Secret> {
    if let Some(s) = world.secrets.get(id) {
        return Some(s);
    }
    let partial = format!(
        "arn:aws:secretsmanager:{}:{}:secret:",
        world.region, world.account_id
    );
    let rest = id.strip_prefix(&partial)?;
    world
        .secrets
        .values()
        .find(|s| s.name == rest || world.secret_arn(s) == id)
}

fn get_secret_value(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let p = members(params);
    let id = req_str(SVC, &p, "SecretId")?;
    let version = opt_str(SVC, &p, "VersionId")?;
    let stage = opt_str(SVC, &p, "VersionStage")?;
    let secret = find(world, id).ok_or_else(not_found)?;
    // A secret without a value has no version: GetSecretValue answers ResourceNotFoundException
    // (confirmed as the service's behaviour in boto/boto3#2794).
    let empty = secret.secret_string.is_none() && secret.secret_binary.is_none();
    if empty
        || version.is_some_and(|v| v != secret.version_id)
        || stage.is_some_and(|s| s != CURRENT)
    {
        return Err(not_found());
    }
    let mut out = Map::new();
    out.insert("ARN".into(), json!(world.secret_arn(secret)));
    out.insert("Name".into(), json!(secret.name));
    out.insert("VersionId".into(), json!(secret.version_id));
    if let Some(s) = &secret.secret_string {
        out.insert("SecretString".into(), json!(s));
    }
    if let Some(b) = &secret.secret_binary {
        out.insert("SecretBinary".into(), json!(b));
    }
    out.insert("VersionStages".into(), json!([CURRENT]));
    out.insert("CreatedDate".into(), epoch_seconds(secret.created_ms));
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        let mut w = World::new(4);
        w.add_secret("db-password", Some("hunter2".into()), None);
        w
    }

    #[test]
    fn get_by_name_and_arn_with_the_api_shape() {
        let mut w = world();
        let out = call(
            &mut w,
            "GetSecretValue",
            &json!({"SecretId": "db-password"}),
        )
        .unwrap();
        let arn = out["ARN"].as_str().unwrap().to_string();
        let re = regex::Regex::new(
            "^arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-[A-Za-z0-9]{6}$",
        )
        .unwrap();
        assert!(re.is_match(&arn), "{arn}");
        let keys: Vec<&str> = out
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "ARN",
                "Name",
                "VersionId",
                "SecretString",
                "VersionStages",
                "CreatedDate"
            ]
        );
        assert_eq!(out["SecretString"], "hunter2");
        assert_eq!(out["VersionStages"], json!(["AWSCURRENT"]));
        assert_eq!(out["VersionId"].as_str().unwrap().len(), 36);
        let by_arn = call(&mut w, "GetSecretValue", &json!({"SecretId": arn})).unwrap();
        assert_eq!(by_arn, out);
        let partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password";
        assert!(call(&mut w, "GetSecretValue", &json!({"SecretId": partial})).is_ok());
    }

    #[test]
    fn missing_secret_version_and_parameter() {
        let mut w = world();
        let e = call(&mut w, "GetSecretValue", &json!({"SecretId": "nope"})).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.status, e.message.as_str()),
            (
                "ResourceNotFoundException",
                400,
                "Secrets Manager can't find the specified secret."
            )
        );
        let e = call(
            &mut w,
            "GetSecretValue",
            &json!({"SecretId": "db-password", "VersionStage": "AWSPREVIOUS"}),
        )
        .unwrap_err();
        assert_eq!(e.code, "ResourceNotFoundException");
        w.add_secret("empty", None, None);
        let e = call(&mut w, "GetSecretValue", &json!({"SecretId": "empty"})).unwrap_err();
        assert_eq!(e.code, "ResourceNotFoundException");
        let e = call(&mut w, "GetSecretValue", &json!({})).unwrap_err();
        assert_eq!(e.code, "ValidationException");
        let e = call(&mut w, "PutSecretValue", &json!({})).unwrap_err();
        assert_eq!(e.code, "UnknownOperationException");
    }
}
