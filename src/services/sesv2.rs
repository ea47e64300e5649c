//! Simulated SES v2: SendEmail from the world's verified identities (the email is recorded, not
//! delivered).
//!
//! API: SES v2 API Reference, SendEmail (botocore `sesv2` model, REST-JSON, PascalCase members):
//! `Content` required with exactly one of `Simple` (whose `Subject` and `Body` are required),
//! `Raw` or `Template`; `FromEmailAddress`, `Destination`; output `MessageId`. A sender that is not
//! a verified identity (the address or its domain) is `MessageRejected` "Email address is not
//! verified. The following identities failed the check in region <REGION>: <identities>" (SES
//! Developer Guide, ses-errors.html). Message ids look like
//! `01010161b06c7f94-f36c15a6-1e25-49b2-a48d-772fb35fe846-000000` (an SES response quoted in
//! ks888/LambStatus#97). The world is out of the sandbox: recipients need no verification.

use super::errors::{AwsError, Service};
use super::request::{members, not_simulated, null_member};
use super::world::{Change, World};
use serde_json::{json, Value};

const SVC: Service = Service::SesV2;

pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    match action {
        "SendEmail" => send_email(world, params),
        _ => Err(not_simulated(SVC, action)),
    }
}

fn bad_request(message: &str) -> AwsError {
    AwsError::modeled(SVC, "BadRequestException", 400, message)
}

fn verified(world: &World, address: &str) -> bool {
    // The address part of `Name <address>`.
    let addr = address
        .rsplit_once('<')
        .map(|(_, a)| a.trim_end_matches('>'))
        .unwrap_or(address)
        .trim()
        .to_ascii_lowercase();
    let domain = addr.rsplit_once('@').map(|(_, d)| d.to_string());
    world.email_identities.contains(&addr)
        || domain.is_some_and(|d| world.email_identities.contains(&d))
}

fn send_email(world: &mut World, params: &Value) -> Result<Value, AwsError> {
    let p = members(params);
    let content = match p.get("Content") {
        None | Some(Value::Null) => return Err(null_member(SVC, "Content")),
        Some(c) => c,
    };
    let kinds = ["Simple", "Raw", "Template"]
        .iter()
        .filter(|k| content.get(**k).is_some_and(|v| !v.is_null()))
        .count();
    if kinds != 1 {
        // [I] wording; the API requires exactly one content type.
        return Err(bad_request(
            "Exactly one of Simple, Raw or Template content must be specified",
        ));
    }
    if let Some(simple) = content.get("Simple").filter(|v| !v.is_null()) {
        for member in ["Subject", "Body"] {
            if simple.get(member).is_none_or(Value::is_null) {
                return Err(null_member(
                    SVC,
                    &format!("content.simple.{}", member.to_ascii_lowercase()),
                ));
            }
        }
    }
    let from = match p.get("FromEmailAddress") {
        Some(Value::String(s)) => s.clone(),
        // Raw messages may carry the sender in their headers, which this simulator does not parse.
        None | Some(Value::Null) if content.get("Raw").is_some() => {
            return Err(not_simulated(
                SVC,
                "SendEmail of a raw message without FromEmailAddress",
            ))
        }
        // [I] wording: a sender is needed to send.
        _ => return Err(bad_request("Missing required field FromEmailAddress")),
    };
    if !verified(world, &from) {
        return Err(AwsError::modeled(
            SVC,
            "MessageRejected",
            400,
            format!(
                "Email address is not verified. The following identities failed the check in region {}: {from}",
                world.region.to_ascii_uppercase()
            ),
        ));
    }
    let message_id = format!(
        "{}-{}-000000",
        world.ids.hex("ses-message-id-prefix", 16),
        world.ids.uuid("ses-message-id")
    );
    world.record(Change::Started {
        service: SVC.name().into(),
        operation: "SendEmail".into(),
        ids: vec![message_id.clone()],
        request: super::world::canonical(params),
    });
    Ok(json!({ "MessageId": message_id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(from: &str) -> Value {
        json!({"FromEmailAddress": from, "Destination": {"ToAddresses": ["a@b.com"]},
               "Content": {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}}})
    }

    #[test]
    fn sends_from_a_verified_address_or_domain() {
        let mut w = World::new(9);
        w.add_email_identity("example.com");
        let out = call(&mut w, "SendEmail", &email("Shop <shop@example.com>")).unwrap();
        let id = out["MessageId"].as_str().unwrap();
        let re = regex::Regex::new("^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-000000$").unwrap();
        assert!(re.is_match(id), "{id}");
        assert_eq!(out.as_object().unwrap().len(), 1);
        assert_eq!(w.diff.changes.len(), 1);
    }

    #[test]
    fn errors() {
        let mut w = World::new(9);
        w.add_email_identity("ops@example.org");
        let e = call(&mut w, "SendEmail", &email("shop@example.com")).unwrap_err();
        assert_eq!(e.code, "MessageRejected");
        assert_eq!(
            e.message,
            "Email address is not verified. The following identities failed the check in region US-EAST-1: shop@example.com"
        );
        assert_eq!(
            e.error_name(super::super::errors::Integration::AwsSdk),
            "SesV2.MessageRejectedException"
        );
        let mut no_body = email("ops@example.org");
        no_body["Content"]["Simple"]
            .as_object_mut()
            .unwrap()
            .remove("Body");
        assert_eq!(
            call(&mut w, "SendEmail", &no_body).unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            call(
                &mut w,
                "SendEmail",
                &json!({"FromEmailAddress": "ops@example.org"})
            )
            .unwrap_err()
            .code,
            "ValidationException"
        );
        assert!(w.diff.changes.is_empty());
    }
}
