//! The new Task for a JSONata state (QueryLanguage JSONata on the state or the machine): the
//! request goes into `Arguments` and the handler's return value into `Output`, both written as
//! `{% ... %}` JSONata expressions over `$states.input` and `$states.result`
//! (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
//!
//! The original Task's Output (and Assign) read the Lambda's return value as
//! `$states.result.Payload` (lambda:invoke) or `$states.result` (a function ARN); those reads are
//! replaced by the same value computed from the integration's result.

use super::asl_value::Asl;
use crate::analysis::model::{
    Condition, DefaultWhen, HandlerModel, JsonStyle, Language, ObjectEntry, PathSeg, TemplatePart,
    ValueExpr,
};
use crate::discover::model::InvocationStyle;
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// A value as the new state computes it.
#[derive(Debug, Clone, PartialEq)]
enum J {
    Lit(Value),
    /// A JSONata expression (without `{% %}`).
    Expr(String),
    Obj(Vec<(String, J)>),
    /// JavaScript `undefined`: a key the payload does not have.
    Absent,
}

impl J {
    fn expr(&self) -> String {
        match self {
            J::Lit(v) => v.to_string(),
            J::Expr(e) => e.clone(),
            J::Obj(fields) => {
                let inner: Vec<String> = fields
                    .iter()
                    .filter(|(_, v)| *v != J::Absent)
                    .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), v.expr()))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
            // Only reached where the caller has ruled `undefined` out.
            J::Absent => "null".into(),
        }
    }

    /// As a field value of Arguments: literals as they are, expressions as `{% %}` strings.
    fn template(&self) -> Value {
        match self {
            J::Lit(v) => v.clone(),
            J::Expr(e) => Value::String(format!("{{% {e} %}}")),
            J::Obj(fields) => Value::Object(
                fields
                    .iter()
                    .filter(|(_, v)| *v != J::Absent)
                    .map(|(k, v)| (k.clone(), v.template()))
                    .collect(),
            ),
            J::Absent => Value::Null,
        }
    }

    fn select(&self, path: &[PathSeg]) -> J {
        let Some((first, rest)) = path.split_first() else {
            return self.clone();
        };
        match self {
            J::Expr(e) => {
                let base = if is_simple_path(e) {
                    e.clone()
                } else {
                    format!("({e})")
                };
                J::Expr(path.iter().fold(base, |acc, seg| acc + &segment(seg)))
            }
            J::Obj(fields) => match first {
                PathSeg::Field(f) => fields
                    .iter()
                    .find(|(k, _)| k == f)
                    .map(|(_, v)| v.select(rest))
                    .unwrap_or(J::Absent),
                PathSeg::Index(_) => J::Absent,
            },
            J::Lit(v) => {
                let mut cur = v;
                for seg in path {
                    let next = match seg {
                        PathSeg::Field(f) => cur.get(f),
                        PathSeg::Index(i) => usize::try_from(*i).ok().and_then(|i| cur.get(i)),
                    };
                    match next {
                        Some(n) => cur = n,
                        None => return J::Absent,
                    }
                }
                J::Lit(cur.clone())
            }
            J::Absent => J::Absent,
        }
    }
}

fn is_simple_path(e: &str) -> bool {
    e.starts_with('$')
        && e[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn segment(seg: &PathSeg) -> String {
    match seg {
        PathSeg::Field(f)
            if !f.is_empty()
                && f.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            format!(".{f}")
        }
        PathSeg::Field(f) => format!(".`{}`", f.replace('`', "")),
        PathSeg::Index(i) => format!("[{i}]"),
    }
}

/// A string value of `{% expr %}` form, or None.
fn expression_of(v: &Value) -> Option<&str> {
    let s = v.as_str()?.trim();
    s.strip_prefix("{%")?.strip_suffix("%}").map(str::trim)
}

/// A JSONata template (Arguments / Payload) as a value tree.
fn from_template(v: &Value) -> J {
    if let Some(e) = expression_of(v) {
        return J::Expr(e.to_string());
    }
    match v {
        Value::Object(m) => J::Obj(
            m.iter()
                .map(|(k, v)| (k.clone(), from_template(v)))
                .collect(),
        ),
        other => J::Lit(other.clone()),
    }
}

struct Ctx<'a> {
    event: &'a J,
    env: &'a IndexMap<String, Asl>,
    language: Language,
    /// `$states.result` when converting the return value.
    result: Option<&'a str>,
    /// The result's items are typed AttributeValues the handler saw plain (lib-dynamodb, boto3
    /// resource): reads into them go through `$u`.
    typed_items: bool,
    /// How reads of the result are cased (aws-sdk results are PascalCase).
    result_case: super::member_case::ResultCase,
    notes: Vec<String>,
}

