//! JavaScript and TypeScript front end: walks the exported handler (and the helper functions it
//! calls) over tree-sitter syntax, tracking where each value comes from, and records SDK calls,
//! the return value, throws and findings in the shared
//! [`Collector`](super::facts::Collector). What does not depend on the grammar (frames and
//! scopes, helper calls, returns, language-neutral findings) is in [`super::walk`].

use super::expr::{
    concat, field_of, first_unrepresentable, index_of, is_stringish, lit, path_text, unknown,
    TemplateBuilder,
};
use super::facts::{document_client_action, make_default, pascal_from_camel, Client};
use super::model::{Condition, DefaultWhen, JsonStyle, ObjectEntry, SdkFlavor, Span, ValueExpr};
use super::source::{fields, named_children, node_text, span, unescape};
use super::unit::resolve;
use super::walk::{Caught, Flow, Func, Grammar, Output, Walker};
use serde_json::Value;
use tree_sitter::Node;

/// What an expression evaluates to, as far as the analysis cares.
#[derive(Clone)]
pub(super) enum Val<'u> {
    Expr(ValueExpr),
    Undefined,
    Client(Client, bool),
    /// A v2 request object (`client.sendMessage(p)`) before `.promise()`.
    V2Request(usize),
    Command {
        service: String,
        action: String,
        doc: bool,
        params: ValueExpr,
    },
    Func(Func<'u>),
    /// `require("aws-sdk")` / `import AWS from "aws-sdk"`.
    AwsV2,
    V2Class(String),
    V2DocClass,
    /// `import * as x from "@aws-sdk/client-sqs"`.
    V3Package(String),
    V3Client(String),
    V3Command(String, String),
    V3Paginator,
    LibDynamoDb,
    DocFactory,
    DocCommand(String),
    Marshall,
    ErrorClass(String),
    ErrorObj(String, Option<ValueExpr>),
    /// The error object of a catch clause or an SDK callback.
    CaughtError,
    Context,
    Callback,
    Resolve,
    Reject,
    Logger,
    Tracer,
    TracerClass,
    LoggerClass,
    Metrics,
    MetricsClass,
    Middy,
    ProcessEnv,
    Process,
    Json,
    Math,
    Date,
    Crypto,
    Uuid,
    HttpClient(String),
    Xray,
    /// A helper module of the project (index into units).
    LocalModule(usize),
    /// An npm package we know nothing about.
    Package(String),
}

impl From<ValueExpr> for Val<'_> {
    fn from(e: ValueExpr) -> Self {
        Val::Expr(e)
    }
}

/// The JavaScript/TypeScript front end: the shared walker over JS values.
pub(super) type Js<'u, 'c, 'e> = Walker<'u, 'c, 'e, Val<'u>>;

