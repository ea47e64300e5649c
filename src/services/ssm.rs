//! Simulated SSM Parameter Store: GetParameter of the world's parameters.
//!
//! API: Systems Manager API Reference, GetParameter (botocore `ssm` model): `Name` required (name,
//! ARN, or `name:version` selector), `WithDecryption`; output `Parameter` with `Name`, `Type`,
//! `Value`, `Version`, `Selector`, `LastModifiedDate`, `ARN`, `DataType` (`text` unless set). A
//! missing parameter is `ParameterNotFound` with an empty message ("An error occurred
//! (ParameterNotFound) when calling the GetParameter operation: " in boto3 reports, e.g.
//! awslabs/aws-simple-cicd#10); a missing version is `ParameterVersionNotFound` (the message as
//! reported in getmoto/moto#3977 from AWS responses).
//! A SecureString read without decryption returns ciphertext this simulator cannot produce: such a
//! call is reported as not simulated rather than answered with made-up text.

use super::errors::{AwsError, Service};
use super::request::{epoch_seconds, members, not_simulated, req_str, wrong_type};
use super::world::World;
use serde_json::{json, Map, Value};

const SVC: Service = Service::Ssm;

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "GetParameter" => get_parameter(world, params),
        _ => Err(not_simulated(SVC, action)),
    }
}

fn get_parameter(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let p = members(params);
    let name = req_str(SVC, &p, "Name")?;
    let decrypt = match p.get("WithDecryption") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(wrong_type(SVC, "WithDecryption")),
    };
    let arn_prefix = world.parameter_arn("");
    let plain = match name.strip_prefix(&arn_prefix) {
        // The ARN drops a path's leading slash: `parameter/app/db` names `/app/db`.
        Some(rest) if world.parameters.contains_key(&format!("/{rest}")) => format!("/{rest}"),
        Some(rest) => rest.to_string(),
        None => name.to_string(),
    };
    let (base, selector) = match plain.rsplit_once(':') {
        Some((b, s)) if !b.is_empty() => (b.to_string(), Some(s.to_string())),
        _ => (plain.clone(), None),
    };
    let param = world
        .parameters
        .get(&base)
        .ok_or_else(|| AwsError::modeled(SVC, "ParameterNotFound", 400, ""))?;
    if let Some(sel) = &selector {
        if sel.parse::<u64>().ok() != Some(param.version) {
            return Err(AwsError::modeled(
                SVC,
                "ParameterVersionNotFound",
                400,
                format!(
                    "Systems Manager could not find version {sel} of {base}. Verify the version and try again."
                ),
            ));
        }
    }
    if param.parameter_type == "SecureString" && !decrypt {
        return Err(not_simulated(
            SVC,
            "GetParameter of a SecureString without WithDecryption (its ciphertext)",
        ));
    }
    let mut out = Map::new();
    out.insert("Name".into(), json!(param.name));
    out.insert("Type".into(), json!(param.parameter_type));
    out.insert("Value".into(), json!(param.value));
    out.insert("Version".into(), json!(param.version));
    if let Some(sel) = selector {
        out.insert("Selector".into(), json!(format!(":{sel}")));
    }
    out.insert(
        "LastModifiedDate".into(),
        epoch_seconds(param.last_modified_ms),
    );
    out.insert("ARN".into(), json!(world.parameter_arn(&param.name)));
    out.insert("DataType".into(), json!("text"));
    Ok(json!({ "Parameter": out }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        let mut w = World::new(1);
        w.add_parameter("/app/db-url", "String", "postgres://db");
        w.add_parameter("api-key", "SecureString", "s3cr3t");
        w
    }

    #[test]
    fn get_by_name_arn_and_version_with_the_api_shape() {
        let mut w = world();
        let out = call(&mut w, "GetParameter", &json!({"Name": "/app/db-url"})).unwrap();
        assert_eq!(
            out,
            json!({"Parameter": {"Name": "/app/db-url", "Type": "String", "Value": "postgres://db",
                "Version": 1, "LastModifiedDate": 0.0,
                "ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/app/db-url", "DataType": "text"}})
        );
        let by_arn = call(
            &mut w,
            "GetParameter",
            &json!({"Name": "arn:aws:ssm:us-east-1:123456789012:parameter/app/db-url"}),
        )
        .unwrap();
        assert_eq!(by_arn, out);
        let v1 = call(&mut w, "GetParameter", &json!({"Name": "/app/db-url:1"})).unwrap();
        assert_eq!(v1["Parameter"]["Selector"], ":1");
        let secure = call(
            &mut w,
            "GetParameter",
            &json!({"Name": "api-key", "WithDecryption": true}),
        )
        .unwrap();
        assert_eq!(secure["Parameter"]["Value"], "s3cr3t");
    }

    #[test]
    fn errors() {
        let mut w = world();
        let e = call(&mut w, "GetParameter", &json!({"Name": "/missing"})).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.status, e.message.as_str()),
            ("ParameterNotFound", 400, "")
        );
        assert_eq!(
            e.error_name(super::super::errors::Integration::AwsSdk),
            "Ssm.ParameterNotFoundException"
        );
        let e = call(&mut w, "GetParameter", &json!({"Name": "/app/db-url:7"})).unwrap_err();
        assert_eq!(e.code, "ParameterVersionNotFound");
        let e = call(&mut w, "GetParameter", &json!({"Name": "api-key"})).unwrap_err();
        assert_eq!(e.code, "UnknownOperationException");
        let e = call(
            &mut w,
            "GetParameter",
            &json!({"Name": "x", "WithDecryption": "yes"}),
        )
        .unwrap_err();
        assert_eq!(e.code, "SerializationException");
    }
}
