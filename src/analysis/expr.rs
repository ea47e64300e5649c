//! Building [`ValueExpr`]s, the same for every front end: constants, unknowns, field and index
//! access on tracked values, and string concatenation/templates.

use super::model::{ObjectEntry, PathSeg, Span, TemplatePart, ValueExpr};
use serde_json::Value;

pub fn lit(v: Value) -> ValueExpr {
    ValueExpr::Literal { value: v }
}

pub fn unknown(construct: impl Into<String>, span: Span) -> ValueExpr {
    ValueExpr::Unknown {
        construct: construct.into(),
        span,
    }
}

/// A value that is certainly a string once evaluated (so `+` concatenates).
pub fn is_stringish(e: &ValueExpr) -> bool {
    matches!(
        e,
        ValueExpr::Literal {
            value: Value::String(_)
        } | ValueExpr::Template { .. }
            | ValueExpr::ToString { .. }
            | ValueExpr::JsonStringify { .. }
    )
}

/// `a + b` where one side is a string: one template, adjacent text merged.
pub fn concat(a: ValueExpr, b: ValueExpr) -> ValueExpr {
    let mut parts = Vec::new();
    push_concat(&mut parts, a);
    push_concat(&mut parts, b);
    ValueExpr::Template { parts }
}

pub fn push_concat(parts: &mut Vec<TemplatePart>, e: ValueExpr) {
    match e {
        ValueExpr::Literal {
            value: Value::String(s),
        } if s.is_empty() => {}
        ValueExpr::Literal {
            value: Value::String(s),
        } => match parts.last_mut() {
            Some(TemplatePart::Text { text }) => text.push_str(&s),
            _ => parts.push(TemplatePart::Text { text: s }),
        },
        ValueExpr::Template { parts: inner } => {
            for p in inner {
                match p {
                    TemplatePart::Text { text } => push_concat(
                        parts,
                        ValueExpr::Literal {
                            value: Value::String(text),
                        },
                    ),
                    TemplatePart::Expr { value } => parts.push(TemplatePart::Expr { value }),
                }
            }
        }
        other => parts.push(TemplatePart::Expr { value: other }),
    }
}

/// Template parts as a value: a plain string when there is no expression in it.
pub fn simplify_template(parts: Vec<TemplatePart>) -> ValueExpr {
    match parts.as_slice() {
        [] => lit(Value::String(String::new())),
        [TemplatePart::Text { text }] => lit(Value::String(text.clone())),
        _ => ValueExpr::Template { parts },
    }
}

/// The first operand no ASL field can reproduce: an expression over it is unrepresentable too.
pub fn first_unrepresentable(vals: &[&ValueExpr]) -> Option<ValueExpr> {
    vals.iter()
        .find(|v| matches!(v, ValueExpr::Unrepresentable { .. }))
        .map(|v| (*v).clone())
}

/// A template literal / f-string read piece by piece: text runs and interpolated values.
#[derive(Default)]
pub struct TemplateBuilder {
    parts: Vec<TemplatePart>,
    text: String,
}

impl TemplateBuilder {
    pub fn text(&mut self, s: &str) {
        self.text.push_str(s);
    }

    pub fn expr(&mut self, value: ValueExpr) {
        if !self.text.is_empty() {
            self.parts.push(TemplatePart::Text {
                text: std::mem::take(&mut self.text),
            });
        }
        self.parts.push(TemplatePart::Expr { value });
    }

    /// A string literal when nothing was interpolated, else a template.
    pub fn finish(mut self) -> ValueExpr {
        if self.parts.is_empty() {
            return lit(Value::String(self.text));
        }
        if !self.text.is_empty() {
            self.parts.push(TemplatePart::Text { text: self.text });
        }
        ValueExpr::Template { parts: self.parts }
    }
}

