//! Human-readable renderings of model values, for `explain` and reports.

use super::model::{
    Condition, DefaultWhen, JsonStyle, Language, ObjectEntry, PathSeg, TemplatePart, ValueExpr,
};

/// `event.customer.id`, `env TABLE_NAME (= orders)`, `JSON.stringify(event.items)`, ...
pub fn describe(v: &ValueExpr, lang: Language) -> String {
    match v {
        ValueExpr::Literal { value } => value.to_string(),
        ValueExpr::Event { path } => path_str("event", path),
        ValueExpr::Env { name, value } => match value {
            Some(val) => format!("env {name} (= {val})"),
            None => format!("env {name} (value unknown)"),
        },
        ValueExpr::Object { entries } => {
            let parts: Vec<String> = entries
                .iter()
                .map(|e| match e {
                    ObjectEntry::Field { key, value } => {
                        format!("{key}: {}", describe(value, lang))
                    }
                    ObjectEntry::Spread { value } => format!("...{}", describe(value, lang)),
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        ValueExpr::Array { items } => {
            let parts: Vec<String> = items.iter().map(|i| describe(i, lang)).collect();
            format!("[{}]", parts.join(", "))
        }
        ValueExpr::Template { parts } => {
            let mut s = String::from("template \"");
            for p in parts {
                match p {
                    TemplatePart::Text { text } => s.push_str(&text.replace('"', "\\\"")),
                    TemplatePart::Expr { value } => {
                        s.push('{');
                        s.push_str(&describe(value, lang));
                        s.push('}');
                    }
                }
            }
            s.push('"');
            s
        }
        ValueExpr::JsonStringify { value, style } => {
            let inner = describe(value, lang);
            match (style, lang) {
                (JsonStyle::PythonDefault, _) => format!("json.dumps({inner})"),
                (JsonStyle::Compact, Language::Python) => {
                    format!("json.dumps({inner}, separators=(',', ':'))")
                }
                (JsonStyle::Compact, _) => format!("JSON.stringify({inner})"),
                (JsonStyle::Indented, _) => format!("indented JSON of {inner}"),
                (JsonStyle::IndentedBy(n), _) => format!("JSON of {inner} indented by {n}"),
            }
        }
        ValueExpr::JsonParse { value } => match lang {
            Language::Python => format!("json.loads({})", describe(value, lang)),
            _ => format!("JSON.parse({})", describe(value, lang)),
        },
        ValueExpr::ToString { value } => match lang {
            Language::Python => format!("str({})", describe(value, lang)),
            _ => format!("String({})", describe(value, lang)),
        },
        ValueExpr::Default {
            value,
            default,
            when,
        } => {
            let op = match when {
                DefaultWhen::Missing => "if missing",
                DefaultWhen::Falsy => "if falsy",
            };
            format!(
                "{} (default {} {op})",
                describe(value, lang),
                describe(default, lang)
            )
        }
        ValueExpr::SdkResult { call, path } => path_str(&format!("response#{}", call + 1), path),
        ValueExpr::Unrepresentable { what, span } => {
            format!("<unrepresentable: {what}, line {}>", span.line)
        }
        ValueExpr::Unknown { construct, span } => {
            format!("<not understood: {construct}, line {}>", span.line)
        }
    }
}

pub fn path_str(root: &str, path: &[PathSeg]) -> String {
    let mut s = root.to_string();
    for p in path {
        match p {
            PathSeg::Field(f) => {
                if f.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                    && !f.is_empty()
                {
                    s.push('.');
                    s.push_str(f);
                } else {
                    s.push_str(&format!("[{}]", serde_json::Value::String(f.clone())));
                }
            }
            PathSeg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

pub fn describe_condition(c: &Condition, lang: Language) -> String {
    match c {
        Condition::Falsy { value } => format!("{} is missing or falsy", describe(value, lang)),
        Condition::Missing { value } => format!("{} is missing", describe(value, lang)),
        Condition::Not { condition } => format!("not ({})", describe_condition(condition, lang)),
        Condition::Or { conditions } => conditions
            .iter()
            .map(|c| describe_condition(c, lang))
            .collect::<Vec<_>>()
            .join(" or "),
        Condition::And { conditions } => conditions
            .iter()
            .map(|c| describe_condition(c, lang))
            .collect::<Vec<_>>()
            .join(" and "),
        Condition::Other { source } => format!("`{source}`"),
    }
}

/// The leaves of a parameter object: (`Item.orderId`, value) pairs, for "origin of each argument".
pub fn leaves(v: &ValueExpr) -> Vec<(String, &ValueExpr)> {
    let mut out = Vec::new();
    walk_leaves(v, String::new(), &mut out);
    out
}

fn walk_leaves<'v>(v: &'v ValueExpr, prefix: String, out: &mut Vec<(String, &'v ValueExpr)>) {
    match v {
        ValueExpr::Object { entries } if !entries.is_empty() => {
            for e in entries {
                match e {
                    ObjectEntry::Field { key, value } => {
                        let p = if prefix.is_empty() {
                            key.clone()
                        } else {
                            format!("{prefix}.{key}")
                        };
                        walk_leaves(value, p, out);
                    }
                    ObjectEntry::Spread { value } => {
                        let p = if prefix.is_empty() {
                            "...".to_string()
                        } else {
                            format!("{prefix}...")
                        };
                        out.push((p, value));
                    }
                }
            }
        }
        ValueExpr::Array { items } if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                walk_leaves(item, format!("{prefix}[{i}]"), out);
            }
        }
        _ => out.push((
            if prefix.is_empty() {
                "(value)".into()
            } else {
                prefix
            },
            v,
        )),
    }
}
