//! JSONata errors: the engine-internal `Fail` (code plus the values the message template needs)
//! and the public `JsonataError` (code plus the message JSONata would produce).

use super::value::{stringify, V};

/// An evaluation or parse error; the interpreter reports it as `States.QueryEvaluationError`
/// with the cause text `"<code>: <message>"` (see `Display`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonataError {
    /// JSONata error code where it has one (`T2001`, `D3001`, ...).
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for JsonataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for JsonataError {}

/// Code of the error returned when an expression's result is a function (or contains one): JSON
/// cannot carry it. Step Functions reports this as "returned an unsupported result type."
/// (recorded case scenarios...test_map_state_items_eval_jsonata_fail__function).
pub const UNSUPPORTED_RESULT: &str = "UnsupportedResult";

/// Engine-internal error, boxed so that results stay small on the evaluator's deep call stack.
#[derive(Debug, Clone, Default)]
pub struct Fail(Box<FailInfo>);

impl std::ops::Deref for Fail {
    type Target = FailInfo;
    fn deref(&self) -> &FailInfo {
        &self.0
    }
}

impl std::ops::DerefMut for Fail {
    fn deref_mut(&mut self) -> &mut FailInfo {
        &mut self.0
    }
}

/// The JSONata code and the inserts of its message template.
#[derive(Debug, Clone, Default)]
pub struct FailInfo {
    pub code: String,
    pub position: usize,
    pub token: Option<String>,
    pub value: Option<V>,
    pub value2: Option<V>,
    pub index: Option<usize>,
    /// Free text for `{{{message}}}`-style templates ($error, $assert) and custom errors.
    pub text: Option<String>,
}

impl Fail {
    pub fn new(code: &str) -> Self {
        Fail(Box::new(FailInfo {
            code: code.to_string(),
            ..Default::default()
        }))
    }
    pub fn with_position(mut self, p: usize) -> Self {
        self.position = p;
        self
    }
    pub fn with_token(mut self, t: impl Into<String>) -> Self {
        self.token = Some(t.into());
        self
    }
    pub fn with_token_opt(mut self, t: Option<String>) -> Self {
        self.token = t;
        self
    }
    pub fn with_value(mut self, v: Option<V>) -> Self {
        self.value = v;
        self
    }
    pub fn with_value2(mut self, v: Option<V>) -> Self {
        self.value2 = v;
        self
    }
    pub fn with_index(mut self, i: usize) -> Self {
        self.index = Some(i);
        self
    }
    pub fn with_text(mut self, t: impl Into<String>) -> Self {
        self.text = Some(t.into());
        self
    }

    /// Fills the message template the way jsonata-js `populateMessage` does: `{{x}}` inserts
    /// `JSON.stringify(x)`, `{{{x}}}` inserts x verbatim.
    pub fn into_error(self) -> JsonataError {
        let template = template(&self.code);
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let triple = rest[start..].starts_with("{{{");
            let open = if triple { 3 } else { 2 };
            let close = if triple { "}}}" } else { "}}" };
            let Some(end) = rest[start + open..].find(close) else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let key = &rest[start + open..start + open + end];
            out.push_str(&self.insert(key, triple));
            rest = &rest[start + open + end + close.len()..];
        }
        out.push_str(rest);
        JsonataError {
            code: self.code.clone(),
            message: out,
        }
    }

    fn insert(&self, key: &str, verbatim: bool) -> String {
        let json_str = |s: &str| serde_json::to_string(s).unwrap_or_default();
        match key {
            "token" => match &self.token {
                Some(t) if verbatim => t.clone(),
                Some(t) => json_str(t),
                None => "undefined".into(),
            },
            "value" | "value2" => {
                let v = if key == "value" {
                    &self.value
                } else {
                    &self.value2
                };
                match v {
                    Some(v) => stringify(v, false),
                    None => "undefined".into(),
                }
            }
            "index" => self.index.map(|i| i.to_string()).unwrap_or_default(),
            "message" => self.text.clone().unwrap_or_default(),
            "type" => self.text.clone().unwrap_or_default(),
            _ => String::new(),
        }
    }
}

impl From<Fail> for JsonataError {
    fn from(f: Fail) -> Self {
        f.into_error()
    }
}