impl Ctx<'_> {
    fn convert(&mut self, e: &ValueExpr) -> Result<J, String> {
        Ok(match e {
            ValueExpr::Literal { value } => J::Lit(value.clone()),
            ValueExpr::Event { path } => self.event.select(path),
            ValueExpr::Env { name, .. } => match self.env.get(name) {
                Some(Asl::Literal(v)) => J::Lit(v.clone()),
                _ => return Err(format!("environment variable {name} has no value here")),
            },
            ValueExpr::Object { entries } => {
                let mut fields: Vec<(String, J)> = Vec::new();
                let mut spreads: Vec<String> = Vec::new();
                for entry in entries {
                    match entry {
                        ObjectEntry::Field { key, value } => {
                            fields.push((key.clone(), self.convert(value)?))
                        }
                        ObjectEntry::Spread { value } => {
                            // `{...a, k: v}`: $merge keeps the later key, as the spread does.
                            if !fields.is_empty() {
                                spreads.push(J::Obj(std::mem::take(&mut fields)).expr());
                            }
                            match self.convert(value)? {
                                J::Absent => {}
                                j => spreads.push(j.expr()),
                            }
                        }
                    }
                }
                if spreads.is_empty() {
                    J::Obj(fields)
                } else {
                    if !fields.is_empty() {
                        spreads.push(J::Obj(fields).expr());
                    }
                    J::Expr(format!("$merge([{}])", spreads.join(", ")))
                }
            }
            ValueExpr::Array { items } => {
                let mut parts = Vec::new();
                for i in items {
                    match self.convert(i)? {
                        J::Absent => return Err("an array item the payload does not have".into()),
                        j => parts.push(j.expr()),
                    }
                }
                // `[...]` in JSONata flattens nested arrays; a constructor keeps them.
                J::Expr(format!("[{}]", parts.join(", ")))
            }
            ValueExpr::Template { parts } => {
                let mut out = Vec::new();
                for p in parts {
                    match p {
                        TemplatePart::Text { text } => {
                            out.push(Value::String(text.clone()).to_string())
                        }
                        TemplatePart::Expr { value } => {
                            let j = self.convert(value)?;
                            if j == J::Absent {
                                return Err(
                                    "a template reads a value the payload does not have".into()
                                );
                            }
                            out.push(format!("$string({})", j.expr()))
                        }
                    }
                }
                if self.language == Language::Python {
                    self.notes.push("f-string/format of a number or boolean: Python writes True/1.0 where JSONata's $string writes true/1".into());
                }
                J::Expr(out.join(" & "))
            }
            ValueExpr::JsonStringify { value, style } => {
                let j = self.convert(value)?;
                // jsonata-js `$string` serializes numbers through toPrecision(15).
                self.notes.push("JSON text built with $string: JSONata writes numbers with at most 15 significant digits where JSON.stringify/json.dumps write up to 17 (large integer ids differ)".into());
                match style {
                    JsonStyle::Compact => {}
                    JsonStyle::PythonDefault => self.notes.push("json.dumps puts a space after ',' and ':' and escapes non-ASCII; $string is compact: the text differs byte for byte (same JSON value)".into()),
                    JsonStyle::Indented => return Err("serializes JSON with indentation of unknown width".into()),
                    JsonStyle::IndentedBy(n) if *n != PRETTY_WIDTH => return Err(format!("serializes JSON indented by {n} spaces, where JSONata's $string(x, true) indents by {PRETTY_WIDTH}")),
                    JsonStyle::IndentedBy(_) => return self.pretty(j),
                }
                match j {
                    // An object built here is an object: $string gives its JSON text.
                    J::Obj(_) => J::Expr(format!("$string({})", j.expr())),
                    J::Lit(v) => J::Lit(Value::String(v.to_string())),
                    J::Absent => return Err("serializes a value the payload does not have".into()),
                    // $string leaves strings unquoted; inside an array it writes JSON text.
                    J::Expr(e) => J::Expr(format!(
                        "$substring($string([{e}]), 1, $length($string([{e}])) - 2)"
                    )),
                }
            }
            ValueExpr::JsonParse { value } => match self.convert(value)? {
                J::Absent => return Err("parses a value the payload does not have".into()),
                j => {
                    self.notes.push(format!(
                        "{} raised {} on text that is not JSON; $parse fails the state with States.QueryEvaluationError instead: assumed {} always holds JSON text",
                        if self.language == Language::Python { "json.loads" } else { "JSON.parse" },
                        if self.language == Language::Python { "JSONDecodeError" } else { "SyntaxError" },
                        j.expr()
                    ));
                    J::Expr(format!("$parse({})", j.expr()))
                }
            },
            ValueExpr::ToString { value } => match self.convert(value)? {
                J::Lit(Value::String(s)) => J::Lit(Value::String(s)),
                J::Absent => return Err("converts a value the payload does not have".into()),
                j => J::Expr(format!("$string({})", j.expr())),
            },
            ValueExpr::Default {
                value,
                default,
                when,
            } => {
                let v = self.convert(value)?;
                let d = self.convert(default)?;
                match v {
                    J::Absent => d,
                    J::Lit(ref l) => {
                        let falsy = match when {
                            DefaultWhen::Missing => {
                                l.is_null() && self.language == Language::Javascript
                            }
                            DefaultWhen::Falsy => is_falsy(l, self.language),
                        };
                        if falsy {
                            d
                        } else {
                            v
                        }
                    }
                    _ => {
                        let (v, d) = (v.expr(), d.expr());
                        let test = match (when, self.language) {
                            (DefaultWhen::Missing, Language::Python) => format!("$exists({v})"),
                            (DefaultWhen::Missing, _) => format!("($exists({v}) and {v} != null)"),
                            (DefaultWhen::Falsy, Language::Python) => format!("$boolean({v})"),
                            // JavaScript: objects and arrays are truthy even when empty.
                            (DefaultWhen::Falsy, _) => format!(
                                "($exists({v}) and ($type({v}) in [\"object\", \"array\"] or $boolean({v})))"
                            ),
                        };
                        J::Expr(format!("({test} ? {v} : {d})"))
                    }
                }
            }
            ValueExpr::SdkResult { path, .. } => match self.result {
                Some(r) if self.typed_items => {
                    if self.language == Language::Python {
                        // boto3's TypeDeserializer gives N as decimal.Decimal, which json.dumps
                        // (the runtime serializing the return value) rejects.
                        self.notes.push("boto3 returned number attributes as Decimal, which the Lambda runtime could not serialize (the handler failed on such items); the rewrite returns them as numbers".into());
                    }
                    unmarshalled_read(r, path, self.language)?
                }
                Some(r) => J::Expr(r.to_string()).select(&self.result_case.apply(path)),
                None => return Err("reads an SDK result before the call".into()),
            },
            ValueExpr::Unrepresentable { what, .. } => {
                return Err(format!("{what} cannot be computed by the state"))
            }
            ValueExpr::Unknown { construct, .. } => {
                return Err(format!("{construct} is not understood"))
            }
        })
    }
}