/// `e.name` for a data value.
pub fn field_of(e: &ValueExpr, name: &str, sp: Span) -> ValueExpr {
    match e {
        ValueExpr::Event { path } => ValueExpr::Event {
            path: extend(path, PathSeg::Field(name.to_string())),
        },
        ValueExpr::SdkResult { call, path } => ValueExpr::SdkResult {
            call: *call,
            path: extend(path, PathSeg::Field(name.to_string())),
        },
        ValueExpr::Literal { value } => match value {
            Value::Object(m) => lit(m.get(name).cloned().unwrap_or(Value::Null)),
            Value::String(s) if name == "length" => lit(Value::from(s.chars().count() as i64)),
            _ => unknown(format!("property `{name}` of a constant"), sp),
        },
        ValueExpr::Object { entries } => {
            let mut found = None;
            for en in entries {
                match en {
                    ObjectEntry::Field { key, value } if key == name => found = Some(value.clone()),
                    ObjectEntry::Spread { .. } => found = None,
                    _ => {}
                }
            }
            found.unwrap_or_else(|| unknown(format!("property `{name}` of an object"), sp))
        }
        ValueExpr::Unknown { construct, .. } => unknown(format!("{construct}.{name}"), sp),
        // `(event.a || {}).b`, `event.get("a", {}).get("b")`: a field of "a, or an empty object"
        // is the field of "a" (missing either way when "a" is missing).
        ValueExpr::Default { value, default, .. }
            if matches!(&**default, ValueExpr::Literal { value: Value::Object(m) } if m.is_empty())
                || matches!(&**default, ValueExpr::Object { entries } if entries.is_empty()) =>
        {
            field_of(value, name, sp)
        }
        ValueExpr::Unrepresentable { .. } => e.clone(),
        _ => unknown(format!("property `{name}`"), sp),
    }
}

/// `e[i]` for a data value.
pub fn index_of(e: &ValueExpr, i: i64, sp: Span) -> ValueExpr {
    match e {
        ValueExpr::Event { path } => ValueExpr::Event {
            path: extend(path, PathSeg::Index(i)),
        },
        ValueExpr::SdkResult { call, path } => ValueExpr::SdkResult {
            call: *call,
            path: extend(path, PathSeg::Index(i)),
        },
        ValueExpr::Array { items } if i >= 0 && (i as usize) < items.len() => {
            items[i as usize].clone()
        }
        _ => unknown(format!("element [{i}]"), sp),
    }
}

fn extend(path: &[PathSeg], seg: PathSeg) -> Vec<PathSeg> {
    let mut p = path.to_vec();
    p.push(seg);
    p
}

/// `a.b[0]`, the form findings name an event path in.
pub fn path_text(path: &[PathSeg]) -> String {
    let mut s = String::new();
    for p in path {
        match p {
            PathSeg::Field(f) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(f);
            }
            PathSeg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::Span;

    fn text(s: &str) -> ValueExpr {
        lit(Value::String(s.into()))
    }

    #[test]
    fn templates_merge_text_and_keep_values() {
        let event = ValueExpr::Event { path: vec![] };
        let mut t = TemplateBuilder::default();
        t.text("a");
        t.text("b");
        t.expr(event.clone());
        t.text("c");
        assert_eq!(
            t.finish(),
            ValueExpr::Template {
                parts: vec![
                    TemplatePart::Text { text: "ab".into() },
                    TemplatePart::Expr {
                        value: event.clone()
                    },
                    TemplatePart::Text { text: "c".into() },
                ]
            }
        );
        let mut plain = TemplateBuilder::default();
        plain.text("x");
        assert_eq!(plain.finish(), text("x"));
        assert_eq!(
            concat(text("id-"), concat(event.clone(), text(""))),
            ValueExpr::Template {
                parts: vec![
                    TemplatePart::Text { text: "id-".into() },
                    TemplatePart::Expr { value: event },
                ]
            }
        );
    }

    #[test]
    fn fields_and_indexes_extend_paths() {
        let sp = Span::default();
        let e = field_of(&ValueExpr::Event { path: vec![] }, "items", sp);
        let e = index_of(&e, 0, sp);
        let ValueExpr::Event { path } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(path_text(path), "items[0]");
        assert_eq!(field_of(&text("abc"), "length", sp), lit(Value::from(3)));
    }
}
