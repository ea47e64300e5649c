//! References between infrastructure resources: `!Ref`, `!GetAtt`, `!Sub`, `!Join`, Terraform
//! `aws_x.name.attr`. A [`Scope`] is one template (or one Terraform module): it renders an
//! expression to a placeholder string (names and ARNs in the fixed account 123456789012 and
//! region us-east-1, the ones the interpreter uses) and finds the Lambda function an expression
//! points at.
//!
//! Return values of `Ref` / `Fn::GetAtt` per resource type follow the CloudFormation resource
//! reference, "Return values" section of each type, e.g.
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html
//! (Ref of a queue is its URL, of a topic its ARN, of a table, bus, bucket or function its name).

use indexmap::IndexMap;
use serde_json::Value;
use std::path::PathBuf;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// Which reference syntax a scope uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// CloudFormation / SAM / CDK output / Serverless `resources:`.
    Cfn,
    /// Terraform: addresses `type.name`, attributes `type.name.attr`.
    Terraform,
}

/// What a resource is, as far as naming and ARNs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Function,
    Table,
    Queue,
    Topic,
    Bus,
    Bucket,
    StateMachine,
    Other,
}

impl Kind {
    pub fn of(resource_type: &str) -> Kind {
        match resource_type {
            "AWS::Lambda::Function" | "AWS::Serverless::Function" | "aws_lambda_function" => {
                Kind::Function
            }
            "AWS::DynamoDB::Table"
            | "AWS::DynamoDB::GlobalTable"
            | "AWS::Serverless::SimpleTable"
            | "aws_dynamodb_table" => Kind::Table,
            "AWS::SQS::Queue" | "aws_sqs_queue" => Kind::Queue,
            "AWS::SNS::Topic" | "aws_sns_topic" => Kind::Topic,
            "AWS::Events::EventBus" | "aws_cloudwatch_event_bus" => Kind::Bus,
            "AWS::S3::Bucket" | "aws_s3_bucket" => Kind::Bucket,
            "AWS::StepFunctions::StateMachine"
            | "AWS::Serverless::StateMachine"
            | "aws_sfn_state_machine" => Kind::StateMachine,
            _ => Kind::Other,
        }
    }

    /// The property that holds the physical name, CloudFormation then Terraform spelling.
    fn name_properties(self) -> &'static [&'static str] {
        match self {
            Kind::Function => &["FunctionName", "function_name"],
            Kind::Table => &["TableName", "name"],
            Kind::Queue => &["QueueName", "name"],
            Kind::Topic => &["TopicName", "name"],
            Kind::Bus => &["Name", "name"],
            Kind::Bucket => &["BucketName", "bucket"],
            Kind::StateMachine => &["StateMachineName", "Name", "name"],
            Kind::Other => &["Name", "name"],
        }
    }
}

/// One declared resource of a scope.
#[derive(Debug, Clone)]
pub struct ScopeResource {
    pub resource_type: String,
    pub properties: Value,
}

/// One template or Terraform module: its resources, parameters and the functions it declares.
#[derive(Debug, Clone)]
pub struct Scope {
    pub flavour: Flavour,
    pub file: PathBuf,
    pub resources: IndexMap<String, ScopeResource>,
    /// Parameter / variable defaults and locals: name → value.
    pub parameters: IndexMap<String, Value>,
    /// Reference id (logical id, Terraform address, Serverless function key or its logical id)
    /// → index into `Project::functions`.
    pub functions: IndexMap<String, usize>,
    /// Guards against circular references in malformed templates.
    depth: std::cell::Cell<u32>,
}

/// A physical value with the reason it could not be fully resolved.
const UNKNOWN: &str = "${?}";

impl Scope {
    pub fn new(flavour: Flavour, file: PathBuf) -> Self {
        Scope {
            flavour,
            file,
            resources: IndexMap::new(),
            parameters: IndexMap::new(),
            functions: IndexMap::new(),
            depth: std::cell::Cell::new(0),
        }
    }

