//! Multi-item operations of the aws-sdk integration (`arn:aws:states:::aws-sdk:dynamodb:transactWriteItems`,
//! `transactGetItems`, `batchWriteItem`, `batchGetItem`), built on the single-item operations.
//!
//! Semantics from the DynamoDB API Reference:
//! - API_TransactWriteItems.html: all actions succeed or none; "you can't target the same item with
//!   multiple operations within the same transaction"; a failed condition cancels the whole request
//!   with TransactionCanceledException, whose CancellationReasons hold one entry per action in
//!   request order (`{"Code": "None"}` for the actions without error).
//! - API_TransactionCanceledException / API_CancellationReason: codes `ConditionalCheckFailed`
//!   (message "The conditional request failed", the item when ReturnValuesOnConditionCheckFailure
//!   is ALL_OLD) and `ValidationError` (user errors such as an update of a missing attribute).
//! - API_BatchWriteItem.html: at most 25 put or delete requests; the whole batch is rejected when a
//!   table does not exist, a key does not match the schema or two requests target the same item;
//!   `UnprocessedItems` is empty when everything was written.
//! - API_BatchGetItem.html: at most 100 keys; `Responses` per table and `UnprocessedKeys`.
//!
//! Wire texts as DynamoDB sends them: "Transaction cancelled, please refer cancellation reasons for
//! specific reasons [None, ConditionalCheckFailed]" with
//! `CancellationReasons: [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]`
//! (a real response quoted in erlcloud/erlcloud#607 and aws/aws-sdk-net#1292); "Transaction request
//! cannot include multiple operations on one item", "TransactItems can only contain one of Check,
//! Put, Update or Delete", "Too many items requested for the BatchWriteItem call" and "Provided list
//! of item keys contains duplicates" (ValidationException; the texts that emulators checked against
//! live DynamoDB assert: moto's test_dynamodb_exceptions.py, dynalite's batch tests, and a published
//! probe of DynamoDB's batch limits). The Java v2 SDK models
//! TransactionCanceledException, so the aws-sdk Task fails with `DynamoDb.TransactionCanceledException`.

use super::*;
use std::collections::BTreeMap;

/// The actions of a TransactWriteItems element, by request field.
const WRITE_ACTIONS: [&str; 4] = ["ConditionCheck", "Put", "Delete", "Update"];

/// The world's tables and change count before a multi-item write, to put back when it is rejected.
struct Snapshot {
    tables: BTreeMap<String, Table>,
    changes: usize,
}

impl Snapshot {
    fn take(world: &World) -> Self {
        Snapshot {
            tables: world.tables.clone(),
            changes: world.diff.changes.len(),
        }
    }
    fn restore(self, world: &mut World) {
        world.tables = self.tables;
        world.diff.changes.truncate(self.changes);
    }
}

/// The required list member (`TransactItems`), checked as AWS checks required members.
fn required_list<'a>(
    p: &'a Map<String, Value>,
    field: &str,
    member: &str,
) -> Result<&'a Vec<Value>, AwsError> {
    let mut v = Violations::default();
    if p.get(field).is_none_or(Value::is_null) {
        v.null(member);
    }
    v.finish()?;
    p[field].as_array().ok_or_else(|| {
        AwsError::unmodeled(
            SVC,
            "SerializationException",
            400,
            format!("Unexpected value type for {field}"),
        )
    })
}

/// The required map member (`RequestItems`).
fn required_map<'a>(
    p: &'a Map<String, Value>,
    field: &str,
    member: &str,
) -> Result<&'a Map<String, Value>, AwsError> {
    let mut v = Violations::default();
    if p.get(field).is_none_or(Value::is_null) {
        v.null(member);
    }
    v.finish()?;
    p[field].as_object().ok_or_else(|| {
        AwsError::unmodeled(
            SVC,
            "SerializationException",
            400,
            format!("Unexpected value type for {field}"),
        )
    })
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, AwsError> {
    v.as_object().ok_or_else(|| {
        AwsError::unmodeled(
            SVC,
            "SerializationException",
            400,
            format!("Unexpected value type for {what}"),
        )
    })
}