/// The indentation of `$string(x, true)`: jsonata-js serializes with `JSON.stringify(arg,
/// replacer, prettify ? 2 : 0)` ("one line per field ... indented based on the field depth",
/// https://docs.jsonata.org/string-functions#string; jsonata-js src/functions.js `string`).
const PRETTY_WIDTH: u8 = 2;

impl Ctx<'_> {
    /// JSON text indented by 2 spaces, as JSON.stringify(x, null, 2) / json.dumps(x, indent=2)
    /// write it: `$string(x, true)`, except that $string leaves a string unquoted, so a value
    /// that may be a string is quoted as the compact form does.
    fn pretty(&mut self, j: J) -> Result<J, String> {
        self.notes.push(format!("the JSON text indented by {PRETTY_WIDTH} spaces is written with $string(x, true), which indents by {PRETTY_WIDTH} spaces too"));
        if self.language == Language::Python {
            self.notes.push("json.dumps(indent=2) escapes non-ASCII characters; $string(x, true) writes them as they are: the text differs byte for byte for such values (same JSON value)".into());
        }
        Ok(match j {
            J::Obj(_) => J::Expr(format!("$string({}, true)", j.expr())),
            J::Lit(v) => J::Lit(Value::String(
                serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?,
            )),
            J::Absent => return Err("serializes a value the payload does not have".into()),
            J::Expr(e) => J::Expr(format!(
                "($v := {e}; $type($v) = \"string\" ? $substring($string([$v]), 1, $length($string([$v])) - 2) : $string($v, true))"
            )),
        })
    }
}

