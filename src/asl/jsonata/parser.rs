//! Pratt (top-down operator precedence) parser for JSONata, with the reference implementation's
//! binding powers, producing the normalised AST of `ast.rs`.

use std::sync::Arc;

use super::ast::{Expr, Kind};
use super::error::Fail;
use super::lexer::{Lexer, Tok, Token};
use super::signature::Signature;
use super::value::V;

/// Deepest nesting the parser accepts before failing (protects the stack).
const MAX_PARSE_DEPTH: usize = 150;

#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// Accept the JSONata 2.1 operators `??` and `?:`. Step Functions rejects them
    /// (re:Post "Which version of JSONata does AWS StepFunctions support?"), so off by default.
    pub coalescing_operators: bool,
}

pub fn parse(src: &str, opts: ParseOptions) -> Result<Expr, Fail> {
    let mut p = Parser {
        lx: Lexer::new(src),
        cur: Token {
            tok: Tok::End,
            position: 0,
        },
        depth: 0,
        opts,
    };
    p.advance(false)?;
    let e = p.expression(0)?;
    if p.cur.tok != Tok::End {
        return Err(Fail::new("S0201")
            .with_position(p.cur.position)
            .with_token(tok_text(&p.cur.tok)));
    }
    Ok(e)
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Op(o) => o.to_string(),
        Tok::Name(n) => n.clone(),
        Tok::Variable(n) => n.clone(),
        Tok::Str(s) => s.clone(),
        Tok::Num(n) => super::value::js_number(*n),
        Tok::Bool(b) => b.to_string(),
        Tok::Null => "null".into(),
        Tok::Regex(p, _) => p.clone(),
        Tok::End => "(end)".into(),
    }
}

/// Left binding power of a token in operator position (0: ends an expression).
fn lbp(t: &Tok) -> u32 {
    match t {
        Tok::Op(op) => match *op {
            "." => 75,
            "[" | "(" | "@" | "#" => 80,
            "{" => 70,
            "?" => 20,
            "+" | "-" | "&" => 50,
            "*" | "/" | "%" => 60,
            "=" | "!=" | "<" | "<=" | ">" | ">=" | "^" | "~>" | "in" | "??" | "?:" => 40,
            ":=" => 10,
            "and" => 30,
            "or" => 25,
            _ => 0,
        },
        _ => 0,
    }
}

struct Parser {
    lx: Lexer,
    cur: Token,
    depth: usize,
    opts: ParseOptions,
}