/// (table, normalized key) of the item a request targets: `Item` for puts, `Key` otherwise.
/// The table must exist (a missing table rejects the whole request).
fn target(world: &World, body: &Map<String, Value>) -> Result<(String, Value), AwsError> {
    let name = body
        .get("TableName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let table = lookup_table(world, &name)?;
    let key = match body.get("Item").and_then(Value::as_object) {
        Some(item) => key_of(table, item).as_object().cloned(),
        None => body.get("Key").and_then(Value::as_object).cloned(),
    };
    Ok((
        name,
        Value::Object(normalize_item(&key.unwrap_or_default())),
    ))
}

/// The item a request targets, as it is now.
fn current_item(world: &World, body: &Map<String, Value>) -> Option<Item> {
    let (name, key) = target(world, body).ok()?;
    let table = world.tables.get(&name)?;
    let i = find_index(table, key.as_object()?)?;
    Some(table.items[i].clone())
}

/// ConditionCheck: the condition of a transaction that writes nothing.
fn condition_check(world: &World, p: &Map<String, Value>) -> Result<(), AwsError> {
    let mut v = Violations::default();
    let name = table_name(p, &mut v);
    if p.get("Key").is_none_or(Value::is_null) {
        v.null("key");
    }
    if p.get("ConditionExpression").is_none_or(Value::is_null) {
        v.null("conditionExpression");
    }
    v.finish()?;
    let key = attr_map(&p["Key"], "Key")?;
    let mut syms = symbols(p)?;
    let table = lookup_table(world, &name.unwrap_or_default())?;
    check_key(table, key)?;
    let old = find_index(table, key).map(|i| table.items[i].clone());
    require_condition(p, &mut syms, old.as_ref())
}

/// The CancellationReason for an action's error, or None when the error rejects the whole request
/// (missing table, malformed request, constraint violations of the request itself).
fn cancellation_reason(world: &World, body: &Map<String, Value>, e: &AwsError) -> Option<Value> {
    match e.code.as_str() {
        "ConditionalCheckFailedException" => {
            let mut reason = json!({"Code": "ConditionalCheckFailed", "Message": e.message});
            if body
                .get("ReturnValuesOnConditionCheckFailure")
                .and_then(Value::as_str)
                == Some("ALL_OLD")
            {
                if let Some(item) = current_item(world, body) {
                    reason["Item"] = Value::Object(item);
                }
            }
            Some(reason)
        }
        "ValidationException" if !e.message.contains("validation error") => {
            Some(json!({"Code": "ValidationError", "Message": e.message}))
        }
        _ => None,
    }
}

fn transaction_cancelled(reasons: Vec<Value>) -> AwsError {
    let codes: Vec<&str> = reasons
        .iter()
        .map(|r| r["Code"].as_str().unwrap_or("None"))
        .collect();
    let message = format!(
        "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
        codes.join(", ")
    );
    AwsError::modeled(SVC, "TransactionCanceledException", 400, message)
        .with_details(json!({ "CancellationReasons": reasons }))
}

pub(super) fn transact_write_items(
    world: &mut World,
    p: &Map<String, Value>,
) -> Result<Value, AwsError> {
    let list = required_list(p, "TransactItems", "transactItems")?;
    let mut actions = Vec::new();
    let mut targets = Vec::new();
    for element in list {
        let element = object(element, "TransactItems")?;
        let present: Vec<&str> = WRITE_ACTIONS
            .into_iter()
            .filter(|a| element.get(*a).is_some_and(|v| !v.is_null()))
            .collect();
        let [action] = present[..] else {
            let message = if present.is_empty() {
                // No source gives AWS's text for an element without an action.
                "lambdaless: a TransactItems element needs one of ConditionCheck, Put, Update or Delete"
            } else {
                "TransactItems can only contain one of Check, Put, Update or Delete"
            };
            return Err(validation(message));
        };
        let body = object(&element[action], action)?;
        let t = target(world, body)?;
        if targets.contains(&t) {
            return Err(validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        targets.push(t);
        actions.push((action, body));
    }
    let snapshot = Snapshot::take(world);
    let mut reasons = Vec::new();
    let mut cancelled = false;
    for (action, body) in actions {
        let result = match action {
            "Put" => put_item(world, body).map(drop),
            "Update" => update_item(world, body).map(drop),
            "Delete" => delete_item(world, body).map(drop),
            _ => condition_check(world, body),
        };
        match result {
            Ok(()) => reasons.push(json!({"Code": "None"})),
            Err(e) => match cancellation_reason(world, body, &e) {
                Some(reason) => {
                    cancelled = true;
                    reasons.push(reason);
                }
                None => {
                    snapshot.restore(world);
                    return Err(e);
                }
            },
        }
    }
    if cancelled {
        snapshot.restore(world);
        return Err(transaction_cancelled(reasons));
    }
    Ok(json!({}))
}

pub(super) fn transact_get_items(
    world: &mut World,
    p: &Map<String, Value>,
) -> Result<Value, AwsError> {
    let list = required_list(p, "TransactItems", "transactItems")?;
    let mut responses = Vec::new();
    for (i, element) in list.iter().enumerate() {
        let element = object(element, "TransactItems")?;
        let Some(get) = element.get("Get").filter(|g| !g.is_null()) else {
            // AWS's path format for members of list elements: 1-based, `.member.`.
            let mut v = Violations::default();
            v.null(&format!("transactItems.{}.member.get", i + 1));
            v.finish()?;
            continue;
        };
        responses.push(get_item(world, object(get, "Get")?)?);
    }
    Ok(json!({ "Responses": responses }))
}

/// Rejects a batch that targets one item twice.
fn no_duplicates(seen: &mut Vec<(String, Value)>, t: (String, Value)) -> Result<(), AwsError> {
    if seen.contains(&t) {
        return Err(validation("Provided list of item keys contains duplicates"));
    }
    seen.push(t);
    Ok(())
}

pub(super) fn batch_write_item(
    world: &mut World,
    p: &Map<String, Value>,
) -> Result<Value, AwsError> {
    let request_items = required_map(p, "RequestItems", "requestItems")?;
    let total: usize = request_items
        .values()
        .map(|r| r.as_array().map_or(0, Vec::len))
        .sum();
    if total > 25 {
        return Err(validation(
            "Too many items requested for the BatchWriteItem call",
        ));
    }
    // Validate every request before writing anything: the batch is rejected as a whole.
    let mut writes = Vec::new();
    let mut seen = Vec::new();
    for (name, requests) in request_items {
        let table = lookup_table(world, name)?;
        let requests = requests.as_array().ok_or_else(|| {
            AwsError::unmodeled(
                SVC,
                "SerializationException",
                400,
                "Unexpected value type for RequestItems",
            )
        })?;
        for request in requests {
            let request = object(request, "WriteRequest")?;
            let put = request.get("PutRequest").filter(|v| !v.is_null());
            let delete = request.get("DeleteRequest").filter(|v| !v.is_null());
            let mut body = Map::new();
            body.insert("TableName".into(), json!(name));
            let is_put = match (put, delete) {
                (Some(put), None) => {
                    let item = object(put, "PutRequest")?.get("Item").cloned();
                    let item = item.unwrap_or(Value::Null);
                    check_item_key(table, attr_map(&item, "Item")?)?;
                    body.insert("Item".into(), item);
                    true
                }
                (None, Some(delete)) => {
                    let key = object(delete, "DeleteRequest")?.get("Key").cloned();
                    let key = key.unwrap_or(Value::Null);
                    check_key(table, attr_map(&key, "Key")?)?;
                    body.insert("Key".into(), key);
                    false
                }
                // No source gives AWS's text for a WriteRequest with both or neither.
                _ => return Err(validation(
                    "lambdaless: a WriteRequest needs exactly one of PutRequest or DeleteRequest",
                )),
            };
            no_duplicates(&mut seen, target(world, &body)?)?;
            writes.push((is_put, body));
        }
    }
    let snapshot = Snapshot::take(world);
    for (is_put, body) in &writes {
        let result = if *is_put {
            put_item(world, body)
        } else {
            delete_item(world, body)
        };
        if let Err(e) = result {
            snapshot.restore(world);
            return Err(e);
        }
    }
    Ok(json!({ "UnprocessedItems": {} }))
}

pub(super) fn batch_get_item(world: &mut World, p: &Map<String, Value>) -> Result<Value, AwsError> {
    let request_items = required_map(p, "RequestItems", "requestItems")?;
    let total: usize = request_items
        .values()
        .map(|r| r.get("Keys").and_then(Value::as_array).map_or(0, Vec::len))
        .sum();
    if total > 100 {
        return Err(validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }
    let mut responses = Map::new();
    for (name, request) in request_items {
        let request = object(request, "KeysAndAttributes")?;
        lookup_table(world, name)?;
        let mut seen = Vec::new();
        let mut items = Vec::new();
        for key in request
            .get("Keys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // Each key is one GetItem with the table's projection and names.
            let mut body = Map::new();
            body.insert("TableName".into(), json!(name));
            body.insert("Key".into(), key.clone());
            for f in ["ProjectionExpression", "ExpressionAttributeNames"] {
                if let Some(v) = request.get(f) {
                    body.insert(f.into(), v.clone());
                }
            }
            no_duplicates(&mut seen, target(world, &body)?)?;
            if let Some(item) = get_item(world, &body)?.get("Item") {
                items.push(item.clone());
            }
        }
        responses.insert(name.clone(), Value::Array(items));
    }
    Ok(json!({ "Responses": responses, "UnprocessedKeys": {} }))
}

#[cfg(test)]
mod tests {
    use super::super::call;
    use super::*;
    use crate::services::world::KeyAttr;

    fn world() -> World {
        let mut w = World::new(1);
        for t in ["orders", "stock"] {
            w.add_table(
                t,
                KeyAttr {
                    name: "id".into(),
                    attr_type: "S".into(),
                },
                None,
            );
        }
        call(
            &mut w,
            "PutItem",
            &json!({"TableName": "stock", "Item": {"id": {"S": "apple"}, "n": {"N": "1"}}}),
        )
        .unwrap();
        w
    }

    fn items(w: &World, table: &str) -> Vec<Item> {
        w.tables[table].items.clone()
    }

    fn transaction(order: &str, take: &str) -> Value {
        json!({"TransactItems": [
            {"Put": {"TableName": "orders", "Item": {"id": {"S": order}}}},
            {"Update": {"TableName": "stock", "Key": {"id": {"S": "apple"}},
                        "UpdateExpression": "SET n = n - :t", "ConditionExpression": "n >= :t",
                        "ExpressionAttributeValues": {":t": {"N": take}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
        ]})
    }

    #[test]
    fn transact_write_applies_all_or_nothing() {
        let mut w = world();
        assert_eq!(
            call(&mut w, "TransactWriteItems", &transaction("o1", "1")).unwrap(),
            json!({})
        );
        assert_eq!(items(&w, "orders").len(), 1);
        assert_eq!(items(&w, "stock")[0]["n"], json!({"N": "0"}));
        let changes = w.diff.changes.len();

        // The stock is now 0: the condition fails, the order is not written either.
        let e = call(&mut w, "TransactWriteItems", &transaction("o2", "1")).unwrap_err();
        assert_eq!(e.code, "TransactionCanceledException");
        assert_eq!(
            e.message,
            "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
        );
        assert_eq!(
            e.details.as_deref(),
            Some(json!({"CancellationReasons": [
                {"Code": "None"},
                {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
                 "Item": {"id": {"S": "apple"}, "n": {"N": "0"}}}
            ]}))
            .as_ref()
        );
        assert_eq!(
            e.error_name(crate::services::errors::Integration::AwsSdk),
            "DynamoDb.TransactionCanceledException"
        );
        assert_eq!(items(&w, "orders").len(), 1, "the put was rolled back");
        assert_eq!(w.diff.changes.len(), changes, "and left no change behind");
    }

    #[test]
    fn transact_write_rejects_bad_requests_whole() {
        let mut w = world();
        let e = call(&mut w, "TransactWriteItems", &json!({})).unwrap_err();
        assert_eq!(e.message, "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null");
        let twice = json!({"TransactItems": [
            {"Put": {"TableName": "orders", "Item": {"id": {"S": "a"}}}},
            {"Delete": {"TableName": "orders", "Key": {"id": {"S": "a"}}}}
        ]});
        let e = call(&mut w, "TransactWriteItems", &twice).unwrap_err();
        assert_eq!(
            e.message,
            "Transaction request cannot include multiple operations on one item"
        );
        let both = json!({"TransactItems": [{"Put": {"TableName": "orders", "Item": {"id": {"S": "a"}}},
                                             "Delete": {"TableName": "orders", "Key": {"id": {"S": "a"}}}}]});
        let e = call(&mut w, "TransactWriteItems", &both).unwrap_err();
        assert_eq!(
            e.message,
            "TransactItems can only contain one of Check, Put, Update or Delete"
        );
        let missing =
            json!({"TransactItems": [{"Put": {"TableName": "nope", "Item": {"id": {"S": "a"}}}}]});
        let e = call(&mut w, "TransactWriteItems", &missing).unwrap_err();
        assert_eq!(e.code, "ResourceNotFoundException");
        // A condition on an item that does not exist, and an update of a missing attribute.
        let check = json!({"TransactItems": [
            {"ConditionCheck": {"TableName": "orders", "Key": {"id": {"S": "x"}},
                                "ConditionExpression": "attribute_exists(id)"}},
            {"Update": {"TableName": "stock", "Key": {"id": {"S": "apple"}},
                        "UpdateExpression": "SET n = missing + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}
        ]});
        let e = call(&mut w, "TransactWriteItems", &check).unwrap_err();
        let reasons = &e.details.unwrap()["CancellationReasons"];
        assert_eq!(reasons[0]["Code"], json!("ConditionalCheckFailed"));
        assert_eq!(reasons[0].get("Item"), None);
        assert_eq!(reasons[1]["Code"], json!("ValidationError"));
        assert_eq!(items(&w, "stock")[0]["n"], json!({"N": "1"}));
    }

    #[test]
    fn transact_get_returns_one_response_per_item() {
        let mut w = world();
        let r = call(&mut w, "TransactGetItems", &json!({"TransactItems": [
            {"Get": {"TableName": "stock", "Key": {"id": {"S": "apple"}}, "ProjectionExpression": "n"}},
            {"Get": {"TableName": "stock", "Key": {"id": {"S": "pear"}}}}
        ]}))
        .unwrap();
        assert_eq!(r, json!({"Responses": [{"Item": {"n": {"N": "1"}}}, {}]}));
        let e = call(&mut w, "TransactGetItems", &json!({"TransactItems": [{}]})).unwrap_err();
        assert_eq!(e.message, "1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null");
    }

    #[test]
    fn batch_write_and_get() {
        let mut w = world();
        let r = call(&mut w, "BatchWriteItem", &json!({"RequestItems": {
            "orders": [{"PutRequest": {"Item": {"id": {"S": "o1"}}}}, {"PutRequest": {"Item": {"id": {"S": "o2"}}}}],
            "stock": [{"DeleteRequest": {"Key": {"id": {"S": "apple"}}}}]
        }}))
        .unwrap();
        assert_eq!(r, json!({"UnprocessedItems": {}}));
        assert_eq!(items(&w, "orders").len(), 2);
        assert!(items(&w, "stock").is_empty());
        let r = call(
            &mut w,
            "BatchGetItem",
            &json!({"RequestItems": {
                "orders": {"Keys": [{"id": {"S": "o2"}}, {"id": {"S": "o9"}}]},
                "stock": {"Keys": [{"id": {"S": "apple"}}]}
            }}),
        )
        .unwrap();
        assert_eq!(
            r,
            json!({"Responses": {"orders": [{"id": {"S": "o2"}}], "stock": []}, "UnprocessedKeys": {}})
        );
    }

    #[test]
    fn batch_errors_reject_the_whole_batch() {
        let mut w = world();
        let dup = json!({"RequestItems": {"orders": [
            {"PutRequest": {"Item": {"id": {"S": "a"}}}}, {"DeleteRequest": {"Key": {"id": {"S": "a"}}}}]}});
        let e = call(&mut w, "BatchWriteItem", &dup).unwrap_err();
        assert_eq!(e.message, "Provided list of item keys contains duplicates");
        let many: Vec<Value> = (0..26)
            .map(|i| json!({"PutRequest": {"Item": {"id": {"S": i.to_string()}}}}))
            .collect();
        let e = call(
            &mut w,
            "BatchWriteItem",
            &json!({"RequestItems": {"orders": many}}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Too many items requested for the BatchWriteItem call"
        );
        let bad_key = json!({"RequestItems": {"orders": [
            {"PutRequest": {"Item": {"id": {"S": "ok"}}}}, {"PutRequest": {"Item": {"id": {"N": "1"}}}}]}});
        let e = call(&mut w, "BatchWriteItem", &bad_key).unwrap_err();
        assert!(
            e.message.contains("Type mismatch for key id"),
            "{}",
            e.message
        );
        assert!(
            items(&w, "orders").is_empty(),
            "nothing of a rejected batch is written"
        );
        let e = call(
            &mut w,
            "BatchGetItem",
            &json!({"RequestItems": {"nope": {"Keys": [{"id": {"S": "a"}}]}}}),
        )
        .unwrap_err();
        assert_eq!(e.code, "ResourceNotFoundException");
        let e = call(&mut w, "BatchGetItem", &json!({})).unwrap_err();
        assert_eq!(e.message, "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null");
    }
}
