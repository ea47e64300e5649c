//! Python front end: walks the handler function (and the helpers it calls) over tree-sitter
//! syntax, tracking where each value comes from, and records boto3 calls, the return value,
//! raises and findings in the shared [`Collector`](super::facts::Collector). What does not
//! depend on the grammar (frames and scopes, helper calls, returns, language-neutral findings)
//! is in [`super::walk`].

use super::expr::{
    concat, field_of, first_unrepresentable, index_of, is_stringish, lit, path_text, push_concat,
    simplify_template, unknown, TemplateBuilder,
};
use super::facts::{pascal_from_snake, Client, PYTHON_ERRORS};
use super::model::{
    Condition, DefaultWhen, JsonStyle, ObjectEntry, PathSeg, SdkFlavor, Span, TemplatePart,
    ValueExpr,
};
use super::source::{fields, named_children, span, unescape};
use super::unit::resolve;
use super::walk::{Caught, Flow, Func, Grammar, Output, Walker};
use serde_json::Value;
use tree_sitter::Node;

/// What an expression evaluates to, as far as the analysis cares.
#[derive(Clone)]
pub(super) enum Val<'u> {
    Expr(ValueExpr),
    None,
    Client(Client),
    Resource(String),
    Table(ValueExpr),
    Func(Func<'u>),
    Boto3,
    Session,
    Json,
    Os,
    Environ,
    Logging,
    Logger,
    Tracer,
    Metrics,
    PowertoolsClass(&'static str),
    Time,
    Random,
    Hash,
    Http(String),
    ErrorClass(String),
    ErrorObj(String, Option<ValueExpr>),
    CaughtError,
    Context,
    Builtin(&'static str),
    LocalModule(usize),
    Module(String),
}

impl From<ValueExpr> for Val<'_> {
    fn from(e: ValueExpr) -> Self {
        Val::Expr(e)
    }
}

/// The Python front end: the shared walker over Python values.
pub(super) type Py<'u, 'c, 'e> = Walker<'u, 'c, 'e, Val<'u>>;

fn unparen(mut n: Node<'_>) -> Node<'_> {
    while n.kind() == "parenthesized_expression" {
        match n.named_child(0) {
            Some(c) => n = c,
            None => break,
        }
    }
    n
}

impl<'u, 'c, 'e> Py<'u, 'c, 'e> {
    pub fn analyze(mut self, export: &str) -> Result<Output, String> {
        self.load_module(0);
        let Some(Val::Func(f)) = self.modules[0].get(export).cloned() else {
            return Err(format!("no exported function `{export}` in this file"));
        };
        let sp = span(f.node);
        self.check_decorators(f.node);
        let nparams = f
            .node
            .child_by_field_name("parameters")
            .map(|p| named_children(p).len())
            .unwrap_or(0);
        let mut args = vec![Val::Expr(ValueExpr::Event { path: vec![] }), Val::Context];
        args.truncate(nparams.max(1));
        let returns = self.call_function(f, args, sp);
        let returns = match returns {
            None | Some(Val::None) => None,
            Some(v) => Some(self.to_expr(v, sp)),
        };
        Ok(self.output(sp, returns))
    }

    fn check_decorators(&mut self, def: Node<'u>) {
        let Some(parent) = def.parent() else { return };
        if parent.kind() != "decorated_definition" {
            return;
        }
        for d in named_children(parent) {
            if d.kind() != "decorator" {
                continue;
            }
            let t = self.t(d).to_string();
            let sp = span(d);
            if t.contains("log_metrics") {
                self.c.blocker(
                    "powertools-metrics",
                    "@metrics.log_metrics publishes CloudWatch metrics: a Task state does not",
                    sp,
                );
            } else if t.contains("inject_lambda_context") || t.contains("capture_lambda_handler") {
                // Powertools logger/tracer: no effect on data.
            } else {
                self.c
                    .not_understood(&format!("decorator `{}`", self.short(d)), sp);
            }
        }
    }

    // ---------------------------------------------------------------- module level

    fn module_statement(&mut self, stmt: Node<'u>) {
        let sp = span(stmt);
        match stmt.kind() {
            "import_statement" => {
                let mut cursor = stmt.walk();
                let names: Vec<Node<'u>> =
                    stmt.children_by_field_name("name", &mut cursor).collect();
                for n in names {
                    let (module, alias) = if let Some(aliased) = self.aliased_import(n) {
                        aliased
                    } else {
                        let m = self.t(n).to_string();
                        let first = m.split('.').next().unwrap_or("").to_string();
                        (
                            if n.kind() == "dotted_name" && m.contains('.') {
                                first.clone()
                            } else {
                                m
                            },
                            first,
                        )
                    };
                    let v = self.module_value(&module);
                    self.bind(alias, v);
                }
            }
            "import_from_statement" => {
                let module = stmt
                    .child_by_field_name("module_name")
                    .map(|m| self.t(m).to_string())
                    .unwrap_or_default();
                let mv = self.module_value(&module);
                let mut cursor = stmt.walk();
                let names: Vec<Node<'u>> =
                    stmt.children_by_field_name("name", &mut cursor).collect();
                for n in names {
                    let (name, alias) = self
                        .aliased_import(n)
                        .unwrap_or_else(|| (self.t(n).to_string(), self.t(n).to_string()));
                    let v = self.attr(mv.clone(), &name, sp);
                    self.bind(alias, v);
                }
            }
            "function_definition" => self.def(stmt),
            "decorated_definition" => {
                if let Some(d) = stmt.child_by_field_name("definition") {
                    match d.kind() {
                        "function_definition" => self.def(d),
                        "class_definition" => self.class_def(d),
                        _ => {}
                    }
                }
            }
            "class_definition" => self.class_def(stmt),
            "expression_statement" => {
                self.statement(stmt);
            }
            "comment" | "pass_statement" | "future_import_statement" => {}
            "if_statement" if self.t(stmt).starts_with("if __name__") => {}
            _ => {
                let s = self.short(stmt);
                self.c
                    .not_understood(&format!("module-level statement `{s}`"), sp);
            }
        }
    }

    /// `(name, alias)` of `name as alias`.
    fn aliased_import(&self, n: Node<'u>) -> Option<(String, String)> {
        if n.kind() != "aliased_import" {
            return None;
        }
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x))
            .unwrap_or("");
        let alias = n
            .child_by_field_name("alias")
            .map(|x| self.t(x))
            .unwrap_or(name);
        Some((name.to_string(), alias.to_string()))
    }

    fn def(&mut self, d: Node<'u>) {
        if let Some(name) = d.child_by_field_name("name") {
            let f = Val::Func(Func {
                node: d,
                unit: self.unit,
            });
            self.bind(self.t(name).to_string(), f);
        }
    }

    fn class_def(&mut self, d: Node<'u>) {
        let Some(name) = d.child_by_field_name("name") else {
            return;
        };
        let name = self.t(name).to_string();
        let supers = d
            .child_by_field_name("superclasses")
            .map(|s| self.t(s).to_string())
            .unwrap_or_default();
        if supers.contains("Exception") || supers.contains("Error") {
            // The Python runtime reports type(exc).__name__ (aws-facts §3.2).
            self.bind(name.clone(), Val::ErrorClass(name));
        } else {
            self.bind(name.clone(), Val::Module(format!("class {name}")));
        }
    }

    fn module_value(&mut self, module: &str) -> Val<'u> {
        match module {
            "boto3" => return Val::Boto3,
            "json" | "simplejson" => return Val::Json,
            "os" => return Val::Os,
            "logging" => return Val::Logging,
            "time" | "datetime" => return Val::Time,
            "uuid" | "random" | "secrets" => return Val::Random,
            "hashlib" | "hmac" => return Val::Hash,
            "requests" | "httpx" | "urllib3" | "urllib" | "urllib.request" | "http.client"
            | "aiohttp" => return Val::Http(module.to_string()),
            "aws_lambda_powertools"
            | "aws_lambda_powertools.logging"
            | "aws_lambda_powertools.tracing"
            | "aws_lambda_powertools.metrics" => return Val::Module(module.to_string()),
            _ => {}
        }
        if module.starts_with("botocore") {
            return Val::Module(module.to_string());
        }
        let from = self.units[self.unit].path.clone();
        if let Some(path) = resolve(&from, module, self.units[self.unit].language) {
            if let Some(i) = self.units.iter().position(|u| u.path == path) {
                return Val::LocalModule(i);
            }
        }
        Val::Module(module.to_string())
    }

    // ---------------------------------------------------------------- scopes

    fn lookup(&mut self, name: &str, sp: Span) -> Val<'u> {
        if let Some(v) = self.scoped(name) {
            return v;
        }
        match name {
            "None" => Val::None,
            "print" => Val::Logger,
            "str" => Val::Builtin("str"),
            "int" | "float" | "bool" | "len" | "list" | "dict" | "sorted" | "round" | "sum"
            | "min" | "max" | "abs" | "tuple" | "set" | "isinstance" | "repr" => {
                Val::Builtin("other")
            }
            _ if PYTHON_ERRORS.contains(&name) => Val::ErrorClass(name.to_string()),
            _ => Val::Expr(unknown(format!("unknown name `{name}`"), sp)),
        }
    }

    fn bind_param(&mut self, p: Node<'u>, arg: Option<Val<'u>>) {
        let sp = span(p);
        match p.kind() {
            "identifier" => {
                let v = arg.unwrap_or(Val::None);
                self.bind(self.t(p).to_string(), v);
            }
            "typed_parameter" => {
                if let Some(id) = p.named_child(0).filter(|c| c.kind() == "identifier") {
                    let v = arg.unwrap_or(Val::None);
                    self.bind(self.t(id).to_string(), v);
                }
            }
            "default_parameter" | "typed_default_parameter" => {
                let Some(name) = p.child_by_field_name("name") else {
                    return;
                };
                let v = match arg {
                    Some(a) => a,
                    None => match p.child_by_field_name("value") {
                        Some(d) => self.eval(d),
                        None => Val::None,
                    },
                };
                self.bind(self.t(name).to_string(), v);
            }
            _ => {
                if let Some(id) = p.named_child(0) {
                    let what = format!("parameter `{}`", self.short(p));
                    self.bind(self.t(id).to_string(), Val::Expr(unknown(what, sp)));
                }
            }
        }
    }

    // ---------------------------------------------------------------- statements

    fn block(&mut self, block: Node<'u>) -> Flow {
        let mut flow = Flow::Normal;
        for stmt in named_children(block) {
            if flow != Flow::Normal {
                break;
            }
            flow = self.statement(stmt);
        }
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
                for e in named_children(stmt) {
                    match e.kind() {
                        "assignment" => self.assignment(e),
                        "augmented_assignment" => {
                            if let Some(l) = e.child_by_field_name("left") {
                                let name = self.t(l).to_string();
                                if let Some(r) = e.child_by_field_name("right") {
                                    self.eval(r);
                                }
                                let what = format!("`{}`", self.short(e));
                                self.bind(name, Val::Expr(unknown(what, sp)));
                            }
                        }
                        _ => {
                            self.eval(e);
                        }
                    }
                }
                Flow::Normal
            }
            "return_statement" => {
                let v = match stmt.named_child(0) {
                    Some(e) => self.eval(e),
                    None => Val::None,
                };
                self.set_return(v, sp);
                Flow::Return
            }
            "if_statement" => self.if_statement(stmt),
            "raise_statement" => {
                let v = stmt.named_child(0).map(|e| self.eval(e));
                self.raise(v, None, sp);
                Flow::Throw
            }
            "try_statement" => self.try_statement(stmt),
            "for_statement" | "while_statement" => {
                if let Some(r) = stmt.child_by_field_name("right") {
                    if let Val::Expr(ValueExpr::Event { path }) = self.eval(r) {
                        self.extra_reads.push(path);
                    }
                }
                self.loop_over(self.t(stmt).contains("paginate"), sp);
                if let Some(l) = stmt.child_by_field_name("left") {
                    if l.kind() == "identifier" {
                        let what = format!("loop variable `{}`", self.t(l));
                        self.bind(self.t(l).to_string(), Val::Expr(unknown(what, sp)));
                    }
                }
                if let Some(b) = stmt.child_by_field_name("body") {
                    self.nested(|s| s.block(b));
                }
                Flow::Normal
            }
            "pass_statement" | "comment" => Flow::Normal,
            "function_definition" => {
                self.def(stmt);
                Flow::Normal
            }
            "decorated_definition" => {
                if let Some(d) = stmt.child_by_field_name("definition") {
                    self.def(d);
                }
                Flow::Normal
            }
            "class_definition" => {
                self.class_def(stmt);
                Flow::Normal
            }
            "import_statement" | "import_from_statement" => {
                self.module_statement(stmt);
                Flow::Normal
            }
            "global_statement" | "nonlocal_statement" => Flow::Normal,
            _ => {
                let s = self.short(stmt);
                self.c.not_understood(&format!("statement `{s}`"), sp);
                Flow::Normal
            }
        }
    }

    fn assignment(&mut self, e: Node<'u>) {
        let sp = span(e);
        let Some([left, right]) = fields(e, ["left", "right"]) else {
            return;
        };
        let v = self.eval(right);
        let v = if self.frame().nested > 0 && !self.in_module_scope {
            match v {
                Val::Expr(_) => Val::Expr(unknown(
                    format!("`{}` set under a condition", self.t(left)),
                    sp,
                )),
                other => other,
            }
        } else {
            v
        };
        match left.kind() {
            "identifier" => self.bind(self.t(left).to_string(), v),
            "subscript" => {
                // d["k"] = v on a tracked dict literal.
                let obj = left.child_by_field_name("value");
                let key = left
                    .child_by_field_name("subscript")
                    .and_then(|k| self.string_literal(k));
                if let (Some(obj), Some(key)) = (obj.filter(|o| o.kind() == "identifier"), key) {
                    let name = self.t(obj).to_string();
                    if let (Val::Expr(ValueExpr::Object { mut entries }), Val::Expr(value)) =
                        (self.lookup(&name, sp), v.clone())
                    {
                        entries.retain(
                            |en| !matches!(en, ObjectEntry::Field { key: k, .. } if *k == key),
                        );
                        entries.push(ObjectEntry::Field { key, value });
                        self.bind(name, Val::Expr(ValueExpr::Object { entries }));
                        return;
                    }
                }
                let s = self.short(left);
                self.c.not_understood(&format!("assignment to `{s}`"), sp);
            }
            "pattern_list" | "tuple_pattern" => {
                for (i, el) in named_children(left).into_iter().enumerate() {
                    if el.kind() == "identifier" {
                        let item = match &v {
                            Val::Expr(x) => Val::Expr(index_of(x, i as i64, sp)),
                            _ => Val::Expr(unknown("tuple unpacking", sp)),
                        };
                        self.bind(self.t(el).to_string(), item);
                    }
                }
            }
            _ => {
                let s = self.short(left);
                self.c.not_understood(&format!("assignment to `{s}`"), sp);
            }
        }
    }

    fn significant(&self, block: Node<'u>) -> Vec<Node<'u>> {
        named_children(block)
            .into_iter()
            .filter(|s| !self.is_logging(*s) && s.kind() != "pass_statement")
            .collect()
    }

    fn is_logging(&self, s: Node<'u>) -> bool {
        if s.kind() != "expression_statement" {
            return false;
        }
        let Some(call) = s.named_child(0).filter(|c| c.kind() == "call") else {
            return false;
        };
        let f = call
            .child_by_field_name("function")
            .map(|f| self.t(f))
            .unwrap_or("");
        let obj = f.split('.').next().unwrap_or("");
        (matches!(obj, "print" | "logger" | "logging" | "log" | "LOGGER") || f == "print")
            && !f.contains("metric")
    }

    fn if_statement(&mut self, stmt: Node<'u>) -> Flow {
        let sp = span(stmt);
        let Some([cond, cons]) = fields(stmt, ["condition", "consequence"]) else {
            return Flow::Normal;
        };
        let mut cursor = stmt.walk();
        let alts: Vec<Node<'u>> = stmt
            .children_by_field_name("alternative", &mut cursor)
            .collect();
        if alts.is_empty() {
            let sig = self.significant(cons);
            if let [one] = sig.as_slice() {
                if one.kind() == "raise_statement" {
                    let condition = self.condition(cond);
                    let v = one.named_child(0).map(|e| self.eval(e));
                    self.raise(v, Some(condition), span(*one));
                    return Flow::Normal;
                }
            }
            if sig.is_empty() {
                return Flow::Normal;
            }
        }
        let dispatch = self.dispatch_field(cond);
        self.branch(dispatch, cond, sp);
        self.eval(cond);
        self.nested(|s| s.block(cons));
        for a in alts {
            if let Some(b) = a
                .child_by_field_name("consequence")
                .or_else(|| a.child_by_field_name("body"))
            {
                if let Some(c) = a.child_by_field_name("condition") {
                    self.eval(c);
                }
                self.nested(|s| s.block(b));
            }
        }
        Flow::Normal
    }

    fn dispatch_field(&mut self, cond: Node<'u>) -> Option<String> {
        let cond = unparen(cond);
        if cond.kind() != "comparison_operator" {
            return None;
        }
        let ops: Vec<Node<'u>> = named_children(cond);
        if ops.len() != 2 {
            return None;
        }
        let text = self.t(cond);
        if !text.contains("==") {
            return None;
        }
        let (field, other) = if ops[1].kind() == "string" {
            (ops[0], ops[1])
        } else {
            (ops[1], ops[0])
        };
        if other.kind() != "string" {
            return None;
        }
        match self.quietly(|s| s.eval(field)) {
            Val::Expr(ValueExpr::Event { path }) if !path.is_empty() => Some(path_text(&path)),
            Val::Expr(ValueExpr::Default { value, .. }) => match *value {
                ValueExpr::Event { path } if !path.is_empty() => Some(path_text(&path)),
                _ => None,
            },
            _ => None,
        }
    }

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
            "not_operator" => {
                let Some(arg) = cond.child_by_field_name("argument").map(unparen) else {
                    return other;
                };
                if matches!(
                    arg.kind(),
                    "boolean_operator" | "comparison_operator" | "not_operator"
                ) {
                    return Condition::Not {
                        condition: Box::new(self.condition(arg)),
                    };
                }
                match self.event_value(arg) {
                    Some(e) => Condition::Falsy { value: e },
                    None => other,
                }
            }
            "boolean_operator" => {
                let op = self.operator(cond);
                let Some([l, r]) = fields(cond, ["left", "right"]) else {
                    return other;
                };
                let conditions = vec![self.condition(l), self.condition(r)];
                if op == "or" {
                    Condition::Or { conditions }
                } else {
                    Condition::And { conditions }
                }
            }
            "comparison_operator" => {
                let ops = named_children(cond);
                if ops.len() != 2 {
                    return other;
                }
                let text = self.t(cond);
                // `"k" not in event`, `"k" in event`
                if text.contains(" in ") {
                    let Some(key) = self.string_literal(ops[0]) else {
                        return other;
                    };
                    let container = self.eval(ops[1]);
                    let Val::Expr(ValueExpr::Event { mut path }) = container else {
                        return other;
                    };
                    path.push(PathSeg::Field(key));
                    let missing = Condition::Missing {
                        value: ValueExpr::Event { path },
                    };
                    return if text.contains(" not in ") {
                        missing
                    } else {
                        Condition::Not {
                            condition: Box::new(missing),
                        }
                    };
                }
                // `x is None`, `x is not None`
                if self.t(ops[1]) == "None"
                    && (text.contains(" is ") || text.contains("==") || text.contains("!="))
                {
                    let Some(e) = self.event_value(ops[0]) else {
                        return other;
                    };
                    let missing = Condition::Missing { value: e };
                    return if text.contains(" is not ") || text.contains("!=") {
                        Condition::Not {
                            condition: Box::new(missing),
                        }
                    } else {
                        missing
                    };
                }
                other
            }
            _ => other,
        }
    }

    /// An event path, also through `event.get("k")` (None when missing).
    fn event_value(&mut self, n: Node<'u>) -> Option<ValueExpr> {
        match self.eval(n) {
            Val::Expr(e @ ValueExpr::Event { .. }) => Some(e),
            Val::Expr(ValueExpr::Default { value, default, .. })
                if matches!(*default, ValueExpr::Literal { value: Value::Null }) =>
            {
                matches!(*value, ValueExpr::Event { .. }).then_some(*value)
            }
            _ => None,
        }
    }

    fn raise(&mut self, v: Option<Val<'u>>, condition: Option<Condition>, sp: Span) {
        match v {
            None | Some(Val::CaughtError) => {}
            Some(Val::ErrorObj(name, message)) => self.push_throw(name, message, condition, sp),
            Some(Val::ErrorClass(name)) => self.push_throw(name, None, condition, sp),
            Some(_) => {
                self.c.not_understood("raise of a non-exception value", sp);
            }
        }
    }

    fn try_statement(&mut self, stmt: Node<'u>) -> Flow {
        let sp = span(stmt);
        let mut flow = Flow::Normal;
        if let Some(body) = stmt.child_by_field_name("body") {
            flow = self.block(body);
        }
        for clause in named_children(stmt) {
            match clause.kind() {
                "except_clause" | "except_group_clause" => {
                    let alias = clause.child_by_field_name("alias");
                    if let Some(a) = alias {
                        self.bind(self.t(a).to_string(), Val::CaughtError);
                    }
                    let Some(body) = named_children(clause)
                        .into_iter()
                        .find(|c| c.kind() == "block")
                    else {
                        continue;
                    };
                    let sig = self.significant(body);
                    let how = match sig.as_slice() {
                        [] => Caught::Swallowed,
                        [one] if self.is_reraise(*one) => Caught::Passed,
                        [.., last] if last.kind() == "raise_statement" => {
                            match last.named_child(0).map(|e| self.eval(e)) {
                                Some(Val::ErrorObj(name, _)) | Some(Val::ErrorClass(name)) => {
                                    Caught::Rewrapped(name)
                                }
                                _ => Caught::Rewrapped("a different value".into()),
                            }
                        }
                        _ => Caught::Handled,
                    };
                    self.caught(how, ("re-raised", "re-raising"), span(clause));
                }
                "finally_clause" => {
                    if let Some(b) = named_children(clause)
                        .into_iter()
                        .find(|c| c.kind() == "block")
                    {
                        if !self.significant(b).is_empty() {
                            self.c.not_understood(
                                &format!("finally block `{}`", self.short(clause)),
                                sp,
                            );
                        }
                    }
                }
                "else_clause" => {
                    if let Some(b) = clause.child_by_field_name("body") {
                        flow = self.block(b);
                    }
                }
                _ => {}
            }
        }
        flow
    }

    fn is_reraise(&mut self, s: Node<'u>) -> bool {
        if s.kind() != "raise_statement" {
            return false;
        }
        if s.child_by_field_name("cause").is_some() {
            return false;
        }
        match s.named_child(0) {
            None => true,
            Some(e) if e.kind() == "identifier" => {
                let n = self.t(e).to_string();
                matches!(self.lookup(&n, span(e)), Val::CaughtError)
            }
            _ => false,
        }
    }

    // ---------------------------------------------------------------- expressions

    fn to_expr(&mut self, v: Val<'u>, sp: Span) -> ValueExpr {
        match v {
            Val::Expr(e) => e,
            Val::None => lit(Value::Null),
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
            "parenthesized_expression" => match n.named_child(0) {
                Some(i) => self.eval(i),
                None => Val::None,
            },
            "await" => match n.named_child(0) {
                Some(i) => self.eval(i),
                None => Val::None,
            },
            "string" => self.string(n),
            "concatenated_string" => {
                let mut parts = Vec::new();
                for s in named_children(n) {
                    let v = self.string(s);
                    let e = self.to_expr(v, sp);
                    push_concat(&mut parts, e);
                }
                Val::Expr(simplify_template(parts))
            }
            "integer" | "float" => Val::Expr(lit(parse_py_number(self.t(n)))),
            "true" => Val::Expr(lit(Value::Bool(true))),
            "false" => Val::Expr(lit(Value::Bool(false))),
            "none" => Val::None,
            "identifier" => {
                let name = self.t(n).to_string();
                self.lookup(&name, sp)
            }
            "attribute" => {
                let Some([obj, attr]) = fields(n, ["object", "attribute"]) else {
                    return Val::Expr(unknown(self.short(n), sp));
                };
                let o = self.eval(obj);
                let name = self.t(attr).to_string();
                self.attr(o, &name, sp)
            }
            "subscript" => {
                let Some([obj, sub]) = fields(n, ["value", "subscript"]) else {
                    return Val::Expr(unknown(self.short(n), sp));
                };
                let o = self.eval(obj);
                if sub.kind() == "integer" {
                    if let Ok(i) = self.t(sub).parse::<i64>() {
                        return match o {
                            Val::Expr(e) => Val::Expr(index_of(&e, i, sp)),
                            _ => Val::Expr(unknown(self.short(n), sp)),
                        };
                    }
                }
                if sub.kind() == "unary_operator" {
                    return Val::Expr(unknown(format!("negative index `{}`", self.short(n)), sp));
                }
                match self.string_literal(sub) {
                    Some(key) => match o {
                        Val::Environ => Val::Expr(self.c.env(&key)),
                        Val::Expr(e) => Val::Expr(field_of(&e, &key, sp)),
                        Val::Context => self.attr(Val::Context, &key, sp),
                        _ => Val::Expr(unknown(self.short(n), sp)),
                    },
                    None => Val::Expr(unknown(format!("computed key `{}`", self.short(n)), sp)),
                }
            }
            "dictionary" => {
                let mut entries = Vec::new();
                for e in named_children(n) {
                    let esp = span(e);
                    match e.kind() {
                        "pair" => {
                            let Some([k, v]) = fields(e, ["key", "value"]) else {
                                continue;
                            };
                            let Some(key) = self.string_literal(k) else {
                                let what = format!("computed key `{}`", self.short(k));
                                entries.push(ObjectEntry::Spread {
                                    value: unknown(what, esp),
                                });
                                continue;
                            };
                            let v = self.eval(v);
                            let value = self.to_expr(v, esp);
                            entries.push(ObjectEntry::Field { key, value });
                        }
                        "dictionary_splat" => {
                            let v = match e.named_child(0) {
                                Some(x) => self.eval(x),
                                None => Val::None,
                            };
                            let value = self.to_expr(v, esp);
                            entries.push(ObjectEntry::Spread { value });
                        }
                        _ => entries.push(ObjectEntry::Spread {
                            value: unknown(format!("`{}`", self.short(e)), esp),
                        }),
                    }
                }
                Val::Expr(ValueExpr::Object { entries })
            }
            "list" | "tuple" => {
                let mut items = Vec::new();
                for el in named_children(n) {
                    if el.kind() == "list_splat" {
                        return Val::Expr(unknown("list splat", span(el)));
                    }
                    let v = self.eval(el);
                    items.push(self.to_expr(v, span(el)));
                }
                Val::Expr(ValueExpr::Array { items })
            }
            "binary_operator" => {
                let Some([l, r]) = fields(n, ["left", "right"]) else {
                    return Val::Expr(unknown(self.short(n), sp));
                };
                let op = self.operator(n);
                let lv = self.eval(l);
                let rv = self.eval(r);
                let a = self.to_expr(lv, sp);
                let b = self.to_expr(rv, sp);
                if op == "+" && (is_stringish(&a) || is_stringish(&b)) {
                    return Val::Expr(concat(a, b));
                }
                if let Some(u) = first_unrepresentable(&[&a, &b]) {
                    return Val::Expr(u);
                }
                Val::Expr(unknown(format!("`{}`", self.short(n)), sp))
            }
            "boolean_operator" => {
                let op = self.operator(n);
                let Some([l, r]) = fields(n, ["left", "right"]) else {
                    return Val::Expr(unknown(self.short(n), sp));
                };
                let lv = self.eval(l);
                let rv = self.eval(r);
                if op == "or" {
                    let a = self.to_expr(lv, sp);
                    let b = self.to_expr(rv, sp);
                    return Val::Expr(ValueExpr::Default {
                        value: Box::new(a),
                        default: Box::new(b),
                        when: DefaultWhen::Falsy,
                    });
                }
                Val::Expr(unknown(format!("`{}`", self.short(n)), sp))
            }
            "conditional_expression" => {
                self.c.blocker(
                    "branching-on-data",
                    format!("chooses a value on `{}`", self.short(n)),
                    sp,
                );
                for c in named_children(n) {
                    self.eval(c);
                }
                Val::Expr(unknown(format!("conditional `{}`", self.short(n)), sp))
            }
            "call" => self.call(n),
            "lambda" => Val::Expr(unknown("lambda", sp)),
            "list_comprehension"
            | "dictionary_comprehension"
            | "set_comprehension"
            | "generator_expression" => {
                let before = self.c.calls.len();
                // Evaluate the body once to find SDK calls made per item.
                for c in named_children(n) {
                    if !matches!(c.kind(), "for_in_clause" | "if_clause") {
                        self.eval(c);
                    }
                }
                if self.c.calls.len() > before {
                    self.c
                        .blocker("loop", "makes SDK calls for each item (comprehension)", sp);
                }
                Val::Expr(unknown(format!("comprehension `{}`", self.short(n)), sp))
            }
            "unary_operator" => {
                let t = self.t(n);
                if let Some(num) = t.strip_prefix('-') {
                    if let Value::Number(x) = parse_py_number(num.trim()) {
                        if let Some(i) = x.as_i64() {
                            return Val::Expr(lit(Value::from(-i)));
                        }
                        if let Some(f) = x.as_f64() {
                            return Val::Expr(lit(Value::from(-f)));
                        }
                    }
                }
                Val::Expr(unknown(format!("`{}`", self.short(n)), sp))
            }
            "not_operator" | "comparison_operator" => {
                for c in named_children(n) {
                    self.eval(c);
                }
                Val::Expr(unknown(format!("`{}`", self.short(n)), sp))
            }
            _ => Val::Expr(unknown(format!("`{}`", self.short(n)), sp)),
        }
    }

    fn string(&mut self, n: Node<'u>) -> Val<'u> {
        let mut prefix = String::new();
        let mut template = TemplateBuilder::default();
        for c in named_children(n) {
            match c.kind() {
                "string_start" => {
                    prefix = self
                        .t(c)
                        .chars()
                        .take_while(|ch| ch.is_ascii_alphabetic())
                        .collect::<String>()
                        .to_ascii_lowercase()
                }
                "string_content" => {
                    let raw = self.t(c);
                    if prefix.contains('r') {
                        template.text(raw);
                    } else {
                        template.text(&unescape(raw));
                    }
                }
                "escape_sequence" => template.text(&unescape(self.t(c))),
                "interpolation" => {
                    if c.child_by_field_name("format_specifier").is_some()
                        || c.child_by_field_name("type_conversion").is_some()
                    {
                        return Val::Expr(unknown(
                            format!("f-string format `{}`", self.short(c)),
                            span(c),
                        ));
                    }
                    let v = match c.child_by_field_name("expression") {
                        Some(e) => self.eval(e),
                        None => Val::None,
                    };
                    template.expr(self.to_expr(v, span(c)));
                }
                _ => {}
            }
        }
        if prefix.contains('b') {
            return Val::Expr(unknown("bytes literal", span(n)));
        }
        Val::Expr(template.finish())
    }

    fn attr(&mut self, o: Val<'u>, name: &str, sp: Span) -> Val<'u> {
        match o {
            Val::Expr(e) => Val::Expr(field_of(&e, name, sp)),
            Val::Os if name == "environ" => Val::Environ,
            Val::Os => Val::Os,
            Val::Boto3
                if name == "client"
                    || name == "resource"
                    || name == "Session"
                    || name == "session" =>
            {
                Val::Boto3
            }
            Val::Context => Val::Expr(self.context_read(name, sp)),
            Val::Module(m) if m.starts_with("aws_lambda_powertools") => match name {
                "Logger" => Val::PowertoolsClass("Logger"),
                "Tracer" => Val::PowertoolsClass("Tracer"),
                "Metrics" | "EphemeralMetrics" => Val::PowertoolsClass("Metrics"),
                _ => Val::Module(format!("{m}.{name}")),
            },
            Val::Client(c) if name == "exceptions" => Val::Client(c),
            Val::Client(_) if name.ends_with("Exception") || name == "ClientError" => {
                Val::ErrorClass(name.to_string())
            }
            Val::Module(m) if m.starts_with("botocore") && name == "ClientError" => {
                Val::ErrorClass(name.into())
            }
            Val::LocalModule(u) => {
                self.load_module(u);
                self.modules[u].get(name).cloned().unwrap_or_else(|| {
                    Val::Expr(unknown(format!("`{name}` of a helper module"), sp))
                })
            }
            Val::Logging
            | Val::Logger
            | Val::Tracer
            | Val::Metrics
            | Val::Time
            | Val::Random
            | Val::Hash
            | Val::Json => o,
            Val::Http(h) => Val::Http(h),
            Val::Module(m) => Val::Module(format!("{m}.{name}")),
            _ => Val::Expr(unknown(format!("attribute `{name}`"), sp)),
        }
    }

    fn call(&mut self, n: Node<'u>) -> Val<'u> {
        let sp = span(n);
        let Some(func) = n.child_by_field_name("function") else {
            return Val::Expr(unknown(self.short(n), sp));
        };
        let args_node = n.child_by_field_name("arguments");
        let mut positional: Vec<Node<'u>> = Vec::new();
        let mut keywords: Vec<(String, Node<'u>)> = Vec::new();
        let mut splats: Vec<Node<'u>> = Vec::new();
        if let Some(a) = args_node {
            if a.kind() == "generator_expression" {
                positional.push(a);
            } else {
                for arg in named_children(a) {
                    match arg.kind() {
                        "keyword_argument" => {
                            if let Some([k, v]) = fields(arg, ["name", "value"]) {
                                keywords.push((self.t(k).to_string(), v));
                            }
                        }
                        "dictionary_splat" => splats.push(arg),
                        _ => positional.push(arg),
                    }
                }
            }
        }
        if func.kind() == "attribute" {
            let Some([obj, attr]) = fields(func, ["object", "attribute"]) else {
                return Val::Expr(unknown(self.short(n), sp));
            };
            let method = self.t(attr).to_string();
            let o = self.eval(obj);
            return self.method_call(o, &method, &positional, &keywords, &splats, n, sp);
        }
        let f = self.eval(func);
        match f {
            Val::Func(fun) => {
                let args: Vec<Val<'u>> = positional.iter().map(|a| self.eval(*a)).collect();
                if !keywords.is_empty() || !splats.is_empty() {
                    self.c.not_understood(
                        &format!("keyword arguments to a helper `{}`", self.short(n)),
                        sp,
                    );
                }
                self.call_function(fun, args, sp).unwrap_or(Val::None)
            }
            Val::Logger => Val::None,
            Val::Builtin("str") => {
                let v = positional
                    .first()
                    .map(|a| self.eval(*a))
                    .unwrap_or(Val::None);
                let e = self.to_expr(v, sp);
                Val::Expr(ValueExpr::ToString { value: Box::new(e) })
            }
            Val::Builtin(_) => {
                let mut vals = Vec::new();
                for a in &positional {
                    let v = self.eval(*a);
                    vals.push(self.to_expr(v, sp));
                }
                let refs: Vec<&ValueExpr> = vals.iter().collect();
                if let Some(u) = first_unrepresentable(&refs) {
                    return Val::Expr(u);
                }
                Val::Expr(unknown(format!("`{}`", self.short(n)), sp))
            }
            Val::ErrorClass(name) => Val::ErrorObj(name, self.first_value(&positional, sp)),
            Val::PowertoolsClass(kind) => match kind {
                "Logger" => Val::Logger,
                "Tracer" => Val::Tracer,
                _ => Val::Metrics,
            },
            Val::Http(h) => {
                self.c.blocker(
                    "non-aws-call",
                    format!("calls a non-AWS endpoint ({h}): no service integration does that"),
                    sp,
                );
                Val::Expr(unknown(format!("{h} response"), sp))
            }
            Val::Random => Val::Expr(ValueExpr::Unrepresentable {
                what: format!("random value ({}())", self.t(func)),
                span: sp,
            }),
            Val::Time => Val::Expr(ValueExpr::Unrepresentable {
                what: format!("current time ({}())", self.t(func)),
                span: sp,
            }),
            Val::Hash => Val::Expr(ValueExpr::Unrepresentable {
                what: format!("hash ({}())", self.t(func)),
                span: sp,
            }),
            Val::Boto3 => self.boto3_factory(self.t(func), &positional, &keywords, sp),
            Val::Module(m) if m.starts_with("aws_lambda_powertools") => {
                let last = m.rsplit('.').next().unwrap_or("");
                match last {
                    "Logger" => Val::Logger,
                    "Tracer" => Val::Tracer,
                    "Metrics" => Val::Metrics,
                    _ => Val::Expr(unknown(m, sp)),
                }
            }
            _ => {
                for a in &positional {
                    self.eval(*a);
                }
                let s = self.call_not_understood(n, sp);
                Val::Expr(unknown(format!("call `{s}`"), sp))
            }
        }
    }

    fn service_arg(
        &mut self,
        positional: &[Node<'u>],
        keywords: &[(String, Node<'u>)],
    ) -> Option<String> {
        let node = positional.first().copied().or_else(|| {
            keywords
                .iter()
                .find(|(k, _)| k == "service_name")
                .map(|(_, v)| *v)
        })?;
        self.string_literal(node)
    }

    fn boto3_factory(
        &mut self,
        fname: &str,
        positional: &[Node<'u>],
        keywords: &[(String, Node<'u>)],
        sp: Span,
    ) -> Val<'u> {
        let kind = fname.rsplit('.').next().unwrap_or(fname);
        match kind {
            "Session" | "session" => Val::Session,
            "client" | "resource" => {
                let Some(name) = self.service_arg(positional, keywords) else {
                    self.c
                        .not_understood("boto3 client with a computed service name", sp);
                    return Val::Expr(unknown("boto3 client", sp));
                };
                let service = self
                    .c
                    .catalogue
                    .service_for_boto3(&name)
                    .map(str::to_string)
                    .unwrap_or(name);
                if kind == "client" {
                    Val::Client(Client {
                        service,
                        flavor: SdkFlavor::Boto3Client,
                    })
                } else {
                    Val::Resource(service)
                }
            }
            _ => Val::Expr(unknown(format!("boto3.{kind}"), sp)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn method_call(
        &mut self,
        o: Val<'u>,
        method: &str,
        positional: &[Node<'u>],
        keywords: &[(String, Node<'u>)],
        splats: &[Node<'u>],
        n: Node<'u>,
        sp: Span,
    ) -> Val<'u> {
        match o {
            Val::Logging | Val::Logger => {
                if method == "getLogger" {
                    return Val::Logger;
                }
                Val::None
            }
            Val::Tracer => {
                if method.starts_with("capture") {
                    return Val::Module("tracer decorator".into());
                }
                Val::None
            }
            Val::Metrics => {
                self.metrics_call(method, sp);
                Val::None
            }
            Val::Json => {
                let v = positional
                    .first()
                    .map(|a| self.eval(*a))
                    .unwrap_or(Val::None);
                let e = self.to_expr(v, sp);
                match method {
                    "dumps" => {
                        let mut style = JsonStyle::PythonDefault;
                        for (k, v) in keywords {
                            let vt: String =
                                self.t(*v).chars().filter(|c| !c.is_whitespace()).collect();
                            match k.as_str() {
                                "separators" if vt == "(',',':')" || vt == "(\",\",\":\")" => {
                                    style = JsonStyle::Compact
                                }
                                // json.dumps(indent=n), n >= 1: n spaces per level.
                                "indent" if vt.parse::<u8>().is_ok_and(|n| n >= 1) => {
                                    style = JsonStyle::IndentedBy(vt.parse().unwrap_or(1))
                                }
                                "indent" if vt != "None" => style = JsonStyle::Indented,
                                "default" | "ensure_ascii" | "cls" => {}
                                _ => return Val::Expr(unknown(format!("json.dumps({k}=...)"), sp)),
                            }
                        }
                        Val::Expr(ValueExpr::JsonStringify {
                            value: Box::new(e),
                            style,
                        })
                    }
                    "loads" => Val::Expr(ValueExpr::JsonParse { value: Box::new(e) }),
                    _ => Val::Expr(unknown(format!("json.{method}"), sp)),
                }
            }
            Val::Os | Val::Environ => {
                // os.getenv("X", d) / os.environ.get("X", d)
                if method == "getenv" || method == "get" {
                    let Some(name) = positional.first().and_then(|a| self.string_literal(*a))
                    else {
                        return Val::Expr(unknown("computed environment variable", sp));
                    };
                    let env = self.c.env(&name);
                    if let ValueExpr::Env { value: Some(_), .. } = &env {
                        return Val::Expr(env);
                    }
                    return match positional.get(1) {
                        Some(d) => {
                            let dv = self.eval(*d);
                            let de = self.to_expr(dv, sp);
                            Val::Expr(ValueExpr::Default {
                                value: Box::new(env),
                                default: Box::new(de),
                                when: DefaultWhen::Missing,
                            })
                        }
                        None => Val::Expr(env),
                    };
                }
                Val::Expr(unknown(format!("os.{method}"), sp))
            }
            Val::Boto3 | Val::Session => self.boto3_factory(method, positional, keywords, sp),
            Val::Resource(service) => {
                if method == "Table" && service == "dynamodb" {
                    let name = self.first_value(positional, sp);
                    return Val::Table(name.unwrap_or_else(|| unknown("Table()", sp)));
                }
                self.c
                    .not_understood(&format!("boto3 resource `{service}.{method}`"), sp);
                Val::Expr(unknown(format!("{service}.{method}"), sp))
            }
            Val::Table(name) => {
                let mut entries = vec![ObjectEntry::Field {
                    key: "TableName".into(),
                    value: name,
                }];
                let params = self.kwargs(positional, keywords, splats, sp);
                if let ValueExpr::Object { entries: more } = params {
                    entries.extend(more);
                }
                self.sdk_call(
                    "dynamodb",
                    method,
                    SdkFlavor::Boto3Resource,
                    ValueExpr::Object { entries },
                    sp,
                )
            }
            Val::Client(client) => {
                if method == "get_paginator" {
                    self.pagination(sp);
                    return Val::Expr(unknown("paginator", sp));
                }
                if matches!(method, "get_waiter" | "can_paginate" | "close") {
                    self.c.not_understood(&format!("client.{method}"), sp);
                    return Val::Expr(unknown(method, sp));
                }
                let params = self.kwargs(positional, keywords, splats, sp);
                self.sdk_call(&client.service, method, client.flavor, params, sp)
            }
            Val::Http(h) => Val::Expr(self.non_aws_call(&format!("{h}.{method}"), &h, sp)),
            Val::Time => Val::Expr(ValueExpr::Unrepresentable {
                what: format!("current time ({method}())"),
                span: sp,
            }),
            Val::Random => Val::Expr(ValueExpr::Unrepresentable {
                what: format!("random value ({method}())"),
                span: sp,
            }),
            Val::Hash => Val::Expr(ValueExpr::Unrepresentable {
                what: format!("hash ({method}())"),
                span: sp,
            }),
            Val::Context => Val::Expr(self.context_call(method, sp)),
            Val::Expr(e) => self.value_method(e, method, positional, keywords, n, sp),
            Val::LocalModule(u) => {
                let f = self.attr(Val::LocalModule(u), method, sp);
                match f {
                    Val::Func(fun) => {
                        let args: Vec<Val<'u>> = positional.iter().map(|a| self.eval(*a)).collect();
                        self.call_function(fun, args, sp).unwrap_or(Val::None)
                    }
                    _ => {
                        let s = self.call_not_understood(n, sp);
                        Val::Expr(unknown(s, sp))
                    }
                }
            }
            Val::ErrorClass(_) | Val::Module(_) | _ => {
                for a in positional {
                    self.eval(*a);
                }
                let s = self.call_not_understood(n, sp);
                Val::Expr(unknown(format!("call `{s}`"), sp))
            }
        }
    }

    fn value_method(
        &mut self,
        e: ValueExpr,
        method: &str,
        positional: &[Node<'u>],
        keywords: &[(String, Node<'u>)],
        n: Node<'u>,
        sp: Span,
    ) -> Val<'u> {
        match method {
            "get" => {
                let Some(key) = positional.first().and_then(|a| self.string_literal(*a)) else {
                    return Val::Expr(unknown(format!("`{}`", self.short(n)), sp));
                };
                let value = field_of(&e, &key, sp);
                let default = match positional.get(1) {
                    Some(d) => {
                        let v = self.eval(*d);
                        self.to_expr(v, sp)
                    }
                    None => lit(Value::Null),
                };
                Val::Expr(ValueExpr::Default {
                    value: Box::new(value),
                    default: Box::new(default),
                    when: DefaultWhen::Missing,
                })
            }
            "read" | "iter_lines" | "iter_chunks" => Val::Expr(self.streaming_body(method, sp)),
            "format" if keywords.is_empty() => {
                // "...{}...".format(a, b): positional placeholders only.
                let ValueExpr::Literal {
                    value: Value::String(fmt),
                } = &e
                else {
                    return Val::Expr(unknown(format!("`{}`", self.short(n)), sp));
                };
                let pieces: Vec<&str> = fmt.split("{}").collect();
                if pieces.len() - 1 != positional.len()
                    || fmt.contains("{{")
                    || pieces.iter().any(|p| p.contains('{') || p.contains('}'))
                {
                    return Val::Expr(unknown(format!("`{}`", self.short(n)), sp));
                }
                let mut parts = Vec::new();
                for (i, piece) in pieces.iter().enumerate() {
                    push_concat(&mut parts, lit(Value::String(piece.to_string())));
                    if let Some(a) = positional.get(i) {
                        let v = self.eval(*a);
                        let x = self.to_expr(v, sp);
                        parts.push(TemplatePart::Expr { value: x });
                    }
                }
                Val::Expr(simplify_template(parts))
            }
            _ => {
                for a in positional {
                    self.eval(*a);
                }
                if let ValueExpr::Unrepresentable { .. } = e {
                    return Val::Expr(e);
                }
                Val::Expr(unknown(format!("`{}`", self.short(n)), sp))
            }
        }
    }

    fn kwargs(
        &mut self,
        positional: &[Node<'u>],
        keywords: &[(String, Node<'u>)],
        splats: &[Node<'u>],
        sp: Span,
    ) -> ValueExpr {
        if !positional.is_empty() {
            self.c
                .not_understood("positional arguments to a boto3 call", sp);
        }
        let mut entries = Vec::new();
        for s in splats {
            let v = match s.named_child(0) {
                Some(x) => self.eval(x),
                None => Val::None,
            };
            match self.to_expr(v, sp) {
                ValueExpr::Object { entries: inner } => entries.extend(inner),
                other => entries.push(ObjectEntry::Spread { value: other }),
            }
        }
        for (k, v) in keywords {
            let val = self.eval(*v);
            let value = self.to_expr(val, span(*v));
            entries.push(ObjectEntry::Field {
                key: k.clone(),
                value,
            });
        }
        ValueExpr::Object { entries }
    }

    fn sdk_call(
        &mut self,
        service: &str,
        method: &str,
        flavor: SdkFlavor,
        params: ValueExpr,
        sp: Span,
    ) -> Val<'u> {
        if self.in_module_scope {
            return Val::Expr(self.import_time_call(service, method, sp));
        }
        let action = pascal_from_snake(method);
        let call = self.c.record_call(service, action, flavor, params, sp);
        Val::Expr(ValueExpr::SdkResult { call, path: vec![] })
    }

    fn string_literal(&mut self, n: Node<'u>) -> Option<String> {
        if n.kind() != "string" {
            return None;
        }
        match self.string(n) {
            Val::Expr(ValueExpr::Literal {
                value: Value::String(s),
            }) => Some(s),
            _ => None,
        }
    }
}

impl<'u> Grammar<'u, Val<'u>> for Py<'u, '_, '_> {
    fn module_body(&mut self, root: Node<'u>) {
        for stmt in named_children(root) {
            self.module_statement(stmt);
        }
    }

    fn bind_args(&mut self, f: Func<'u>, args: Vec<Val<'u>>) {
        if let Some(ps) = f.node.child_by_field_name("parameters") {
            for (i, p) in named_children(ps).into_iter().enumerate() {
                let arg = args.get(i).cloned();
                self.bind_param(p, arg);
            }
        }
    }

    fn run_body(&mut self, f: Func<'u>) -> Option<Val<'u>> {
        if let Some(body) = f.node.child_by_field_name("body") {
            self.block(body);
        }
        None
    }

    fn value(&mut self, n: Node<'u>, sp: Span) -> ValueExpr {
        let v = self.eval(n);
        self.to_expr(v, sp)
    }
}

fn parse_py_number(t: &str) -> Value {
    let clean: String = t.chars().filter(|c| *c != '_').collect();
    if let Ok(i) = clean.parse::<i64>() {
        return Value::from(i);
    }
    match clean.parse::<f64>() {
        Ok(f) if f.is_finite() => Value::from(f),
        _ => Value::Null,
    }
}
