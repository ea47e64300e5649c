//! The language-neutral handler model: what a Lambda handler reads from its event, which AWS SDK
//! calls it makes with where each argument comes from, what it returns, and the verdict.
//!
//! The front ends (JavaScript, TypeScript, Python) produce it; `rewrite` turns it into Task
//! Parameters; `verify` evaluates it to simulate the original Lambda. Everything here is
//! serializable so that `explain --format json` prints it as is.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Javascript,
    Typescript,
    Python,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Javascript => "javascript",
            Language::Typescript => "typescript",
            Language::Python => "python",
        }
    }
}

/// The three verdicts, in the words the reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// One SDK call whose parameters ASL paths can express; the result maps back directly.
    Replaceable,
    /// Replaceable, but the new Task needs intrinsic functions, a ResultSelector, or Choice/Fail states.
    ReplaceableWithTransform,
    NotReplaceable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Replaceable => "replaceable",
            Verdict::ReplaceableWithTransform => "replaceable-with-transform",
            Verdict::NotReplaceable => "not-replaceable",
        }
    }
    pub fn is_replaceable(self) -> bool {
        !matches!(self, Verdict::NotReplaceable)
    }
}

/// A reason a reviewer can check: a stable code, a sentence, and where in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable kebab-case code, e.g. `single-sdk-call`, `multiple-sdk-calls`, `branching-on-data`.
    pub code: String,
    pub message: String,
    /// Path as given to the analysis (audit makes it relative to the scanned root).
    pub file: String,
    /// 1-based line; 0 when the reason is about the file as a whole.
    pub line: usize,
}

/// A span in the handler source (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Span {
    pub line: usize,
    pub column: usize,
}

/// One step of an access path into the event or a response: `.field` or `[index]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathSeg {
    Field(String),
    Index(i64),
}