    /// The physical name of a resource: its literal name property, else `${LogicalId}`.
    pub fn physical_name(&self, id: &str) -> String {
        let Some(res) = self.resources.get(id) else {
            return format!("${{{id}}}");
        };
        let kind = Kind::of(&res.resource_type);
        for prop in kind.name_properties() {
            if let Some(v) = res.properties.get(*prop) {
                let rendered = self.render(v);
                if !rendered.contains(UNKNOWN) {
                    return rendered;
                }
            }
        }
        format!("${{{id}}}")
    }

    pub fn arn(&self, id: &str) -> String {
        let name = self.physical_name(id);
        let kind = self
            .resources
            .get(id)
            .map(|r| Kind::of(&r.resource_type))
            .unwrap_or(Kind::Other);
        match kind {
            Kind::Function => format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"),
            Kind::Table => format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"),
            Kind::Queue => format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"),
            Kind::Topic => format!("arn:aws:sns:{REGION}:{ACCOUNT}:{name}"),
            Kind::Bus => format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"),
            Kind::Bucket => format!("arn:aws:s3:::{name}"),
            Kind::StateMachine => format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"),
            Kind::Other => format!("${{{id}.Arn}}"),
        }
    }

    fn queue_url(&self, id: &str) -> String {
        format!(
            "https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{}",
            self.physical_name(id)
        )
    }

    /// What `Ref` returns for a resource or parameter.
    pub fn ref_value(&self, id: &str) -> String {
        if let Some(v) = pseudo_parameter(id) {
            return v.to_string();
        }
        if let Some(v) = self.parameters.get(id) {
            // Parameter defaults are literal: no Fn::Sub inside them.
            return match v {
                Value::String(s) => s.clone(),
                other => self.render(other),
            };
        }
        match self.resources.get(id).map(|r| Kind::of(&r.resource_type)) {
            Some(Kind::Queue) => self.queue_url(id),
            Some(Kind::Topic) | Some(Kind::StateMachine) => self.arn(id),
            Some(_) => self.physical_name(id),
            None => format!("${{{id}}}"),
        }
    }

    /// What `Fn::GetAtt [id, attr]` (or Terraform `id.attr`) returns.
    pub fn get_att(&self, id: &str, attr: &str) -> String {
        let kind = self.resources.get(id).map(|r| Kind::of(&r.resource_type));
        match (kind, attr) {
            (Some(_), "Arn" | "arn" | "qualified_arn" | "lambda_function_arn") => self.arn(id),
            (Some(Kind::Queue), "QueueUrl" | "url" | "id") => self.queue_url(id),
            (Some(Kind::Topic), "TopicArn" | "id") => self.arn(id),
            (Some(Kind::StateMachine), "id") => self.arn(id),
            (Some(Kind::Table), "StreamArn" | "stream_arn") => {
                format!("{}/stream/*", self.arn(id))
            }
            (
                Some(_),
                "QueueName"
                | "TopicName"
                | "Name"
                | "name"
                | "function_name"
                | "bucket"
                | "id"
                | "lambda_function_name",
            ) => self.physical_name(id),
            (Some(res), _) if self.flavour == Flavour::Terraform => {
                // Terraform: a literal argument of the block is its own attribute.
                let _ = res;
                match self.resources.get(id).and_then(|r| r.properties.get(attr)) {
                    Some(v) => self.render(v),
                    None => format!("${{{id}.{attr}}}"),
                }
            }
            _ => format!("${{{id}.{attr}}}"),
        }
    }

    /// Renders an expression to the string it stands for, with placeholders where unknown.
    pub fn render(&self, v: &Value) -> String {
        if self.depth.get() > 24 {
            return UNKNOWN.to_string();
        }
        self.depth.set(self.depth.get() + 1);
        let out = self.render_inner(v);
        self.depth.set(self.depth.get() - 1);
        out
    }

