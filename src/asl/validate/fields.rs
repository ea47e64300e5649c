//! Which fields each state type accepts under each query language
//! (https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html and the
//! per-state pages; JSONata replaces InputPath/Parameters/ResultSelector/ResultPath/OutputPath with
//! Arguments and Output: https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).

use super::QueryLanguage;

pub const STATE_TYPES: [&str; 8] = [
    "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
];

/// Fields only JSONPath states accept.
pub const JSONPATH_ONLY: [&str; 16] = [
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "Result",
];

/// Fields only JSONata states accept.
pub const JSONATA_ONLY: [&str; 3] = ["Arguments", "Output", "Items"];

/// The fields a state of `ty` accepts under `ql` (Type, Comment and QueryLanguage always).
pub fn allowed(ty: &str, ql: QueryLanguage) -> &'static [&'static str] {
    use QueryLanguage::*;
    match (ty, ql) {
        ("Pass", JsonPath) => &[
            "Next",
            "End",
            "InputPath",
            "Parameters",
            "ResultPath",
            "OutputPath",
            "Result",
            "Assign",
        ],
        ("Pass", Jsonata) => &["Next", "End", "Output", "Assign"],
        ("Task", JsonPath) => &[
            "Next",
            "End",
            "Resource",
            "InputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "OutputPath",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Assign",
        ],
        ("Task", Jsonata) => &[
            "Next",
            "End",
            "Resource",
            "Arguments",
            "Output",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
            "Assign",
        ],
        ("Choice", JsonPath) => &["Choices", "Default", "InputPath", "OutputPath", "Assign"],
        ("Choice", Jsonata) => &["Choices", "Default", "Output", "Assign"],
        ("Wait", JsonPath) => &[
            "Next",
            "End",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
            "InputPath",
            "OutputPath",
            "Assign",
        ],
        ("Wait", Jsonata) => &["Next", "End", "Seconds", "Timestamp", "Output", "Assign"],
        ("Succeed", JsonPath) => &["InputPath", "OutputPath"],
        ("Succeed", Jsonata) => &["Output"],
        ("Fail", JsonPath) => &["Error", "ErrorPath", "Cause", "CausePath"],
        ("Fail", Jsonata) => &["Error", "Cause"],
        ("Parallel", JsonPath) => &[
            "Next",
            "End",
            "Branches",
            "InputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "OutputPath",
            "Retry",
            "Catch",
            "Assign",
        ],
        ("Parallel", Jsonata) => &[
            "Next",
            "End",
            "Branches",
            "Arguments",
            "Output",
            "Retry",
            "Catch",
            "Assign",
        ],
        ("Map", JsonPath) => &[
            "Next",
            "End",
            "Iterator",
            "ItemProcessor",
            "ItemsPath",
            "ItemSelector",
            "Parameters",
            "ItemReader",
            "ResultWriter",
            "ItemBatcher",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "Label",
            "ResultSelector",
            "ResultPath",
            "InputPath",
            "OutputPath",
            "Retry",
            "Catch",
            "Assign",
        ],
        ("Map", Jsonata) => &[
            "Next",
            "End",
            "ItemProcessor",
            "Items",
            "ItemSelector",
            "ItemReader",
            "ResultWriter",
            "ItemBatcher",
            "MaxConcurrency",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "Label",
            "Arguments",
            "Output",
            "Retry",
            "Catch",
            "Assign",
        ],
        _ => &[],
    }
}

/// True for state types that must have exactly one of Next or End.
pub fn needs_transition(ty: &str) -> bool {
    matches!(ty, "Pass" | "Task" | "Wait" | "Parallel" | "Map")
}
