//! Simulated DynamoDB: GetItem, PutItem, UpdateItem, DeleteItem, Query and Scan over the world's
//! tables, with DynamoDB's validation and error texts; the transactions and batches in `multi`.
//!
//! API semantics: DynamoDB API Reference (API_PutItem.html, API_GetItem.html, API_UpdateItem.html,
//! API_DeleteItem.html, API_Query.html, API_Scan.html). Recorded error texts:
//! `Requested resource not found` (ResourceNotFoundException), `1 validation error detected: Value
//! null at 'item' failed to satisfy constraint: Member must not be null`, `Value '/x' at 'tableName'
//! failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`
//! (error_handling/test_task_service_dynamodb, test_aws_sdk).

pub mod attr;
pub mod eval;
pub mod expr;
mod multi;

use super::errors::{AwsError, Service};
use super::world::{Change, Table, World};
use attr::AttrProblem;
use eval::Item;
use expr::{ExprKind, Symbols};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

const SVC: Service = Service::DynamoDb;

fn validation(msg: impl Into<String>) -> AwsError {
    AwsError::validation(SVC, msg)
}

fn not_found() -> AwsError {
    AwsError::modeled(
        SVC,
        "ResourceNotFoundException",
        400,
        "Requested resource not found",
    )
}

fn condition_failed() -> AwsError {
    AwsError::modeled(
        SVC,
        "ConditionalCheckFailedException",
        400,
        "The conditional request failed",
    )
}

/// Runs one DynamoDB action.
pub fn call(world: &mut World, action: &str, params: &Value) -> Result<Value, AwsError> {
    let Some(p) = params.as_object() else {
        return Err(AwsError::unmodeled(
            SVC,
            "SerializationException",
            400,
            "Start of structure or map found where not expected.",
        ));
    };
    match action {
        "PutItem" => put_item(world, p),
        "GetItem" => get_item(world, p),
        "UpdateItem" => update_item(world, p),
        "DeleteItem" => delete_item(world, p),
        "Query" => query(world, p, true),
        "Scan" => query(world, p, false),
        "TransactWriteItems" => multi::transact_write_items(world, p),
        "TransactGetItems" => multi::transact_get_items(world, p),
        "BatchWriteItem" => multi::batch_write_item(world, p),
        "BatchGetItem" => multi::batch_get_item(world, p),
        _ => Err(AwsError::unmodeled(
            SVC,
            "UnknownOperationException",
            400,
            format!("lambdaless: DynamoDB {action} is not simulated"),
        )),
    }
}

/// Collects "Value X at 'member' failed to satisfy constraint: ..." violations (AWS's message
/// format for request validation: "N validation error(s) detected: a; b").
#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    fn null(&mut self, member: &str) {
        self.0.push(format!(
            "Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ));
    }
    fn finish(self) -> Result<(), AwsError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(validation(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }
}

/// Checks TableName (pattern and length from the API reference: `[a-zA-Z0-9_.-]+`, 3–255) and
/// returns the table's name (a table ARN is accepted too).
fn table_name(p: &Map<String, Value>, v: &mut Violations) -> Option<String> {
    match p.get("TableName") {
        None | Some(Value::Null) => {
            v.null("tableName");
            None
        }
        Some(Value::String(s)) => {
            let name = s
                .strip_prefix("arn:")
                .and_then(|_| s.split_once(":table/").map(|(_, n)| n.to_string()))
                .unwrap_or_else(|| s.clone());
            let ok_chars = name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
            if !ok_chars || name.is_empty() {
                v.0.push(format!(
                    "Value '{s}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
                ));
            }
            if name.len() < 3 {
                v.0.push(format!("Value '{s}' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"));
            } else if name.len() > 255 {
                v.0.push(format!("Value '{s}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255"));
            }
            Some(name)
        }
        Some(_) => {
            v.0.push(
                "Value at 'tableName' failed to satisfy constraint: Member must be a string".into(),
            );
            None
        }
    }
}

fn check_enum(
    p: &Map<String, Value>,
    field: &str,
    member: &str,
    allowed: &[&str],
    v: &mut Violations,
) -> Option<String> {
    match p.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Some(s.clone()),
        Some(other) => {
            let shown = other
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| other.to_string());
            v.0.push(format!(
                "Value '{shown}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ));
            None
        }
    }
}

const RETURN_VALUES: [&str; 5] = ["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];

/// An attribute map (Item, Key, ExpressionAttributeValues): every value must be a valid AttributeValue.
fn attr_map<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, AwsError> {
    let m = v.as_object().ok_or_else(|| {
        AwsError::unmodeled(
            SVC,
            "SerializationException",
            400,
            format!("Unexpected value type for {what}"),
        )
    })?;
    for val in m.values() {
        match attr::validate(val) {
            Ok(()) => {}
            Err(AttrProblem::Invalid(msg)) => return Err(validation(msg)),
            Err(AttrProblem::Shape(msg)) => {
                return Err(AwsError::unmodeled(SVC, "SerializationException", 400, msg))
            }
        }
    }
    Ok(m)
}

fn lookup_table<'a>(world: &'a World, name: &str) -> Result<&'a Table, AwsError> {
    world.tables.get(name).ok_or_else(not_found)
}

