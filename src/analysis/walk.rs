//! The walk both tree-sitter front ends share: the walker's state (units, frames and scopes,
//! module values, nesting guards), calling helper functions, returns and throws, and the findings
//! whose wording does not depend on the language.
//!
//! A front end is a `Walker<V>` for its own value type `V` (what an expression evaluates to in
//! that language); it adds the grammar-specific walk in an `impl` of its own and in [`Grammar`].

use super::expr::unknown;
use super::facts::Collector;
use super::model::{Condition, PathSeg, Span, Throw, ValueExpr};
use super::source::{node_text, short};
use super::unit::Unit;
use std::collections::HashMap;
use tree_sitter::Node;

/// Deepest chain of helper calls followed.
pub const MAX_DEPTH: usize = 12;
/// Deepest expression/statement nesting walked; real handlers stay far below.
pub const MAX_NESTING: usize = 64;

/// A function definition: its syntax node and the unit (file) it is in.
#[derive(Clone, Copy)]
pub struct Func<'u> {
    pub node: Node<'u>,
    pub unit: usize,
}

/// Control flow after a statement.
#[derive(Clone, Copy, PartialEq)]
pub enum Flow {
    Normal,
    Return,
    /// `throw` / `raise`.
    Throw,
}

/// What a front end hands to the verdict besides the collector.
pub struct Output {
    pub function_span: Span,
    pub returns: Option<ValueExpr>,
    pub extra_event_reads: Vec<Vec<PathSeg>>,
}

/// One function call being walked.
pub struct Frame<V> {
    /// Block scopes, innermost last (a Python function has exactly one).
    pub scopes: Vec<HashMap<String, V>>,
    pub returns: Option<V>,
    pub returned: bool,
    /// Inside an if/loop/try body: a return there is conditional.
    pub nested: usize,
}

impl<V> Frame<V> {
    fn new() -> Self {
        Frame {
            scopes: vec![HashMap::new()],
            returns: None,
            returned: false,
            nested: 0,
        }
    }
}

