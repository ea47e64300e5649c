//! What the project itself writes to a DynamoDB table: the attributes every PutItem of every
//! analysed handler puts into it, with their types. A GetItem rewrite that returns a whole item
//! unmarshals attribute by attribute (no intrinsic function walks a typed item), so it needs the
//! attribute names and types; the table's key schema gives the keys, these writes the rest.
//!
//! Only a fixed attribute set is usable: a Pass that reads an attribute an item lacks fails the
//! state, so an attribute one writer leaves out, or any writer that may add or remove attributes
//! (UpdateItem, batch and transactional writes), makes the set unknown.

use super::bindings::CfnRef;
use crate::analysis::model::{HandlerModel, ObjectEntry, SdkCall, SdkFlavor, ValueExpr};
use crate::discover::model::Project;
use serde_json::Value;

/// The attributes every write puts into the table, and where they were learnt.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// (attribute, `S` / `N` / `BOOL`) in the order the first writer writes them.
    pub attributes: Vec<(String, String)>,
    /// The functions whose PutItem calls were read.
    pub writers: Vec<String>,
    /// Attributes left out because their type is not known, and types taken from samples.
    pub notes: Vec<String>,
}

/// Calls that change which attributes an item has, besides PutItem.
const RESHAPING: &[&str] = &[
    "UpdateItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
];

/// The attributes the project's PutItem calls write to `table` (a logical id); None when no
/// handler writes it, a writer's item is not a fixed object, or another kind of write reshapes
/// items.
pub fn attributes_written(
    project: &Project,
    models: &[(usize, HandlerModel)],
    table: &str,
    samples: &[Value],
) -> Option<Written> {
    let mut sets: Vec<Vec<(String, Option<String>)>> = Vec::new();
    let mut writers = Vec::new();
    let mut notes = Vec::new();
    for (fi, model) in models {
        let function = project.functions.get(*fi)?;
        for call in &model.calls {
            if call.service != "dynamodb" || !targets(project, function, call, table) {
                continue;
            }
            if RESHAPING.contains(&call.action.as_str()) {
                return None;
            }
            if call.action != "PutItem" {
                continue;
            }
            let item = field(&call.params, "Item")?;
            let ValueExpr::Object { entries } = item else {
                return None;
            };
            let mut set = Vec::new();
            for e in entries {
                let ObjectEntry::Field { key, value } = e else {
                    return None;
                };
                set.push((
                    key.clone(),
                    attribute_type(value, call.flavor, samples, &mut notes),
                ));
            }
            sets.push(set);
            if !writers.contains(&function.id) {
                writers.push(function.id.clone());
            }
        }
    }
    let first = sets.first()?;
    let mut attributes = Vec::new();
    for (name, ty) in first {
        let all: Vec<&Option<String>> = sets
            .iter()
            .map(|s| s.iter().find(|(n, _)| n == name).map(|(_, t)| t))
            .collect::<Option<Vec<_>>>()?;
        match ty {
            Some(t) if all.iter().all(|x| x.as_deref() == Some(t.as_str())) => {
                attributes.push((name.clone(), t.clone()))
            }
            _ => notes.push(format!(
                "the type of attribute {name} is not known from the writes (left out)"
            )),
        }
    }
    // An attribute only some writers put is on some items only: the set is not fixed.
    if sets
        .iter()
        .any(|s| s.iter().any(|(n, _)| !first.iter().any(|(m, _)| m == n)))
    {
        return None;
    }
    Some(Written {
        attributes,
        writers,
        notes,
    })
}

fn field<'a>(params: &'a ValueExpr, name: &str) -> Option<&'a ValueExpr> {
    let ValueExpr::Object { entries } = params else {
        return None;
    };
    entries.iter().find_map(|e| match e {
        ObjectEntry::Field { key, value } if key == name => Some(value),
        _ => None,
    })
}

/// Whether the call's TableName names `table`.
fn targets(
    project: &Project,
    function: &crate::discover::model::Function,
    call: &SdkCall,
    table: &str,
) -> bool {
    let reference = match field(&call.params, "TableName") {
        Some(ValueExpr::Env { name, .. }) => match function
            .environment_source
            .get(name)
            .or_else(|| function.environment.get(name))
        {
            Some(v) => super::refer::normalize(CfnRef::parse(v), project),
            None => return false,
        },
        Some(ValueExpr::Literal {
            value: Value::String(s),
        }) => CfnRef::Literal(s.clone()),
        _ => return false,
    };
    let id = match &reference {
        CfnRef::Literal(s) => project
            .resources
            .iter()
            .find(|(_, r)| r.ref_value == *s || r.name == *s || r.arn == *s)
            .map(|(id, _)| id.as_str()),
        other => other.logical_id(),
    };
    id == Some(table)
}

/// The DynamoDB type an attribute value is written with: the AttributeValue key a low-level
/// client writes (`{"N": ...}`), or, for lib-dynamodb / the boto3 Table resource, how they
/// marshal the value's JavaScript/Python type (strings S, numbers N, booleans BOOL).
fn attribute_type(
    value: &ValueExpr,
    flavor: SdkFlavor,
    samples: &[Value],
    notes: &mut Vec<String>,
) -> Option<String> {
    let plain = super::dynamodb::needs_marshalling(flavor);
    match value {
        ValueExpr::Object { entries } if !plain => match entries.as_slice() {
            [ObjectEntry::Field { key, .. }] if ["S", "N", "BOOL"].contains(&key.as_str()) => {
                Some(key.clone())
            }
            _ => None,
        },
        ValueExpr::Literal { value } if plain => match value {
            Value::String(_) => Some("S".into()),
            Value::Number(_) => Some("N".into()),
            Value::Bool(_) => Some("BOOL".into()),
            _ => None,
        },
        ValueExpr::Template { .. }
        | ValueExpr::JsonStringify { .. }
        | ValueExpr::ToString { .. }
            if plain =>
        {
            Some("S".into())
        }
        ValueExpr::Event { path } if plain => {
            let mut kinds = samples.iter().filter_map(|s| {
                let mut cur = s;
                for seg in path {
                    cur = match seg {
                        crate::analysis::model::PathSeg::Field(f) => cur.get(f)?,
                        crate::analysis::model::PathSeg::Index(i) => {
                            cur.get(usize::try_from(*i).ok()?)?
                        }
                    };
                }
                Some(match cur {
                    Value::String(_) => "S",
                    Value::Number(_) => "N",
                    Value::Bool(_) => "BOOL",
                    _ => "?",
                })
            });
            let first = kinds.next()?;
            if first == "?" || kinds.any(|k| k != first) {
                return None;
            }
            let shown: Vec<String> = path
                .iter()
                .map(|s| match s {
                    crate::analysis::model::PathSeg::Field(f) => format!(".{f}"),
                    crate::analysis::model::PathSeg::Index(i) => format!("[{i}]"),
                })
                .collect();
            notes.push(format!(
                "the writer's event{} is of type {first} in the sample inputs",
                shown.concat()
            ));
            Some(first.into())
        }
        _ => None,
    }
}
