//! The Step Functions integration an SDK call maps to, for the audit's "target integration"
//! column: the rules catalogue's choice (optimized where Step Functions has one, else the AWS SDK
//! integration), so that audit and rewrite always agree.

use crate::rules::Catalogue;

/// The integration resource ARN for `service:Action`, or None when the catalogue has no
/// supported integration for it.
pub fn integration_for(service: &str, action: &str) -> Option<String> {
    Catalogue::builtin()
        .lookup(service, action)
        .filter(|r| !r.unsupported)
        .map(|r| r.integration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimized_then_sdk_integrations() {
        assert_eq!(
            integration_for("dynamodb", "PutItem").as_deref(),
            Some("arn:aws:states:::dynamodb:putItem")
        );
        assert_eq!(
            integration_for("events", "PutEvents").as_deref(),
            Some("arn:aws:states:::events:putEvents")
        );
        assert_eq!(
            integration_for("s3", "PutObject").as_deref(),
            Some("arn:aws:states:::aws-sdk:s3:putObject")
        );
        assert_eq!(integration_for("nosuchservice", "DoThing"), None);
    }
}