fn is_falsy(v: &Value, language: Language) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => language == Language::Python && a.is_empty(),
        Value::Object(o) => language == Language::Python && o.is_empty(),
    }
}

/// Marshals a plain JSON value into a DynamoDB AttributeValue as lib-dynamodb's marshall and
/// boto3's TypeSerializer do for JSON values: strings S, numbers N (as text), booleans BOOL,
/// null NULL, arrays L, objects M; undefined members are left out.
const MARSHAL_FN: &str = "$m := function($v){ $type($v) = \"string\" ? {\"S\": $v} : $type($v) = \"number\" ? {\"N\": $string($v)} : $type($v) = \"boolean\" ? {\"BOOL\": $v} : $type($v) = \"null\" ? {\"NULL\": true} : $type($v) = \"array\" ? {\"L\": [$map($v, function($x){ $m($x) })]} : $type($v) = \"object\" ? {\"M\": $merge([{}, $each($v, function($x, $k){ {$k: $m($x)} })])} : $v }";

/// The inverse, for values read from a typed result: S, N (as a number), BOOL, NULL, L, M and the
/// string and number sets (as arrays).
const UNMARSHAL_FN: &str = "$u := function($v){ $exists($v.S) ? $v.S : $exists($v.N) ? $number($v.N) : $exists($v.BOOL) ? $v.BOOL : $exists($v.NULL) ? null : $exists($v.L) ? [$map($v.L, function($x){ $u($x) })] : $exists($v.M) ? $merge([{}, $each($v.M, function($x, $k){ {$k: $u($x)} })]) : $exists($v.SS) ? $v.SS : $exists($v.NS) ? [$map($v.NS, function($x){ $number($x) })] : $v }";

/// A read of a typed result (`res.Item`, `res.Item.name`, `res.Attributes.x`) unmarshalled.
fn unmarshalled_read(result: &str, path: &[PathSeg], language: Language) -> Result<J, String> {
    // Python's `response["Item"]` raises KeyError on a miss, where this gives null: the
    // caller adds the Choice and Fail for that (`synth::key_error_states`).
    let _ = language;
    let Some((PathSeg::Field(map), rest)) = path.split_first() else {
        return Err(
            "returns the typed response as a whole (its items would need unmarshalling one by one)"
                .into(),
        );
    };
    if map != "Item" && map != "Attributes" {
        if path.len() == 1 && matches!(map.as_str(), "ConsumedCapacity" | "Count" | "ScannedCount")
        {
            return Ok(J::Expr(result.to_string()).select(path));
        }
        return Err(format!(
            "reads {map} of a typed DynamoDB response (not unmarshalled yet)"
        ));
    }
    let base = format!("{result}.{map}");
    Ok(match rest.split_first() {
        None => J::Expr(format!(
            "({UNMARSHAL_FN}; $exists({base}) ? $merge([{{}}, $each({base}, function($x, $k){{ {{$k: $u($x)}} }})]) : null)"
        )),
        Some((attr, deeper)) => {
            let at = J::Expr(base).select(std::slice::from_ref(attr)).expr();
            J::Expr(format!("({UNMARSHAL_FN}; $u({at}))")).select(deeper)
        }
    })
}

