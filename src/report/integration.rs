//! The Step Functions integration an SDK call maps to, for the audit's "target integration"
//! column. Optimized integrations where Step Functions has one (aws-facts.md §1.2), otherwise
//! the AWS SDK integration `arn:aws:states:::aws-sdk:<service>:<apiAction>` (aws-facts.md §2:
//! action in camelCase; service tokens are not always the IAM prefix).

/// Optimized integration resources: (IAM service, API action, resource).
const OPTIMIZED: &[(&str, &str, &str)] = &[
    ("dynamodb", "PutItem", "arn:aws:states:::dynamodb:putItem"),
    ("dynamodb", "GetItem", "arn:aws:states:::dynamodb:getItem"),
    (
        "dynamodb",
        "UpdateItem",
        "arn:aws:states:::dynamodb:updateItem",
    ),
    (
        "dynamodb",
        "DeleteItem",
        "arn:aws:states:::dynamodb:deleteItem",
    ),
    ("sqs", "SendMessage", "arn:aws:states:::sqs:sendMessage"),
    ("sns", "Publish", "arn:aws:states:::sns:publish"),
    ("events", "PutEvents", "arn:aws:states:::events:putEvents"),
    (
        "states",
        "StartExecution",
        "arn:aws:states:::states:startExecution",
    ),
];

/// IAM prefix → aws-sdk integration service token where they differ (aws-facts.md §2).
const SDK_SERVICE_TOKENS: &[(&str, &str)] = &[
    ("states", "sfn"),
    ("events", "eventbridge"),
    ("logs", "cloudwatchlogs"),
];

/// The integration resource ARN for `service:Action`.
pub fn integration_for(service: &str, action: &str) -> String {
    if let Some((_, _, arn)) = OPTIMIZED
        .iter()
        .find(|(s, a, _)| *s == service && *a == action)
    {
        return arn.to_string();
    }
    let token = SDK_SERVICE_TOKENS
        .iter()
        .find(|(s, _)| *s == service)
        .map(|(_, t)| *t)
        .unwrap_or(service);
    format!("arn:aws:states:::aws-sdk:{token}:{}", camel(action))
}

fn camel(action: &str) -> String {
    let mut chars = action.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimized_then_sdk_integrations() {
        assert_eq!(
            integration_for("dynamodb", "PutItem"),
            "arn:aws:states:::dynamodb:putItem"
        );
        assert_eq!(
            integration_for("events", "PutEvents"),
            "arn:aws:states:::events:putEvents"
        );
        assert_eq!(
            integration_for("s3", "PutObject"),
            "arn:aws:states:::aws-sdk:s3:putObject"
        );
        assert_eq!(
            integration_for("logs", "PutLogEvents"),
            "arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents"
        );
    }
}