/// Checks that an item carries the table's key attributes with the right types (PutItem).
fn check_item_key(table: &Table, item: &Map<String, Value>) -> Result<(), AwsError> {
    for k in std::iter::once(&table.partition_key).chain(table.sort_key.iter()) {
        let Some(v) = item.get(&k.name) else {
            return Err(validation(format!(
                "One or more parameter values were invalid: Missing the key {} in the item",
                k.name
            )));
        };
        let t = attr::type_of(v).unwrap_or("");
        if t != k.attr_type {
            return Err(validation(format!(
                "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                k.name, k.attr_type, t
            )));
        }
        empty_key_value(&k.name, t, v)?;
    }
    Ok(())
}

/// A key attribute may not be an empty string or binary.
fn empty_key_value(name: &str, t: &str, v: &Value) -> Result<(), AwsError> {
    if (t == "S" || t == "B") && v[t].as_str() == Some("") {
        return Err(validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {}",
            if t == "S" { "string" } else { "binary" },
            name
        )));
    }
    Ok(())
}

/// Checks a Key parameter: exactly the key attributes, with the right types.
fn check_key(table: &Table, key: &Map<String, Value>) -> Result<(), AwsError> {
    let names = table.key_names();
    let mismatch = || validation("The provided key element does not match the schema");
    if key.len() != names.len() || !names.iter().all(|n| key.contains_key(*n)) {
        return Err(mismatch());
    }
    for k in std::iter::once(&table.partition_key).chain(table.sort_key.iter()) {
        let v = &key[&k.name];
        let t = attr::type_of(v).unwrap_or("");
        if t != k.attr_type {
            return Err(mismatch());
        }
        empty_key_value(&k.name, t, v)?;
    }
    Ok(())
}

/// The key attributes of an item, as an AttributeValue map (for the diff).
fn key_of(table: &Table, item: &Map<String, Value>) -> Value {
    let mut m = Map::new();
    for n in table.key_names() {
        if let Some(v) = item.get(n) {
            m.insert(n.to_string(), v.clone());
        }
    }
    Value::Object(m)
}

fn find_index(table: &Table, key: &Map<String, Value>) -> Option<usize> {
    table.items.iter().position(|it| {
        table
            .key_names()
            .iter()
            .all(|n| match (it.get(*n), key.get(*n)) {
                (Some(a), Some(b)) => attr::equal(a, b),
                _ => false,
            })
    })
}

fn normalize_item(item: &Map<String, Value>) -> Map<String, Value> {
    item.iter()
        .map(|(k, v)| (k.clone(), attr::normalize(v)))
        .collect()
}

/// Parses and evaluates a ConditionExpression against the current item (absent = empty item).
fn check_condition(
    p: &Map<String, Value>,
    syms: &mut Symbols,
    current: Option<&Item>,
) -> Result<Option<bool>, AwsError> {
    let Some(src) = p.get("ConditionExpression").and_then(Value::as_str) else {
        return Ok(None);
    };
    let cond = expr::parse_condition(ExprKind::Condition, src, syms).map_err(validation)?;
    let values = syms.values.cloned().unwrap_or_default();
    let empty = Item::new();
    let ok = eval::eval_condition(
        ExprKind::Condition,
        current.unwrap_or(&empty),
        &cond,
        &values,
    )
    .map_err(validation)?;
    Ok(Some(ok))
}