impl Parser {
    fn advance(&mut self, infix: bool) -> Result<(), Fail> {
        self.cur = self.lx.next(infix)?;
        Ok(())
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.cur.tok, Tok::Op(o) if o == op)
    }

    /// Consumes the expected operator `op` (jsonata `advance(id)`), S0202/S0203 otherwise.
    fn expect(&mut self, op: &'static str, infix: bool) -> Result<(), Fail> {
        if !self.is_op(op) {
            let code = if self.cur.tok == Tok::End {
                "S0203"
            } else {
                "S0202"
            };
            return Err(Fail::new(code)
                .with_position(self.cur.position)
                .with_token(tok_text(&self.cur.tok))
                .with_value(Some(V::str(op))));
        }
        self.advance(infix)
    }

    fn expression(&mut self, rbp: u32) -> Result<Expr, Fail> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(Fail::new("U1001").with_position(self.cur.position));
        }
        let t = self.cur.clone();
        self.advance(true)?;
        let mut left = self.nud(t)?;
        while rbp < lbp(&self.cur.tok) {
            let t = self.cur.clone();
            self.advance(false)?;
            left = self.led(t, left)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    fn nud(&mut self, t: Token) -> Result<Expr, Fail> {
        let pos = t.position;
        let kind = match t.tok {
            // a name is a one-step path (jsonata processAST), so `name[]` and `name(...)` behave
            Tok::Name(n) => {
                return Ok(Expr::new(
                    Kind::Path {
                        steps: vec![Expr::new(Kind::Name(n), pos)],
                        keep_singleton: false,
                    },
                    pos,
                ))
            }
            Tok::Variable(n) => Kind::Variable(n),
            Tok::Str(s) => Kind::Str(s),
            Tok::Num(n) => Kind::Num(n),
            Tok::Bool(b) => Kind::Bool(b),
            Tok::Null => Kind::Null,
            Tok::Regex(p, flags) => Kind::Regex(Arc::new(compile_regex(&p, &flags, pos)?)),
            Tok::End => return Err(Fail::new("S0207").with_position(pos)),
            Tok::Op(op) => match op {
                "-" => Kind::Neg(Box::new(self.expression(70)?)),
                "*" => Kind::Wildcard,
                "**" => Kind::Descendant,
                "(" => {
                    let mut exprs = vec![];
                    while !self.is_op(")") {
                        exprs.push(self.expression(0)?);
                        if !self.is_op(";") {
                            break;
                        }
                        self.advance(false)?;
                    }
                    self.expect(")", true)?;
                    Kind::Block(exprs)
                }
                "[" => {
                    let mut items = vec![];
                    if !self.is_op("]") {
                        loop {
                            let mut item = self.expression(0)?;
                            if self.is_op("..") {
                                let rpos = self.cur.position;
                                self.advance(false)?;
                                let rhs = self.expression(0)?;
                                item = Expr::new(
                                    Kind::Range {
                                        lhs: Box::new(item),
                                        rhs: Box::new(rhs),
                                    },
                                    rpos,
                                );
                            }
                            items.push(item);
                            if !self.is_op(",") {
                                break;
                            }
                            self.advance(false)?;
                        }
                    }
                    self.expect("]", true)?;
                    Kind::Array { items, cons: false }
                }
                "{" => Kind::Object(Arc::new(self.object_pairs()?)),
                _ => {
                    return Err(Fail::new("S0211")
                        .with_position(pos)
                        .with_token(op.to_string()))
                }
            },
        };
        Ok(Expr::new(kind, pos))
    }

    fn object_pairs(&mut self) -> Result<Vec<(Expr, Expr)>, Fail> {
        let mut pairs = vec![];
        if !self.is_op("}") {
            loop {
                let k = self.expression(0)?;
                self.expect(":", false)?;
                let v = self.expression(0)?;
                pairs.push((k, v));
                if !self.is_op(",") {
                    break;
                }
                self.advance(false)?;
            }
        }
        self.expect("}", true)?;
        Ok(pairs)
    }

    fn led(&mut self, t: Token, left: Expr) -> Result<Expr, Fail> {
        let pos = t.position;
        let Tok::Op(op) = t.tok else {
            return Err(Fail::new("S0201")
                .with_position(pos)
                .with_token(tok_text(&t.tok)));
        };
        match op {
            "." => {
                let rhs = self.expression(lbp(&Tok::Op(".")))?;
                make_path(left, rhs)
            }
            "+" | "-" | "*" | "/" | "%" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "&" | "and"
            | "or" | "in" => {
                let rhs = self.expression(lbp(&Tok::Op(op)))?;
                Ok(Expr::new(
                    Kind::Binary {
                        op,
                        lhs: Box::new(left),
                        rhs: Box::new(rhs),
                    },
                    pos,
                ))
            }
            ":=" => {
                let rhs = self.expression(lbp(&Tok::Op(":=")) - 1)?;
                let Kind::Variable(name) = left.kind else {
                    return Err(Fail::new("S0212").with_position(pos));
                };
                Ok(Expr::new(
                    Kind::Bind {
                        name,
                        value: Box::new(rhs),
                    },
                    pos,
                ))
            }
            "?" => {
                let then = self.expression(0)?;
                let otherwise = if self.is_op(":") {
                    self.advance(false)?;
                    Some(Box::new(self.expression(0)?))
                } else {
                    None
                };
                Ok(Expr::new(
                    Kind::Condition {
                        cond: Box::new(left),
                        then: Box::new(then),
                        otherwise,
                    },
                    pos,
                ))
            }
            "??" | "?:" if self.opts.coalescing_operators => {
                let rhs = Box::new(self.expression(40)?);
                let lhs = Box::new(left);
                let kind = if op == "??" {
                    Kind::Coalesce { lhs, rhs }
                } else {
                    Kind::Elvis { lhs, rhs }
                };
                Ok(Expr::new(kind, pos))
            }
            "~>" => {
                let rhs = self.expression(40)?;
                Ok(Expr::new(
                    Kind::Apply {
                        lhs: Box::new(left),
                        rhs: Box::new(rhs),
                    },
                    pos,
                ))
            }
            "(" => self.call(left, pos),
            "#" | "@" => {
                let rhs = self.expression(80)?;
                let Kind::Variable(name) = rhs.kind else {
                    return Err(Fail::new("S0214").with_position(pos).with_token(op));
                };
                tuple_binding(left, op, name, pos)
            }
            "[" => {
                if self.is_op("]") {
                    // `expr[]`: keep singleton arrays
                    self.advance(true)?;
                    let mut left = left;
                    if let Kind::Path {
                        steps,
                        keep_singleton,
                    } = &mut left.kind
                    {
                        if let Some(last) = steps.last_mut() {
                            last.keep_array = true;
                        }
                        *keep_singleton = true;
                    } else {
                        left.keep_array = true;
                    }
                    return Ok(left);
                }
                let pred = self.expression(0)?;
                self.expect("]", true)?;
                let mut left = left;
                if let Kind::Path { steps, .. } = &mut left.kind {
                    let Some(step) = steps.last_mut() else {
                        return Ok(left);
                    };
                    if step.group.is_some() {
                        return Err(Fail::new("S0209").with_position(pos));
                    }
                    step.stages.push(pred);
                } else {
                    if left.group.is_some() {
                        return Err(Fail::new("S0209").with_position(pos));
                    }
                    left.predicates.push(pred);
                }
                Ok(left)
            }
            "{" => {
                let pairs = self.object_pairs()?;
                let mut left = left;
                if left.group.is_some() {
                    return Err(Fail::new("S0210").with_position(pos));
                }
                left.group = Some(Arc::new(pairs));
                Ok(left)
            }
            "^" => {
                self.expect("(", false)?;
                let mut terms = vec![];
                loop {
                    let mut descending = false;
                    if self.is_op("<") {
                        self.advance(false)?;
                    } else if self.is_op(">") {
                        descending = true;
                        self.advance(false)?;
                    }
                    terms.push((self.expression(0)?, descending));
                    if !self.is_op(",") {
                        break;
                    }
                    self.advance(false)?;
                }
                self.expect(")", true)?;
                let mut path = match left.kind {
                    Kind::Path { .. } => left,
                    _ => {
                        let lp = left.pos;
                        Expr::new(
                            Kind::Path {
                                steps: vec![left],
                                keep_singleton: false,
                            },
                            lp,
                        )
                    }
                };
                if let Kind::Path { steps, .. } = &mut path.kind {
                    steps.push(Expr::new(Kind::Sort(terms), pos));
                }
                Ok(path)
            }
            _ => Err(Fail::new("S0201")
                .with_position(pos)
                .with_token(op.to_string())),
        }
    }

    fn call(&mut self, procedure: Expr, pos: usize) -> Result<Expr, Fail> {
        let mut args: Vec<Option<Expr>> = vec![];
        let mut partial = false;
        if !self.is_op(")") {
            loop {
                if self.is_op("?") {
                    partial = true;
                    args.push(None);
                    self.advance(true)?;
                } else {
                    args.push(Some(self.expression(0)?));
                }
                if !self.is_op(",") {
                    break;
                }
                self.advance(false)?;
            }
        }
        self.expect(")", true)?;
        let is_lambda = matches!(single_name(&procedure), Some("function") | Some("λ"));
        if is_lambda {
            let mut params = vec![];
            for a in args {
                match a {
                    Some(Expr {
                        kind: Kind::Variable(v),
                        ..
                    }) => params.push(v),
                    other => {
                        let shown = match other.as_ref().and_then(single_name) {
                            Some(n) => V::str(n),
                            None => V::str("?"),
                        };
                        return Err(Fail::new("S0208")
                            .with_position(pos)
                            .with_value(Some(shown)));
                    }
                }
            }
            let signature = if self.is_op("<") {
                let text = self.lx.raw_signature()?;
                self.advance(false)?;
                Some(Arc::new(Signature::parse(&text)?))
            } else {
                None
            };
            self.expect("{", false)?;
            let body = self.expression(0)?;
            self.expect("}", true)?;
            return Ok(Expr::new(
                Kind::Lambda {
                    params,
                    body: Arc::new(body),
                    signature,
                },
                pos,
            ));
        }
        let kind = if partial {
            Kind::Partial {
                procedure: Box::new(procedure),
                args,
            }
        } else {
            Kind::Call {
                procedure: Box::new(procedure),
                args: args.into_iter().flatten().collect(),
            }
        };
        Ok(Expr::new(kind, pos))
    }
}

