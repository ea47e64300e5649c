//! Filter expressions `[?(...)]` (Jayway flavour): `@`/`$` paths, literals, `== != < <= > >= =~ in nin`,
//! `empty`, `&& || !`, parentheses and existence tests (`[?(@.isbn)]`).

use super::parse::Parser;
use super::{CompiledPath, Root};
use crate::asl::{AslError, Scope};
use serde_json::Value;

#[derive(Debug, Clone)]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// A path alone: true when it selects something (Jayway's `exists`).
    Exists(Operand),
    Cmp(Operand, Op, Operand),
}

#[derive(Debug, Clone)]
pub enum Operand {
    /// `@...` (relative to the item) or `$...` (the input).
    Path {
        path: CompiledPath,
        relative: bool,
    },
    Literal(Value),
    Regex(regex::Regex),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Matches,
    In,
    Nin,
    Empty,
}

impl Expr {
    /// True when `item` (the `@` node) satisfies the filter.
    pub fn matches(&self, item: &Value, scope: &Scope) -> bool {
        match self {
            Expr::Or(xs) => xs.iter().any(|x| x.matches(item, scope)),
            Expr::And(xs) => xs.iter().all(|x| x.matches(item, scope)),
            Expr::Not(x) => !x.matches(item, scope),
            Expr::Exists(op) => op.eval(item, scope).is_some(),
            Expr::Cmp(l, op, r) => compare(l, *op, r, item, scope),
        }
    }
}

impl Operand {
    fn eval(&self, item: &Value, scope: &Scope) -> Option<Value> {
        match self {
            Operand::Literal(v) => Some(v.clone()),
            Operand::Regex(_) => None,
            Operand::Path { path, relative } => {
                let s = if *relative {
                    Scope {
                        input: item,
                        context: scope.context,
                        variables: scope.variables,
                    }
                } else {
                    *scope
                };
                path.select(&s).ok().flatten()
            }
        }
    }
}

fn compare(l: &Operand, op: Op, r: &Operand, item: &Value, scope: &Scope) -> bool {
    let lv = l.eval(item, scope);
    if op == Op::Matches {
        return match (lv, r) {
            (Some(Value::String(s)), Operand::Regex(re)) => re.is_match(&s),
            _ => false,
        };
    }
    if op == Op::Empty {
        let want = matches!(r.eval(item, scope), Some(Value::Bool(true)));
        let is_empty = match &lv {
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            _ => return false,
        };
        return is_empty == want;
    }
    let rv = r.eval(item, scope);
    match op {
        Op::Eq => matches!((&lv, &rv), (Some(a), Some(b)) if json_eq(a, b)),
        Op::Ne => !matches!((&lv, &rv), (Some(a), Some(b)) if json_eq(a, b)),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ord = match (&lv, &rv) {
                (Some(Value::Number(a)), Some(Value::Number(b))) => {
                    a.as_f64().partial_cmp(&b.as_f64())
                }
                (Some(Value::String(a)), Some(Value::String(b))) => Some(a.cmp(b)),
                _ => None,
            };
            match ord {
                Some(o) => match op {
                    Op::Lt => o.is_lt(),
                    Op::Le => o.is_le(),
                    Op::Gt => o.is_gt(),
                    _ => o.is_ge(),
                },
                None => false,
            }
        }
        Op::In | Op::Nin => {
            let found = match (&lv, &rv) {
                (Some(a), Some(Value::Array(list))) => list.iter().any(|b| json_eq(a, b)),
                _ => false,
            };
            (op == Op::In) == found
        }
        Op::Matches | Op::Empty => false,
    }
}

/// JSON equality with numbers compared by value (1 == 1.0).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Parses `expr` inside `[?( ... )]`; stops before the closing `)`.
pub fn parse_expr(p: &mut Parser) -> Result<Expr, AslError> {
    parse_or(p, 0)
}

const MAX_DEPTH: usize = 64;

fn parse_or(p: &mut Parser, depth: usize) -> Result<Expr, AslError> {
    let mut xs = vec![parse_and(p, depth)?];
    loop {
        p.skip_ws();
        if p.src[p.pos..].starts_with("||") {
            p.pos += 2;
            xs.push(parse_and(p, depth)?);
        } else {
            break;
        }
    }
    Ok(if xs.len() == 1 {
        xs.pop().expect("one element")
    } else {
        Expr::Or(xs)
    })
}

fn parse_and(p: &mut Parser, depth: usize) -> Result<Expr, AslError> {
    let mut xs = vec![parse_unary(p, depth)?];
    loop {
        p.skip_ws();
        if p.src[p.pos..].starts_with("&&") {
            p.pos += 2;
            xs.push(parse_unary(p, depth)?);
        } else {
            break;
        }
    }
    Ok(if xs.len() == 1 {
        xs.pop().expect("one element")
    } else {
        Expr::And(xs)
    })
}