    fn render_inner(&self, v: &Value) -> String {
        match v {
            Value::String(s) => self.render_template(s, &IndexMap::new()),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => String::new(),
            Value::Array(_) => UNKNOWN.to_string(),
            Value::Object(map) => {
                if map.len() != 1 {
                    return UNKNOWN.to_string();
                }
                let (k, arg) = map.iter().next().expect("one entry");
                match k.as_str() {
                    "Ref" => arg
                        .as_str()
                        .map(|id| self.ref_value(id))
                        .unwrap_or_else(|| UNKNOWN.into()),
                    "Fn::GetAtt" => match get_att_parts(arg) {
                        Some((id, attr)) => self.get_att(&id, &attr),
                        None => UNKNOWN.into(),
                    },
                    "Fn::Sub" => {
                        let (text, vars) = sub_parts(arg);
                        match text {
                            Some(t) => self.render_template(&t, &vars),
                            None => UNKNOWN.into(),
                        }
                    }
                    "Fn::Join" => match arg.as_array().map(|a| a.as_slice()) {
                        Some([sep, Value::Array(parts)]) => {
                            let sep = sep.as_str().unwrap_or("");
                            parts
                                .iter()
                                .map(|p| self.render(p))
                                .collect::<Vec<_>>()
                                .join(sep)
                        }
                        _ => UNKNOWN.into(),
                    },
                    "Fn::Select" => match arg.as_array().map(|a| a.as_slice()) {
                        Some([idx, Value::Array(items)]) => {
                            let i = idx
                                .as_u64()
                                .or_else(|| idx.as_str().and_then(|s| s.parse().ok()));
                            match i.and_then(|i| items.get(i as usize)) {
                                Some(item) => self.render(item),
                                None => UNKNOWN.into(),
                            }
                        }
                        _ => UNKNOWN.into(),
                    },
                    "Fn::ImportValue" => format!("${{ImportValue:{}}}", self.render(arg)),
                    _ => UNKNOWN.into(),
                }
            }
        }
    }