/// The grammar-specific steps of loading a module and calling a function.
pub trait Grammar<'u, V> {
    /// Walks a module's top level (imports, definitions, module-level statements).
    fn module_body(&mut self, root: Node<'u>);
    /// Binds call arguments to the parameters of `f` in the new frame.
    fn bind_args(&mut self, f: Func<'u>, args: Vec<V>);
    /// Runs the body of `f`: `Some` for an expression body's value, `None` when the frame's
    /// returns are the result.
    fn run_body(&mut self, f: Func<'u>) -> Option<V>;
    /// The value of the expression `n` as data (`sp` locates what is not data).
    fn value(&mut self, n: Node<'u>, sp: Span) -> ValueExpr;
}

pub struct Walker<'u, 'c, 'e, V> {
    pub units: &'u [Unit],
    /// The unit whose text the nodes being walked belong to.
    pub unit: usize,
    pub c: &'c mut Collector<'e>,
    /// Top-level names of each unit, once loaded.
    pub modules: Vec<HashMap<String, V>>,
    pub module_done: Vec<bool>,
    pub frames: Vec<Frame<V>>,
    /// Walking a module's top level: code that runs at import time.
    pub in_module_scope: bool,
    /// Event paths read other than through a value (loops over event arrays).
    pub extra_reads: Vec<Vec<PathSeg>>,
    /// Syntax nesting of the expression or statement being walked (guards the stack).
    pub nesting: usize,
    /// Helper-call depth.
    pub depth: usize,
}

/// How a catch/except clause treats the error it catches.
pub enum Caught {
    /// An empty handler (after logging).
    Swallowed,
    /// Hands the same error on.
    Passed,
    /// Throws another error, named here.
    Rewrapped(String),
    /// Anything else.
    Handled,
}

/// The language's words for throwing again: `("rethrown", "rethrowing")`.
pub type Rethrow = (&'static str, &'static str);

impl<'u, 'c, 'e, V: Clone> Walker<'u, 'c, 'e, V> {
    pub fn new(units: &'u [Unit], c: &'c mut Collector<'e>) -> Self {
        Walker {
            units,
            unit: 0,
            c,
            modules: units.iter().map(|_| HashMap::new()).collect(),
            module_done: vec![false; units.len()],
            frames: Vec::new(),
            in_module_scope: false,
            extra_reads: Vec::new(),
            nesting: 0,
            depth: 0,
        }
    }

    pub fn t(&self, n: Node<'u>) -> &'u str {
        node_text(n, &self.units[self.unit].text)
    }

    pub fn short(&self, n: Node<'u>) -> String {
        short(n, &self.units[self.unit].text)
    }

    /// The operator of a binary/boolean expression (`""` when it has none).
    pub fn operator(&self, n: Node<'u>) -> &'u str {
        n.child_by_field_name("operator")
            .map(|o| self.t(o))
            .unwrap_or("")
    }

    pub fn output(self, function_span: Span, returns: Option<ValueExpr>) -> Output {
        Output {
            function_span,
            returns,
            extra_event_reads: self.extra_reads,
        }
    }

    // ---------------------------------------------------------------- scopes

    pub fn frame(&mut self) -> &mut Frame<V> {
        if self.frames.is_empty() {
            self.frames.push(Frame::new());
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    pub fn bind(&mut self, name: String, v: V) {
        let f = self.frame();
        if f.scopes.is_empty() {
            f.scopes.push(HashMap::new());
        }
        if let Some(s) = f.scopes.last_mut() {
            s.insert(name, v);
        }
    }

    pub fn push_scope(&mut self) {
        self.frame().scopes.push(HashMap::new());
    }

    pub fn pop_scope(&mut self) {
        self.frame().scopes.pop();
    }

    /// `name` in the current function's scopes, then at the top level of the current unit.
    pub fn scoped(&self, name: &str) -> Option<V> {
        if let Some(f) = self.frames.last() {
            for s in f.scopes.iter().rev() {
                if let Some(v) = s.get(name) {
                    return Some(v.clone());
                }
            }
        }
        self.modules[self.unit].get(name).cloned()
    }

    /// Runs `f` as the body of an if/loop/try: returns and throws there are conditional.
    pub fn nested(&mut self, f: impl FnOnce(&mut Self) -> Flow) -> Flow {
        self.frame().nested += 1;
        let flow = f(self);
        self.frame().nested -= 1;
        flow
    }

    pub fn in_branch(&self) -> bool {
        self.frames.last().is_some_and(|f| f.nested > 0)
    }

    /// Runs `f` one syntax level deeper; `None` past [`MAX_NESTING`] (the caller says why).
    pub fn nest<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.nesting >= MAX_NESTING {
            return None;
        }
        self.nesting += 1;
        let out = f(self);
        self.nesting -= 1;
        Some(out)
    }

    /// Runs `f` and drops the findings it records (a look ahead, not a walk).
    pub fn quietly<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.c.findings.len();
        let out = f(self);
        self.c.findings.truncate(saved);
        out
    }

    // ---------------------------------------------------------------- returns and throws

    pub fn set_return(&mut self, v: V, sp: Span) {
        let depth = self.depth;
        let f = self.frame();
        let conditional = f.nested > 0;
        let second = f.returned;
        f.returns = Some(v);
        f.returned = true;
        if conditional && depth <= 1 {
            // An early return in the handler: a branch on data.
            self.c.blocker(
                "branching-on-data",
                "returns early under a condition: the result depends on the data",
                sp,
            );
        } else if second && depth <= 1 {
            self.c
                .blocker("branching-on-data", "more than one return path", sp);
        }
    }

    /// Records a throw of `error`; one inside a branch is guarded by that branch's (data)
    /// condition.
    pub fn push_throw(
        &mut self,
        error: String,
        message: Option<ValueExpr>,
        condition: Option<Condition>,
        sp: Span,
    ) {
        let condition = match condition {
            None if self.in_branch() => Some(Condition::Other {
                source: "inside a branch".into(),
            }),
            c => c,
        };
        self.c.throws.push(Throw {
            error,
            message,
            condition,
            span: sp,
        });
    }

    /// The finding for a catch/except clause at `sp`.
    pub fn caught(&mut self, how: Caught, (done, doing): Rethrow, sp: Span) {
        match how {
            Caught::Swallowed => self.c.blocker(
                "swallowed-error",
                format!("errors are caught and not {done}: the workflow sees success where the integration would fail"),
                sp,
            ),
            Caught::Passed => {}
            Caught::Rewrapped(what) => self.c.blocker(
                "error-rewrapped",
                format!("errors are caught and {done} as {what}: error names and causes differ from the integration's"),
                sp,
            ),
            Caught::Handled => self.c.blocker(
                "swallowed-error",
                format!("errors are caught and handled without {doing}"),
                sp,
            ),
        }
    }

    // ---------------------------------------------------------------- findings

    /// An `if` on data: a dispatch when it compares an event field (`dispatch`) with a string.
    pub fn branch(&mut self, dispatch: Option<String>, cond: Node<'u>, sp: Span) {
        match dispatch {
            Some(f) => self.c.blocker(
                "dispatch-on-action",
                format!(
                    "dispatches on the event field `{f}`: each branch is a different operation"
                ),
                sp,
            ),
            None => {
                let s = self.short(cond);
                self.c
                    .blocker("branching-on-data", format!("branches on `{s}`"), sp)
            }
        }
    }

    pub fn pagination(&mut self, sp: Span) {
        self.c.blocker(
            "pagination",
            "pages through results: several SDK calls, one per page",
            sp,
        );
    }

    pub fn loop_over(&mut self, paginated: bool, sp: Span) {
        if paginated {
            self.pagination(sp);
        } else {
            self.c.blocker("loop", "loops over data", sp);
        }
    }

    /// The Lambda context object used as data.
    pub fn context_use(&mut self, sp: Span) -> ValueExpr {
        self.c
            .blocker("reads-lambda-context", "uses the Lambda context object", sp);
        unknown("Lambda context", sp)
    }

    /// `context.name`.
    pub fn context_read(&mut self, name: &str, sp: Span) -> ValueExpr {
        self.c.blocker(
            "reads-lambda-context",
            format!("reads context.{name} from the Lambda context object, which a Task state does not have"),
            sp,
        );
        unknown(format!("context.{name}"), sp)
    }

    /// `context.method()`.
    pub fn context_call(&mut self, method: &str, sp: Span) -> ValueExpr {
        self.c.blocker(
            "reads-lambda-context",
            format!("calls context.{method}() on the Lambda context object, which a Task state does not have"),
            sp,
        );
        unknown(format!("context.{method}()"), sp)
    }

    /// `metrics.method(...)` of Powertools.
    pub fn metrics_call(&mut self, method: &str, sp: Span) {
        self.c.blocker(
            "powertools-metrics",
            format!("emits CloudWatch metrics (metrics.{method}): a Task state does not"),
            sp,
        );
    }

    /// A call of `endpoint` with the HTTP client `client`.
    pub fn non_aws_call(&mut self, endpoint: &str, client: &str, sp: Span) -> ValueExpr {
        self.c.blocker(
            "non-aws-call",
            format!("calls a non-AWS endpoint ({endpoint}): no service integration does that"),
            sp,
        );
        unknown(format!("{client} response"), sp)
    }

    /// `.method()` reading a streaming response body.
    pub fn streaming_body(&mut self, method: &str, sp: Span) -> ValueExpr {
        self.c.blocker(
            "streaming-body",
            format!("reads a streaming response body (.{method}())"),
            sp,
        );
        unknown(format!(".{method}()"), sp)
    }

    /// An SDK call made when the module loads, not when the handler runs.
    pub fn import_time_call(&mut self, service: &str, method: &str, sp: Span) -> ValueExpr {
        self.c.blocker(
            "import-time-sdk-call",
            format!("calls {service}.{method} when the module loads, outside the handler"),
            sp,
        );
        unknown("import-time SDK result", sp)
    }

    /// A call the analysis does not follow: recorded, and its source text returned.
    pub fn call_not_understood(&mut self, n: Node<'u>, sp: Span) -> String {
        let s = self.short(n);
        self.c.not_understood(&format!("call `{s}`"), sp);
        s
    }
}

impl<'u, 'c, 'e, V: Clone + From<ValueExpr>> Walker<'u, 'c, 'e, V>
where
    Self: Grammar<'u, V>,
{
    /// Walks a unit's top level once, keeping the names it defines.
    pub fn load_module(&mut self, unit: usize) {
        if self.module_done[unit] {
            return;
        }
        self.module_done[unit] = true;
        let saved_unit = self.unit;
        let saved_frames = std::mem::take(&mut self.frames);
        let saved_mod = self.in_module_scope;
        self.unit = unit;
        self.in_module_scope = true;
        self.frames.push(Frame::new());
        self.module_body(self.units[unit].tree.root_node());
        if let Some(mut f) = self.frames.pop() {
            if let Some(scope) = f.scopes.pop() {
                self.modules[unit].extend(scope);
            }
        }
        self.frames = saved_frames;
        self.unit = saved_unit;
        self.in_module_scope = saved_mod;
    }

    /// The value of the first argument, if there is one.
    pub fn first_value(&mut self, args: &[Node<'u>], sp: Span) -> Option<ValueExpr> {
        args.first().map(|a| self.value(*a, sp))
    }

    /// Runs a function body with `args` bound to its parameters; returns what it returns.
    pub fn call_function(&mut self, f: Func<'u>, args: Vec<V>, sp: Span) -> Option<V> {
        if self.depth >= MAX_DEPTH {
            self.c.not_understood("deeply nested helper calls", sp);
            return Some(V::from(unknown("deep call", sp)));
        }
        self.load_module(f.unit);
        self.depth += 1;
        let saved_unit = self.unit;
        self.unit = f.unit;
        let saved_module_scope = self.in_module_scope;
        self.in_module_scope = false;
        self.frames.push(Frame::new());
        self.bind_args(f, args);
        let value = self.run_body(f);
        let frame = self.frames.pop();
        let result = value.or_else(|| frame.and_then(|fr| fr.returns));
        self.in_module_scope = saved_module_scope;
        self.unit = saved_unit;
        self.depth -= 1;
        result
    }
}
