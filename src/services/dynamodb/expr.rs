//! DynamoDB expression parsing: condition (ConditionExpression, FilterExpression), update,
//! projection and key-condition expressions, with ExpressionAttributeNames/Values resolution.
//!
//! Grammar: DynamoDB Developer Guide, "Condition and filter expressions, operators, and functions"
//! (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html),
//! "Update expressions" (Expressions.UpdateExpressions.html), "Projection expressions",
//! "Key condition expressions for the Query operation" (Query.KeyConditionExpressions.html).
//! Error texts follow DynamoDB's ValidationException messages
//! (`Invalid UpdateExpression: Syntax error; token: "x", near: "..."`).

use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Which expression a message refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprKind {
    Condition,
    Update,
    Projection,
    KeyCondition,
    Filter,
}

impl ExprKind {
    pub fn label(self) -> &'static str {
        match self {
            ExprKind::Condition => "ConditionExpression",
            ExprKind::Update => "UpdateExpression",
            ExprKind::Projection => "ProjectionExpression",
            ExprKind::KeyCondition => "KeyConditionExpression",
            ExprKind::Filter => "FilterExpression",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathElem {
    Name(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Path(pub Vec<PathElem>);

impl Path {
    pub fn top(&self) -> &str {
        match self.0.first() {
            Some(PathElem::Name(n)) => n,
            _ => "",
        }
    }
    /// `[a, b, 0]` as DynamoDB prints paths in overlap messages.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| match e {
                PathElem::Name(n) => n.clone(),
                PathElem::Index(i) => format!("[{i}]"),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    /// `:name` — resolved against ExpressionAttributeValues at evaluation.
    Value(String),
    Size(Path),
    IfNotExists(Path, Box<Operand>),
    ListAppend(Box<Operand>, Box<Operand>),
    Plus(Box<Operand>, Box<Operand>),
    Minus(Box<Operand>, Box<Operand>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Or(Box<Cond>, Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Cmp(Operand, CmpOp, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    AttributeExists(Path),
    AttributeNotExists(Path),
    AttributeType(Path, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    pub set: Vec<(Path, Operand)>,
    pub remove: Vec<Path>,
    pub add: Vec<(Path, Operand)>,
    pub delete: Vec<(Path, Operand)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    NameRef(String),
    ValueRef(String),
    Int(usize),
    Sym(&'static str),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::NameRef(s) | Tok::ValueRef(s) => s.clone(),
            Tok::Int(i) => i.to_string(),
            Tok::Sym(s) => s.to_string(),
        }
    }
}

/// Names and values available to an expression, and which of them were used (DynamoDB rejects
/// unused ones: "Value provided in ExpressionAttributeValues unused in expressions").
pub struct Symbols<'a> {
    pub names: Option<&'a Map<String, Value>>,
    pub values: Option<&'a Map<String, Value>>,
    pub used_names: BTreeSet<String>,
    pub used_values: BTreeSet<String>,
}

impl<'a> Symbols<'a> {
    pub fn new(
        names: Option<&'a Map<String, Value>>,
        values: Option<&'a Map<String, Value>>,
    ) -> Self {
        Symbols {
            names,
            values,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
        }
    }

    /// The unused-name / unused-value error, if any, checked after all expressions of a request.
    pub fn unused_error(&self) -> Option<String> {
        if let Some(n) = self.names {
            let unused: Vec<&String> = n.keys().filter(|k| !self.used_names.contains(*k)).collect();
            if !unused.is_empty() {
                return Some(format!(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                    unused.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        if let Some(v) = self.values {
            let unused: Vec<&String> = v
                .keys()
                .filter(|k| !self.used_values.contains(*k))
                .collect();
            if !unused.is_empty() {
                return Some(format!(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                    unused.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        None
    }
}

fn tokenize(kind: ExprKind, s: &str) -> Result<Vec<(Tok, usize, usize)>, String> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let word = |j: &mut usize| {
            while *j < b.len() && (b[*j].is_ascii_alphanumeric() || b[*j] == b'_') {
                *j += 1;
            }
        };
        let tok = match c {
            b'#' | b':' => {
                i += 1;
                word(&mut i);
                if i == start + 1 {
                    return Err(syntax(kind, s, &(c as char).to_string(), start, i));
                }
                let t = s[start..i].to_string();
                if c == b'#' {
                    Tok::NameRef(t)
                } else {
                    Tok::ValueRef(t)
                }
            }
            b'0'..=b'9' => {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                Tok::Int(
                    s[start..i]
                        .parse()
                        .map_err(|_| syntax(kind, s, &s[start..i], start, i))?,
                )
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                word(&mut i);
                Tok::Ident(s[start..i].to_string())
            }
            _ => {
                let two = s.get(i..i + 2).unwrap_or("");
                let sym: &'static str = match two {
                    "<>" => "<>",
                    "<=" => "<=",
                    ">=" => ">=",
                    _ => match c {
                        b'(' => "(",
                        b')' => ")",
                        b'[' => "[",
                        b']' => "]",
                        b',' => ",",
                        b'.' => ".",
                        b'=' => "=",
                        b'<' => "<",
                        b'>' => ">",
                        b'+' => "+",
                        b'-' => "-",
                        _ => {
                            let ch = s[i..].chars().next().unwrap_or('?');
                            return Err(format!(
                                "Invalid {}: Invalid character encountered in expression; character: {ch}",
                                kind.label()
                            ));
                        }
                    },
                };
                i += sym.len();
                Tok::Sym(sym)
            }
        };
        out.push((tok, start, i));
    }
    Ok(out)
}

fn syntax(kind: ExprKind, src: &str, token: &str, start: usize, end: usize) -> String {
    let near_start = src[..start]
        .trim_end()
        .rfind(char::is_whitespace)
        .map(|p| p + 1)
        .unwrap_or(0);
    let near_end = src[end..]
        .find(char::is_whitespace)
        .map(|p| end + p)
        .unwrap_or(src.len());
    format!(
        "Invalid {}: Syntax error; token: \"{}\", near: \"{}\"",
        kind.label(),
        token,
        src[near_start..near_end].trim()
    )
}

struct Parser<'s, 'a> {
    kind: ExprKind,
    src: &'s str,
    toks: Vec<(Tok, usize, usize)>,
    pos: usize,
    syms: &'s mut Symbols<'a>,
}

impl<'s, 'a> Parser<'s, 'a> {
    fn new(kind: ExprKind, src: &'s str, syms: &'s mut Symbols<'a>) -> Result<Self, String> {
        if src.trim().is_empty() {
            return Err(format!(
                "Invalid {}: The expression can not be empty;",
                kind.label()
            ));
        }
        Ok(Parser {
            kind,
            src,
            toks: tokenize(kind, src)?,
            pos: 0,
            syms,
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn err_here(&self) -> String {
        match self.toks.get(self.pos) {
            Some((t, s, e)) => syntax(self.kind, self.src, &t.text(), *s, *e),
            None => {
                let end = self.src.len();
                let near_start = self
                    .src
                    .trim_end()
                    .rfind(char::is_whitespace)
                    .map(|p| p + 1)
                    .unwrap_or(0);
                format!(
                    "Invalid {}: Syntax error; token: \"<EOF>\", near: \"{}\"",
                    self.kind.label(),
                    self.src[near_start.min(end)..].trim()
                )
            }
        }
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), String> {
        match self.peek() {
            Some(Tok::Sym(s)) if *s == sym => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.err_here()),
        }
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn resolve_name(&mut self, alias: &str) -> Result<String, String> {
        let v = self.syms.names.and_then(|n| n.get(alias));
        match v.and_then(|v| v.as_str()) {
            Some(name) => {
                self.syms.used_names.insert(alias.to_string());
                Ok(name.to_string())
            }
            None => Err(format!(
                "Invalid {}: An expression attribute name used in the document path is not defined; attribute name: {alias}",
                self.kind.label()
            )),
        }
    }

    fn value_ref(&mut self, v: &str) -> Result<Operand, String> {
        if self.syms.values.and_then(|m| m.get(v)).is_none() {
            return Err(format!(
                "Invalid {}: An expression attribute value used in expression is not defined; attribute value: {v}",
                self.kind.label()
            ));
        }
        self.syms.used_values.insert(v.to_string());
        Ok(Operand::Value(v.to_string()))
    }

    fn path(&mut self) -> Result<Path, String> {
        let mut elems = Vec::new();
        let first = match self.peek().cloned() {
            Some(Tok::Ident(n)) => {
                self.pos += 1;
                n
            }
            Some(Tok::NameRef(a)) => {
                self.pos += 1;
                self.resolve_name(&a)?
            }
            _ => return Err(self.err_here()),
        };
        elems.push(PathElem::Name(first));
        loop {
            if self.eat_sym(".") {
                match self.peek().cloned() {
                    Some(Tok::Ident(n)) => {
                        self.pos += 1;
                        elems.push(PathElem::Name(n));
                    }
                    Some(Tok::NameRef(a)) => {
                        self.pos += 1;
                        let n = self.resolve_name(&a)?;
                        elems.push(PathElem::Name(n));
                    }
                    _ => return Err(self.err_here()),
                }
            } else if self.eat_sym("[") {
                match self.peek().cloned() {
                    Some(Tok::Int(i)) => {
                        self.pos += 1;
                        elems.push(PathElem::Index(i));
                    }
                    _ => return Err(self.err_here()),
                }
                self.expect_sym("]")?;
            } else {
                break;
            }
        }
        Ok(Path(elems))
    }

    fn is_func(&self, name: &str) -> bool {
        self.peek_kw(name) && matches!(self.toks.get(self.pos + 1), Some((Tok::Sym("("), _, _)))
    }

    /// An operand of a condition: path, :value or size(path).
    fn cond_operand(&mut self) -> Result<Operand, String> {
        if self.is_func("size") {
            self.pos += 2;
            let p = self.path()?;
            self.expect_sym(")")?;
            return Ok(Operand::Size(p));
        }
        self.path_or_value()
    }

    fn condition(&mut self) -> Result<Cond, String> {
        let mut left = self.and_cond()?;
        while self.peek_kw("OR") {
            self.pos += 1;
            let right = self.and_cond()?;
            left = Cond::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_cond(&mut self) -> Result<Cond, String> {
        let mut left = self.not_cond()?;
        while self.peek_kw("AND") {
            self.pos += 1;
            let right = self.not_cond()?;
            left = Cond::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_cond(&mut self) -> Result<Cond, String> {
        if self.peek_kw("NOT") {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not_cond()?)));
        }
        self.primary_cond()
    }

    fn primary_cond(&mut self) -> Result<Cond, String> {
        if self.eat_sym("(") {
            let c = self.condition()?;
            self.expect_sym(")")?;
            return Ok(c);
        }
        for f in [
            "attribute_exists",
            "attribute_not_exists",
            "attribute_type",
            "begins_with",
            "contains",
        ] {
            if self.is_func(f) {
                self.pos += 2;
                let c = match f {
                    "attribute_exists" => Cond::AttributeExists(self.path()?),
                    "attribute_not_exists" => Cond::AttributeNotExists(self.path()?),
                    "attribute_type" => {
                        let p = self.path()?;
                        self.expect_sym(",")?;
                        let t = self.cond_operand()?;
                        Cond::AttributeType(p, t)
                    }
                    "begins_with" => {
                        let a = self.cond_operand()?;
                        self.expect_sym(",")?;
                        Cond::BeginsWith(a, self.cond_operand()?)
                    }
                    _ => {
                        let a = self.cond_operand()?;
                        self.expect_sym(",")?;
                        Cond::Contains(a, self.cond_operand()?)
                    }
                };
                self.expect_sym(")")?;
                return Ok(c);
            }
        }
        if let Some(Tok::Ident(w)) = self.peek() {
            if self.is_func(&w.clone()) && !w.eq_ignore_ascii_case("size") {
                return Err(format!(
                    "Invalid {}: Invalid function name; function: {}",
                    self.kind.label(),
                    w
                ));
            }
        }
        let left = self.cond_operand()?;
        if self.peek_kw("BETWEEN") {
            self.pos += 1;
            let lo = self.cond_operand()?;
            if !self.peek_kw("AND") {
                return Err(self.err_here());
            }
            self.pos += 1;
            let hi = self.cond_operand()?;
            return Ok(Cond::Between(left, lo, hi));
        }
        if self.peek_kw("IN") {
            self.pos += 1;
            self.expect_sym("(")?;
            let mut list = vec![self.cond_operand()?];
            while self.eat_sym(",") {
                list.push(self.cond_operand()?);
            }
            self.expect_sym(")")?;
            return Ok(Cond::In(left, list));
        }
        let op = match self.peek() {
            Some(Tok::Sym("=")) => CmpOp::Eq,
            Some(Tok::Sym("<>")) => CmpOp::Ne,
            Some(Tok::Sym("<")) => CmpOp::Lt,
            Some(Tok::Sym("<=")) => CmpOp::Le,
            Some(Tok::Sym(">")) => CmpOp::Gt,
            Some(Tok::Sym(">=")) => CmpOp::Ge,
            _ => return Err(self.err_here()),
        };
        self.pos += 1;
        let right = self.cond_operand()?;
        Ok(Cond::Cmp(left, op, right))
    }

    /// Right-hand side of a SET action: operand [+|- operand].
    fn set_value(&mut self) -> Result<Operand, String> {
        let left = self.set_operand()?;
        if self.eat_sym("+") {
            return Ok(Operand::Plus(Box::new(left), Box::new(self.set_operand()?)));
        }
        if self.eat_sym("-") {
            return Ok(Operand::Minus(
                Box::new(left),
                Box::new(self.set_operand()?),
            ));
        }
        Ok(left)
    }

    fn set_operand(&mut self) -> Result<Operand, String> {
        if self.is_func("if_not_exists") {
            self.pos += 2;
            let p = self.path()?;
            self.expect_sym(",")?;
            let v = self.set_value()?;
            self.expect_sym(")")?;
            return Ok(Operand::IfNotExists(p, Box::new(v)));
        }
        if self.is_func("list_append") {
            self.pos += 2;
            let a = self.set_value()?;
            self.expect_sym(",")?;
            let b = self.set_value()?;
            self.expect_sym(")")?;
            return Ok(Operand::ListAppend(Box::new(a), Box::new(b)));
        }
        if let Some(Tok::Ident(w)) = self.peek() {
            if self.is_func(&w.clone()) {
                return Err(format!(
                    "Invalid {}: Invalid function name; function: {}",
                    self.kind.label(),
                    w
                ));
            }
        }
        self.path_or_value()
    }

    /// A document path or a `:value` reference.
    fn path_or_value(&mut self) -> Result<Operand, String> {
        match self.peek() {
            Some(Tok::Ident(_)) | Some(Tok::NameRef(_)) => Ok(Operand::Path(self.path()?)),
            _ => self.value_operand(),
        }
    }

    fn value_operand(&mut self) -> Result<Operand, String> {
        match self.peek().cloned() {
            Some(Tok::ValueRef(v)) => {
                self.pos += 1;
                self.value_ref(&v)
            }
            _ => Err(self.err_here()),
        }
    }

    fn update(&mut self) -> Result<Update, String> {
        let mut u = Update::default();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        while !self.at_end() {
            let clause = match self.peek() {
                Some(Tok::Ident(w)) => w.to_ascii_uppercase(),
                _ => return Err(self.err_here()),
            };
            if !["SET", "REMOVE", "ADD", "DELETE"].contains(&clause.as_str()) {
                return Err(self.err_here());
            }
            if !seen.insert(clause.clone()) {
                return Err(format!(
                    "Invalid {}: The \"{}\" section can only be used once in an update expression;",
                    self.kind.label(),
                    clause
                ));
            }
            self.pos += 1;
            loop {
                match clause.as_str() {
                    "SET" => {
                        let p = self.path()?;
                        self.expect_sym("=")?;
                        let v = self.set_value()?;
                        u.set.push((p, v));
                    }
                    "REMOVE" => u.remove.push(self.path()?),
                    "ADD" => {
                        let p = self.path()?;
                        let v = self.value_operand()?;
                        u.add.push((p, v));
                    }
                    _ => {
                        let p = self.path()?;
                        let v = self.value_operand()?;
                        u.delete.push((p, v));
                    }
                }
                if !self.eat_sym(",") {
                    break;
                }
            }
        }
        Ok(u)
    }
}

pub fn parse_condition(kind: ExprKind, src: &str, syms: &mut Symbols) -> Result<Cond, String> {
    let mut p = Parser::new(kind, src, syms)?;
    let c = p.condition()?;
    if !p.at_end() {
        return Err(p.err_here());
    }
    Ok(c)
}

pub fn parse_update(src: &str, syms: &mut Symbols) -> Result<Update, String> {
    let mut p = Parser::new(ExprKind::Update, src, syms)?;
    let u = p.update()?;
    // Overlapping paths are rejected (Developer Guide, "Update expressions").
    let mut all: Vec<&Path> = u.set.iter().map(|(p, _)| p).collect();
    all.extend(u.remove.iter());
    all.extend(u.add.iter().map(|(p, _)| p));
    all.extend(u.delete.iter().map(|(p, _)| p));
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            let (a, b) = (&all[i].0, &all[j].0);
            let n = a.len().min(b.len());
            if a[..n] == b[..n] {
                let conflict = if a.len() == b.len() {
                    "Two document paths overlap with each other; must remove or rewrite one of these paths"
                } else {
                    "Two document paths overlap with each other; must remove or rewrite one of these paths"
                };
                return Err(format!(
                    "Invalid UpdateExpression: {conflict}; path one: {}, path two: {}",
                    all[i].describe(),
                    all[j].describe()
                ));
            }
        }
    }
    Ok(u)
}

pub fn parse_projection(src: &str, syms: &mut Symbols) -> Result<Vec<Path>, String> {
    let mut p = Parser::new(ExprKind::Projection, src, syms)?;
    let mut out = vec![p.path()?];
    while p.eat_sym(",") {
        out.push(p.path()?);
    }
    if !p.at_end() {
        return Err(p.err_here());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn syms<'a>(n: &'a Value, v: &'a Value) -> Symbols<'a> {
        Symbols::new(n.as_object(), v.as_object())
    }

    #[test]
    fn parses_update_clauses() {
        let n = json!({"#c": "count"});
        let v = json!({":one": {"N": "1"}, ":t": {"S": "x"}, ":l": {"L": []}});
        let mut s = syms(&n, &v);
        let u = parse_update("SET #c = if_not_exists(#c, :one) + :one, tags = list_append(tags, :l) REMOVE old.a[2] ADD n :one DELETE s :t", &mut s).unwrap();
        assert_eq!(u.set.len(), 2);
        assert_eq!(
            u.remove[0],
            Path(vec![
                PathElem::Name("old".into()),
                PathElem::Name("a".into()),
                PathElem::Index(2)
            ])
        );
        assert_eq!(u.add.len(), 1);
        assert!(s.unused_error().is_none());
    }

    #[test]
    fn syntax_and_reference_errors() {
        let n = json!({});
        let v = json!({":r": {"S": "x"}});
        let mut s = syms(&n, &v);
        let e = parse_update("set a =", &mut s).unwrap_err();
        assert!(
            e.starts_with("Invalid UpdateExpression: Syntax error; token: \"<EOF>\""),
            "{e}"
        );
        let mut s = syms(&n, &v);
        let e = parse_condition(ExprKind::Condition, "a = :missing", &mut s).unwrap_err();
        assert_eq!(e, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing");
        let mut s = syms(&n, &v);
        let e = parse_condition(ExprKind::Condition, "#x = :r", &mut s).unwrap_err();
        assert!(e.contains("attribute name: #x"));
        let mut s = syms(&n, &v);
        let e = parse_update("SET a = :r, a = :r", &mut s).unwrap_err();
        assert!(e.contains("Two document paths overlap"), "{e}");
    }

    #[test]
    fn parses_conditions() {
        let n = json!({"#s": "status"});
        let v = json!({":a": {"S": "x"}, ":b": {"S": "y"}});
        let mut s = syms(&n, &v);
        let c = parse_condition(ExprKind::Condition, "attribute_not_exists(id) OR (#s IN (:a, :b) AND NOT begins_with(#s, :a)) AND size(x) BETWEEN :a AND :b", &mut s).unwrap();
        assert!(matches!(c, Cond::Or(_, _)));
    }
}