/// `step#$i` / `step@$v` (jsonata-js processAST, cases '#' and '@').
fn tuple_binding(left: Expr, op: &str, name: String, pos: usize) -> Result<Expr, Fail> {
    let mut path = match left.kind {
        Kind::Path { .. } => left,
        _ if op == "@" => {
            let mut step = left;
            if !step.predicates.is_empty() {
                return Err(Fail::new("S0215").with_position(pos));
            }
            step.focus = Some(name);
            step.tuple = true;
            return Ok(step);
        }
        _ => {
            let mut step = left;
            step.stages.append(&mut step.predicates);
            let lp = step.pos;
            Expr::new(
                Kind::Path {
                    steps: vec![step],
                    keep_singleton: false,
                },
                lp,
            )
        }
    };
    if let Kind::Path { steps, .. } = &mut path.kind {
        let Some(step) = steps.last_mut() else {
            return Ok(path);
        };
        if op == "#" {
            if step.stages.is_empty() {
                step.index = Some(name);
            } else {
                step.stages.push(Expr::new(Kind::IndexStage(name), pos));
            }
        } else {
            if !step.stages.is_empty() || !step.predicates.is_empty() {
                return Err(Fail::new("S0215").with_position(pos));
            }
            if matches!(step.kind, Kind::Sort(_)) {
                return Err(Fail::new("S0216").with_position(pos));
            }
            step.focus = Some(name);
        }
        step.tuple = true;
    }
    Ok(path)
}