fn symbols<'a>(p: &'a Map<String, Value>) -> Result<Symbols<'a>, AwsError> {
    let names = match p.get("ExpressionAttributeNames") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => {
            if m.is_empty() {
                return Err(validation("ExpressionAttributeNames must not be empty"));
            }
            Some(m)
        }
        Some(_) => {
            return Err(AwsError::unmodeled(
                SVC,
                "SerializationException",
                400,
                "Unexpected value type for ExpressionAttributeNames",
            ))
        }
    };
    let values = match p.get("ExpressionAttributeValues") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let m = attr_map(v, "ExpressionAttributeValues")?;
            if m.is_empty() {
                return Err(validation("ExpressionAttributeValues must not be empty"));
            }
            Some(m)
        }
    };
    Ok(Symbols::new(names, values))
}

fn reject_legacy(p: &Map<String, Value>, fields: &[&str]) -> Result<(), AwsError> {
    for f in fields {
        if p.get(*f).is_some_and(|v| !v.is_null()) {
            return Err(AwsError::unmodeled(
                SVC,
                "ValidationException",
                400,
                format!("lambdaless: the legacy parameter {f} is not simulated; use expressions"),
            ));
        }
    }
    Ok(())
}

/// The checks PutItem, UpdateItem and DeleteItem (and the transaction actions built on them)
/// share: TableName, the required `member` (`item` or `key`), ReturnValues, legacy parameters,
/// and the expression attribute names and values. Returns (table, ReturnValues, symbols).
fn write_request<'a>(
    p: &'a Map<String, Value>,
    member: &str,
    legacy: &[&str],
) -> Result<(String, Option<String>, Symbols<'a>), AwsError> {
    let mut v = Violations::default();
    let name = table_name(p, &mut v);
    let field = if member == "item" { "Item" } else { "Key" };
    if p.get(field).is_none_or(Value::is_null) {
        v.null(member);
    }
    let rv = check_enum(p, "ReturnValues", "returnValues", &RETURN_VALUES, &mut v);
    v.finish()?;
    reject_legacy(p, legacy)?;
    attr_map(&p[field], field)?;
    Ok((name.unwrap_or_default(), rv, symbols(p)?))
}

/// PutItem and DeleteItem return only the old item (API_PutItem, API_DeleteItem: ReturnValues).
fn only_all_old(rv: &Option<String>) -> Result<(), AwsError> {
    match rv.as_deref() {
        Some(r) if r != "NONE" && r != "ALL_OLD" => {
            Err(validation("ReturnValues can only be ALL_OLD or NONE"))
        }
        _ => Ok(()),
    }
}

/// Evaluates the ConditionExpression against the item as it is, after every expression of the
/// request was parsed (so unused names and values are known).
fn require_condition(
    p: &Map<String, Value>,
    syms: &mut Symbols,
    current: Option<&Item>,
) -> Result<(), AwsError> {
    let cond = check_condition(p, syms, current)?;
    if let Some(msg) = syms.unused_error() {
        return Err(validation(msg));
    }
    if cond == Some(false) {
        return Err(condition_failed());
    }
    Ok(())
}

fn with_attributes(attrs: Option<Map<String, Value>>) -> Value {
    match attrs {
        Some(a) if !a.is_empty() => json!({ "Attributes": a }),
        _ => json!({}),
    }
}

fn put_item(world: &mut World, p: &Map<String, Value>) -> Result<Value, AwsError> {
    let (name, rv, mut syms) = write_request(p, "item", &["Expected", "ConditionalOperator"])?;
    let item = p["Item"].as_object().cloned().unwrap_or_default();
    let table = lookup_table(world, &name)?;
    only_all_old(&rv)?;
    check_item_key(table, &item)?;
    if attr::item_size(&item) > 400 * 1024 {
        return Err(validation(
            "Item size has exceeded the maximum allowed size",
        ));
    }
    let key: Map<String, Value> = key_of(table, &item)
        .as_object()
        .cloned()
        .unwrap_or_default();
    let idx = find_index(table, &key);
    let old = idx.map(|i| table.items[i].clone());
    require_condition(p, &mut syms, old.as_ref())?;
    let new = normalize_item(&item);
    let table = world.tables.get_mut(&name).ok_or_else(not_found)?;
    match idx {
        Some(i) => table.items[i] = new.clone(),
        None => table.items.push(new.clone()),
    }
    world.record(Change::ItemPut {
        table: name,
        key: Value::Object(key),
        old: old.clone().map(Value::Object),
        new: Value::Object(new),
    });
    Ok(with_attributes(if rv.as_deref() == Some("ALL_OLD") {
        old
    } else {
        None
    }))
}