impl<'u, 'c, 'e> Js<'u, 'c, 'e> {
    /// Analyses the handler exported as `export` from unit 0.
    pub fn analyze(mut self, export: &str) -> Result<Output, String> {
        self.load_module(0);
        let exported = self.find_export(0, export);
        let Some(value) = exported else {
            return Err(format!("no exported function `{export}` in this file"));
        };
        let func = self.unwrap_handler(value);
        let Some(func) = func else {
            let sp = span(value);
            self.c
                .not_understood(&format!("handler `{export}` = {}", self.short(value)), sp);
            return Ok(self.output(sp, None));
        };
        let sp = span(func.node);
        self.unit = func.unit;
        let params = self.param_nodes(func.node);
        let mut args: Vec<Val<'u>> = vec![
            Val::Expr(ValueExpr::Event { path: vec![] }),
            Val::Context,
            Val::Callback,
        ];
        args.truncate(params.len().max(1));
        let returns = self.call_function(func, args, sp);
        let returns = match returns {
            Some(Val::Undefined) | None => None,
            Some(v) => Some(self.to_expr(v, sp)),
        };
        Ok(self.output(sp, returns))
    }

    // ---------------------------------------------------------------- module level

    fn hoist(&mut self, d: Node<'u>) {
        match d.kind() {
            "function_declaration" | "generator_function_declaration" => {
                if let Some(name) = d.child_by_field_name("name") {
                    let f = Val::Func(Func {
                        node: d,
                        unit: self.unit,
                    });
                    self.bind(self.t(name).to_string(), f);
                }
            }
            "class_declaration" => self.class_declaration(d),
            _ => {}
        }
    }

    fn module_statement(&mut self, stmt: Node<'u>) {
        match stmt.kind() {
            "import_statement" => self.import_statement(stmt),
            "lexical_declaration" | "variable_declaration" => self.declaration(stmt),
            "function_declaration" | "generator_function_declaration" | "class_declaration" => {}
            "export_statement" => {
                if let Some(d) = stmt.child_by_field_name("declaration") {
                    if matches!(d.kind(), "lexical_declaration" | "variable_declaration") {
                        self.declaration(d);
                    }
                }
            }
            "expression_statement" => {
                let Some(e) = stmt.named_child(0) else { return };
                if self.is_export_assignment(e) {
                    return;
                }
                if self.is_aws_config(e) {
                    return;
                }
                self.eval(e);
            }
            "comment" | "empty_statement" | "hash_bang_line" => {}
            // TypeScript declarations that do not run code.
            "interface_declaration"
            | "type_alias_declaration"
            | "ambient_declaration"
            | "abstract_class_declaration"
            | "enum_declaration"
            | "module"
            | "internal_module" => {}
            _ => {
                let sp = span(stmt);
                let s = self.short(stmt);
                self.c
                    .not_understood(&format!("module-level statement `{s}`"), sp);
            }
        }
    }

    fn is_export_assignment(&self, e: Node<'u>) -> bool {
        if e.kind() != "assignment_expression" {
            return false;
        }
        let Some(left) = e.child_by_field_name("left") else {
            return false;
        };
        let l = self.t(left);
        l.starts_with("exports.") || l.starts_with("module.exports")
    }

    fn is_aws_config(&self, e: Node<'u>) -> bool {
        let t = self.t(e);
        t.starts_with("AWS.config") || t.contains(".config.update(")
    }

    fn class_declaration(&mut self, d: Node<'u>) {
        let Some(name_node) = d.child_by_field_name("name") else {
            return;
        };
        let name = self.t(name_node).to_string();
        let heritage = named_children(d)
            .into_iter()
            .find(|c| c.kind() == "class_heritage")
            .map(|h| self.t(h).to_string())
            .unwrap_or_default();
        if heritage.contains("Error") {
            // Node's runtime reports error.name (aws-facts §3.2); a subclass keeps "Error" unless it sets name.
            let body = d
                .child_by_field_name("body")
                .map(|b| self.t(b).to_string())
                .unwrap_or_default();
            self.bind(
                name.clone(),
                Val::ErrorClass(class_error_name(&name, &body)),
            );
        } else {
            let f = Val::Package(format!("class {name}"));
            self.bind(name, f);
        }
    }

    fn import_statement(&mut self, stmt: Node<'u>) {
        let Some(src) = stmt.child_by_field_name("source") else {
            return;
        };
        let source = self.string_value(src);
        let module = self.module_value(&source);
        for child in named_children(stmt) {
            if child.kind() != "import_clause" {
                continue;
            }
            for part in named_children(child) {
                match part.kind() {
                    "identifier" => {
                        // default import: the module itself for CommonJS-style packages.
                        let v = self.member(module.clone(), "default", span(part));
                        let v = match v {
                            Val::Expr(ValueExpr::Unknown { .. }) | Val::Undefined => module.clone(),
                            other => other,
                        };
                        self.bind(self.t(part).to_string(), v);
                    }
                    "namespace_import" => {
                        if let Some(id) = part.named_child(0) {
                            self.bind(self.t(id).to_string(), module.clone());
                        }
                    }
                    "named_imports" => {
                        for spec in named_children(part) {
                            let Some(name) = spec.child_by_field_name("name") else {
                                continue;
                            };
                            let alias = spec.child_by_field_name("alias").unwrap_or(name);
                            let v = self.member(module.clone(), self.t(name), span(spec));
                            self.bind(self.t(alias).to_string(), v);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// The value of `require(source)` / `import ... from source`.
    fn module_value(&mut self, source: &str) -> Val<'u> {
        let source = source.strip_prefix("node:").unwrap_or(source);
        if source == "aws-sdk" || source == "aws-sdk/global" {
            return Val::AwsV2;
        }
        if let Some(client) = source.strip_prefix("aws-sdk/clients/") {
            let class = self
                .c
                .catalogue
                .services
                .values()
                .find(|s| {
                    s.sdk_names
                        .js_v2_class
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(client))
                })
                .map(|s| s.service.clone())
                .unwrap_or_else(|| client.to_string());
            return Val::V2Class(class);
        }
        if source == "@aws-sdk/lib-dynamodb" {
            return Val::LibDynamoDb;
        }
        if source == "@aws-sdk/util-dynamodb" {
            return Val::Package(source.to_string());
        }
        if source.starts_with("@aws-sdk/client-") {
            let svc = self
                .c
                .catalogue
                .service_for_js_v3_package(source)
                .map(str::to_string)
                .unwrap_or_else(|| source.trim_start_matches("@aws-sdk/client-").to_string());
            return Val::V3Package(svc);
        }
        match source {
            "@aws-lambda-powertools/logger" => return Val::Package(source.to_string()),
            "@aws-lambda-powertools/tracer" => return Val::Package(source.to_string()),
            "@aws-lambda-powertools/metrics" => return Val::Package(source.to_string()),
            "@middy/core" => return Val::Middy,
            "crypto" => return Val::Crypto,
            "uuid" | "nanoid" => return Val::Uuid,
            "axios" | "node-fetch" | "got" | "http" | "https" | "undici" | "superagent"
            | "request" | "request-promise" | "cross-fetch" => {
                return Val::HttpClient(source.to_string())
            }
            "aws-xray-sdk" | "aws-xray-sdk-core" => return Val::Xray,
            _ => {}
        }
        if source.starts_with("./") || source.starts_with("../") {
            let from = self.units[self.unit].path.clone();
            if let Some(path) = resolve(&from, source, self.units[self.unit].language) {
                if let Some(i) = self.units.iter().position(|u| u.path == path) {
                    return Val::LocalModule(i);
                }
            }
        }
        Val::Package(source.to_string())
    }

    fn find_export(&mut self, unit: usize, export: &str) -> Option<Node<'u>> {
        let root = self.units[unit].tree.root_node();
        let mut found = None;
        for stmt in named_children(root) {
            match stmt.kind() {
                "expression_statement" => {
                    let Some(e) = stmt.named_child(0) else {
                        continue;
                    };
                    if e.kind() != "assignment_expression" {
                        continue;
                    }
                    let Some([left, right]) = fields(e, ["left", "right"]) else {
                        continue;
                    };
                    let l: String = node_text(left, &self.units[unit].text)
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    if l == format!("exports.{export}")
                        || l == format!("module.exports.{export}")
                        || l == format!("exports[\"{export}\"]")
                        || l == format!("exports['{export}']")
                    {
                        found = Some(right);
                    } else if l == "module.exports" && right.kind() == "object" {
                        for entry in named_children(right) {
                            match entry.kind() {
                                "pair" => {
                                    let key = entry.child_by_field_name("key");
                                    if key.is_some_and(|k| {
                                        self.property_key(k).as_deref() == Some(export)
                                    }) {
                                        found = entry.child_by_field_name("value");
                                    }
                                }
                                "shorthand_property_identifier" => {
                                    if node_text(entry, &self.units[unit].text) == export {
                                        found = Some(entry);
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
                "export_statement" => {
                    if let Some(d) = stmt.child_by_field_name("declaration") {
                        match d.kind() {
                            "function_declaration" | "generator_function_declaration" => {
                                if d.child_by_field_name("name")
                                    .is_some_and(|n| node_text(n, &self.units[unit].text) == export)
                                {
                                    found = Some(d);
                                }
                            }
                            "lexical_declaration" | "variable_declaration" => {
                                for decl in named_children(d) {
                                    if decl.kind() != "variable_declarator" {
                                        continue;
                                    }
                                    if decl.child_by_field_name("name").is_some_and(|n| {
                                        node_text(n, &self.units[unit].text) == export
                                    }) {
                                        found = decl.child_by_field_name("value");
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    for clause in named_children(stmt) {
                        if clause.kind() != "export_clause" {
                            continue;
                        }
                        for spec in named_children(clause) {
                            let Some(name) = spec.child_by_field_name("name") else {
                                continue;
                            };
                            let alias = spec.child_by_field_name("alias").unwrap_or(name);
                            if node_text(alias, &self.units[unit].text) == export {
                                found = Some(name);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        found
    }

    /// The function behind an exported value: resolves identifiers and unwraps middy.
    fn unwrap_handler(&mut self, node: Node<'u>) -> Option<Func<'u>> {
        let saved = self.unit;
        let v = self.eval(node);
        self.unit = saved;
        match v {
            Val::Func(f) => Some(f),
            _ => None,
        }
    }

    fn param_nodes(&self, f: Node<'u>) -> Vec<Node<'u>> {
        if let Some(p) = f.child_by_field_name("parameter") {
            return vec![p];
        }
        match f.child_by_field_name("parameters") {
            Some(ps) => named_children(ps),
            None => Vec::new(),
        }
    }

    // ---------------------------------------------------------------- scopes

    fn assign(&mut self, name: &str, v: Val<'u>) {
        let unit = self.unit;
        if let Some(f) = self.frames.last_mut() {
            for s in f.scopes.iter_mut().rev() {
                if let Some(slot) = s.get_mut(name) {
                    *slot = v;
                    return;
                }
            }
        }
        if let Some(slot) = self.modules[unit].get_mut(name) {
            *slot = v;
            return;
        }
        self.bind(name.to_string(), v);
    }

    fn lookup(&mut self, name: &str, sp: Span) -> Val<'u> {
        if let Some(v) = self.scoped(name) {
            return v;
        }
        match name {
            "undefined" => Val::Undefined,
            "JSON" => Val::Json,
            "Math" => Val::Math,
            "Date" => Val::Date,
            "process" => Val::Process,
            "console" => Val::Logger,
            "crypto" => Val::Crypto,
            "fetch" => Val::HttpClient("fetch".into()),
            "Error" | "TypeError" | "RangeError" => Val::ErrorClass(name.to_string()),
            "require" | "String" | "Number" | "Object" | "Promise" | "Boolean" | "parseInt"
            | "parseFloat" | "Array" | "Buffer" | "encodeURIComponent" => {
                Val::Package(format!("builtin {name}"))
            }
            _ => Val::Expr(unknown(format!("unknown name `{name}`"), sp)),
        }
    }

    // ---------------------------------------------------------------- functions

    fn bind_param(&mut self, p: Node<'u>, v: Val<'u>) {
        match p.kind() {
            // TypeScript: `event: OrderEvent`, `context?: Context`.
            "required_parameter" | "optional_parameter" => {
                if let Some(pat) = p.child_by_field_name("pattern") {
                    let v = match p.child_by_field_name("value") {
                        Some(d) => self.with_default(v, d, DefaultWhen::Missing),
                        None => v,
                    };
                    self.bind_pattern(pat, v);
                }
            }
            _ => self.bind_pattern(p, v),
        }
    }

    fn with_default(&mut self, v: Val<'u>, default: Node<'u>, when: DefaultWhen) -> Val<'u> {
        let d = self.eval(default);
        match (v, d) {
            (Val::Undefined, d) => d,
            (Val::Expr(value), Val::Expr(default)) => Val::Expr(make_default(value, default, when)),
            (v, _) => v,
        }
    }

    fn bind_pattern(&mut self, pat: Node<'u>, v: Val<'u>) {
        if self.nest(|s| s.bind_pattern_inner(pat, v)).is_none() {
            self.c.not_understood("deeply nested pattern", span(pat));
        }
    }

    fn bind_pattern_inner(&mut self, pat: Node<'u>, v: Val<'u>) {
        let sp = span(pat);
        match pat.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => {
                self.bind(self.t(pat).to_string(), v)
            }
            "assignment_pattern" => {
                let Some([left, right]) = fields(pat, ["left", "right"]) else {
                    return;
                };
                let v = self.with_default(v, right, DefaultWhen::Missing);
                self.bind_pattern(left, v);
            }
            "object_pattern" => {
                for entry in named_children(pat) {
                    match entry.kind() {
                        "shorthand_property_identifier_pattern" => {
                            let name = self.t(entry).to_string();
                            let m = self.member(v.clone(), &name, span(entry));
                            self.bind(name, m);
                        }
                        "pair_pattern" => {
                            let Some([key, value]) = fields(entry, ["key", "value"]) else {
                                continue;
                            };
                            let m = match self.property_key(key) {
                                Some(k) => self.member(v.clone(), &k, span(entry)),
                                None => Val::Expr(unknown("computed key", span(key))),
                            };
                            self.bind_pattern(value, m);
                        }
                        "object_assignment_pattern" => {
                            let Some([left, right]) = fields(entry, ["left", "right"]) else {
                                continue;
                            };
                            if left.kind() == "shorthand_property_identifier_pattern" {
                                let name = self.t(left).to_string();
                                let m = self.member(v.clone(), &name, span(entry));
                                let m = self.with_default(m, right, DefaultWhen::Missing);
                                self.bind(name, m);
                            } else {
                                self.bind_pattern(
                                    left,
                                    Val::Expr(unknown("nested default pattern", sp)),
                                );
                            }
                        }
                        "rest_pattern" => {
                            if let Some(id) = entry.named_child(0) {
                                let what = format!("rest pattern `{}`", self.short(entry));
                                self.bind(self.t(id).to_string(), Val::Expr(unknown(what, sp)));
                            }
                        }
                        _ => {}
                    }
                }
            }
            "array_pattern" => {
                for (i, el) in named_children(pat).into_iter().enumerate() {
                    let m = match &v {
                        Val::Expr(e) => Val::Expr(index_of(e, i as i64, sp)),
                        _ => Val::Expr(unknown("array destructuring", sp)),
                    };
                    self.bind_pattern(el, m);
                }
            }
            _ => {
                let what = format!("pattern `{}`", self.short(pat));
                self.c.not_understood(&what, sp);
            }
        }
    }

    // ---------------------------------------------------------------- statements

    fn block(&mut self, block: Node<'u>) -> Flow {
        self.push_scope();
        // Function declarations inside a block are hoisted too.
        for stmt in named_children(block) {
            self.hoist(stmt);
        }
        let mut flow = Flow::Normal;
        for stmt in named_children(block) {
            if flow != Flow::Normal {
                break;
            }
            flow = self.statement(stmt);
        }
        self.pop_scope();
        flow
    }

    fn statement(&mut self, stmt: Node<'u>) -> Flow {
        self.nest(|s| s.statement_inner(stmt)).unwrap_or_else(|| {
            self.c.not_understood("deeply nested statement", span(stmt));
            Flow::Normal
        })
    }

    fn statement_inner(&mut self, stmt: Node<'u>) -> Flow {
        let sp = span(stmt);
        match stmt.kind() {
            "expression_statement" => {
                let Some(e) = stmt.named_child(0) else {
                    return Flow::Normal;
                };
                self.expression_statement(e)
            }
            "lexical_declaration" | "variable_declaration" => {
                self.declaration(stmt);
                Flow::Normal
            }
            "return_statement" => {
                let v = match stmt.named_child(0) {
                    Some(e) => self.eval(e),
                    None => Val::Undefined,
                };
                self.set_return(v, sp);
                Flow::Return
            }
            "statement_block" => self.block(stmt),
            "if_statement" => self.if_statement(stmt),
            "throw_statement" => {
                let v = stmt.named_child(0).map(|e| self.eval(e));
                self.throw(v, None, sp);
                Flow::Throw
            }
            "try_statement" => self.try_statement(stmt),
            "for_statement" | "for_in_statement" | "while_statement" | "do_statement" => {
                self.loop_statement(stmt)
            }
            "switch_statement" => self.switch_statement(stmt),
            "function_declaration" | "generator_function_declaration" | "class_declaration" => {
                Flow::Normal
            }
            "empty_statement" | "comment" | "debugger_statement" => Flow::Normal,
            "interface_declaration" | "type_alias_declaration" => Flow::Normal,
            "labeled_statement" => match stmt.child_by_field_name("body") {
                Some(b) => self.statement(b),
                None => Flow::Normal,
            },
            _ => {
                let s = self.short(stmt);
                self.c.not_understood(&format!("statement `{s}`"), sp);
                Flow::Normal
            }
        }
    }

    fn expression_statement(&mut self, e: Node<'u>) -> Flow {
        let sp = span(e);
        match e.kind() {
            "assignment_expression" => {
                let Some([left, right]) = fields(e, ["left", "right"]) else {
                    return Flow::Normal;
                };
                let text = self.t(left);
                if text.ends_with("callbackWaitsForEmptyEventLoop") {
                    return Flow::Normal;
                }
                let v = self.eval(right);
                // A value set inside a branch or loop depends on the path taken.
                let v = match v {
                    Val::Expr(_) if self.frame().nested > 0 && !self.in_module_scope => {
                        Val::Expr(unknown(format!("`{text}` set under a condition"), sp))
                    }
                    other => other,
                };
                match left.kind() {
                    "identifier" => self.assign(text, v),
                    "object_pattern" | "array_pattern" => self.bind_pattern(left, v),
                    "member_expression" | "subscript_expression" => {
                        self.assign_member(left, v, sp);
                    }
                    _ => {
                        let s = self.short(e);
                        self.c.not_understood(&format!("assignment `{s}`"), sp);
                    }
                }
                Flow::Normal
            }
            "augmented_assignment_expression" => {
                if let Some(left) = e.child_by_field_name("left") {
                    let name = self.t(left).to_string();
                    if let Some(r) = e.child_by_field_name("right") {
                        self.eval(r);
                    }
                    let s = self.short(e);
                    self.assign(&name, Val::Expr(unknown(format!("`{s}`"), sp)));
                }
                Flow::Normal
            }
            "update_expression" => Flow::Normal,
            _ => {
                let v = self.eval(e);
                match v {
                    Val::Expr(ValueExpr::Unknown { .. }) if self.has_call(e) => {}
                    _ => {}
                }
                if self.frame().returned {
                    Flow::Return
                } else {
                    Flow::Normal
                }
            }
        }
    }

    fn has_call(&self, e: Node<'u>) -> bool {
        matches!(
            e.kind(),
            "call_expression" | "await_expression" | "new_expression"
        )
    }

    /// `obj.field = value`: updates a tracked object literal, else not understood.
    fn assign_member(&mut self, left: Node<'u>, v: Val<'u>, sp: Span) {
        let (Some(obj), Some(prop)) = (
            left.child_by_field_name("object"),
            left.child_by_field_name("property")
                .or_else(|| left.child_by_field_name("index")),
        ) else {
            return;
        };
        if obj.kind() == "identifier" {
            let name = self.t(obj).to_string();
            let key = if prop.kind() == "property_identifier" {
                Some(self.t(prop).to_string())
            } else {
                self.string_literal(prop)
            };
            let current = self.lookup(&name, sp);
            if let (Val::Expr(ValueExpr::Object { mut entries }), Some(key), Val::Expr(value)) =
                (current.clone(), key, v.clone())
            {
                entries.retain(|e| !matches!(e, ObjectEntry::Field { key: k, .. } if *k == key));
                entries.push(ObjectEntry::Field { key, value });
                self.assign(&name, Val::Expr(ValueExpr::Object { entries }));
                return;
            }
            if matches!(current, Val::Context) {
                return;
            }
        }
        let s = self.short(left);
        self.c.not_understood(&format!("assignment to `{s}`"), sp);
    }

    fn declaration(&mut self, stmt: Node<'u>) {
        for decl in named_children(stmt) {
            if decl.kind() != "variable_declarator" {
                continue;
            }
            let Some(name) = decl.child_by_field_name("name") else {
                continue;
            };
            let v = match decl.child_by_field_name("value") {
                Some(value) => self.eval(value),
                None => Val::Undefined,
            };
            self.bind_pattern(name, v);
        }
    }

    fn if_statement(&mut self, stmt: Node<'u>) -> Flow {
        let sp = span(stmt);
        let Some([cond, cons]) = fields(stmt, ["condition", "consequence"]) else {
            return Flow::Normal;
        };
        let alt = stmt.child_by_field_name("alternative").and_then(|a| {
            if a.kind() == "else_clause" {
                a.named_child(0)
            } else {
                Some(a)
            }
        });
        let cond = unparen(cond);
        // `if (err)` in an SDK callback: the error path must hand the error on unchanged.
        if self.is_caught_error(cond) {
            self.error_path(cons, sp);
            // The success path of an error check is not a branch on data.
            if let Some(a) = alt {
                return self.statement(a);
            }
            return Flow::Normal;
        }
        // Early validation: `if (!event.x) throw new Error(...)`.
        if alt.is_none() {
            if let Some(throw) = self.only_throw(cons) {
                let condition = self.condition(cond);
                let v = self.throw_value(throw);
                self.throw(Some(v), Some(condition), span(throw));
                return Flow::Normal;
            }
        }
        if self.only_logging(cons) && alt.is_none_or(|a| self.only_logging(a)) {
            return Flow::Normal;
        }
        let dispatch = self.dispatch_field(cond);
        self.branch(dispatch, cond, sp);
        self.eval(cond);
        let f1 = self.nested(|s| s.statement(cons));
        let f2 = match alt {
            Some(a) => self.nested(|s| s.statement(a)),
            None => Flow::Normal,
        };
        if f1 != Flow::Normal && f2 != Flow::Normal {
            f1
        } else {
            Flow::Normal
        }
    }

    /// `event.action === "x"` / `event.type == 'y'`: the event field a branch dispatches on.
    fn dispatch_field(&mut self, cond: Node<'u>) -> Option<String> {
        let cond = unparen(cond);
        if cond.kind() != "binary_expression" {
            return None;
        }
        let op = cond.child_by_field_name("operator").map(|o| self.t(o))?;
        if !matches!(op, "===" | "==" | "!==" | "!=") {
            return None;
        }
        let left = cond.child_by_field_name("left")?;
        let right = cond.child_by_field_name("right")?;
        let (field, other) = if matches!(right.kind(), "string") {
            (left, right)
        } else {
            (right, left)
        };
        if other.kind() != "string" {
            return None;
        }
        match self.quietly(|s| s.eval(field)) {
            Val::Expr(ValueExpr::Event { path }) if !path.is_empty() => Some(path_text(&path)),
            _ => None,
        }
    }

    fn is_caught_error(&mut self, cond: Node<'u>) -> bool {
        if cond.kind() != "identifier" {
            return false;
        }
        let name = self.t(cond).to_string();
        matches!(self.lookup(&name, span(cond)), Val::CaughtError)
    }

    /// The error branch of a callback or catch: fine if it hands the error on, else a swallow.
    fn error_path(&mut self, body: Node<'u>, sp: Span) {
        let stmts = self.significant(body);
        let rethrows = stmts.last().is_some_and(|s| self.is_rethrow(*s));
        if stmts.is_empty() {
            self.c.blocker(
                "swallowed-error",
                "an SDK error is caught and not rethrown: the workflow sees success where the integration would fail",
                sp,
            );
        } else if !rethrows || stmts.len() > 1 {
            self.c.blocker(
                "error-handling",
                "SDK errors are handled in a way a Catch cannot express",
                sp,
            );
        }
    }

    /// Statements that are not logging.
    fn significant(&self, body: Node<'u>) -> Vec<Node<'u>> {
        let stmts = if body.kind() == "statement_block" {
            named_children(body)
        } else {
            vec![body]
        };
        stmts
            .into_iter()
            .filter(|s| !self.is_logging_statement(*s) && s.kind() != "empty_statement")
            .collect()
    }

    fn is_rethrow(&mut self, s: Node<'u>) -> bool {
        let target = match s.kind() {
            "throw_statement" => s.named_child(0),
            "return_statement" | "expression_statement" => {
                let e = s.named_child(0).map(unparen);
                // callback(err) / reject(err)
                e.filter(|e| e.kind() == "call_expression")
                    .and_then(|call| {
                        let f = call.child_by_field_name("function")?;
                        let fname = self.t(f).to_string();
                        let fv = self.lookup(&fname, span(f));
                        if !matches!(fv, Val::Callback | Val::Reject) {
                            return None;
                        }
                        call.child_by_field_name("arguments")
                            .and_then(|a| a.named_child(0))
                    })
            }
            _ => None,
        };
        let Some(t) = target else { return false };
        let t = unparen(t);
        t.kind() == "identifier" && {
            let name = self.t(t).to_string();
            matches!(self.lookup(&name, span(t)), Val::CaughtError)
        }
    }

    fn is_logging_statement(&self, s: Node<'u>) -> bool {
        if s.kind() != "expression_statement" {
            return false;
        }
        let Some(e) = s.named_child(0) else {
            return false;
        };
        let e = if e.kind() == "await_expression" {
            e.named_child(0).unwrap_or(e)
        } else {
            e
        };
        if e.kind() != "call_expression" {
            return false;
        }
        let f = e
            .child_by_field_name("function")
            .map(|f| self.t(f))
            .unwrap_or("");
        let obj = f.split('.').next().unwrap_or("");
        matches!(obj, "console" | "logger" | "log" | "LOGGER" | "tracer") && !f.contains("Metric")
    }

    fn only_logging(&self, body: Node<'u>) -> bool {
        self.significant(body).is_empty()
    }

    /// The throw statement when `body` only throws (after logging).
    fn only_throw(&self, body: Node<'u>) -> Option<Node<'u>> {
        let stmts = self.significant(body);
        match stmts.as_slice() {
            [one] if one.kind() == "throw_statement" => Some(*one),
            [one] if one.kind() == "return_statement" || one.kind() == "expression_statement" => {
                // `return callback(new Error(...))`
                let e = one.named_child(0).map(unparen)?;
                if e.kind() != "call_expression" {
                    return None;
                }
                let f = e.child_by_field_name("function")?;
                let name = self.t(f);
                let is_cb = self.frames.last().is_some_and(|fr| {
                    fr.scopes
                        .iter()
                        .any(|s| matches!(s.get(name), Some(Val::Callback | Val::Reject)))
                });
                let arg = e.child_by_field_name("arguments")?.named_child(0)?;
                (is_cb && arg.kind() == "new_expression").then_some(*one)
            }
            _ => None,
        }
    }

    fn throw_value(&mut self, throw: Node<'u>) -> Val<'u> {
        let e = match throw.kind() {
            "throw_statement" => throw.named_child(0),
            _ => throw
                .named_child(0)
                .map(unparen)
                .and_then(|c| c.child_by_field_name("arguments"))
                .and_then(|a| a.named_child(0)),
        };
        match e {
            Some(e) => self.eval(e),
            None => Val::Undefined,
        }
    }

    fn throw(&mut self, v: Option<Val<'u>>, condition: Option<Condition>, sp: Span) {
        match v {
            Some(Val::CaughtError) => {}
            Some(Val::ErrorObj(name, message)) => self.push_throw(name, message, condition, sp),
            Some(other) => {
                let message = match other {
                    Val::Expr(e) => Some(e),
                    _ => None,
                };
                // Node reports typeof for non-Error throws (aws-facts §3.2).
                let error = match &message {
                    Some(ValueExpr::Literal {
                        value: Value::String(_),
                    }) => "string",
                    Some(ValueExpr::Template { .. }) => "string",
                    _ => "object",
                };
                self.push_throw(error.to_string(), message, condition, sp);
            }
            None => {}
        }
    }

    fn try_statement(&mut self, stmt: Node<'u>) -> Flow {
        let sp = span(stmt);
        let mut flow = Flow::Normal;
        // A try body runs unconditionally: a return in it is not a branch.
        if let Some(body) = stmt.child_by_field_name("body") {
            flow = self.block(body);
        }
        if let Some(handler) = stmt.child_by_field_name("handler") {
            self.push_scope();
            if let Some(p) = handler.child_by_field_name("parameter") {
                if p.kind() == "identifier" {
                    self.bind(self.t(p).to_string(), Val::CaughtError);
                }
            }
            if let Some(body) = handler.child_by_field_name("body") {
                let stmts = self.significant(body);
                let how = match stmts.as_slice() {
                    [] => Caught::Swallowed,
                    [one] if self.is_rethrow(*one) => Caught::Passed,
                    [.., last] if last.kind() == "throw_statement" => {
                        match last.named_child(0).map(|e| self.eval(e)) {
                            Some(Val::ErrorObj(name, _)) => Caught::Rewrapped(name),
                            _ => Caught::Rewrapped("a different value".to_string()),
                        }
                    }
                    _ => Caught::Handled,
                };
                self.caught(how, ("rethrown", "rethrowing"), span(handler));
            }
            self.pop_scope();
        }
        if let Some(fin) = stmt.child_by_field_name("finalizer") {
            if let Some(body) = fin
                .child_by_field_name("body")
                .or_else(|| fin.named_child(0))
            {
                if !self.only_logging(body) {
                    let s = self.short(fin);
                    self.c.not_understood(&format!("finally block `{s}`"), sp);
                }
            }
        }
        flow
    }

    fn loop_statement(&mut self, stmt: Node<'u>) -> Flow {
        let sp = span(stmt);
        let is_await =
            stmt.kind() == "for_in_statement" && self.t(stmt).trim_start().starts_with("for await");
        let right = stmt.child_by_field_name("right");
        let mut paginated = false;
        if let Some(r) = right {
            let rt = self.t(r);
            paginated = rt.contains("paginate");
            let v = self.eval(r);
            if let Val::Expr(ValueExpr::Event { path }) = &v {
                self.extra_reads.push(path.clone());
            }
        }
        self.loop_over(paginated || is_await, sp);
        self.push_scope();
        if let Some(left) = stmt.child_by_field_name("left") {
            let what = format!("loop variable `{}`", self.short(left));
            if left.kind() == "identifier" || left.kind().ends_with("pattern") {
                self.bind_pattern(left, Val::Expr(unknown(what, sp)));
            }
        }
        if let Some(init) = stmt.child_by_field_name("initializer") {
            if matches!(init.kind(), "lexical_declaration" | "variable_declaration") {
                self.declaration(init);
            }
        }
        if let Some(body) = stmt.child_by_field_name("body") {
            self.nested(|s| s.statement(body));
        }
        self.pop_scope();
        Flow::Normal
    }

    fn switch_statement(&mut self, stmt: Node<'u>) -> Flow {
        let sp = span(stmt);
        let value = stmt.child_by_field_name("value");
        let v = value.map(|v| self.eval(unparen(v)));
        match v {
            Some(Val::Expr(ValueExpr::Event { path })) if !path.is_empty() => self.c.blocker(
                "dispatch-on-action",
                format!(
                    "dispatches on the event field `{}`: each case is a different operation",
                    path_text(&path)
                ),
                sp,
            ),
            _ => self.c.blocker("branching-on-data", "switch on data", sp),
        }
        if let Some(body) = stmt.child_by_field_name("body") {
            for case in named_children(body) {
                for s in named_children(case)
                    .into_iter()
                    .skip(usize::from(case.kind() == "switch_case"))
                {
                    self.nested(|me| me.statement(s));
                }
            }
        }
        Flow::Normal
    }

    /// A Choice-expressible condition, or `Other` with the source text.
    fn condition(&mut self, cond: Node<'u>) -> Condition {
        self.nest(|s| s.condition_inner(cond))
            .unwrap_or_else(|| Condition::Other {
                source: "deeply nested condition".into(),
            })
    }

    fn condition_inner(&mut self, cond: Node<'u>) -> Condition {
        let cond = unparen(cond);
        let other = Condition::Other {
            source: self.short(cond),
        };
        match cond.kind() {
            "unary_expression" => {
                let op = cond.child_by_field_name("operator").map(|o| self.t(o));
                let Some(arg) = cond.child_by_field_name("argument") else {
                    return other;
                };
                if op == Some("!") {
                    let arg = unparen(arg);
                    if matches!(arg.kind(), "binary_expression" | "unary_expression") {
                        return Condition::Not {
                            condition: Box::new(self.condition(arg)),
                        };
                    }
                    let v = self.eval(arg);
                    return match v {
                        Val::Expr(e @ ValueExpr::Event { .. }) => Condition::Falsy { value: e },
                        _ => other,
                    };
                }
                other
            }
            "binary_expression" => {
                let op = self.operator(cond);
                let Some([l, r]) = fields(cond, ["left", "right"]) else {
                    return other;
                };
                match op {
                    "||" => Condition::Or {
                        conditions: vec![self.condition(l), self.condition(r)],
                    },
                    "&&" => Condition::And {
                        conditions: vec![self.condition(l), self.condition(r)],
                    },
                    "===" | "==" | "!==" | "!=" => {
                        let (x, y) = if self.is_undefined_like(r) {
                            (l, r)
                        } else if self.is_undefined_like(l) {
                            (r, l)
                        } else {
                            return other;
                        };
                        // `x == null` is true for null too: only `=== undefined` is "missing".
                        let strict_undefined = op.len() == 3 && self.t(y) == "undefined";
                        let loose_null = op.len() == 2;
                        if !(strict_undefined || loose_null) {
                            return other;
                        }
                        let v = match self.typeof_arg(x) {
                            Some(a) => self.eval(a),
                            None => self.eval(x),
                        };
                        let Val::Expr(e @ ValueExpr::Event { .. }) = v else {
                            return other;
                        };
                        let c = Condition::Missing { value: e };
                        if op.starts_with('!') {
                            Condition::Not {
                                condition: Box::new(c),
                            }
                        } else {
                            c
                        }
                    }
                    _ => other,
                }
            }
            _ => other,
        }
    }

    fn is_undefined_like(&self, n: Node<'u>) -> bool {
        let t = self.t(n);
        t == "undefined" || t == "null" || t == "\"undefined\"" || t == "'undefined'"
    }

    fn typeof_arg(&self, n: Node<'u>) -> Option<Node<'u>> {
        (n.kind() == "unary_expression"
            && n.child_by_field_name("operator").map(|o| self.t(o)) == Some("typeof"))
        .then(|| n.child_by_field_name("argument"))
        .flatten()
    }

    // ---------------------------------------------------------------- expressions

    fn to_expr(&mut self, v: Val<'u>, sp: Span) -> ValueExpr {
        match v {
            Val::Expr(e) => e,
            Val::Undefined => unknown("undefined", sp),
            Val::V2Request(call) => ValueExpr::SdkResult { call, path: vec![] },
            Val::ErrorObj(name, _) => unknown(format!("error object {name}"), sp),
            Val::Context => self.context_use(sp),
            _ => unknown("a non-data value", sp),
        }
    }

    fn eval(&mut self, n: Node<'u>) -> Val<'u> {
        self.nest(|s| s.eval_inner(n)).unwrap_or_else(|| {
            let sp = span(n);
            self.c.not_understood("deeply nested expression", sp);
            Val::Expr(unknown("deeply nested expression", sp))
        })
    }

    fn eval_inner(&mut self, n: Node<'u>) -> Val<'u> {
        let sp = span(n);
        match n.kind() {
            "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression"
            | "type_assertion" => match n.named_child(0) {
                Some(inner) if inner.kind() != "type_arguments" => self.eval(inner),
                _ => match n.named_child(1) {
                    Some(inner) => self.eval(inner),
                    None => Val::Undefined,
                },
            },
            "await_expression" => match n.named_child(0) {
                Some(inner) => {
                    let v = self.eval(inner);
                    match v {
                        Val::V2Request(call) => {
                            Val::Expr(ValueExpr::SdkResult { call, path: vec![] })
                        }
                        other => other,
                    }
                }
                None => Val::Undefined,
            },
            "string" => Val::Expr(lit(Value::String(self.string_value(n)))),
            "template_string" => self.template(n),
            "number" => Val::Expr(lit(parse_number(self.t(n)))),
            "true" => Val::Expr(lit(Value::Bool(true))),
            "false" => Val::Expr(lit(Value::Bool(false))),
            "null" => Val::Expr(lit(Value::Null)),
            "undefined" => Val::Undefined,
            "identifier" => {
                let name = self.t(n).to_string();
                self.lookup(&name, sp)
            }
            "this" => Val::Expr(unknown("this", sp)),
            "member_expression" => {
                let Some([obj, prop]) = fields(n, ["object", "property"]) else {
                    return Val::Expr(unknown(self.short(n), sp));
                };
                let o = self.eval(obj);
                let name = self.t(prop).to_string();
                self.member(o, &name, sp)
            }
            "subscript_expression" => {
                let Some([obj, idx]) = fields(n, ["object", "index"]) else {
                    return Val::Expr(unknown(self.short(n), sp));
                };
                let o = self.eval(obj);
                let idx = unparen(idx);
                if idx.kind() == "number" {
                    if let Ok(i) = self.t(idx).parse::<i64>() {
                        return match o {
                            Val::Expr(e) => Val::Expr(index_of(&e, i, sp)),
                            _ => Val::Expr(unknown(self.short(n), sp)),
                        };
                    }
                }
                match self.string_literal(idx) {
                    Some(key) => self.member(o, &key, sp),
                    None => Val::Expr(unknown(
                        format!("computed property `{}`", self.short(n)),
                        sp,
                    )),
                }
            }
            "object" => self.object(n),
            "array" => {
                let mut items = Vec::new();
                for el in named_children(n) {
                    if el.kind() == "spread_element" {
                        return Val::Expr(unknown("array spread", span(el)));
                    }
                    let v = self.eval(el);
                    items.push(self.to_expr(v, span(el)));
                }
                Val::Expr(ValueExpr::Array { items })
            }
            "shorthand_property_identifier" => {
                let name = self.t(n).to_string();
                self.lookup(&name, sp)
            }
            "arrow_function"
            | "function_expression"
            | "function"
            | "generator_function"
            | "function_declaration"
            | "generator_function_declaration" => Val::Func(Func {
                node: n,
                unit: self.unit,
            }),
            "binary_expression" => self.binary(n),
            "unary_expression" => {
                let op = n.child_by_field_name("operator").map(|o| self.t(o));
                let arg = n.child_by_field_name("argument");
                if op == Some("-") {
                    if let Some(a) = arg.filter(|a| a.kind() == "number") {
                        if let Value::Number(num) = parse_number(self.t(a)) {
                            let neg = num
                                .as_i64()
                                .map(|i| Value::from(-i))
                                .or_else(|| num.as_f64().map(|f| Value::from(-f)));
                            if let Some(v) = neg {
                                return Val::Expr(lit(v));
                            }
                        }
                    }
                }
                if let Some(a) = arg {
                    self.eval(a);
                }
                Val::Expr(unknown(format!("`{}`", self.short(n)), sp))
            }
            "ternary_expression" => {
                let cond = n.child_by_field_name("condition");
                if let Some(c) = cond {
                    if self.is_caught_error(unparen(c)) {
                        // `err ? reject(err) : resolve(data)` in an SDK callback.
                        if let Some(cons) = n.child_by_field_name("consequence") {
                            if !self.quietly(|s| s.is_rethrow_expr(cons)) {
                                self.c.blocker(
                                    "error-handling",
                                    "SDK errors are handled in a way a Catch cannot express",
                                    sp,
                                );
                            }
                        }
                        return match n.child_by_field_name("alternative") {
                            Some(a) => self.eval(a),
                            None => Val::Undefined,
                        };
                    }
                }
                self.c.blocker(
                    "branching-on-data",
                    format!(
                        "chooses a value on `{}`",
                        cond.map(|c| self.short(c)).unwrap_or_default()
                    ),
                    sp,
                );
                for f in ["condition", "consequence", "alternative"] {
                    if let Some(x) = n.child_by_field_name(f) {
                        self.eval(x);
                    }
                }
                Val::Expr(unknown(format!("conditional `{}`", self.short(n)), sp))
            }
            "call_expression" => self.call(n),
            "new_expression" => self.new_expression(n),
            "sequence_expression" => {
                let mut last = Val::Undefined;
                for c in named_children(n) {
                    last = self.eval(c);
                }
                last
            }
            "assignment_expression" => {
                self.expression_statement(n);
                Val::Undefined
            }
            "regex" => Val::Expr(unknown("regular expression", sp)),
            _ => Val::Expr(unknown(format!("`{}`", self.short(n)), sp)),
        }
    }

    fn is_rethrow_expr(&mut self, e: Node<'u>) -> bool {
        let e = unparen(e);
        if e.kind() != "call_expression" {
            return false;
        }
        let Some(f) = e.child_by_field_name("function") else {
            return false;
        };
        let fname = self.t(f).to_string();
        if !matches!(self.lookup(&fname, span(f)), Val::Callback | Val::Reject) {
            return false;
        }
        let arg = e
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .map(unparen);
        arg.is_some_and(|a| {
            a.kind() == "identifier" && {
                let n = self.t(a).to_string();
                matches!(self.lookup(&n, span(a)), Val::CaughtError)
            }
        })
    }

    fn template(&mut self, n: Node<'u>) -> Val<'u> {
        let mut template = TemplateBuilder::default();
        let mut cursor = n.walk();
        for child in n.named_children(&mut cursor) {
            match child.kind() {
                "string_fragment" => template.text(self.t(child)),
                "escape_sequence" => template.text(&unescape(self.t(child))),
                "template_substitution" => {
                    let v = match child.named_child(0) {
                        Some(e) => self.eval(e),
                        None => Val::Undefined,
                    };
                    template.expr(self.to_expr(v, span(child)));
                }
                _ => {}
            }
        }
        Val::Expr(template.finish())
    }

    fn object(&mut self, n: Node<'u>) -> Val<'u> {
        let mut entries = Vec::new();
        for entry in named_children(n) {
            let sp = span(entry);
            match entry.kind() {
                "pair" => {
                    let Some([k, v]) = fields(entry, ["key", "value"]) else {
                        continue;
                    };
                    let Some(key) = self.property_key(k) else {
                        let what = format!("computed key `{}`", self.short(k));
                        entries.push(ObjectEntry::Spread {
                            value: unknown(what, sp),
                        });
                        continue;
                    };
                    let val = self.eval(v);
                    // `{a: undefined}` has no key once serialized.
                    if matches!(val, Val::Undefined) {
                        continue;
                    }
                    let value = self.to_expr(val, sp);
                    entries.push(ObjectEntry::Field { key, value });
                }
                "shorthand_property_identifier" => {
                    let key = self.t(entry).to_string();
                    let val = self.lookup(&key, sp);
                    if matches!(val, Val::Undefined) {
                        continue;
                    }
                    let value = self.to_expr(val, sp);
                    entries.push(ObjectEntry::Field { key, value });
                }
                "spread_element" => {
                    let v = match entry.named_child(0) {
                        Some(e) => self.eval(e),
                        None => Val::Undefined,
                    };
                    let value = self.to_expr(v, sp);
                    entries.push(ObjectEntry::Spread { value });
                }
                _ => {
                    let what = format!("object member `{}`", self.short(entry));
                    entries.push(ObjectEntry::Spread {
                        value: unknown(what, sp),
                    });
                }
            }
        }
        Val::Expr(ValueExpr::Object { entries })
    }

    fn binary(&mut self, n: Node<'u>) -> Val<'u> {
        let sp = span(n);
        let op = self.operator(n);
        let Some([l, r]) = fields(n, ["left", "right"]) else {
            return Val::Expr(unknown(self.short(n), sp));
        };
        let lv = self.eval(l);
        let rv = self.eval(r);
        match op {
            "??" | "||" => {
                let when = if op == "??" {
                    DefaultWhen::Missing
                } else {
                    DefaultWhen::Falsy
                };
                match (lv, rv) {
                    (Val::Undefined, r) => r,
                    (Val::Expr(a), Val::Expr(b)) => Val::Expr(make_default(a, b, when)),
                    (l, _) => l,
                }
            }
            "+" => {
                let a = self.to_expr(lv, span(l));
                let b = self.to_expr(rv, span(r));
                if is_stringish(&a) || is_stringish(&b) {
                    Val::Expr(concat(a, b))
                } else if let Some(u) = first_unrepresentable(&[&a, &b]) {
                    Val::Expr(u)
                } else {
                    Val::Expr(unknown(format!("arithmetic `{}`", self.short(n)), sp))
                }
            }
            _ => Val::Expr(unknown(format!("`{}`", self.short(n)), sp)),
        }
    }

    /// `obj.name` for any kind of value.
    fn member(&mut self, o: Val<'u>, name: &str, sp: Span) -> Val<'u> {
        match o {
            Val::Expr(e) => Val::Expr(field_of(&e, name, sp)),
            Val::Process if name == "env" => Val::ProcessEnv,
            Val::ProcessEnv => Val::Expr(self.c.env(name)),
            Val::AwsV2 => {
                if name == "config" {
                    return Val::Package("AWS.config".into());
                }
                let svc = self
                    .c
                    .catalogue
                    .service_for_js_v2_class(name)
                    .map(str::to_string)
                    .unwrap_or_else(|| name.to_ascii_lowercase());
                Val::V2Class(svc)
            }
            Val::V2Class(svc) if name == "DocumentClient" && svc == "dynamodb" => Val::V2DocClass,
            Val::V3Package(svc) => {
                if name == "default" {
                    return Val::V3Package(svc);
                }
                if let Some(action) = name.strip_suffix("Command") {
                    Val::V3Command(svc, action.to_string())
                } else if name.ends_with("Client") || name == "default" {
                    Val::V3Client(svc)
                } else if name.starts_with("paginate") {
                    Val::V3Paginator
                } else if name.ends_with("Exception") {
                    Val::ErrorClass(name.to_string())
                } else if name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                    // Aggregated client, e.g. `DynamoDB`, `SQS`.
                    Val::V3Client(svc)
                } else {
                    Val::Package(format!("@aws-sdk/client-{svc}.{name}"))
                }
            }
            Val::LibDynamoDb => {
                if name == "DynamoDBDocumentClient" || name == "DynamoDBDocument" {
                    Val::DocFactory
                } else if name.ends_with("Command") {
                    Val::DocCommand(name.to_string())
                } else if name.starts_with("paginate") {
                    Val::V3Paginator
                } else {
                    Val::Package(format!("@aws-sdk/lib-dynamodb.{name}"))
                }
            }
            Val::Package(p) if p == "@aws-sdk/util-dynamodb" => {
                if name == "marshall" {
                    Val::Marshall
                } else {
                    Val::Package(format!("{p}.{name}"))
                }
            }
            Val::Package(p) if p == "@aws-lambda-powertools/logger" => Val::LoggerClass,
            Val::Package(p) if p == "@aws-lambda-powertools/tracer" => Val::TracerClass,
            Val::Package(p) if p == "@aws-lambda-powertools/metrics" => Val::MetricsClass,
            Val::Middy if name == "default" => Val::Middy,
            Val::Crypto => Val::Crypto,
            Val::Uuid => Val::Uuid,
            Val::Xray => Val::Xray,
            Val::HttpClient(h) => Val::HttpClient(h),
            Val::LocalModule(unit) => self.module_export(unit, name, sp),
            Val::Context => Val::Expr(self.context_read(name, sp)),
            Val::Logger | Val::Tracer | Val::Metrics | Val::Json | Val::Math | Val::Date => o,
            Val::Undefined => Val::Undefined,
            Val::Package(p) => Val::Package(format!("{p}.{name}")),
            _ => Val::Expr(unknown(format!("property `{name}`"), sp)),
        }
    }

    fn module_export(&mut self, unit: usize, name: &str, sp: Span) -> Val<'u> {
        self.load_module(unit);
        let Some(node) = self.find_export(unit, name) else {
            return Val::Expr(unknown(format!("`{name}` of a helper module"), sp));
        };
        let saved = self.unit;
        self.unit = unit;
        let v = self.eval(node);
        self.unit = saved;
        v
    }

    fn call(&mut self, n: Node<'u>) -> Val<'u> {
        let sp = span(n);
        let Some(func) = n.child_by_field_name("function") else {
            return Val::Expr(unknown(self.short(n), sp));
        };
        let arg_nodes: Vec<Node<'u>> = match n.child_by_field_name("arguments") {
            Some(a) if a.kind() == "arguments" => named_children(a),
            Some(_) => return Val::Expr(unknown("tagged template", sp)),
            None => Vec::new(),
        };
        let func = unparen(func);
        if func.kind() == "member_expression" {
            let Some([obj, prop]) = fields(func, ["object", "property"]) else {
                return Val::Expr(unknown(self.short(n), sp));
            };
            let method = self.t(prop).to_string();
            let o = self.eval(obj);
            return self.method_call(o, &method, obj, &arg_nodes, n, sp);
        }
        if func.kind() == "identifier" && self.t(func) == "require" {
            let Some(a) = arg_nodes.first() else {
                return Val::Undefined;
            };
            let src = self.string_literal(*a).unwrap_or_default();
            return self.module_value(&src);
        }
        let f = self.eval(func);
        let fname = self.t(func).to_string();
        match f {
            Val::Func(fun) => {
                let args: Vec<Val<'u>> = arg_nodes.iter().map(|a| self.eval(*a)).collect();
                match self.call_function(fun, args, sp) {
                    Some(v) => v,
                    None => Val::Undefined,
                }
            }
            Val::Callback | Val::Resolve => {
                let args: Vec<Val<'u>> = arg_nodes.iter().map(|a| self.eval(*a)).collect();
                self.callback_call(f, args, sp);
                Val::Undefined
            }
            Val::Reject => {
                let v = arg_nodes.first().map(|a| self.eval(*a));
                self.throw(v, None, sp);
                Val::Undefined
            }
            Val::Middy => {
                // middy(handler).use(...): the handler is the first argument.
                self.c.note(
                    "middy-wrapper",
                    "the handler is wrapped by middy; the middlewares are checked one by one",
                    sp,
                );
                match arg_nodes.first() {
                    Some(a) => self.eval(*a),
                    None => Val::Expr(unknown("middy()", sp)),
                }
            }
            Val::Uuid => Val::Expr(ValueExpr::Unrepresentable {
                what: format!("random id ({}())", fname),
                span: sp,
            }),
            Val::Marshall => {
                let v = arg_nodes
                    .first()
                    .map(|a| self.eval(*a))
                    .unwrap_or(Val::Undefined);
                let e = self.to_expr(v, sp);
                Val::Expr(ValueExpr::Unknown {
                    construct: format!(
                        "marshall({})",
                        serde_json::to_string(&e).unwrap_or_default()
                    ),
                    span: sp,
                })
            }
            Val::HttpClient(h) => Val::Expr(self.non_aws_call(&h, &h, sp)),
            Val::Package(p) if p.starts_with("builtin ") => {
                let builtin = &p["builtin ".len()..];
                let args: Vec<Val<'u>> = arg_nodes.iter().map(|a| self.eval(*a)).collect();
                match builtin {
                    "String" => {
                        let v = args.into_iter().next().unwrap_or(Val::Undefined);
                        let e = self.to_expr(v, sp);
                        Val::Expr(ValueExpr::ToString { value: Box::new(e) })
                    }
                    _ => Val::Expr(unknown(format!("`{}`", self.short(n)), sp)),
                }
            }
            Val::ErrorClass(name) => {
                // `Error("x")` without new behaves the same.
                Val::ErrorObj(name, self.first_value(&arg_nodes, sp))
            }
            _ => {
                for a in &arg_nodes {
                    self.eval(*a);
                }
                let s = self.call_not_understood(n, sp);
                Val::Expr(unknown(format!("call `{s}`"), sp))
            }
        }
    }

    fn callback_call(&mut self, f: Val<'u>, args: Vec<Val<'u>>, sp: Span) {
        let mut it = args.into_iter();
        let first = it.next();
        match f {
            Val::Resolve => {
                let v = first.unwrap_or(Val::Undefined);
                self.set_return(v, sp);
                self.frame().returned = true;
            }
            _ => match first {
                None
                | Some(Val::Expr(ValueExpr::Literal { value: Value::Null }))
                | Some(Val::Undefined) => {
                    let v = it.next().unwrap_or(Val::Undefined);
                    self.set_return(v, sp);
                }
                Some(Val::CaughtError) => {
                    // callback(err, data): hands the SDK error on, or returns data.
                    if let Some(v) = it.next() {
                        self.set_return(v, sp);
                    }
                }
                Some(other) => self.throw(Some(other), None, sp),
            },
        }
    }

    fn method_call(
        &mut self,
        o: Val<'u>,
        method: &str,
        obj: Node<'u>,
        arg_nodes: &[Node<'u>],
        n: Node<'u>,
        sp: Span,
    ) -> Val<'u> {
        match o {
            Val::Logger => Val::Undefined,
            Val::Json => {
                let args: Vec<Val<'u>> = arg_nodes.iter().map(|a| self.eval(*a)).collect();
                let mut it = args.into_iter();
                let v = it.next().unwrap_or(Val::Undefined);
                let e = self.to_expr(v, sp);
                match method {
                    "stringify" => {
                        let replacer = it.next();
                        let indent = it.next();
                        let replacer_ok = matches!(
                            replacer,
                            None | Some(Val::Undefined)
                                | Some(Val::Expr(ValueExpr::Literal { value: Value::Null }))
                        );
                        if !replacer_ok {
                            return Val::Expr(unknown("JSON.stringify with a replacer", sp));
                        }
                        let style = match indent {
                            None | Some(Val::Undefined) => JsonStyle::Compact,
                            Some(Val::Expr(ValueExpr::Literal { value }))
                                if value == Value::from(0)
                                    || value == Value::String(String::new()) =>
                            {
                                JsonStyle::Compact
                            }
                            // JSON.stringify indents by min(n, 10) spaces for a number n >= 1
                            // (ECMA-262 JSON.stringify, step "If Type(space) is Number").
                            Some(Val::Expr(ValueExpr::Literal { value }))
                                if value.as_u64().is_some_and(|n| n >= 1) =>
                            {
                                JsonStyle::IndentedBy(value.as_u64().unwrap_or(1).min(10) as u8)
                            }
                            _ => JsonStyle::Indented,
                        };
                        Val::Expr(ValueExpr::JsonStringify {
                            value: Box::new(e),
                            style,
                        })
                    }
                    "parse" => Val::Expr(ValueExpr::JsonParse { value: Box::new(e) }),
                    _ => Val::Expr(unknown(format!("JSON.{method}"), sp)),
                }
            }
            Val::Date => Val::Expr(ValueExpr::Unrepresentable {
                what: format!("current time (Date.{method}())"),
                span: sp,
            }),
            Val::Math => {
                for a in arg_nodes {
                    self.eval(*a);
                }
                if method == "random" {
                    Val::Expr(ValueExpr::Unrepresentable {
                        what: "random value (Math.random())".into(),
                        span: sp,
                    })
                } else {
                    Val::Expr(unknown(format!("arithmetic Math.{method}()"), sp))
                }
            }
            Val::Crypto => Val::Expr(ValueExpr::Unrepresentable {
                what: if method.contains("Hash") || method.contains("Hmac") {
                    format!("hash (crypto.{method}())")
                } else {
                    format!("random value (crypto.{method}())")
                },
                span: sp,
            }),
            Val::Uuid => Val::Expr(ValueExpr::Unrepresentable {
                what: format!("random id ({method}())"),
                span: sp,
            }),
            Val::HttpClient(h) => {
                for a in arg_nodes {
                    self.eval(*a);
                }
                Val::Expr(self.non_aws_call(&format!("{h}.{method}"), &h, sp))
            }
            Val::Tracer | Val::Xray => {
                if method.starts_with("capture") && method.contains("Client")
                    || method == "captureAWS"
                {
                    return match arg_nodes.first() {
                        Some(a) => self.eval(*a),
                        None => Val::Undefined,
                    };
                }
                if method == "captureLambdaHandler" || method == "captureMethod" {
                    // Middleware / decorator factories: no effect on data.
                    return Val::Package("tracer middleware".into());
                }
                Val::Undefined
            }
            Val::Metrics => {
                self.metrics_call(method, sp);
                Val::Undefined
            }
            Val::Package(p) if p == "AWS.config" => Val::Undefined,
            Val::Package(p) if p.starts_with("builtin ") => {
                let builtin = &p["builtin ".len()..];
                let args: Vec<Val<'u>> = arg_nodes.iter().map(|a| self.eval(*a)).collect();
                match (builtin, method) {
                    ("Object", "assign") => {
                        let mut entries = Vec::new();
                        for a in args {
                            let e = self.to_expr(a, sp);
                            match e {
                                ValueExpr::Object { entries: inner } => entries.extend(inner),
                                other => entries.push(ObjectEntry::Spread { value: other }),
                            }
                        }
                        Val::Expr(ValueExpr::Object { entries })
                    }
                    ("Promise", "all") => args.into_iter().next().unwrap_or(Val::Undefined),
                    _ => Val::Expr(unknown(format!("`{}`", self.short(n)), sp)),
                }
            }
            Val::DocFactory if method == "from" => {
                for a in arg_nodes {
                    self.eval(*a);
                }
                Val::Client(
                    Client {
                        service: "dynamodb".into(),
                        flavor: SdkFlavor::JsDocumentClient,
                    },
                    true,
                )
            }
            Val::Middy => Val::Middy,
            Val::Func(f) if method == "use" || method == "before" || method == "after" => {
                // middy(handler).use(mw): check the middleware, keep the handler.
                for a in arg_nodes {
                    self.middleware(*a);
                }
                Val::Func(f)
            }
            Val::Client(client, doc) => self.client_call(client, doc, method, arg_nodes, sp),
            Val::V2Request(call) => match method {
                "promise" => Val::Expr(ValueExpr::SdkResult { call, path: vec![] }),
                "send" => {
                    if let Some(cb) = arg_nodes.first() {
                        self.sdk_callback(*cb, call);
                    }
                    Val::Undefined
                }
                _ => Val::Expr(unknown(format!("request.{method}()"), sp)),
            },
            Val::Expr(e) => self.value_method(e, method, obj, arg_nodes, n, sp),
            Val::Context => Val::Expr(self.context_call(method, sp)),
            Val::Func(f) if method == "call" || method == "apply" => {
                let args: Vec<Val<'u>> = arg_nodes.iter().skip(1).map(|a| self.eval(*a)).collect();
                self.call_function(f, args, sp).unwrap_or(Val::Undefined)
            }
            Val::LocalModule(_) | Val::Undefined => {
                let s = self.call_not_understood(n, sp);
                Val::Expr(unknown(s, sp))
            }
            _ => {
                for a in arg_nodes {
                    self.eval(*a);
                }
                let s = self.call_not_understood(n, sp);
                Val::Expr(unknown(format!("call `{s}`"), sp))
            }
        }
    }

    fn middleware(&mut self, a: Node<'u>) {
        let t = self.t(a).to_string();
        let sp = span(a);
        if t.contains("logMetrics") {
            self.c.blocker(
                "powertools-metrics",
                "the logMetrics middleware publishes CloudWatch metrics: a Task state does not",
                sp,
            );
        } else if t.contains("injectLambdaContext") || t.contains("captureLambdaHandler") {
            // Powertools logger/tracer: no effect on data.
        } else {
            self.c
                .not_understood(&format!("middleware `{}`", self.short(a)), sp);
        }
    }

    /// Methods on data values: string helpers, array iteration, streaming bodies, promises.
    fn value_method(
        &mut self,
        e: ValueExpr,
        method: &str,
        _obj: Node<'u>,
        arg_nodes: &[Node<'u>],
        n: Node<'u>,
        sp: Span,
    ) -> Val<'u> {
        match method {
            "toString" if arg_nodes.is_empty() => {
                Val::Expr(ValueExpr::ToString { value: Box::new(e) })
            }
            "transformToString" | "transformToByteArray" | "transformToWebStream" | "pipe" => {
                Val::Expr(self.streaming_body(method, sp))
            }
            "map" | "forEach" | "filter" | "reduce" | "flatMap" | "some" | "every" | "find" => {
                let calls_before = self.c.calls.len();
                let mut callback_seen = false;
                for a in arg_nodes {
                    if let Val::Func(f) = self.eval(*a) {
                        callback_seen = true;
                        let item = Val::Expr(unknown("array item", sp));
                        self.call_function(f, vec![item], sp);
                    }
                }
                if let ValueExpr::Event { path } = &e {
                    self.extra_reads.push(path.clone());
                }
                if self.c.calls.len() > calls_before {
                    self.c.blocker(
                        "loop",
                        format!("makes SDK calls for each item (.{method})"),
                        sp,
                    );
                }
                let _ = callback_seen;
                Val::Expr(unknown(format!("`{}`", self.short(n)), sp))
            }
            "then" => {
                let Some(a) = arg_nodes.first() else {
                    return Val::Expr(e);
                };
                match self.eval(*a) {
                    Val::Func(f) => self
                        .call_function(f, vec![Val::Expr(e)], sp)
                        .unwrap_or(Val::Undefined),
                    _ => Val::Expr(unknown(".then()", sp)),
                }
            }
            "catch" => {
                self.c.blocker(
                    "swallowed-error",
                    "errors are caught with .catch(): the workflow may see success where the integration would fail",
                    sp,
                );
                Val::Expr(e)
            }
            "finally" => Val::Expr(e),
            // v2 DocumentClient requests: `.promise()` gives the response.
            "promise" if matches!(&e, ValueExpr::SdkResult { path, .. } if path.is_empty()) => {
                Val::Expr(e)
            }
            _ => {
                for a in arg_nodes {
                    self.eval(*a);
                }
                // `new Date().toISOString()` is as unrepresentable as the date.
                if let ValueExpr::Unrepresentable { .. } = e {
                    return Val::Expr(e);
                }
                // Pure string/array helpers: a value we cannot follow, not a side effect.
                Val::Expr(unknown(format!("`{}`", self.short(n)), sp))
            }
        }
    }

    fn client_call(
        &mut self,
        client: Client,
        doc: bool,
        method: &str,
        arg_nodes: &[Node<'u>],
        sp: Span,
    ) -> Val<'u> {
        if self.in_module_scope {
            return Val::Expr(self.import_time_call(&client.service, method, sp));
        }
        if method == "send" {
            let Some(a) = arg_nodes.first() else {
                return Val::Expr(unknown("send()", sp));
            };
            let cmd = self.eval(*a);
            return match cmd {
                Val::Command {
                    service,
                    action,
                    doc: cmd_doc,
                    params,
                } => {
                    let flavor = if cmd_doc || doc {
                        SdkFlavor::JsDocumentClient
                    } else {
                        client.flavor
                    };
                    let (params, flavor) = unwrap_marshall(params, flavor);
                    let call = self.c.record_call(&service, action, flavor, params, sp);
                    if let Some(cb) = arg_nodes.get(1) {
                        self.sdk_callback(*cb, call);
                        return Val::Undefined;
                    }
                    Val::Expr(ValueExpr::SdkResult { call, path: vec![] })
                }
                _ => {
                    let s = self.short(*a);
                    self.c.not_understood(&format!("SDK command `{s}`"), sp);
                    Val::Expr(unknown("send()", sp))
                }
            };
        }
        if matches!(method, "destroy" | "middlewareStack" | "config") {
            return Val::Undefined;
        }
        let action = if doc || client.flavor == SdkFlavor::JsDocumentClient {
            match document_client_action(method) {
                Some(a) => a.to_string(),
                None => {
                    self.c
                        .not_understood(&format!("DocumentClient method `{method}`"), sp);
                    return Val::Expr(unknown(method, sp));
                }
            }
        } else {
            pascal_from_camel(method)
        };
        let mut args = arg_nodes.iter();
        let params = match args.next() {
            Some(a) => {
                let v = self.eval(*a);
                match v {
                    Val::Func(_) => empty_object(),
                    other => self.to_expr(other, sp),
                }
            }
            None => empty_object(),
        };
        let (params, flavor) = unwrap_marshall(params, client.flavor);
        let call = self
            .c
            .record_call(&client.service, action, flavor, params, sp);
        if let Some(cb) = arg_nodes.last().filter(|_| arg_nodes.len() >= 2) {
            self.sdk_callback(*cb, call);
            return Val::Undefined;
        }
        if client.flavor == SdkFlavor::JsV2 {
            Val::V2Request(call)
        } else {
            Val::Expr(ValueExpr::SdkResult { call, path: vec![] })
        }
    }

    /// `(err, data) => {...}` after an SDK call.
    fn sdk_callback(&mut self, cb: Node<'u>, call: usize) {
        let Val::Func(f) = self.eval(cb) else {
            return;
        };
        let args = vec![
            Val::CaughtError,
            Val::Expr(ValueExpr::SdkResult { call, path: vec![] }),
        ];
        // The callback's returns are the handler's (it calls the handler's callback).
        let r = self.call_function_inline(f, args);
        let _ = r;
    }

    /// Calls `f` in the current frame so that `callback(...)`/`resolve(...)` inside it are the
    /// handler's own returns.
    fn call_function_inline(&mut self, f: Func<'u>, args: Vec<Val<'u>>) -> Flow {
        self.push_scope();
        self.bind_args(f, args);
        let saved_unit = self.unit;
        self.unit = f.unit;
        let flow = match f.node.child_by_field_name("body") {
            Some(body) if body.kind() == "statement_block" => self.block(body),
            Some(body) => {
                self.eval(body);
                Flow::Normal
            }
            None => Flow::Normal,
        };
        self.unit = saved_unit;
        self.pop_scope();
        flow
    }

    fn new_expression(&mut self, n: Node<'u>) -> Val<'u> {
        let sp = span(n);
        let Some(ctor) = n.child_by_field_name("constructor") else {
            return Val::Expr(unknown(self.short(n), sp));
        };
        let args: Vec<Node<'u>> = n
            .child_by_field_name("arguments")
            .map(named_children)
            .unwrap_or_default();
        let c = self.eval(ctor);
        match c {
            Val::V3Client(service) => Val::Client(
                Client {
                    service,
                    flavor: SdkFlavor::JsV3,
                },
                false,
            ),
            Val::V2Class(service) => Val::Client(
                Client {
                    service,
                    flavor: SdkFlavor::JsV2,
                },
                false,
            ),
            Val::V2DocClass => Val::Client(
                Client {
                    service: "dynamodb".into(),
                    flavor: SdkFlavor::JsDocumentClient,
                },
                true,
            ),
            Val::V3Command(service, action) => Val::Command {
                service,
                action,
                doc: false,
                params: self.first_value(&args, sp).unwrap_or_else(empty_object),
            },
            Val::DocCommand(name) => {
                let Some(action) = document_client_action(&name) else {
                    self.c
                        .not_understood(&format!("lib-dynamodb command `{name}`"), sp);
                    return Val::Expr(unknown(name, sp));
                };
                Val::Command {
                    service: "dynamodb".into(),
                    action: action.to_string(),
                    doc: true,
                    params: self.first_value(&args, sp).unwrap_or_else(empty_object),
                }
            }
            Val::ErrorClass(name) => Val::ErrorObj(name, self.first_value(&args, sp)),
            Val::Date => Val::Expr(ValueExpr::Unrepresentable {
                what: "current time (new Date())".into(),
                span: sp,
            }),
            Val::LoggerClass => Val::Logger,
            Val::TracerClass => Val::Tracer,
            Val::MetricsClass => Val::Metrics,
            Val::Package(p) if p == "builtin Promise" => {
                // new Promise((resolve, reject) => ...): resolve/reject are the returns.
                if let Some(a) = args.first() {
                    if let Val::Func(f) = self.eval(*a) {
                        // What resolve() gets is the value of the promise, not a return of
                        // the enclosing function: keep the frame's own return state.
                        let saved = (self.frame().returns.take(), self.frame().returned);
                        self.frame().returned = false;
                        self.call_function_inline(f, vec![Val::Resolve, Val::Reject]);
                        let r = self.frame().returns.take();
                        self.frame().returns = saved.0;
                        self.frame().returned = saved.1;
                        return r.unwrap_or(Val::Undefined);
                    }
                }
                Val::Expr(unknown("new Promise", sp))
            }
            _ => {
                for a in &args {
                    self.eval(*a);
                }
                let s = self.short(n);
                self.c.not_understood(&format!("`{s}`"), sp);
                Val::Expr(unknown(s, sp))
            }
        }
    }

    // ---------------------------------------------------------------- literals

    fn property_key(&self, k: Node<'u>) -> Option<String> {
        match k.kind() {
            "property_identifier" | "identifier" | "private_property_identifier" => {
                Some(self.t(k).to_string())
            }
            "string" => Some(self.string_value(k)),
            "number" => Some(self.t(k).to_string()),
            _ => None,
        }
    }

    fn string_literal(&self, n: Node<'u>) -> Option<String> {
        match n.kind() {
            "string" => Some(self.string_value(n)),
            "template_string"
                if named_children(n)
                    .iter()
                    .all(|c| c.kind() != "template_substitution") =>
            {
                let t = self.t(n);
                Some(unescape(t.trim_start_matches('`').trim_end_matches('`')))
            }
            _ => None,
        }
    }

    fn string_value(&self, n: Node<'u>) -> String {
        let mut out = String::new();
        let mut cursor = n.walk();
        for c in n.named_children(&mut cursor) {
            match c.kind() {
                "string_fragment" => out.push_str(self.t(c)),
                "escape_sequence" => out.push_str(&unescape(self.t(c))),
                _ => {}
            }
        }
        out
    }
}

impl<'u> Grammar<'u, Val<'u>> for Js<'u, '_, '_> {
    fn module_body(&mut self, root: Node<'u>) {
        // Function and class declarations are hoisted.
        for stmt in named_children(root) {
            let decl = if stmt.kind() == "export_statement" {
                stmt.child_by_field_name("declaration")
            } else {
                Some(stmt)
            };
            if let Some(d) = decl {
                self.hoist(d);
            }
        }
        for stmt in named_children(root) {
            self.module_statement(stmt);
        }
    }

    fn bind_args(&mut self, f: Func<'u>, args: Vec<Val<'u>>) {
        let params = self.param_nodes(f.node);
        for (i, p) in params.iter().enumerate() {
            let arg = args.get(i).cloned().unwrap_or(Val::Undefined);
            self.bind_param(*p, arg);
        }
    }

    fn run_body(&mut self, f: Func<'u>) -> Option<Val<'u>> {
        let body = f.node.child_by_field_name("body")?;
        if body.kind() == "statement_block" {
            self.block(body);
            None
        } else {
            Some(self.eval(body))
        }
    }

    fn value(&mut self, n: Node<'u>, sp: Span) -> ValueExpr {
        let v = self.eval(n);
        self.to_expr(v, sp)
    }
}

/// The error name a class reports: `this.name = "X"` in its body, the class name when it assigns
/// `this.constructor.name`/`new.target.name`, else the inherited `Error`.
fn class_error_name(class: &str, body: &str) -> String {
    for (i, _) in body.match_indices("name") {
        let before = &body[..i];
        if !(before.ends_with("this.")
            || before.trim_end().ends_with('{')
            || before.ends_with('\n')
            || before.ends_with(' '))
        {
            continue;
        }
        let after = body[i + 4..].trim_start();
        let Some(rest) = after.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with("this.constructor.name") || rest.starts_with("new.target.name") {
            return class.to_string();
        }
        for q in ['"', '\'', '`'] {
            if let Some(s) = rest.strip_prefix(q) {
                if let Some(end) = s.find(q) {
                    return s[..end].to_string();
                }
            }
        }
    }
    "Error".to_string()
}

/// `{}`: the parameters of a call made without any.
fn empty_object() -> ValueExpr {
    lit(Value::Object(Default::default()))
}

fn unparen(mut n: Node<'_>) -> Node<'_> {
    while matches!(
        n.kind(),
        "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression"
    ) {
        match n.named_child(0) {
            Some(c) => n = c,
            None => break,
        }
    }
    n
}

/// `PutItemCommand({Item: marshall(x)})` is plain values marshalled by the library, like a DocumentClient.
fn unwrap_marshall(params: ValueExpr, flavor: SdkFlavor) -> (ValueExpr, SdkFlavor) {
    let ValueExpr::Object { entries } = &params else {
        return (params, flavor);
    };
    let mut changed = false;
    let mut out = Vec::new();
    for e in entries {
        match e {
            ObjectEntry::Field {
                key,
                value: ValueExpr::Unknown { construct, .. },
            } if construct.starts_with("marshall(") => {
                let inner = construct
                    .strip_prefix("marshall(")
                    .and_then(|c| c.strip_suffix(')'))
                    .unwrap_or("");
                match serde_json::from_str::<ValueExpr>(inner) {
                    Ok(v) => {
                        changed = true;
                        out.push(ObjectEntry::Field {
                            key: key.clone(),
                            value: v,
                        });
                    }
                    Err(_) => out.push(e.clone()),
                }
            }
            other => out.push(other.clone()),
        }
    }
    if changed {
        (
            ValueExpr::Object { entries: out },
            SdkFlavor::JsDocumentClient,
        )
    } else {
        (params, flavor)
    }
}

fn parse_number(t: &str) -> Value {
    let clean: String = t.chars().filter(|c| *c != '_').collect();
    if let Ok(i) = clean.parse::<i64>() {
        return Value::from(i);
    }
    if let Some(hex) = clean
        .strip_prefix("0x")
        .or_else(|| clean.strip_prefix("0X"))
    {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return Value::from(i);
        }
    }
    match clean.parse::<f64>() {
        Ok(f) if f.is_finite() => {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Value::from(f as i64)
            } else {
                Value::from(f)
            }
        }
        _ => Value::Null,
    }
}