/// Message templates of jsonata-js (jsonata.js `errorCodes`).
fn template(code: &str) -> &'static str {
    match code {
        "S0101" => "String literal must be terminated by a matching quote",
        "S0102" => "Number out of range: {{token}}",
        "S0103" => "Unsupported escape sequence: \\{{{token}}}",
        "S0104" => "The escape sequence \\u must be followed by 4 hex digits",
        "S0105" => "Quoted property name must be terminated with a backquote (`)",
        "S0106" => "Comment has no closing tag",
        "S0201" => "Syntax error: {{token}}",
        "S0202" => "Expected {{value}}, got {{token}}",
        "S0203" => "Expected {{value}} before end of expression",
        "S0204" => "Unknown operator: {{token}}",
        "S0205" => "Unexpected token: {{token}}",
        "S0207" => "Unexpected end of expression",
        "S0208" => "Parameter {{value}} of function definition must be a variable name (start with $)",
        "S0209" => "A predicate cannot follow a grouping expression in a step",
        "S0210" => "Each step can only have one grouping expression",
        "S0211" => "The symbol {{token}} cannot be used as a unary operator",
        "S0212" => "The left side of := must be a variable name (start with $)",
        "S0213" => "The literal value {{value}} cannot be used as a step within a path expression",
        "S0214" => "The right side of {{token}} must be a variable name (start with $)",
        "S0215" => "A context variable binding must precede any predicates on a step",
        "S0216" => "A context variable binding must precede the 'order-by' clause on a step",
        "S0217" => "The object representing the 'parent' cannot be derived from this expression",
        "S0301" => "Empty regular expressions are not allowed",
        "S0302" => "No terminating / in regular expression",
        "S0402" => "Choice groups containing parameterized types are not supported",
        "S0401" => "Type parameters can only be applied to functions and arrays",
        "T0410" => "Argument {{index}} of function {{token}} does not match function signature",
        "T0411" => "Context value is not a compatible type with argument {{index}} of function {{token}}",
        "T0412" => "Argument {{index}} of function {{token}} must be an array of {{{type}}}",
        "D1001" => "Number out of range: {{value}}",
        "D1002" => "Cannot negate a non-numeric value: {{value}}",
        "T1003" => "Key in object structure must evaluate to a string; got: {{value}}",
        "D1004" => "Regular expression matches zero length string",
        "T1005" => "Attempted to invoke a non-function. Did you mean ${{{token}}}?",
        "T1006" => "Attempted to invoke a non-function",
        "T1007" => "Attempted to partially apply a non-function. Did you mean ${{{token}}}?",
        "T1008" => "Attempted to partially apply a non-function",
        "D1009" => "Multiple key definitions evaluate to same key: {{value}}",
        "T1010" => "The matcher function argument passed to function {{token}} does not return the correct object structure",
        "T2001" => "The left side of the {{token}} operator must evaluate to a number",
        "T2002" => "The right side of the {{token}} operator must evaluate to a number",
        "T2003" => "The left side of the range operator (..) must evaluate to an integer",
        "T2004" => "The right side of the range operator (..) must evaluate to an integer",
        "T2006" => "The right side of the function application operator ~> must be a function",
        "T2007" => "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause",
        "T2008" => "The expressions within an order-by clause must evaluate to numeric or string values",
        "T2009" => "The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type",
        "T2010" => "The expressions either side of operator {{token}} must evaluate to numeric or string values",
        "D2014" => "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {{value}}.",
        "D3001" => "Attempting to invoke string function on Infinity or NaN",
        "D3010" => "Second argument of replace function cannot be an empty string",
        "D3011" => "Fourth argument of replace function must evaluate to a positive number",
        "D3012" => "Attempted to replace a matched string with a non-string value",
        "D3020" => "Third argument of split function must evaluate to a positive number",
        "D3030" => "Unable to cast value to a number: {{value}}",
        "D3040" => "Third argument of match function must evaluate to a positive number",
        "D3050" => "The second argument of reduce function must be a function with at least two arguments",
        "D3060" => "The sqrt function cannot be applied to a negative number: {{value}}",
        "D3061" => "The power function has resulted in a value that cannot be represented as a JSON number: base={{value}}, exponent={{value2}}",
        "D3070" => "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
        "D3080" => "The picture string must only contain a maximum of two sub-pictures",
        "D3081" => "The sub-picture must not contain more than one instance of the 'decimal-separator' character",
        "D3082" => "The sub-picture must not contain more than one instance of the 'percent' character",
        "D3083" => "The sub-picture must not contain more than one instance of the 'per-mille' character",
        "D3084" => "The sub-picture must not contain both a 'percent' and a 'per-mille' character",
        "D3085" => "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'",
        "D3086" => "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character",
        "D3087" => "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character",
        "D3088" => "The sub-picture must not contain a 'grouping-separator' at the end of the integer part",
        "D3089" => "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character",
        "D3090" => "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'",
        "D3091" => "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'",
        "D3092" => "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'",
        "D3093" => "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'",
        "D3100" => "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}",
        "D3110" => "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}",
        "D3137" => "{{{message}}}",
        "D3138" => "The $single() function expected exactly 1 matching result.  Instead it matched more.",
        "D3139" => "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
        "D3141" => "{{{message}}}",
        "U1001" => "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
        UNSUPPORTED_RESULT => "The expression returned an unsupported result type (a function)",
        _ => "{{{message}}}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populates_templates_like_jsonata() {
        let e: JsonataError = Fail::new("T2001").with_token("+").into();
        assert_eq!(
            e.message,
            "The left side of the \"+\" operator must evaluate to a number"
        );
        assert_eq!(
            e.to_string(),
            "T2001: The left side of the \"+\" operator must evaluate to a number"
        );
        let e: JsonataError = Fail::new("D3030")
            .with_value(Some(V::Str("abc".into())))
            .into();
        assert_eq!(e.message, "Unable to cast value to a number: \"abc\"");
        let e: JsonataError = Fail::new("T1006").into();
        assert_eq!(e.to_string(), "T1006: Attempted to invoke a non-function");
        let e: JsonataError = Fail::new("T0410")
            .with_token("substring")
            .with_index(2)
            .into();
        assert_eq!(
            e.message,
            "Argument 2 of function \"substring\" does not match function signature"
        );
    }
}