fn get_item(world: &mut World, p: &Map<String, Value>) -> Result<Value, AwsError> {
    let mut v = Violations::default();
    let name = table_name(p, &mut v);
    if p.get("Key").is_none_or(Value::is_null) {
        v.null("key");
    }
    v.finish()?;
    reject_legacy(p, &["AttributesToGet"])?;
    let name = name.unwrap_or_default();
    let key = attr_map(&p["Key"], "Key")?.clone();
    let mut syms = symbols(p)?;
    let projection = match p.get("ProjectionExpression").and_then(Value::as_str) {
        Some(src) => Some(expr::parse_projection(src, &mut syms).map_err(validation)?),
        None => None,
    };
    if let Some(msg) = syms.unused_error() {
        return Err(validation(msg));
    }
    let table = lookup_table(world, &name)?;
    check_key(table, &key)?;
    match find_index(table, &key) {
        Some(i) => {
            let item = &table.items[i];
            let out = match &projection {
                Some(paths) => eval::project(item, paths),
                None => item.clone(),
            };
            Ok(json!({ "Item": out }))
        }
        None => Ok(json!({})),
    }
}

fn delete_item(world: &mut World, p: &Map<String, Value>) -> Result<Value, AwsError> {
    let (name, rv, mut syms) = write_request(p, "key", &["Expected", "ConditionalOperator"])?;
    let key = p["Key"].as_object().cloned().unwrap_or_default();
    let table = lookup_table(world, &name)?;
    only_all_old(&rv)?;
    check_key(table, &key)?;
    let idx = find_index(table, &key);
    let old = idx.map(|i| table.items[i].clone());
    require_condition(p, &mut syms, old.as_ref())?;
    if let Some(i) = idx {
        let table = world.tables.get_mut(&name).ok_or_else(not_found)?;
        table.items.remove(i);
        world.record(Change::ItemDeleted {
            table: name,
            key: Value::Object(key),
            old: Value::Object(old.clone().unwrap_or_default()),
        });
    }
    Ok(with_attributes(if rv.as_deref() == Some("ALL_OLD") {
        old
    } else {
        None
    }))
}

fn update_item(world: &mut World, p: &Map<String, Value>) -> Result<Value, AwsError> {
    let (name, rv, mut syms) = write_request(
        p,
        "key",
        &["Expected", "ConditionalOperator", "AttributeUpdates"],
    )?;
    let key = p["Key"].as_object().cloned().unwrap_or_default();
    let update = match p.get("UpdateExpression").and_then(Value::as_str) {
        Some(src) => Some(expr::parse_update(src, &mut syms).map_err(validation)?),
        None => None,
    };
    let table = lookup_table(world, &name)?;
    check_key(table, &key)?;
    let idx = find_index(table, &key);
    let old = idx.map(|i| table.items[i].clone());
    require_condition(p, &mut syms, old.as_ref())?;
    let values = syms.values.cloned().unwrap_or_default();
    let key_names: Vec<String> = table.key_names().iter().map(|s| s.to_string()).collect();
    let key_refs: Vec<&str> = key_names.iter().map(String::as_str).collect();
    // UpdateItem creates the item when it does not exist (API_UpdateItem: "Edits an existing
    // item's attributes, or adds a new item to the table if it does not already exist").
    let base = old.clone().unwrap_or_else(|| key.clone());
    let new = match &update {
        Some(u) => eval::apply_update(&base, u, &values, &key_refs).map_err(validation)?,
        None => base.clone(),
    };
    let new = normalize_item(&new);
    if attr::item_size(&new) > 400 * 1024 {
        return Err(validation(
            "Item size has exceeded the maximum allowed size",
        ));
    }
    let table = world.tables.get_mut(&name).ok_or_else(not_found)?;
    match idx {
        Some(i) => table.items[i] = new.clone(),
        None => table.items.push(new.clone()),
    }
    world.record(Change::ItemUpdated {
        table: name,
        key: Value::Object(key),
        old: old.clone().map(Value::Object),
        new: Value::Object(new.clone()),
    });
    let paths = update.as_ref().map(eval::updated_paths).unwrap_or_default();
    let attrs = match rv.as_deref() {
        Some("ALL_OLD") => old,
        Some("ALL_NEW") => Some(new),
        Some("UPDATED_OLD") => old.map(|o| eval::project(&o, &paths)),
        Some("UPDATED_NEW") => Some(eval::project(&new, &paths)),
        _ => None,
    };
    Ok(with_attributes(attrs))
}