fn parse_unary(p: &mut Parser, depth: usize) -> Result<Expr, AslError> {
    if depth > MAX_DEPTH {
        return Err(p.err("filter expression nested too deeply"));
    }
    p.skip_ws();
    let rest = &p.src[p.pos..];
    if rest.starts_with('!') && !rest.starts_with("!=") {
        p.pos += 1;
        return Ok(Expr::Not(Box::new(parse_unary(p, depth + 1)?)));
    }
    if rest.starts_with('(') {
        p.pos += 1;
        let e = parse_or(p, depth + 1)?;
        p.skip_ws();
        if !p.src[p.pos..].starts_with(')') {
            return Err(p.err("unclosed '(' in filter"));
        }
        p.pos += 1;
        return Ok(e);
    }
    let left = parse_operand(p)?;
    p.skip_ws();
    let rest = &p.src[p.pos..];
    let ops: [(&str, Op); 11] = [
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("=~", Op::Matches),
        ("<", Op::Lt),
        (">", Op::Gt),
        ("nin ", Op::Nin),
        ("in ", Op::In),
        ("empty ", Op::Empty),
        ("=", Op::Eq),
    ];
    let Some((tok, op)) = ops.iter().find(|(t, _)| rest.starts_with(t)) else {
        return match left {
            Operand::Path { .. } => Ok(Expr::Exists(left)),
            _ => Err(p.err("a filter term must be a path or a comparison")),
        };
    };
    p.pos += tok.len();
    p.skip_ws();
    let right = if *op == Op::Matches {
        parse_regex(p)?
    } else {
        parse_operand(p)?
    };
    Ok(Expr::Cmp(left, *op, right))
}

fn parse_operand(p: &mut Parser) -> Result<Operand, AslError> {
    p.skip_ws();
    let rest = &p.src[p.pos..];
    let b = rest.as_bytes().first().copied();
    match b {
        Some(b'@') | Some(b'$') => {
            let relative = b == Some(b'@');
            p.pos += 1;
            let root = if !relative && p.src[p.pos..].starts_with('$') {
                p.pos += 1;
                Root::Context
            } else {
                Root::Input
            };
            let start = p.pos;
            let segs = p.segments(true)?;
            let text = &p.src[start - 1..p.pos];
            Ok(Operand::Path {
                path: CompiledPath::new(root, segs, text),
                relative,
            })
        }
        Some(q @ (b'\'' | b'"')) => Ok(Operand::Literal(Value::String(p.quoted(q)?))),
        Some(b'[') => {
            p.pos += 1;
            let mut items = Vec::new();
            loop {
                p.skip_ws();
                if p.src[p.pos..].starts_with(']') {
                    p.pos += 1;
                    break;
                }
                match parse_operand(p)? {
                    Operand::Literal(v) => items.push(v),
                    _ => return Err(p.err("a list in a filter holds only literals")),
                }
                p.skip_ws();
                if p.src[p.pos..].starts_with(',') {
                    p.pos += 1;
                } else if !p.src[p.pos..].starts_with(']') {
                    return Err(p.err("expected ',' or ']' in a list"));
                }
            }
            Ok(Operand::Literal(Value::Array(items)))
        }
        _ => {
            for (word, v) in [
                ("true", Value::Bool(true)),
                ("false", Value::Bool(false)),
                ("null", Value::Null),
            ] {
                if rest.starts_with(word) {
                    p.pos += word.len();
                    return Ok(Operand::Literal(v));
                }
            }
            let len = rest
                .bytes()
                .take_while(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
                .count();
            let num = &rest[..len];
            let v: Value = serde_json::from_str(num)
                .ok()
                .filter(Value::is_number)
                .ok_or_else(|| p.err("expected a path, a number, a string, true, false or null"))?;
            p.pos += len;
            Ok(Operand::Literal(v))
        }
    }
}

/// `/pattern/flags` after `=~`; Jayway matches the whole string.
fn parse_regex(p: &mut Parser) -> Result<Operand, AslError> {
    let rest = &p.src[p.pos..];
    if !rest.starts_with('/') {
        return Err(p.err("expected /regex/ after =~"));
    }
    let bytes = rest.as_bytes();
    let mut i = 1;
    while i < bytes.len() && bytes[i] != b'/' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    if i >= bytes.len() {
        return Err(p.err("unterminated regex"));
    }
    let pattern = &rest[1..i];
    let mut j = i + 1;
    let mut flags = String::new();
    while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
        if bytes[j] == b'i' {
            flags.push('i');
        }
        j += 1;
    }
    let full = if flags.is_empty() {
        format!("^(?:{pattern})$")
    } else {
        format!("(?{flags})^(?:{pattern})$")
    };
    let re = regex::Regex::new(&full).map_err(|e| p.err(&format!("invalid regex: {e}")))?;
    p.pos += j;
    Ok(Operand::Regex(re))
}