/// Where a value comes from, as an expression over the event. This is what lets `rewrite` write
/// `"Item.$": "$.order"` and lets `verify` compute what the original Lambda would have sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValueExpr {
    /// A constant (string, number, boolean, null, or a constant object/array).
    Literal {
        value: Value,
    },
    /// `event.a.b[0]` / `event["a"]["b"][0]`; an empty path is the whole event.
    Event {
        path: Vec<PathSeg>,
    },
    /// `process.env.NAME` / `os.environ["NAME"]`; `value` when the IaC Environment defines it.
    Env {
        name: String,
        value: Option<String>,
    },
    /// An object literal; `spread` entries (`...x`, `**x`, `{**a, **b}`) merge in order.
    Object {
        entries: Vec<ObjectEntry>,
    },
    Array {
        items: Vec<ValueExpr>,
    },
    /// Template string / f-string / `+` concatenation of strings.
    Template {
        parts: Vec<TemplatePart>,
    },
    /// JSON.stringify(x) / json.dumps(x). `style` matters for byte-level equality of message bodies.
    JsonStringify {
        value: Box<ValueExpr>,
        style: JsonStyle,
    },
    /// JSON.parse(x) / json.loads(x).
    JsonParse {
        value: Box<ValueExpr>,
    },
    /// String(x) / str(x) / `${x}` of a non-string.
    ToString {
        value: Box<ValueExpr>,
    },
    /// `a ?? b`, `a || b`, `d.get('k', b)`: `value` when present (and, for `||`, truthy), else `default`.
    Default {
        value: Box<ValueExpr>,
        default: Box<ValueExpr>,
        when: DefaultWhen,
    },
    /// A field of an SDK call's response: `call` is the index in `HandlerModel::calls`.
    SdkResult {
        call: usize,
        path: Vec<PathSeg>,
    },
    /// A value no ASL field can reproduce (Date.now(), uuid, random, hashing, crypto).
    Unrepresentable {
        what: String,
        span: Span,
    },
    /// A construct the analysis does not understand; keeps the verdict conservative.
    Unknown {
        construct: String,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObjectEntry {
    Field { key: String, value: ValueExpr },
    Spread { value: ValueExpr },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemplatePart {
    Text { text: String },
    Expr { value: ValueExpr },
}

/// How a JSON serialisation spaces its output: JSON.stringify is compact, json.dumps uses ", " and ": ".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonStyle {
    /// `{"a":1,"b":2}` (JSON.stringify, json.dumps(separators=(",", ":")), States.JsonToString).
    Compact,
    /// `{"a": 1, "b": 2}` (Python json.dumps default; non-ASCII escaped as \uXXXX).
    PythonDefault,
    /// JSON.stringify(x, null, n) or json.dumps(indent=n) with an indentation the analysis could
    /// not read: no ASL intrinsic reproduces it.
    Indented,
    /// The same, indented by this many spaces (a literal `n`; JSON.stringify caps it at 10).
    IndentedBy(u8),
}

impl JsonStyle {
    /// Either indented form.
    pub fn is_indented(self) -> bool {
        matches!(self, JsonStyle::Indented | JsonStyle::IndentedBy(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultWhen {
    /// `??`, `.get(k, d)`, destructuring default: when missing (JS: undefined/null for `??`).
    Missing,
    /// `||` / Python `or`: when falsy.
    Falsy,
}

/// The AWS SDK flavour a call was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SdkFlavor {
    /// aws-sdk (v2): `new AWS.SQS().sendMessage(params).promise()`.
    JsV2,
    /// @aws-sdk/client-* (v3): `client.send(new SendMessageCommand(params))` or aggregated `new SQS().sendMessage()`.
    JsV3,
    /// @aws-sdk/lib-dynamodb / v2 DocumentClient: plain JS values, marshalled by the library.
    JsDocumentClient,
    /// boto3 client: `boto3.client("sqs").send_message(...)`.
    Boto3Client,
    /// boto3 resource: `boto3.resource("dynamodb").Table(name).put_item(...)`.
    Boto3Resource,
}

/// One AWS SDK call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SdkCall {
    /// Service token as in IAM / aws-sdk integrations: `dynamodb`, `sqs`, `sns`, `events`, ...
    pub service: String,
    /// API action name in PascalCase, as in the API reference: `PutItem`, `SendMessage`.
    pub action: String,
    pub flavor: SdkFlavor,
    /// The request parameters, with API casing (boto3's keyword names are already API names).
    /// For boto3 resource calls, fixed parameters (Table name) are included here.
    pub params: ValueExpr,
    pub span: Span,
}

impl SdkCall {
    /// `dynamodb:PutItem`, the form reports use.
    pub fn id(&self) -> String {
        format!("{}:{}", self.service, self.action)
    }
}

/// An error the handler throws on purpose (validation), or lets through from an SDK call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throw {
    /// The error name as Step Functions would see it from the Lambda (`Error`, `ValidationError`, ...).
    pub error: String,
    pub message: Option<ValueExpr>,
    /// When the throw is guarded by a condition on the event (early validation), the condition.
    pub condition: Option<Condition>,
    pub span: Span,
}

/// A condition on the event, as far as Choice rules can express it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// `!event.x` / `not event.get("x")`: missing, null, false, 0 or empty string.
    Falsy {
        value: ValueExpr,
    },
    /// `event.x === undefined` / `"x" not in event`.
    Missing {
        value: ValueExpr,
    },
    Not {
        condition: Box<Condition>,
    },
    Or {
        conditions: Vec<Condition>,
    },
    And {
        conditions: Vec<Condition>,
    },
    /// Anything else: not expressible as a Choice rule by the rewriter.
    Other {
        source: String,
    },
}

/// The analysis of one handler function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandlerModel {
    /// Path of the analysed file (as given).
    pub file: String,
    pub language: Language,
    /// Exported handler function name (`handler`, `lambdaHandler`, `lambda_handler`).
    pub function: String,
    /// Event paths the handler reads (for input generation and reports).
    pub event_reads: Vec<Vec<PathSeg>>,
    /// Environment variables it reads.
    pub env_reads: Vec<String>,
    pub calls: Vec<SdkCall>,
    /// What the handler returns: `None` when it returns nothing (undefined / None).
    pub returns: Option<ValueExpr>,
    pub throws: Vec<Throw>,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
}