/// The key condition of a Query: partition key equality and an optional sort key condition
/// (Developer Guide, "Key condition expressions for the Query operation").
fn key_condition_parts(c: &expr::Cond, out: &mut Vec<expr::Cond>) {
    match c {
        expr::Cond::And(a, b) => {
            key_condition_parts(a, out);
            key_condition_parts(b, out);
        }
        other => out.push(other.clone()),
    }
}

fn cond_attr(c: &expr::Cond) -> Option<&str> {
    match c {
        expr::Cond::Cmp(expr::Operand::Path(p), _, _)
        | expr::Cond::Between(expr::Operand::Path(p), _, _)
        | expr::Cond::BeginsWith(expr::Operand::Path(p), _) => {
            if p.0.len() == 1 {
                Some(p.top())
            } else {
                None
            }
        }
        _ => None,
    }
}

fn query(world: &mut World, p: &Map<String, Value>, is_query: bool) -> Result<Value, AwsError> {
    let mut v = Violations::default();
    let name = table_name(p, &mut v);
    v.finish()?;
    reject_legacy(
        p,
        &[
            "KeyConditions",
            "QueryFilter",
            "ScanFilter",
            "AttributesToGet",
            "ConditionalOperator",
        ],
    )?;
    let name = name.unwrap_or_default();
    let mut syms = symbols(p)?;
    let key_cond = if is_query {
        let Some(src) = p.get("KeyConditionExpression").and_then(Value::as_str) else {
            return Err(validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."));
        };
        Some(expr::parse_condition(ExprKind::KeyCondition, src, &mut syms).map_err(validation)?)
    } else {
        None
    };
    let filter = match p.get("FilterExpression").and_then(Value::as_str) {
        Some(src) => {
            Some(expr::parse_condition(ExprKind::Filter, src, &mut syms).map_err(validation)?)
        }
        None => None,
    };
    let projection = match p.get("ProjectionExpression").and_then(Value::as_str) {
        Some(src) => Some(expr::parse_projection(src, &mut syms).map_err(validation)?),
        None => None,
    };
    if let Some(msg) = syms.unused_error() {
        return Err(validation(msg));
    }
    let values = syms.values.cloned().unwrap_or_default();
    let table = lookup_table(world, &name)?;
    let (pk, sk) = match p.get("IndexName").and_then(Value::as_str) {
        Some(ix) => {
            let Some(index) = table.indexes.iter().find(|i| i.name == ix) else {
                return Err(validation(format!(
                    "The table does not have the specified index: {ix}"
                )));
            };
            (index.partition_key.clone(), index.sort_key.clone())
        }
        None => (table.partition_key.clone(), table.sort_key.clone()),
    };
    let mut candidates: Vec<Item> = table
        .items
        .iter()
        .filter(|it| {
            it.contains_key(&pk.name)
                && sk
                    .as_ref()
                    .is_none_or(|s| it.contains_key(&s.name) || p.get("IndexName").is_none())
        })
        .cloned()
        .collect();
    if let Some(kc) = &key_cond {
        let mut parts = Vec::new();
        key_condition_parts(kc, &mut parts);
        let has_pk = parts.iter().any(|c| {
            matches!(c, expr::Cond::Cmp(_, expr::CmpOp::Eq, _))
                && cond_attr(c) == Some(pk.name.as_str())
        });
        let valid = has_pk
            && parts.len() <= 2
            && parts.iter().all(|c| {
                let a = cond_attr(c);
                a == Some(pk.name.as_str())
                    || (sk.is_some() && a == sk.as_ref().map(|s| s.name.as_str()))
            });
        if !valid {
            return Err(validation(
                "Query condition missed key schema element: ".to_string() + &pk.name,
            ));
        }
        let mut kept = Vec::new();
        for it in candidates {
            if eval::eval_condition(ExprKind::KeyCondition, &it, kc, &values).map_err(validation)? {
                kept.push(it);
            }
        }
        candidates = kept;
        if let Some(s) = &sk {
            candidates.sort_by(|a, b| match (a.get(&s.name), b.get(&s.name)) {
                (Some(x), Some(y)) => attr::compare(x, y).unwrap_or(Ordering::Equal),
                _ => Ordering::Equal,
            });
        }
        if p.get("ScanIndexForward") == Some(&Value::Bool(false)) {
            candidates.reverse();
        }
    }
    // ExclusiveStartKey: continue after that item.
    if let Some(start) = p.get("ExclusiveStartKey").and_then(Value::as_object) {
        if let Some(pos) = candidates.iter().position(|it| {
            start
                .iter()
                .all(|(k, v)| it.get(k).is_some_and(|x| attr::equal(x, v)))
        }) {
            candidates.drain(..=pos);
        }
    }
    let limit = p.get("Limit").and_then(Value::as_u64).map(|n| n as usize);
    let mut last_key = None;
    if let Some(l) = limit {
        if candidates.len() > l {
            candidates.truncate(l);
            if let Some(last) = candidates.last() {
                let mut k = key_of(table, last).as_object().cloned().unwrap_or_default();
                if p.get("IndexName").is_some() {
                    for a in std::iter::once(&pk).chain(sk.iter()) {
                        if let Some(v) = last.get(&a.name) {
                            k.insert(a.name.clone(), v.clone());
                        }
                    }
                }
                last_key = Some(Value::Object(k));
            }
        }
    }
    let scanned = candidates.len();
    let mut items = Vec::new();
    for it in candidates {
        if let Some(f) = &filter {
            if !eval::eval_condition(ExprKind::Filter, &it, f, &values).map_err(validation)? {
                continue;
            }
        }
        items.push(Value::Object(match &projection {
            Some(paths) => eval::project(&it, paths),
            None => it,
        }));
    }
    let mut out = Map::new();
    out.insert("Count".into(), json!(items.len()));
    if p.get("Select").and_then(Value::as_str) != Some("COUNT") {
        out.insert("Items".into(), Value::Array(items));
    }
    if let Some(k) = last_key {
        out.insert("LastEvaluatedKey".into(), k);
    }
    out.insert("ScannedCount".into(), json!(scanned));
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::world::KeyAttr;

    fn world() -> World {
        let mut w = World::new(1);
        w.add_table(
            "orders",
            KeyAttr {
                name: "id".into(),
                attr_type: "S".into(),
            },
            None,
        );
        w
    }

    #[test]
    fn put_get_update_delete() {
        let mut w = world();
        let r = call(
            &mut w,
            "PutItem",
            &json!({"TableName": "orders", "Item": {"id": {"S": "1"}, "n": {"N": "1.50"}}}),
        )
        .unwrap();
        assert_eq!(r, json!({}));
        let r = call(
            &mut w,
            "GetItem",
            &json!({"TableName": "orders", "Key": {"id": {"S": "1"}}}),
        )
        .unwrap();
        assert_eq!(r, json!({"Item": {"id": {"S": "1"}, "n": {"N": "1.5"}}}));
        let r = call(
            &mut w,
            "GetItem",
            &json!({"TableName": "orders", "Key": {"id": {"S": "2"}}}),
        )
        .unwrap();
        assert_eq!(r, json!({}));
        let r = call(&mut w, "UpdateItem", &json!({"TableName": "orders", "Key": {"id": {"S": "1"}}, "UpdateExpression": "set S=:r", "ExpressionAttributeValues": {":r": {"S": "HelloWorldUpdated"}}, "ReturnValues": "UPDATED_NEW"})).unwrap();
        assert_eq!(r, json!({"Attributes": {"S": {"S": "HelloWorldUpdated"}}}));
        let e = call(&mut w, "PutItem", &json!({"TableName": "orders", "Item": {"id": {"S": "1"}}, "ConditionExpression": "attribute_not_exists(id)"})).unwrap_err();
        assert_eq!(e.code, "ConditionalCheckFailedException");
        let r = call(
            &mut w,
            "DeleteItem",
            &json!({"TableName": "orders", "Key": {"id": {"S": "1"}}, "ReturnValues": "ALL_OLD"}),
        )
        .unwrap();
        assert_eq!(r["Attributes"]["S"], json!({"S": "HelloWorldUpdated"}));
        assert_eq!(w.diff.changes.len(), 3);
    }

    #[test]
    fn validation_errors_match_aws_texts() {
        let mut w = world();
        let e = call(
            &mut w,
            "PutItem",
            &json!({"TableName": "nope", "Item": null}),
        )
        .unwrap_err();
        assert_eq!(e.message, "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
        let e = call(
            &mut w,
            "PutItem",
            &json!({"TableName": "nope_table", "Item": {"id": {"S": "1"}}}),
        )
        .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("ResourceNotFoundException", "Requested resource not found")
        );
        let e = call(
            &mut w,
            "PutItem",
            &json!({"TableName": "/invalid", "Item": {"id": {"S": "1"}}}),
        )
        .unwrap_err();
        assert_eq!(e.message, "1 validation error detected: Value '/invalid' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        let e = call(
            &mut w,
            "PutItem",
            &json!({"TableName": "orders", "Item": {"x": {"S": "1"}}}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "One or more parameter values were invalid: Missing the key id in the item"
        );
        let e = call(
            &mut w,
            "PutItem",
            &json!({"TableName": "orders", "Item": {"id": {"N": "1"}}}),
        )
        .unwrap_err();
        assert_eq!(e.message, "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N");
        let e = call(
            &mut w,
            "GetItem",
            &json!({"TableName": "orders", "Key": {"id": {"S": "1"}, "x": {"S": "2"}}}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "The provided key element does not match the schema"
        );
        let e = call(
            &mut w,
            "PutItem",
            &json!({"TableName": "orders", "Item": {"id": {"S": "1"}, "n": {"N": 5}}}),
        )
        .unwrap_err();
        assert_eq!(e.code, "SerializationException");
        let e = call(&mut w, "PutItem", &json!({"TableName": "orders", "Item": {"id": {"S": "1"}}, "ExpressionAttributeValues": {":x": {"S": "1"}}, "ConditionExpression": "attribute_not_exists(id)"})).unwrap_err();
        assert!(
            e.message
                .starts_with("Value provided in ExpressionAttributeValues unused"),
            "{}",
            e.message
        );
    }

    #[test]
    fn query_and_scan() {
        let mut w = World::new(1);
        w.add_table(
            "tbl",
            KeyAttr {
                name: "pk".into(),
                attr_type: "S".into(),
            },
            Some(KeyAttr {
                name: "sk".into(),
                attr_type: "N".into(),
            }),
        );
        for (pk, sk) in [("a", "3"), ("a", "1"), ("b", "1"), ("a", "2")] {
            call(
                &mut w,
                "PutItem",
                &json!({"TableName": "tbl", "Item": {"pk": {"S": pk}, "sk": {"N": sk}}}),
            )
            .unwrap();
        }
        let r = call(&mut w, "Query", &json!({"TableName": "tbl", "KeyConditionExpression": "pk = :p AND sk >= :s", "ExpressionAttributeValues": {":p": {"S": "a"}, ":s": {"N": "2"}}})).unwrap();
        assert_eq!(
            r,
            json!({"Count": 2, "Items": [{"pk": {"S": "a"}, "sk": {"N": "2"}}, {"pk": {"S": "a"}, "sk": {"N": "3"}}], "ScannedCount": 2})
        );
        let r = call(&mut w, "Scan", &json!({"TableName": "tbl", "Limit": 2})).unwrap();
        assert_eq!(r["Count"], json!(2));
        assert_eq!(
            r["LastEvaluatedKey"],
            json!({"pk": {"S": "a"}, "sk": {"N": "1"}})
        );
        let e = call(&mut w, "Query", &json!({"TableName": "tbl", "KeyConditionExpression": "sk = :s", "ExpressionAttributeValues": {":s": {"N": "2"}}})).unwrap_err();
        assert!(e.message.contains("missed key schema element"));
    }
}