    /// Substitutes `${Name}` in a `Fn::Sub` / Terraform template string.
    pub fn render_template(&self, text: &str, vars: &IndexMap<String, Value>) -> String {
        let mut out = String::with_capacity(text.len());
        for piece in split_template(text) {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Literal(t) => out.push_str(t),
                Piece::Var(name) => match vars.get(name) {
                    Some(v) => out.push_str(&self.render(v)),
                    None => match self.var_expr(name) {
                        // An unknown variable stays as written.
                        Value::String(s) if s == format!("${{{name}}}") => out.push_str(&s),
                        expr => out.push_str(&self.render(&expr)),
                    },
                },
            }
        }
        out
    }

    /// The expression an unbound `${name}` stands for in this scope's syntax.
    pub fn var_expr(&self, name: &str) -> Value {
        let name = name.trim();
        match self.flavour {
            Flavour::Cfn => match name.split_once('.') {
                _ if name.starts_with("AWS::") => serde_json::json!({ "Ref": name }),
                Some((id, attr)) => serde_json::json!({ "Fn::GetAtt": [id, attr] }),
                None => serde_json::json!({ "Ref": name }),
            },
            Flavour::Terraform => {
                // `var.x`, `local.x`, `path.module` are stored under their full names.
                if let Some(v) = self.parameters.get(name) {
                    return v.clone();
                }
                if ["var.", "local.", "path.", "each.", "count."]
                    .iter()
                    .any(|p| name.starts_with(p))
                {
                    return Value::String(format!("${{{name}}}"));
                }
                match name.rsplit_once('.') {
                    Some((addr, attr)) if self.resources.contains_key(addr) => {
                        serde_json::json!({ "Fn::GetAtt": [addr, attr] })
                    }
                    _ => serde_json::json!({ "Ref": name }),
                }
            }
        }
    }

    /// The function an expression names: `!GetAtt F.Arn`, `!Ref F`, `${F.Arn}`, an ARN, a name.
    /// `functions` are (function_name, id) pairs of every function in the project, for literal names.
    pub fn find_function(
        &self,
        v: &Value,
        vars: &IndexMap<String, Value>,
        all_functions: &[(Option<String>, usize)],
    ) -> Result<usize, String> {
        // Direct references to a function resource of this scope.
        let mut ids = Vec::new();
        self.referenced_ids(v, vars, &mut ids, 0);
        let mut found: Vec<usize> = ids
            .iter()
            .filter_map(|id| self.functions.get(id.as_str()).copied())
            .collect();
        found.dedup();
        if found.len() == 1 {
            return Ok(found[0]);
        }
        if found.len() > 1 {
            return Err(format!(
                "the expression refers to {} functions; cannot tell which one is invoked",
                found.len()
            ));
        }
        // A literal (or rendered) ARN or name.
        let rendered = match v {
            Value::String(s) => self.render_template(s, vars),
            other => self.render(other),
        };
        let name = function_name_of(&rendered);
        if name.contains("${") || name.contains("#{") || name.is_empty() {
            let named: Vec<&str> = ids
                .iter()
                .map(String::as_str)
                .filter(|id| !id.starts_with("AWS::"))
                .collect();
            return Err(if named.is_empty() {
                format!("`{rendered}` is not resolvable to a function")
            } else {
                format!(
                    "`{rendered}` refers to {}, which is not a Lambda function declared here",
                    named.join(", ")
                )
            });
        }
        let matches: Vec<usize> = all_functions
            .iter()
            .filter(|(n, _)| n.as_deref() == Some(name))
            .map(|(_, i)| *i)
            .collect();
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!(
                "no function named `{name}` is declared in the scanned infrastructure"
            )),
            _ => Err(format!(
                "{} functions are named `{name}`; cannot tell which one is invoked",
                matches.len()
            )),
        }
    }

    /// Logical ids / addresses an expression refers to (Ref, GetAtt, `${...}` in Sub strings).
    fn referenced_ids(
        &self,
        v: &Value,
        vars: &IndexMap<String, Value>,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        match v {
            Value::String(s) => {
                for piece in split_template(s) {
                    if let Piece::Var(name) = piece {
                        let expr = vars
                            .get(name)
                            .cloned()
                            .unwrap_or_else(|| self.var_expr(name));
                        if !matches!(&expr, Value::String(t) if t == s) {
                            self.referenced_ids(&expr, vars, out, depth + 1);
                        }
                    }
                }
            }
            Value::Object(map) if map.len() == 1 => {
                let (k, arg) = map.iter().next().expect("one entry");
                match k.as_str() {
                    "Ref" => {
                        if let Some(id) = arg.as_str() {
                            out.push(id.to_string());
                        }
                    }
                    "Fn::GetAtt" => {
                        if let Some((id, _)) = get_att_parts(arg) {
                            out.push(id);
                        }
                    }
                    "Fn::Sub" => {
                        let (text, sub_vars) = sub_parts(arg);
                        if let Some(t) = text {
                            for piece in split_template(&t) {
                                if let Piece::Var(name) = piece {
                                    let expr = sub_vars
                                        .get(name)
                                        .cloned()
                                        .unwrap_or_else(|| self.var_expr(name));
                                    self.referenced_ids(&expr, vars, out, depth + 1);
                                }
                            }
                        }
                    }
                    _ => self.referenced_ids(arg, vars, out, depth + 1),
                }
            }
            Value::Array(items) => {
                for i in items {
                    self.referenced_ids(i, vars, out, depth + 1);
                }
            }
            _ => {}
        }
    }
}

fn pseudo_parameter(id: &str) -> Option<&'static str> {
    Some(match id {
        "AWS::Region" => REGION,
        "AWS::AccountId" => ACCOUNT,
        "AWS::Partition" => "aws",
        "AWS::URLSuffix" => "amazonaws.com",
        "AWS::StackName" => "stack",
        "AWS::NoValue" => "",
        _ => return None,
    })
}

/// `["A", "B"]` or `"A.B"` → (A, B).
pub fn get_att_parts(arg: &Value) -> Option<(String, String)> {
    match arg {
        Value::Array(a) if a.len() == 2 => Some((a[0].as_str()?.to_string(), render_attr(&a[1])?)),
        Value::String(s) => s
            .split_once('.')
            .map(|(a, b)| (a.to_string(), b.to_string())),
        _ => None,
    }
}

