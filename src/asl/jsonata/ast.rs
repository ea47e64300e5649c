//! The parsed form of a JSONata expression, already normalised the way jsonata-js `processAST`
//! does: `a.b.c` is one `Path` of steps, predicates on a path's last step are that step's
//! `stages`, literal strings used as steps are names.

use std::sync::Arc;

pub use super::signature::Signature;

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: Kind,
    /// Character offset in the source (for error reports).
    pub pos: usize,
    /// Filters applied to this expression's whole result (`expr[...]` outside a path).
    pub predicates: Vec<Expr>,
    /// Filters applied to each item's result when this expression is a step of a path.
    pub stages: Vec<Expr>,
    /// Grouping object constructor `expr{k: v}`.
    pub group: Option<Arc<Vec<(Expr, Expr)>>>,
    /// `expr[]`: keep a singleton result as an array.
    pub keep_array: bool,
    /// `step@$v`: bind each result to `$v` and keep the previous context.
    pub focus: Option<String>,
    /// `step#$i`: bind each result's position to `$i`.
    pub index: Option<String>,
    /// Set on steps with `@` or `#`: the path is evaluated as a stream of binding tuples.
    pub tuple: bool,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Path {
        steps: Vec<Expr>,
        keep_singleton: bool,
    },
    Name(String),
    Variable(String),
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    Regex(Arc<regex::Regex>),
    Wildcard,
    Descendant,
    Binary {
        op: &'static str,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Neg(Box<Expr>),
    Array {
        items: Vec<Expr>,
        /// Flagged when the constructor is the first or last step of a path: not flattened.
        cons: bool,
    },
    Object(Arc<Vec<(Expr, Expr)>>),
    Condition {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Option<Box<Expr>>,
    },
    /// `lhs ?? rhs` (JSONata 2.1): lhs when it exists, else rhs.
    Coalesce {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `lhs ?: rhs` (JSONata 2.1): lhs when truthy, else rhs.
    Elvis {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Block(Vec<Expr>),
    Bind {
        name: String,
        value: Box<Expr>,
    },
    Call {
        procedure: Box<Expr>,
        args: Vec<Expr>,
    },
    /// A call with `?` placeholders: partial application. `None` marks a placeholder.
    Partial {
        procedure: Box<Expr>,
        args: Vec<Option<Expr>>,
    },
    Lambda {
        params: Vec<String>,
        body: Arc<Expr>,
        signature: Option<Arc<Signature>>,
    },
    /// `lhs ~> rhs`
    Apply {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// Order-by step `^(<a, >b)`: (expression, descending).
    Sort(Vec<(Expr, bool)>),
    /// `#$name` after a predicate: number the tuples that passed the filters so far.
    IndexStage(String),
    /// `lhs..rhs` inside an array constructor.
    Range {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
}

impl Expr {
    pub fn new(kind: Kind, pos: usize) -> Self {
        Expr {
            kind,
            pos,
            predicates: vec![],
            stages: vec![],
            group: None,
            keep_array: false,
            focus: None,
            index: None,
            tuple: false,
        }
    }
}
