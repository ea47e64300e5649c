//! The evaluator: jsonata-js semantics for sequences (results collapse to their single item),
//! path steps that map over arrays and flatten, predicates, grouping, and function application.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{Expr, Kind};
use super::error::Fail;
use super::functions;
use super::value::{deep_equal, with_flags, Function, Obj, V};

/// Native stack one evaluation may use before it fails with `U1001` (JSONata's stack overflow
/// error). Measured in bytes rather than nesting levels because frame sizes differ between debug
/// and release builds; 1 MiB leaves room on the smallest common thread stack (2 MiB).
const STACK_BUDGET: usize = 1024 * 1024;
/// Nesting cap as a second guard.
const MAX_EVAL_DEPTH: usize = 10_000;

/// Address of a local variable: where the stack currently is.
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// A scope of variable bindings; lambdas keep the frame they were defined in.
pub struct Frame {
    vars: RefCell<HashMap<String, Option<V>>>,
    parent: Option<Rc<Frame>>,
}

impl Frame {
    pub fn root() -> Rc<Frame> {
        Rc::new(Frame {
            vars: RefCell::new(HashMap::new()),
            parent: None,
        })
    }
    pub fn child(parent: &Rc<Frame>) -> Rc<Frame> {
        Rc::new(Frame {
            vars: RefCell::new(HashMap::new()),
            parent: Some(parent.clone()),
        })
    }
    pub fn bind(&self, name: &str, v: Option<V>) {
        self.vars.borrow_mut().insert(name.to_string(), v);
    }
    /// `None`: not bound anywhere; `Some(None)`: bound to undefined.
    pub fn lookup(&self, name: &str) -> Option<Option<V>> {
        if let Some(v) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.lookup(name))
    }
}

/// One entry of a tuple stream: the context item and the variables bound by `@`/`#` steps.
#[derive(Clone)]
struct Tuple {
    at: V,
    vars: Vec<(String, V)>,
}

impl Tuple {
    fn set(&mut self, name: &str, v: V) {
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = v,
            None => self.vars.push((name.to_string(), v)),
        }
    }
    fn frame(&self, parent: &Rc<Frame>) -> Rc<Frame> {
        let f = Frame::child(parent);
        for (n, v) in &self.vars {
            f.bind(n, Some(v.clone()));
        }
        f
    }
}

/// Sources of time and randomness for `$now`, `$millis`, `$random`, `$uuid`.
pub struct Env {
    pub now_millis: i64,
    rng: u64,
}

impl Env {
    pub fn new(now_millis: i64, seed: u64) -> Self {
        Env {
            now_millis,
            rng: seed,
        }
    }
    /// splitmix64: small, fast and reproducible for a given seed.
    pub fn next_u64(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub struct Evaluator<'a> {
    pub env: Env,
    depth: usize,
    stack_base: usize,
    /// Caller bindings, converted on first use (most expressions read only a few of them) and
    /// then kept in `root`.
    globals: &'a serde_json::Map<String, serde_json::Value>,
    root: Rc<Frame>,
}

type R = Result<Option<V>, Fail>;

impl<'a> Evaluator<'a> {
    pub fn new(
        env: Env,
        globals: &'a serde_json::Map<String, serde_json::Value>,
        root: Rc<Frame>,
    ) -> Self {
        Evaluator {
            env,
            depth: 0,
            stack_base: stack_position(),
            globals,
            root,
        }
    }

    /// A caller binding `$name` (given as `name` or `$name`), converted and cached on first use.
    fn global(&mut self, name: &str) -> Result<Option<Option<V>>, Fail> {
        let json = self
            .globals
            .get(name)
            .or_else(|| self.globals.get(&format!("${name}")));
        let Some(json) = json else {
            return Ok(None);
        };
        let v = Some(super::value::from_json(json)?);
        self.root.bind(name, v.clone());
        Ok(Some(v))
    }

    /// Whether `$name` means anything: a binding in scope, a caller binding or a built-in.
    fn is_bound(&self, name: &str, frame: &Rc<Frame>) -> bool {
        frame.lookup(name).is_some()
            || self.globals.contains_key(name)
            || functions::lookup(name).is_some()
    }

    /// Enters one nesting level; fails when the depth or stack budget is exhausted.
    fn enter(&mut self, pos: usize) -> Result<(), Fail> {
        let used = self.stack_base.abs_diff(stack_position());
        if self.depth >= MAX_EVAL_DEPTH || used > STACK_BUDGET {
            return Err(Fail::new("U1001").with_position(pos));
        }
        self.depth += 1;
        Ok(())
    }