fn render_attr(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// `Fn::Sub` argument: a string, or `[string, {vars}]`.
pub fn sub_parts(arg: &Value) -> (Option<String>, IndexMap<String, Value>) {
    match arg {
        Value::String(s) => (Some(s.clone()), IndexMap::new()),
        Value::Array(a) if !a.is_empty() => {
            let vars = a
                .get(1)
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            (a[0].as_str().map(str::to_string), vars)
        }
        _ => (None, IndexMap::new()),
    }
}

/// The function name in a Lambda ARN (`arn:aws:lambda:r:a:function:name[:qualifier]`), or the input.
pub fn function_name_of(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(7, ':').collect();
        // aws:lambda:region:account:function:name[:qualifier]
        if parts.len() >= 6 && parts[1] == "lambda" && parts[4] == "function" {
            return parts[5];
        }
    }
    s
}

/// Whether a string is a Lambda function ARN (possibly with placeholders).
pub fn is_lambda_arn(s: &str) -> bool {
    s.starts_with("arn:") && s.contains(":lambda:") && s.contains(":function:")
}

pub enum Piece<'a> {
    Text(&'a str),
    /// `${!Literal}` → `${Literal}` (CloudFormation escape).
    Literal(&'a str),
    Var(&'a str),
}

/// Splits `a${B}c${!D}` into text and variables. Unclosed `${` is text.
pub fn split_template(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let inner = &rest[start + 2..start + 2 + len];
        if let Some(lit) = inner.strip_prefix('!') {
            out.push(Piece::Text("${"));
            out.push(Piece::Literal(lit));
            out.push(Piece::Text("}"));
        } else {
            out.push(Piece::Var(inner));
        }
        rest = &rest[start + 2 + len + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The names of `${...}` variables in a string.
pub fn template_vars(text: &str) -> Vec<String> {
    split_template(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(v) => Some(v.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope {
        let mut s = Scope::new(Flavour::Cfn, "t.yaml".into());
        s.resources.insert(
            "OrdersTable".into(),
            ScopeResource {
                resource_type: "AWS::DynamoDB::Table".into(),
                properties: json!({"TableName": "orders"}),
            },
        );
        s.resources.insert(
            "Queue".into(),
            ScopeResource {
                resource_type: "AWS::SQS::Queue".into(),
                properties: json!({}),
            },
        );
        s.resources.insert(
            "SaveFn".into(),
            ScopeResource {
                resource_type: "AWS::Serverless::Function".into(),
                properties: json!({}),
            },
        );
        s.functions.insert("SaveFn".into(), 0);
        s
    }

    #[test]
    fn renders_refs_and_attributes() {
        let s = scope();
        assert_eq!(s.render(&json!({"Ref": "OrdersTable"})), "orders");
        assert_eq!(
            s.render(&json!({"Ref": "Queue"})),
            "https://sqs.us-east-1.amazonaws.com/123456789012/${Queue}"
        );
        assert_eq!(
            s.render(&json!({"Fn::GetAtt": ["OrdersTable", "Arn"]})),
            "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
        );
        assert_eq!(
            s.render(&json!({"Fn::Sub": "x-${OrdersTable}-${AWS::Region}"})),
            "x-orders-us-east-1"
        );
        assert_eq!(
            s.render(&json!({"Fn::Join": ["/", ["a", {"Ref": "OrdersTable"}]]})),
            "a/orders"
        );
    }

    #[test]
    fn finds_functions_through_references() {
        let s = scope();
        let none = IndexMap::new();
        let all = vec![(Some("save-fn".to_string()), 0usize)];
        assert_eq!(
            s.find_function(&json!({"Fn::GetAtt": ["SaveFn", "Arn"]}), &none, &all),
            Ok(0)
        );
        assert_eq!(s.find_function(&json!("${SaveFn.Arn}"), &none, &all), Ok(0));
        assert_eq!(
            s.find_function(
                &json!("arn:aws:lambda:us-east-1:1:function:save-fn:live"),
                &none,
                &all
            ),
            Ok(0)
        );
        assert!(s.find_function(&json!("other"), &none, &all).is_err());
    }

    #[test]
    fn splits_templates_with_escapes() {
        assert_eq!(template_vars("a${B}c${!D}${E.F}"), vec!["B", "E.F"]);
    }
}