/// The name of a one-step name path (`foo`), if that is what `e` is.
fn single_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        Kind::Path { steps, .. } if steps.len() == 1 => match &steps[0].kind {
            Kind::Name(n) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// Builds or extends a path for `lhs.rhs` (jsonata-js processAST, case '.').
fn make_path(lhs: Expr, rhs: Expr) -> Result<Expr, Fail> {
    let pos = lhs.pos;
    let mut path = match lhs.kind {
        Kind::Path { .. } => lhs,
        _ => Expr::new(
            Kind::Path {
                steps: vec![lhs],
                keep_singleton: false,
            },
            pos,
        ),
    };
    let Kind::Path {
        steps,
        keep_singleton,
    } = &mut path.kind
    else {
        unreachable!("path was just built")
    };
    match rhs.kind {
        Kind::Path { steps: more, .. } => steps.extend(more),
        _ => {
            let mut rhs = rhs;
            rhs.stages.append(&mut rhs.predicates);
            steps.push(rhs);
        }
    }
    for step in steps.iter_mut() {
        match &step.kind {
            Kind::Num(_) | Kind::Bool(_) | Kind::Null => {
                let v = match &step.kind {
                    Kind::Num(n) => V::Num(*n),
                    Kind::Bool(b) => V::Bool(*b),
                    _ => V::Null,
                };
                return Err(Fail::new("S0213")
                    .with_position(step.pos)
                    .with_value(Some(v)));
            }
            Kind::Str(s) => step.kind = Kind::Name(s.clone()),
            _ => {}
        }
    }
    if steps.iter().any(|s| s.keep_array) {
        *keep_singleton = true;
    }
    if let Some(Kind::Array { cons, .. }) = steps.first_mut().map(|s| &mut s.kind) {
        *cons = true;
    }
    if let Some(Kind::Array { cons, .. }) = steps.last_mut().map(|s| &mut s.kind) {
        *cons = true;
    }
    Ok(path)
}

/// Translates a JavaScript regular expression into the regex crate's syntax: JS escapes of
/// non-alphanumeric characters become literal characters; `\d`/`\w` are ASCII-only as in JS.
pub fn compile_regex(pattern: &str, flags: &str, pos: usize) -> Result<regex::Regex, Fail> {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('d') => out.push_str("[0-9]"),
                Some('D') => out.push_str("[^0-9]"),
                Some('w') => out.push_str("[0-9A-Za-z_]"),
                Some('W') => out.push_str("[^0-9A-Za-z_]"),
                Some(e) if e.is_ascii_alphanumeric() => {
                    out.push('\\');
                    out.push(e);
                }
                Some(e) => out.push_str(&regex::escape(&e.to_string())),
                None => out.push_str("\\\\"),
            }
        } else {
            out.push(c);
        }
    }
    regex::RegexBuilder::new(&out)
        .case_insensitive(flags.contains('i'))
        .multi_line(flags.contains('m'))
        .build()
        .map_err(|e| {
            Fail::new("S0303")
                .with_position(pos)
                .with_text(format!("Invalid regular expression: /{pattern}/: {e}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Expr, Fail> {
        parse(s, ParseOptions::default())
    }

    #[test]
    fn paths_are_flattened_with_stages() {
        let e = p("$states.input.items[0].name").unwrap();
        let Kind::Path { steps, .. } = &e.kind else {
            panic!("not a path: {e:?}")
        };
        assert_eq!(steps.len(), 4);
        assert!(matches!(&steps[0].kind, Kind::Variable(v) if v == "states"));
        assert_eq!(steps[2].stages.len(), 1);
    }

    #[test]
    fn syntax_errors_have_jsonata_codes() {
        assert_eq!(p("1 2").unwrap_err().code, "S0201");
        assert_eq!(p("(1").unwrap_err().code, "S0203");
        assert_eq!(p("[1 }").unwrap_err().code, "S0202");
        assert_eq!(p("1 := 2").unwrap_err().code, "S0212");
        assert_eq!(p("a.1").unwrap_err().code, "S0213");
        assert_eq!(p("").unwrap_err().code, "S0207");
        assert_eq!(p("$x ?? 1").unwrap_err().code, "S0201");
        assert!(parse(
            "$x ?? 1",
            ParseOptions {
                coalescing_operators: true
            }
        )
        .is_ok());
    }

    #[test]
    fn lambdas_and_signatures_parse() {
        assert!(p("function($x){$x}").is_ok());
        assert!(p("function($x, $y)<nn:n>{$x + $y}").is_ok());
        assert_eq!(p("function(x){x}").unwrap_err().code, "S0208");
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "(".repeat(10_000) + &")".repeat(10_000);
        assert_eq!(p(&deep).unwrap_err().code, "U1001");
    }

    #[test]
    fn js_regex_escapes_translate() {
        let r = compile_regex(r"^hello\ ", "", 0).unwrap();
        assert!(r.is_match("hello world"));
        let r = compile_regex(r"^a\/b\d$", "", 0).unwrap();
        assert!(r.is_match("a/b1"));
        assert!(compile_regex("ABC", "i", 0).unwrap().is_match("abc"));
    }
}