    pub fn eval(&mut self, expr: &Expr, input: &Option<V>, frame: &Rc<Frame>) -> R {
        self.enter(expr.pos)?;
        let r = self.eval_inner(expr, input, frame);
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, expr: &Expr, input: &Option<V>, frame: &Rc<Frame>) -> R {
        let mut result = match &expr.kind {
            Kind::Path {
                steps,
                keep_singleton,
            } => self.eval_path(expr, steps, *keep_singleton, input, frame)?,
            Kind::Name(n) => lookup(input, n),
            Kind::Variable(n) => self.eval_variable(n, input, frame)?,
            Kind::Str(s) => Some(V::str(s)),
            Kind::Num(n) => Some(V::Num(*n)),
            Kind::Bool(b) => Some(V::Bool(*b)),
            Kind::Null => Some(V::Null),
            Kind::Regex(r) => Some(V::Func(Rc::new(Function::Regex(r.clone())))),
            Kind::Wildcard => Some(wildcard(input)),
            Kind::Descendant => descendants(input),
            Kind::Binary { op, lhs, rhs } => self.eval_binary(op, lhs, rhs, input, frame)?,
            Kind::Neg(e) => match self.eval(e, input, frame)? {
                None => None,
                Some(V::Num(n)) => Some(V::Num(-n)),
                other => return Err(Fail::new("D1002").with_position(expr.pos).with_value(other)),
            },
            Kind::Array { items, cons } => self.eval_array(items, *cons, input, frame)?,
            Kind::Object(pairs) => self.eval_group(pairs, input.clone(), frame)?,
            Kind::Condition {
                cond,
                then,
                otherwise,
            } => {
                let c = self.eval(cond, input, frame)?;
                if boolean(&c) == Some(true) {
                    self.eval(then, input, frame)?
                } else if let Some(o) = otherwise {
                    self.eval(o, input, frame)?
                } else {
                    None
                }
            }
            Kind::Coalesce { lhs, rhs } => match self.eval(lhs, input, frame)? {
                Some(v) => Some(v),
                None => self.eval(rhs, input, frame)?,
            },
            Kind::Elvis { lhs, rhs } => {
                let l = self.eval(lhs, input, frame)?;
                if boolean(&l) == Some(true) {
                    l
                } else {
                    self.eval(rhs, input, frame)?
                }
            }
            Kind::Block(exprs) => {
                let inner = Frame::child(frame);
                let mut last = None;
                for e in exprs {
                    last = self.eval(e, input, &inner)?;
                }
                last
            }
            Kind::Bind { name, value } => {
                let v = self.eval(value, input, frame)?;
                frame.bind(name, v.clone());
                v
            }
            Kind::Call { procedure, args } => {
                self.eval_call(procedure, args, input, frame, None, expr.pos)?
            }
            Kind::Partial { procedure, args } => {
                self.eval_partial(procedure, args, input, frame, expr.pos)?
            }
            Kind::Lambda {
                params,
                body,
                signature,
            } => Some(V::Func(Rc::new(Function::Lambda {
                params: params.clone(),
                body: body.clone(),
                signature: signature.clone(),
                env: frame.clone(),
                input: input.clone(),
            }))),
            Kind::Apply { lhs, rhs } => self.eval_apply(lhs, rhs, input, frame, expr.pos)?,
            Kind::Sort(terms) => {
                let items = match input {
                    Some(V::Arr(a)) => a.items.clone(),
                    Some(v) => vec![v.clone()],
                    None => vec![],
                };
                Some(self.sort_items(terms, items, frame)?)
            }
            Kind::Range { lhs, rhs } => self.eval_range(lhs, rhs, input, frame)?,
            Kind::IndexStage(_) => None,
        };
        for p in &expr.predicates {
            result = self.filter(p, result, frame)?;
        }
        if let (Some(group), false) = (&expr.group, matches!(expr.kind, Kind::Path { .. })) {
            result = self.eval_group(group, result, frame)?;
        }
        Ok(collapse(result, expr.keep_array))
    }

    fn eval_variable(&mut self, name: &str, input: &Option<V>, frame: &Rc<Frame>) -> R {
        if name.is_empty() {
            // `$` is the context; the top-level input array is wrapped once (outerWrapper)
            return Ok(match input {
                Some(V::Arr(a)) if a.outer => a.items.first().cloned(),
                other => other.clone(),
            });
        }
        if let Some(v) = frame.lookup(name) {
            return Ok(v);
        }
        if let Some(v) = self.global(name)? {
            return Ok(v);
        }
        Ok(functions::lookup(name).map(|b| V::Func(Rc::new(Function::Builtin(b)))))
    }