/// An Item/Key/ExpressionAttributeValues parameter, marshalled at run time by `$m`.
fn marshalled(j: &J) -> Result<J, String> {
    let body = match j {
        J::Obj(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .filter(|(_, v)| *v != J::Absent)
                .map(|(k, v)| format!("{}: $m({})", Value::String(k.clone()), v.expr()))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        J::Expr(_) | J::Lit(Value::Object(_)) => format!(
            "$merge([{{}}, $each({}, function($x, $k){{ {{$k: $m($x)}} }})])",
            j.expr()
        ),
        _ => return Err("the attribute map is not an object".into()),
    };
    Ok(J::Expr(format!("({MARSHAL_FN}; {body})")))
}

/// The new state's Arguments, Output and Assign (None: field left out).
pub struct JsonataFields {
    pub arguments: Value,
    pub output: Option<Value>,
    pub assign: Option<Value>,
}

/// The handler's event as the JSONata Task composed it.
fn event_of(state: &Map<String, Value>, style: InvocationStyle) -> Result<J, String> {
    match style {
        InvocationStyle::BareArn => Ok(match state.get("Arguments") {
            Some(a) => from_template(a),
            None => J::Expr("$states.input".into()),
        }),
        _ => {
            let args = state
                .get("Arguments")
                .and_then(Value::as_object)
                .ok_or("the lambda:invoke Task has no Arguments object")?;
            if let Some(t) = args.get("InvocationType").and_then(Value::as_str) {
                if t != "RequestResponse" {
                    return Err(format!(
                        "the Lambda is invoked with InvocationType {t}: its result is not the handler's"
                    ));
                }
            }
            match args.get("Payload") {
                Some(p) if p.is_string() && expression_of(p).is_none() => Err(
                    "the Payload is a string; the handler would see it parsed or as text (not modelled)".into(),
                ),
                Some(p) => Ok(from_template(p)),
                None => Err("the lambda:invoke Task sends no Payload".into()),
            }
        }
    }
}

/// Builds Arguments from the call's parameters and Output/Assign from the handler's return value.
#[allow(clippy::too_many_arguments)]
pub fn fields(
    state: &Map<String, Value>,
    style: InvocationStyle,
    model: &HandlerModel,
    params: &[(String, &ValueExpr)],
    env: &IndexMap<String, Asl>,
    whole_result_matches: bool,
    dynamodb_plain: bool,
    callback: bool,
    result_case: super::member_case::ResultCase,
    notes: &mut Vec<String>,
) -> Result<JsonataFields, String> {
    let event = event_of(state, style)?;
    let mut ctx = Ctx {
        event: &event,
        env,
        language: model.language,
        result: None,
        typed_items: false,
        result_case: super::member_case::ResultCase::AsIs,
        notes: Vec::new(),
    };
    let mut args = Map::new();
    for (key, value) in params {
        match ctx.convert(value).map_err(|e| format!("{key}: {e}"))? {
            J::Absent => {}
            j if dynamodb_plain && super::dynamodb::ITEM_PARAMS.contains(&key.as_str()) => {
                args.insert(
                    key.clone(),
                    marshalled(&j)
                        .map_err(|e| format!("{key}: {e}"))?
                        .template(),
                );
            }
            j => {
                args.insert(key.clone(), j.template());
            }
        }
    }
    if dynamodb_plain {
        notes.push("plain values marshalled into DynamoDB AttributeValues at run time by their JSON type ($m), as the handler's client did; numbers are written with JSONata's $string (15 significant digits)".into());
    }
    if callback {
        // `$states.result` is what SendTaskSuccess sends, in both versions: Output and Assign stay.
        notes.append(&mut ctx.notes);
        return Ok(JsonataFields {
            arguments: Value::Object(args),
            output: state.get("Output").cloned(),
            assign: state.get("Assign").cloned(),
        });
    }
    let mut rctx = Ctx {
        event: &event,
        env,
        language: model.language,
        result: Some("$states.result"),
        typed_items: dynamodb_plain,
        result_case,
        notes: Vec::new(),
    };
    let payload = match &model.returns {
        None => J::Lit(Value::Null),
        Some(ValueExpr::SdkResult { path, .. }) if path.is_empty() && !whole_result_matches => {
            return Err("returns the whole SDK response, whose metadata fields the integration result does not have".into())
        }
        Some(r) => rctx.convert(r)?,
    };
    let p = match &payload {
        J::Absent => "null".to_string(),
        j => j.expr(),
    };
    let read = match style {
        InvocationStyle::BareArn => "$states.result",
        _ => "$states.result.Payload",
    };
    let replace_reads = |v: &Value, field: &str| -> Result<Value, String> {
        substitute(v, read, &format!("({p})")).ok_or_else(|| {
            format!(
                "{field} reads the Lambda's result envelope, which the integration does not have"
            )
        })
    };
    let output = match state.get("Output") {
        Some(o) => Some(replace_reads(o, "Output")?),
        None if style == InvocationStyle::BareArn => {
            (p != "$states.result").then(|| Value::String(format!("{{% {p} %}}")))
        }
        None => {
            notes.push("the Lambda result envelope was the state's output; the new Output keeps only Payload (ExecutedVersion, StatusCode and the Sdk*Metadata fields are gone)".into());
            Some(Value::String(format!("{{% {{\"Payload\": {p}}} %}}")))
        }
    };
    let assign = match state.get("Assign") {
        Some(a) => Some(replace_reads(a, "Assign")?),
        None => None,
    };
    notes.append(&mut ctx.notes);
    notes.append(&mut rctx.notes);
    Ok(JsonataFields {
        arguments: Value::Object(args),
        output,
        assign,
    })
}

/// The JSONata condition under which the handler throws (a Choice `Condition`), over the state
/// input the Task would have sent the Lambda.
pub fn throw_condition(
    state: &Map<String, Value>,
    style: InvocationStyle,
    cond: &Condition,
    language: Language,
) -> Result<String, String> {
    let event = event_of(state, style)?;
    condition(&event, cond, language)
}

fn condition(event: &J, cond: &Condition, language: Language) -> Result<String, String> {
    let operand = |value: &ValueExpr| -> Result<J, String> {
        match value {
            ValueExpr::Event { path } => Ok(event.select(path)),
            _ => Err("the validation tests something other than the event".into()),
        }
    };
    Ok(match cond {
        Condition::Missing { value } => match operand(value)? {
            J::Absent => "true".into(),
            v => format!("$not($exists({}))", v.expr()),
        },
        Condition::Falsy { value } => match operand(value)? {
            J::Absent => "true".into(),
            v => {
                let v = v.expr();
                // JavaScript `!v`: undefined, null, false, 0, ""; Python `not v` also empty
                // lists and objects. `=` between values of different types is false.
                let mut tests = vec![
                    format!("$not($exists({v}))"),
                    format!("{v} = null"),
                    format!("{v} = false"),
                    format!("{v} = 0"),
                    format!("{v} = \"\""),
                ];
                if language == Language::Python {
                    tests.push(format!("($type({v}) = \"array\" and $count({v}) = 0)"));
                    tests.push(format!(
                        "($type({v}) = \"object\" and $count($keys({v})) = 0)"
                    ));
                }
                format!("({})", tests.join(" or "))
            }
        },
        Condition::Not { condition: c } => format!("$not({})", condition(event, c, language)?),
        Condition::And { conditions } | Condition::Or { conditions } => {
            let op = if matches!(cond, Condition::And { .. }) {
                " and "
            } else {
                " or "
            };
            let parts = conditions
                .iter()
                .map(|c| condition(event, c, language))
                .collect::<Result<Vec<_>, _>>()?;
            format!("({})", parts.join(op))
        }
        Condition::Other { source } => {
            return Err(format!(
                "`{source}` is not expressible as a Choice condition"
            ))
        }
    })
}

/// Replaces `read` (not followed by an identifier character) in every `{% %}` string of `v`;
/// None when `$states.result` is still read some other way afterwards.
fn substitute(v: &Value, read: &str, with: &str) -> Option<Value> {
    match v {
        Value::String(s) if expression_of(v).is_some() => {
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(i) = rest.find(read) {
                let after = &rest[i + read.len()..];
                out.push_str(&rest[..i]);
                if after
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    out.push_str(read);
                } else {
                    out.push_str(with);
                }
                rest = after;
            }
            out.push_str(rest);
            // What is left of `$states.result` reads envelope fields.
            let leftover = out.replace(with, "");
            (!leftover.contains("$states.result")).then_some(Value::String(out))
        }
        Value::Object(m) => {
            let mut o = Map::new();
            for (k, x) in m {
                o.insert(k.clone(), substitute(x, read, with)?);
            }
            Some(Value::Object(o))
        }
        Value::Array(a) => Some(Value::Array(
            a.iter()
                .map(|x| substitute(x, read, with))
                .collect::<Option<Vec<_>>>()?,
        )),
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn output_reads_of_the_payload_are_replaced() {
        let v = json!("{% {'id': $states.result.Payload.id, 'in': $states.input} %}");
        let out = substitute(&v, "$states.result.Payload", "($states.result.MessageId)").unwrap();
        assert_eq!(
            out,
            json!("{% {'id': ($states.result.MessageId).id, 'in': $states.input} %}")
        );
        assert!(substitute(
            &json!("{% $states.result.StatusCode %}"),
            "$states.result.Payload",
            "(x)"
        )
        .is_none());
        assert!(substitute(
            &json!("{% $states.result.Payloads %}"),
            "$states.result.Payload",
            "(x)"
        )
        .is_none());
    }

    #[test]
    fn event_paths_follow_the_payload_template() {
        let ev = from_template(&json!({"order": "{% $states.input.o %}", "kind": "x"}));
        let sel = ev.select(&[
            PathSeg::Field("order".into()),
            PathSeg::Field("odd key".into()),
        ]);
        assert_eq!(sel, J::Expr("$states.input.o.`odd key`".into()));
        assert_eq!(
            ev.select(&[PathSeg::Field("kind".into())]),
            J::Lit(json!("x"))
        );
        assert_eq!(ev.select(&[PathSeg::Field("nope".into())]), J::Absent);
    }
}