    fn eval_path(
        &mut self,
        expr: &Expr,
        steps: &[Expr],
        keep_singleton: bool,
        input: &Option<V>,
        frame: &Rc<Frame>,
    ) -> R {
        let first_is_var = matches!(steps.first().map(|s| &s.kind), Some(Kind::Variable(_)));
        let mut items: Vec<Option<V>> = match input {
            Some(V::Arr(a)) if !first_is_var => a.items.iter().cloned().map(Some).collect(),
            other => vec![other.clone()],
        };
        let mut result: Option<V> = None;
        let mut tuples: Option<Vec<Tuple>> = None;
        for (i, step) in steps.iter().enumerate() {
            if step.tuple {
                tuples.get_or_insert_with(Vec::new);
            }
            let r = if i == 0 && matches!(step.kind, Kind::Array { cons: true, .. }) {
                // a leading array constructor is evaluated once, over the whole input
                let whole = Some(V::seq(items.iter().flatten().cloned().collect()));
                let v = self.eval(step, &whole, frame)?;
                v.unwrap_or_else(|| V::seq(vec![]))
            } else if let Some(ts) = tuples.take() {
                let prior = if i == 0 || ts.is_empty() && !steps[..i].iter().any(|s| s.tuple) {
                    None
                } else {
                    Some(ts)
                };
                let next = self.eval_tuple_step(step, &items, prior, frame)?;
                let done = next.is_empty();
                tuples = Some(next);
                if done {
                    break;
                }
                continue;
            } else {
                self.eval_step(step, &items, frame, i == steps.len() - 1)?
            };
            let empty = r.as_arr().map(|a| a.items.is_empty()).unwrap_or(false);
            if step.focus.is_none() {
                items = r
                    .as_arr()
                    .map(|a| a.items.iter().cloned().map(Some).collect())
                    .unwrap_or_default();
            }
            result = Some(r);
            if empty {
                break;
            }
        }
        if let Some(ts) = tuples {
            result = Some(V::seq(ts.into_iter().map(|t| t.at).collect()));
        }
        if keep_singleton {
            if let Some(r) = result.take() {
                result = Some(match r {
                    V::Arr(a) => {
                        let mut a = (*a).clone();
                        if a.cons && !a.seq {
                            a.seq = true;
                        }
                        a.keep = true;
                        V::Arr(Rc::new(a))
                    }
                    other => other,
                });
            }
        }
        if let Some(group) = &expr.group {
            result = self.eval_group(group, result, frame)?;
        }
        Ok(result)
    }

    /// A path step in tuple-stream mode (jsonata `evaluateTupleStep`): each tuple carries the
    /// context item (`at`) and the `@`/`#` variables bound so far.
    fn eval_tuple_step(
        &mut self,
        step: &Expr,
        items: &[Option<V>],
        prior: Option<Vec<Tuple>>,
        frame: &Rc<Frame>,
    ) -> Result<Vec<Tuple>, Fail> {
        let start = || -> Vec<Tuple> {
            items
                .iter()
                .flatten()
                .map(|v| Tuple {
                    at: v.clone(),
                    vars: vec![],
                })
                .collect()
        };
        let mut out: Vec<Tuple> = vec![];
        if let Kind::Sort(terms) = &step.kind {
            let ts = prior.unwrap_or_else(start);
            let mut keyed = vec![];
            for t in ts {
                let env = t.frame(frame);
                let mut keys = vec![];
                for (e, _) in terms {
                    keys.push(self.eval(e, &Some(t.at.clone()), &env)?);
                }
                keyed.push((keys, t));
            }
            let order = self.sort_order(terms, keyed.iter().map(|(k, _)| k.clone()).collect())?;
            let mut slots: Vec<Option<Tuple>> = keyed.into_iter().map(|(_, t)| Some(t)).collect();
            for (pos, i) in order.into_iter().enumerate() {
                if let Some(mut t) = slots[i].take() {
                    if let Some(idx) = &step.index {
                        t.set(idx, V::Num(pos as f64));
                    }
                    out.push(t);
                }
            }
        } else {
            for t in prior.unwrap_or_else(start) {
                let env = t.frame(frame);
                let Some(res) = self.eval(step, &Some(t.at.clone()), &env)? else {
                    continue;
                };
                let list = match res {
                    V::Arr(a) => a.items.clone(),
                    other => vec![other],
                };
                for (bb, r) in list.into_iter().enumerate() {
                    let mut nt = t.clone();
                    match &step.focus {
                        Some(f) => nt.set(f, r),
                        None => nt.at = r,
                    }
                    if let Some(idx) = &step.index {
                        nt.set(idx, V::Num(bb as f64));
                    }
                    out.push(nt);
                }
            }
        }
        for stage in &step.stages {
            out = match &stage.kind {
                Kind::IndexStage(name) => out
                    .into_iter()
                    .enumerate()
                    .map(|(i, mut t)| {
                        t.set(name, V::Num(i as f64));
                        t
                    })
                    .collect(),
                _ => self.filter_tuples(stage, out, frame)?,
            };
        }
        Ok(out)
    }

    /// A predicate over a tuple stream: evaluated with each tuple's variables in scope.
    fn filter_tuples(
        &mut self,
        pred: &Expr,
        ts: Vec<Tuple>,
        frame: &Rc<Frame>,
    ) -> Result<Vec<Tuple>, Fail> {
        if let (Kind::Num(n), true) = (&pred.kind, pred.predicates.is_empty()) {
            let mut idx = n.floor();
            if idx < 0.0 {
                idx += ts.len() as f64;
            }
            return Ok(if idx >= 0.0 {
                ts.into_iter().nth(idx as usize).into_iter().collect()
            } else {
                vec![]
            });
        }
        let len = ts.len() as f64;
        let mut out = vec![];
        for (i, t) in ts.into_iter().enumerate() {
            let env = t.frame(frame);
            let res = self.eval(pred, &Some(t.at.clone()), &env)?;
            let keep = match &res {
                Some(V::Num(n)) => {
                    let ii = if *n < 0.0 { n.floor() + len } else { n.floor() };
                    ii == i as f64
                }
                Some(V::Arr(a)) if a.items.iter().all(|x| matches!(x, V::Num(_))) => a
                    .items
                    .iter()
                    .filter_map(V::as_num)
                    .any(|n| (if n < 0.0 { n.floor() + len } else { n.floor() }) == i as f64),
                other => boolean(other) == Some(true),
            };
            if keep {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// One path step over every item of the input sequence (jsonata `evaluateStep`). Always
    /// returns an array: a sequence, or the single raw array of a last step.
    fn eval_step(
        &mut self,
        step: &Expr,
        items: &[Option<V>],
        frame: &Rc<Frame>,
        last: bool,
    ) -> Result<V, Fail> {
        if let Kind::Sort(terms) = &step.kind {
            let values: Vec<V> = items.iter().flatten().cloned().collect();
            let mut res = Some(self.sort_items(terms, values, frame)?);
            for s in &step.stages {
                res = self.filter(s, res, frame)?;
            }
            return Ok(res.unwrap_or_else(|| V::seq(vec![])));
        }
        let mut results: Vec<V> = vec![];
        for item in items {
            let mut res = self.eval(step, item, frame)?;
            for s in &step.stages {
                res = self.filter(s, res, frame)?;
            }
            if let Some(r) = res {
                results.push(r);
            }
        }
        if last && results.len() == 1 {
            if let V::Arr(a) = &results[0] {
                if !a.seq {
                    return Ok(results.pop().unwrap_or(V::Null));
                }
            }
        }
        let mut out = vec![];
        for r in results {
            match r {
                V::Arr(a) if !a.cons => out.extend(a.items.iter().cloned()),
                other => out.push(other),
            }
        }
        Ok(V::seq(out))
    }

    /// A predicate `[...]`: a number selects by index, anything else filters by truthiness.
    fn filter(&mut self, pred: &Expr, input: Option<V>, frame: &Rc<Frame>) -> R {
        let items: Vec<V> = match input {
            Some(V::Arr(a)) => a.items.clone(),
            Some(v) => vec![v],
            None => vec![],
        };
        let mut out = vec![];
        if let (Kind::Num(n), true) = (&pred.kind, pred.predicates.is_empty()) {
            let mut idx = n.floor();
            if idx < 0.0 {
                idx += items.len() as f64;
            }
            if idx >= 0.0 {
                if let Some(item) = items.get(idx as usize) {
                    if let V::Arr(_) = item {
                        return Ok(Some(item.clone()));
                    }
                    out.push(item.clone());
                }
            }
            return Ok(Some(V::seq(out)));
        }
        let len = items.len() as f64;
        for (i, item) in items.iter().enumerate() {
            let res = self.eval(pred, &Some(item.clone()), frame)?;
            let numbers: Option<Vec<f64>> = match &res {
                Some(V::Num(n)) => Some(vec![*n]),
                Some(V::Arr(a)) if a.items.iter().all(|x| matches!(x, V::Num(_))) => {
                    Some(a.items.iter().filter_map(V::as_num).collect())
                }
                _ => None,
            };
            if let Some(ns) = numbers {
                for n in ns {
                    let mut ii = n.floor();
                    if ii < 0.0 {
                        ii += len;
                    }
                    if ii == i as f64 {
                        out.push(item.clone());
                    }
                }
            } else if boolean(&res) == Some(true) {
                out.push(item.clone());
            }
        }
        Ok(Some(V::seq(out)))
    }

    /// Object constructor and grouping (jsonata `evaluateGroupExpression`).
    fn eval_group(&mut self, pairs: &[(Expr, Expr)], input: Option<V>, frame: &Rc<Frame>) -> R {
        let mut items: Vec<Option<V>> = match input {
            Some(V::Arr(a)) => a.items.iter().cloned().map(Some).collect(),
            other => vec![other],
        };
        if items.is_empty() {
            items.push(None);
        }
        let mut groups: indexmap::IndexMap<String, (Option<V>, usize)> = indexmap::IndexMap::new();
        for item in &items {
            for (pi, (k, _)) in pairs.iter().enumerate() {
                let key = match self.eval(k, item, frame)? {
                    None => continue,
                    Some(V::Str(s)) => s.to_string(),
                    Some(other) => {
                        return Err(Fail::new("T1003")
                            .with_position(k.pos)
                            .with_value(Some(other)))
                    }
                };
                match groups.get_mut(&key) {
                    Some((data, idx)) => {
                        if *idx != pi {
                            return Err(Fail::new("D1009")
                                .with_position(k.pos)
                                .with_value(Some(V::string(key))));
                        }
                        *data = append(data.take(), item.clone());
                    }
                    None => {
                        groups.insert(key, (item.clone(), pi));
                    }
                }
            }
        }
        let mut out = Obj::new();
        for (key, (data, idx)) in groups {
            if let Some(v) = self.eval(&pairs[idx].1, &data, frame)? {
                out.insert(key, v);
            }
        }
        Ok(Some(V::object(out)))
    }

    fn eval_array(
        &mut self,
        items: &[Expr],
        cons: bool,
        input: &Option<V>,
        frame: &Rc<Frame>,
    ) -> R {
        let mut out: Vec<V> = vec![];
        for item in items {
            let Some(v) = self.eval(item, input, frame)? else {
                continue;
            };
            if matches!(item.kind, Kind::Array { .. }) {
                out.push(v);
            } else {
                match v {
                    V::Arr(a) => out.extend(a.items.iter().cloned()),
                    other => out.push(other),
                }
            }
        }
        Ok(Some(V::Arr(Rc::new(super::value::Array {
            items: out,
            cons,
            ..Default::default()
        }))))
    }

    fn eval_range(&mut self, lhs: &Expr, rhs: &Expr, input: &Option<V>, frame: &Rc<Frame>) -> R {
        let l = self.eval(lhs, input, frame)?;
        let r = self.eval(rhs, input, frame)?;
        let int = |v: &Option<V>| match v {
            None => Ok(None),
            Some(V::Num(n)) if n.fract() == 0.0 && n.is_finite() => Ok(Some(*n)),
            _ => Err(()),
        };
        let lo = int(&l).map_err(|_| {
            Fail::new("T2003")
                .with_position(lhs.pos)
                .with_value(l.clone())
        })?;
        let hi = int(&r).map_err(|_| {
            Fail::new("T2004")
                .with_position(rhs.pos)
                .with_value(r.clone())
        })?;
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return Ok(None);
        };
        if lo > hi {
            return Ok(None);
        }
        let size = hi - lo + 1.0;
        if size > 1e7 {
            return Err(Fail::new("D2014").with_value(Some(V::Num(size))));
        }
        let mut out = Vec::with_capacity(size as usize);
        let mut x = lo;
        while x <= hi {
            out.push(V::Num(x));
            x += 1.0;
        }
        Ok(Some(V::seq(out)))
    }

    fn eval_binary(
        &mut self,
        op: &str,
        lhs: &Expr,
        rhs: &Expr,
        input: &Option<V>,
        frame: &Rc<Frame>,
    ) -> R {
        let l = self.eval(lhs, input, frame)?;
        if op == "and" || op == "or" {
            let lb = boolean(&l).unwrap_or(false);
            if op == "and" && !lb {
                return Ok(Some(V::Bool(false)));
            }
            if op == "or" && lb {
                return Ok(Some(V::Bool(true)));
            }
            let r = self.eval(rhs, input, frame)?;
            return Ok(Some(V::Bool(boolean(&r).unwrap_or(false))));
        }
        let r = self.eval(rhs, input, frame)?;
        let pos = lhs.pos;
        match op {
            "+" | "-" | "*" | "/" | "%" => {
                let a = numeric_operand(&l, "T2001", op, pos)?;
                let b = numeric_operand(&r, "T2002", op, pos)?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                let v = match op {
                    "+" => a + b,
                    "-" => a - b,
                    "*" => a * b,
                    "/" => a / b,
                    _ => a % b,
                };
                Ok(Some(V::Num(v)))
            }
            "=" | "!=" => {
                let (Some(a), Some(b)) = (&l, &r) else {
                    return Ok(Some(V::Bool(false)));
                };
                let eq = deep_equal(a, b);
                Ok(Some(V::Bool(if op == "=" { eq } else { !eq })))
            }
            "<" | "<=" | ">" | ">=" => {
                let comparable =
                    |v: &Option<V>| matches!(v, None | Some(V::Str(_)) | Some(V::Num(_)));
                if !comparable(&l) || !comparable(&r) {
                    let bad = if !comparable(&l) { l } else { r };
                    return Err(Fail::new("T2010")
                        .with_position(pos)
                        .with_token(op)
                        .with_value(bad));
                }
                let ord = match (&l, &r) {
                    (None, _) | (_, None) => return Ok(None),
                    (Some(V::Num(a)), Some(V::Num(b))) => a.partial_cmp(b),
                    (Some(V::Str(a)), Some(V::Str(b))) => Some(js_str_cmp(a, b)),
                    _ => {
                        return Err(Fail::new("T2009")
                            .with_position(pos)
                            .with_token(op)
                            .with_value(l)
                            .with_value2(r))
                    }
                };
                let Some(ord) = ord else {
                    return Ok(Some(V::Bool(false)));
                };
                use std::cmp::Ordering::*;
                let v = match op {
                    "<" => ord == Less,
                    "<=" => ord != Greater,
                    ">" => ord == Greater,
                    _ => ord != Less,
                };
                Ok(Some(V::Bool(v)))
            }
            "&" => {
                let a = match &l {
                    None => String::new(),
                    Some(v) => functions::to_string(v)?,
                };
                let b = match &r {
                    None => String::new(),
                    Some(v) => functions::to_string(v)?,
                };
                Ok(Some(V::string(a + &b)))
            }
            "in" => {
                let (Some(a), Some(b)) = (&l, &r) else {
                    return Ok(Some(V::Bool(false)));
                };
                let found = match b {
                    V::Arr(arr) => arr.items.iter().any(|x| strict_equal(a, x)),
                    other => strict_equal(a, other),
                };
                Ok(Some(V::Bool(found)))
            }
            _ => Err(Fail::new("S0204").with_token(op)),
        }
    }

    fn eval_call(
        &mut self,
        procedure: &Expr,
        args: &[Expr],
        input: &Option<V>,
        frame: &Rc<Frame>,
        applied_to: Option<Option<V>>,
        pos: usize,
    ) -> R {
        let proc = self.eval(procedure, input, frame)?;
        let name = procedure_name(procedure);
        if proc.is_none() {
            if let Kind::Path { steps, .. } = &procedure.kind {
                if let Some(Kind::Name(n)) = steps.first().map(|s| &s.kind) {
                    if self.is_bound(n, frame) {
                        return Err(Fail::new("T1005").with_position(pos).with_token(n.clone()));
                    }
                }
            }
        }
        let mut evaluated: Vec<Option<V>> = vec![];
        if let Some(ctx) = applied_to {
            evaluated.push(ctx);
        }
        for a in args {
            evaluated.push(self.eval(a, input, frame)?);
        }
        self.apply(&proc, evaluated, input).map_err(|mut e| {
            if e.token.is_none() {
                e.token = name;
            }
            if e.position == 0 {
                e.position = pos;
            }
            e
        })
    }

    fn eval_partial(
        &mut self,
        procedure: &Expr,
        args: &[Option<Expr>],
        input: &Option<V>,
        frame: &Rc<Frame>,
        pos: usize,
    ) -> R {
        let proc = self.eval(procedure, input, frame)?;
        let Some(func @ V::Func(_)) = proc else {
            if let Kind::Path { steps, .. } = &procedure.kind {
                if let Some(Kind::Name(n)) = steps.first().map(|s| &s.kind) {
                    if self.is_bound(n, frame) {
                        return Err(Fail::new("T1007").with_position(pos).with_token(n.clone()));
                    }
                }
            }
            return Err(Fail::new("T1008").with_position(pos));
        };
        let mut fixed = vec![];
        for a in args {
            fixed.push(match a {
                None => None,
                Some(e) => Some(self.eval(e, input, frame)?),
            });
        }
        Ok(Some(V::Func(Rc::new(Function::Partial {
            func,
            args: fixed,
        }))))
    }

    fn eval_apply(
        &mut self,
        lhs: &Expr,
        rhs: &Expr,
        input: &Option<V>,
        frame: &Rc<Frame>,
        pos: usize,
    ) -> R {
        let l = self.eval(lhs, input, frame)?;
        if let Kind::Call { procedure, args } = &rhs.kind {
            if rhs.predicates.is_empty() && rhs.group.is_none() {
                return self.eval_call(procedure, args, input, frame, Some(l), rhs.pos);
            }
        }
        let f = self.eval(rhs, input, frame)?;
        let Some(func @ V::Func(_)) = f else {
            return Err(Fail::new("T2006").with_position(pos).with_value(f));
        };
        if let Some(first @ V::Func(_)) = l {
            return Ok(Some(V::Func(Rc::new(Function::Chain {
                first,
                second: func,
            }))));
        }
        self.apply(&Some(func), vec![l], input)
    }

    /// Invokes a function value with evaluated arguments (jsonata `apply`).
    pub fn apply(&mut self, proc: &Option<V>, args: Vec<Option<V>>, input: &Option<V>) -> R {
        let Some(V::Func(f)) = proc else {
            return Err(Fail::new("T1006"));
        };
        self.enter(0)?;
        let r = self.apply_inner(f, args, input);
        self.depth -= 1;
        r
    }

    fn apply_inner(&mut self, f: &Rc<Function>, args: Vec<Option<V>>, input: &Option<V>) -> R {
        match &**f {
            Function::Lambda {
                params,
                body,
                signature,
                env,
                input: def_input,
            } => {
                let args = match signature {
                    Some(sig) => sig.validate(&args, input, "lambda")?,
                    None => args,
                };
                let frame = Frame::child(env);
                for (i, p) in params.iter().enumerate() {
                    frame.bind(p, args.get(i).cloned().flatten());
                }
                self.eval(body, def_input, &frame)
            }
            Function::Builtin(b) => {
                let args = functions::signature_of(b).validate(&args, input, b.name)?;
                (b.f)(self, args, input)
            }
            Function::Partial { func, args: fixed } => {
                let mut supplied = args.into_iter();
                let full: Vec<Option<V>> = fixed
                    .iter()
                    .map(|a| match a {
                        Some(v) => v.clone(),
                        None => supplied.next().flatten(),
                    })
                    .collect();
                self.apply(&Some(func.clone()), full, input)
            }
            Function::Regex(re) => {
                let s = args.first().cloned().flatten();
                match s {
                    Some(V::Str(s)) => Ok(functions::regex_first_match(re, &s)),
                    _ => Ok(None),
                }
            }
            Function::Chain { first, second } => {
                let r = self.apply(&Some(first.clone()), args, input)?;
                self.apply(&Some(second.clone()), vec![r], input)
            }
        }
    }

    /// Order-by step: stable sort by the terms (jsonata `evaluateSortExpression`).
    fn sort_items(
        &mut self,
        terms: &[(Expr, bool)],
        items: Vec<V>,
        frame: &Rc<Frame>,
    ) -> Result<V, Fail> {
        if items.len() <= 1 {
            return Ok(V::seq(items));
        }
        // evaluate the keys once per item
        let mut keys = Vec::with_capacity(items.len());
        for item in &items {
            let mut k = vec![];
            for (e, _) in terms {
                k.push(self.eval(e, &Some(item.clone()), frame)?);
            }
            keys.push(k);
        }
        let order = self.sort_order(terms, keys)?;
        Ok(V::seq(
            order.into_iter().map(|i| items[i].clone()).collect(),
        ))
    }

    /// The stable order of items given their sort keys; undefined keys sort last.
    fn sort_order(
        &mut self,
        terms: &[(Expr, bool)],
        keys: Vec<Vec<Option<V>>>,
    ) -> Result<Vec<usize>, Fail> {
        use std::cmp::Ordering;
        let mut error: Option<Fail> = None;
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&ia, &ib| {
            for (ti, (_, desc)) in terms.iter().enumerate() {
                let (a, b) = (&keys[ia][ti], &keys[ib][ti]);
                let ord = match (a, b) {
                    (None, None) => Ordering::Equal,
                    (None, _) => Ordering::Greater,
                    (_, None) => Ordering::Less,
                    (Some(V::Num(x)), Some(V::Num(y))) => {
                        x.partial_cmp(y).unwrap_or(Ordering::Equal)
                    }
                    (Some(V::Str(x)), Some(V::Str(y))) => js_str_cmp(x, y),
                    (Some(x), Some(y)) => {
                        let ok = |v: &V| matches!(v, V::Num(_) | V::Str(_));
                        if error.is_none() {
                            error = Some(if !ok(x) || !ok(y) {
                                let bad = if !ok(x) { x.clone() } else { y.clone() };
                                Fail::new("T2008").with_value(Some(bad))
                            } else {
                                Fail::new("T2007")
                                    .with_value(a.clone())
                                    .with_value2(b.clone())
                            });
                        }
                        Ordering::Equal
                    }
                };
                let ord = if *desc && a.is_some() && b.is_some() {
                    ord.reverse()
                } else {
                    ord
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
        match error {
            Some(e) => Err(e),
            None => Ok(order),
        }
    }

    /// Number of arguments a function value takes (for higher-order functions).
    pub fn arity(f: &V) -> usize {
        match f {
            V::Func(func) => match &**func {
                Function::Lambda { params, .. } => params.len(),
                Function::Builtin(b) => functions::signature_of(b).arity(),
                Function::Partial { args, .. } => args.iter().filter(|a| a.is_none()).count(),
                Function::Regex(_) => 1,
                Function::Chain { first, .. } => Self::arity(first),
            },
            _ => 0,
        }
    }
}

fn procedure_name(e: &Expr) -> Option<String> {
    match &e.kind {
        Kind::Variable(n) => Some(n.clone()),
        Kind::Path { steps, .. } => match steps.first().map(|s| &s.kind) {
            Some(Kind::Name(n)) | Some(Kind::Variable(n)) => Some(n.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn numeric_operand(v: &Option<V>, code: &str, op: &str, pos: usize) -> Result<Option<f64>, Fail> {
    match v {
        None => Ok(None),
        Some(V::Num(n)) if n.is_finite() => Ok(Some(*n)),
        Some(V::Num(n)) => Err(Fail::new("D1001")
            .with_position(pos)
            .with_value(Some(V::Num(*n)))),
        other => Err(Fail::new(code)
            .with_position(pos)
            .with_token(op)
            .with_value(other.clone())),
    }
}

/// JavaScript string comparison: by UTF-16 code units.
pub fn js_str_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// JavaScript `===` on JSON values: primitives by value, containers by identity.
fn strict_equal(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Arr(x), V::Arr(y)) => Rc::ptr_eq(x, y),
        (V::Obj(x), V::Obj(y)) => Rc::ptr_eq(x, y),
        (V::Func(x), V::Func(y)) => Rc::ptr_eq(x, y),
        _ => deep_equal(a, b),
    }
}

/// End-of-evaluation rule: an empty sequence is undefined, a singleton sequence is its item
/// (unless it must keep its array).
pub fn collapse(result: Option<V>, keep_array: bool) -> Option<V> {
    match result {
        Some(V::Arr(a)) if a.seq => {
            let keep = a.keep || keep_array;
            if a.items.is_empty() {
                None
            } else if a.items.len() == 1 && !keep {
                a.items.first().cloned()
            } else if keep_array && !a.keep {
                Some(with_flags(V::Arr(a), |x| x.keep = true))
            } else {
                Some(V::Arr(a))
            }
        }
        other => other,
    }
}

/// Field lookup that maps over arrays and flattens one level (jsonata `lookup`).
pub fn lookup(input: &Option<V>, key: &str) -> Option<V> {
    match input {
        Some(V::Arr(a)) => {
            let mut out = vec![];
            for item in &a.items {
                match lookup(&Some(item.clone()), key) {
                    Some(V::Arr(r)) => out.extend(r.items.iter().cloned()),
                    Some(v) => out.push(v),
                    None => {}
                }
            }
            Some(V::seq(out))
        }
        Some(V::Obj(o)) => o.get(key).cloned(),
        _ => None,
    }
}

fn flatten_into(v: &V, out: &mut Vec<V>) {
    match v {
        V::Arr(a) => a.items.iter().for_each(|x| flatten_into(x, out)),
        other => out.push(other.clone()),
    }
}

fn wildcard(input: &Option<V>) -> V {
    let mut out = vec![];
    let target = match input {
        Some(V::Arr(a)) if a.outer => a.items.first().cloned(),
        other => other.clone(),
    };
    if let Some(V::Obj(o)) = target {
        for v in o.values() {
            match v {
                V::Arr(_) => flatten_into(v, &mut out),
                other => out.push(other.clone()),
            }
        }
    }
    V::seq(out)
}

fn descendants(input: &Option<V>) -> Option<V> {
    let input = input.as_ref()?;
    let mut out = vec![];
    fn rec(v: &V, out: &mut Vec<V>, depth: usize) {
        if depth > 500 {
            return;
        }
        match v {
            V::Arr(a) => a.items.iter().for_each(|x| rec(x, out, depth + 1)),
            V::Obj(o) => {
                out.push(v.clone());
                o.values().for_each(|x| rec(x, out, depth + 1));
            }
            other => out.push(other.clone()),
        }
    }
    rec(input, &mut out, 0);
    if out.len() == 1 {
        out.pop()
    } else {
        Some(V::seq(out))
    }
}

/// jsonata `fn.append`: concatenation where undefined is the identity and non-arrays are wrapped.
pub fn append(a: Option<V>, b: Option<V>) -> Option<V> {
    match (a, b) {
        (None, b) => b,
        (a, None) => a,
        (Some(a), Some(b)) => {
            let mut items = match a {
                V::Arr(x) => x.items.clone(),
                other => vec![other],
            };
            match b {
                V::Arr(y) => items.extend(y.items.iter().cloned()),
                other => items.push(other),
            }
            Some(V::array(items))
        }
    }
}

/// JSONata truthiness (`$boolean`); undefined stays undefined.
pub fn boolean(v: &Option<V>) -> Option<bool> {
    let v = v.as_ref()?;
    Some(match v {
        V::Arr(a) => match a.items.len() {
            0 => false,
            1 => boolean(&Some(a.items[0].clone())).unwrap_or(false),
            _ => a
                .items
                .iter()
                .any(|x| boolean(&Some(x.clone())).unwrap_or(false)),
        },
        V::Str(s) => !s.is_empty(),
        V::Num(n) => *n != 0.0 && !n.is_nan(),
        V::Obj(o) => !o.is_empty(),
        V::Bool(b) => *b,
        V::Null | V::Func(_) => false,
    })
}
