//! Expression-level tests: expected values from the JSONata documentation examples
//! (docs.jsonata.org) and from the recorded Step Functions cases (named beside each).

use super::*;
use serde_json::json;

fn states(input: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("states".into(), json!({"input": input, "context": {}}));
    m
}

fn ev(expr: &str, input: Value) -> Result<Option<Value>, JsonataError> {
    evaluate(expr, &input, &Map::new())
}

fn ok(expr: &str, input: Value) -> Value {
    match ev(expr, input) {
        Ok(Some(v)) => v,
        other => panic!("{expr}: {other:?}"),
    }
}

fn code(expr: &str, input: Value) -> String {
    match ev(expr, input) {
        Err(e) => e.code,
        other => panic!("{expr}: expected an error, got {other:?}"),
    }
}

#[test]
fn literals_and_arithmetic() {
    assert_eq!(ok("1 + 2 * 3", json!({})), json!(7));
    assert_eq!(ok("1.0", json!({})), json!(1));
    assert_eq!(ok("0.1 + 0.2", json!({})), json!(0.30000000000000004));
    assert_eq!(ok("7 % 3", json!({})), json!(1));
    assert_eq!(ok("-(1 + 2)", json!({})), json!(-3));
    assert_eq!(ok("'a' & 1 & true", json!({})), json!("a1true"));
    assert_eq!(ok("[1, 'two', 3]", json!({})), json!([1, "two", 3]));
    assert_eq!(ok("{'foo': 'bar'}", json!({})), json!({"foo": "bar"}));
    assert_eq!(ok("null", json!({})), json!(null));
    assert_eq!(ok("[]", json!({})), json!([]));
    assert_eq!(ok("[0]", json!({})), json!([0]));
}

fn ok_states(expr: &str, input: Value) -> Value {
    match evaluate(expr, &json!({}), &states(input)) {
        Ok(Some(v)) => v,
        other => panic!("{expr}: {other:?}"),
    }
}

/// Expressions and results recorded against AWS (file names under /work/shared/asl-cases).
#[test]
fn recorded_step_functions_expressions() {
    // evaluate_jsonata...test_base_jsonata_regular_expressions__BASE / __BASE_FALSE
    assert_eq!(
        ok(r#"$contains("hello$world", /^hello\$/)"#, json!({})),
        json!(true)
    );
    assert_eq!(
        ok(r#"$contains("hello$world", /^hello\ /)"#, json!({})),
        json!(false)
    );
    // evaluate_jsonata...test_merge_with_dynamic_args
    assert_eq!(
        ok_states(
            "$merge([$states.input.part1, $states.input.part2])",
            json!({"part1": {"hello": "world"}, "part2": {"foo": "bar"}})
        ),
        json!({"hello": "world", "foo": "bar"})
    );
    // evaluate_jsonata...test_base_map__ITEMS / ITEMS_DOUBLE_QUOTES
    assert_eq!(ok(r#"$number("2")"#, json!({})), json!(2));
    assert_eq!(ok("$number('2')", json!({})), json!(2));
    // evaluate_jsonata...test_base_map__MAX_CONCURRENCY
    assert_eq!(ok("$variable := 1", json!({})), json!(1));
    // outputdecl...test_base_lambda__BASE_LAMBDA
    let mut b = states(json!({"input_value": "string literal", "input_values": [1, 2, 3]}));
    b.insert("var_constant_1".into(), json!(1));
    assert_eq!(
        evaluate(
            "$sum($states.input.input_values) + $var_constant_1",
            &json!({}),
            &b
        )
        .unwrap(),
        Some(json!(7))
    );
    // scenarios...CHOICE_STATE_AWS_SCENARIO_JSONATA
    let inp = json!({"type": "Private", "value": 22});
    assert_eq!(
        ok_states("$not($states.input.type = 'Private')", inp.clone()),
        json!(false)
    );
    assert_eq!(
        ok_states("$states.input.value = 0", inp.clone()),
        json!(false)
    );
    assert_eq!(
        ok_states(
            "$states.input.value >= 20 and $states.input.value < 30",
            inp
        ),
        json!(true)
    );
    // scenarios...ESCAPE_SEQUENCES_JSONATA_COMPARISON_OUTPUT
    assert_eq!(ok_states("$states.input = '\"'", json!("\"")), json!(true));
    // scenarios...CHOICE_STATE_UNSORTED_CHOICE_PARAMETERS_JSONATA
    assert_eq!(
        ok_states(
            "$not($states.input.result.done)",
            json!({"result": {"done": false}})
        ),
        json!(true)
    );
    // intrinsic_functions...test_math_random_seeded: unknown function
    let e = evaluate(
        "$randomSeeded($states.input.FunctionInput.fst)",
        &json!({}),
        &states(json!({"FunctionInput": "fst"})),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "T1006: Attempted to invoke a non-function");
    // assign...test_undefined_reference__*: an unbound variable is undefined
    assert_eq!(ev("$doesNotExist", json!({})).unwrap(), None);
    // scenarios...test_map_state_items_eval_jsonata_fail__function
    assert_eq!(
        code("$fn := function($x){$x}", json!({})),
        UNSUPPORTED_RESULT
    );
}

#[test]
fn recorded_step_functions_added_functions() {
    // intrinsic_functions...test_array_partition__*
    for (arr, size, want) in [
        (json!([0]), 1, json!([[0]])),
        (json!([0, 1, 2]), 1, json!([[0], [1], [2]])),
        (json!([0, 1, 2]), 4, json!([[0, 1, 2]])),
        (json!([0, 1, 2, 3]), 3, json!([[0, 1, 2], [3]])),
    ] {
        let got = ok_states(
            "$partition($states.input.FunctionInput.fst, $states.input.FunctionInput.snd)",
            json!({"FunctionInput": {"fst": arr, "snd": size}}),
        );
        assert_eq!(got, want);
    }
    // intrinsic_functions...test_array_range__1..3
    let range = "$range($states.input.FunctionInput.fst, $states.input.FunctionInput.snd, $states.input.FunctionInput.trd)";
    for (a, b, c, want) in [
        (0, 10, 3, json!([0, 3, 6, 9])),
        (1, 9, 9, json!(1)),
        (1, 9, 2, json!([1, 3, 5, 7, 9])),
    ] {
        let got = ok_states(
            range,
            json!({"FunctionInput": {"fst": a, "snd": b, "trd": c}}),
        );
        assert_eq!(got, want);
    }
    // intrinsic_functions...test_parse__0..6
    for (text, want) in [
        ("-0", json!(0)),
        ("1", json!(1)),
        ("1.1", json!(1.1)),
        ("true", json!(true)),
        ("\"HelloWorld\"", json!("HelloWorld")),
        ("[1, 2, \"HelloWorld\"]", json!([1, 2, "HelloWorld"])),
        (
            "{\"Arg1\": 1, \"Arg2\": []}",
            json!({"Arg1": 1, "Arg2": []}),
        ),
    ] {
        let got = ok_states(
            "$parse($states.input.FunctionInput)",
            json!({"FunctionInput": text}),
        );
        assert_eq!(got, want);
        assert_eq!(
            serde_json::to_string(&got).unwrap(),
            serde_json::to_string(&want).unwrap()
        );
    }
}

#[test]
fn step_functions_hash_uuid_random() {
    // same digest as recorded for States.Hash (intrinsic_functions...test_hash__1)
    assert_eq!(
        ok("$hash('input data', 'SHA-1')", json!({})),
        json!("aaff4a450a104cd177d28d18d74485e8cae074b7")
    );
    assert_eq!(ok("$length($hash('x', 'SHA-512'))", json!({})), json!(128));
    assert_eq!(ok("$length($hash('x', 'MD5'))", json!({})), json!(32));
    assert_eq!(code("$hash('x', 'SHA-3')", json!({})), "D3137");
    assert_eq!(ok("$random(5) = $random(5)", json!({})), json!(true));
    assert_eq!(ok("$random(5) = $random(6)", json!({})), json!(false));
    let opts = EvalOptions {
        now_millis: Some(1000),
        random_seed: Some(42),
    };
    let a = evaluate_with("[$uuid(), $random()]", &json!({}), &Map::new(), &opts).unwrap();
    let b = evaluate_with("[$uuid(), $random()]", &json!({}), &Map::new(), &opts).unwrap();
    assert_eq!(a, b);
    let uuid = a.unwrap()[0].as_str().unwrap().to_string();
    assert!(
        regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            .unwrap()
            .is_match(&uuid),
        "{uuid}"
    );
    assert_eq!(
        evaluate_with("$now()", &json!({}), &Map::new(), &opts).unwrap(),
        Some(json!("1970-01-01T00:00:01.000Z"))
    );
    assert_eq!(
        evaluate_with("$millis()", &json!({}), &Map::new(), &opts).unwrap(),
        Some(json!(1000))
    );
    // $eval is not available in Step Functions
    assert_eq!(code("$eval('1')", json!({})), "T1006");
}

/// The sample document of the JSONata documentation ("Fred Smith").
fn fred() -> Value {
    json!({
      "FirstName": "Fred", "Surname": "Smith", "Age": 28,
      "Address": {"Street": "Hursley Park", "City": "Winchester", "Postcode": "SO21 2JN"},
      "Phone": [
        {"type": "home", "number": "0203 544 1234"},
        {"type": "office", "number": "01962 001234"},
        {"type": "office", "number": "01962 001235"},
        {"type": "mobile", "number": "077 7700 1234"}
      ],
      "Email": [
        {"type": "work", "address": ["fred.smith@my-work.com", "fsmith@my-work.com"]},
        {"type": "home", "address": ["freddy@my-social.com", "frederic.smith@very-serious.com"]}
      ],
      "Other": {"Over 18 ?": true, "Misc": null, "Alternative.Address": {"Street": "Brick Lane", "City": "London", "Postcode": "E1 6RF"}}
    })
}

/// docs.jsonata.org "Simple Queries" and "Predicate Queries" examples.
#[test]
fn documentation_path_examples() {
    let d = fred();
    assert_eq!(ok("Surname", d.clone()), json!("Smith"));
    assert_eq!(ok("Age", d.clone()), json!(28));
    assert_eq!(ok("Address.City", d.clone()), json!("Winchester"));
    assert_eq!(ok("Other.Misc", d.clone()), json!(null));
    assert_eq!(ev("Other.Nothing", d.clone()).unwrap(), None);
    assert_eq!(ok("Other.`Over 18 ?`", d.clone()), json!(true));
    assert_eq!(
        ok("Phone[0]", d.clone()),
        json!({"type": "home", "number": "0203 544 1234"})
    );
    assert_eq!(
        ok("Phone[1]", d.clone()),
        json!({"type": "office", "number": "01962 001234"})
    );
    assert_eq!(
        ok("Phone[-1]", d.clone()),
        json!({"type": "mobile", "number": "077 7700 1234"})
    );
    assert_eq!(
        ok("Phone[-2]", d.clone()),
        json!({"type": "office", "number": "01962 001235"})
    );
    assert_eq!(ev("Phone[8]", d.clone()).unwrap(), None);
    assert_eq!(ok("Phone[0].number", d.clone()), json!("0203 544 1234"));
    assert_eq!(
        ok("Phone.number", d.clone()),
        json!([
            "0203 544 1234",
            "01962 001234",
            "01962 001235",
            "077 7700 1234"
        ])
    );
    assert_eq!(
        ok("Phone.number[0]", d.clone()),
        json!([
            "0203 544 1234",
            "01962 001234",
            "01962 001235",
            "077 7700 1234"
        ])
    );
    assert_eq!(ok("(Phone.number)[0]", d.clone()), json!("0203 544 1234"));
    assert_eq!(
        ok("Phone[[0..1]]", d.clone()),
        json!([{"type": "home", "number": "0203 544 1234"}, {"type": "office", "number": "01962 001234"}])
    );
    assert_eq!(
        ok("Phone[type='mobile']", d.clone()),
        json!({"type": "mobile", "number": "077 7700 1234"})
    );
    assert_eq!(
        ok("Phone[type='mobile'].number", d.clone()),
        json!("077 7700 1234")
    );
    assert_eq!(
        ok("Phone[type='office'].number", d.clone()),
        json!(["01962 001234", "01962 001235"])
    );
    assert_eq!(
        ok("Address.*", d.clone()),
        json!(["Hursley Park", "Winchester", "SO21 2JN"])
    );
    assert_eq!(ok("*.Postcode", d.clone()), json!("SO21 2JN"));
    assert_eq!(ok("**.Postcode", d.clone()), json!(["SO21 2JN", "E1 6RF"]));
    assert_eq!(
        ok("Email.address", d.clone()),
        json!([
            "fred.smith@my-work.com",
            "fsmith@my-work.com",
            "freddy@my-social.com",
            "frederic.smith@very-serious.com"
        ])
    );
    assert_eq!(
        ok("Email[type='home'].address", d.clone()),
        json!(["freddy@my-social.com", "frederic.smith@very-serious.com"])
    );
    assert_eq!(ok("$count(Phone)", d.clone()), json!(4));
    assert_eq!(
        ok("FirstName & ' ' & Surname", d.clone()),
        json!("Fred Smith")
    );
    assert_eq!(
        ok("Address.(Street & ', ' & City)", d.clone()),
        json!("Hursley Park, Winchester")
    );
    assert_eq!(
        ok("Phone.{type: number}", d.clone()),
        json!([{"home": "0203 544 1234"}, {"office": "01962 001234"}, {"office": "01962 001235"}, {"mobile": "077 7700 1234"}])
    );
    assert_eq!(
        ok("Phone{type: number}", d.clone()),
        json!({"home": "0203 544 1234", "office": ["01962 001234", "01962 001235"], "mobile": "077 7700 1234"})
    );
    assert_eq!(
        ok("Phone{type: number[]}", d.clone()),
        json!({"home": ["0203 544 1234"], "office": ["01962 001234", "01962 001235"], "mobile": ["077 7700 1234"]})
    );
    assert_eq!(
        ok("Phone[type='mobile'].number[]", d.clone()),
        json!(["077 7700 1234"])
    );
    assert_eq!(
        ok("[Address, Other.`Alternative.Address`].City", d.clone()),
        json!(["Winchester", "London"])
    );
    assert_eq!(ok("Phone.type in ['home', 'x']", d.clone()), json!(false));
    assert_eq!(ok("'home' in Phone.type", d), json!(true));
}

/// The invoice example of docs.jsonata.org (aggregation, mapping, ordering).
#[test]
fn documentation_invoice_examples() {
    let d = json!({"Account": {"Account Name": "Firefly", "Order": [
        {"OrderID": "order103", "Product": [
            {"Product Name": "Bowler Hat", "ProductID": 858383, "Price": 34.45, "Quantity": 2},
            {"Product Name": "Trilby hat", "ProductID": 858236, "Price": 21.67, "Quantity": 1}]},
        {"OrderID": "order104", "Product": [
            {"Product Name": "Bowler Hat", "ProductID": 858383, "Price": 34.45, "Quantity": 4},
            {"Product Name": "Cloak", "ProductID": 345664, "Price": 107.99, "Quantity": 1}]}]}});
    assert_eq!(
        ok("$sum(Account.Order.Product.(Price * Quantity))", d.clone()),
        json!(336.36)
    );
    assert_eq!(
        ok("Account.Order.Product.Price", d.clone()),
        json!([34.45, 21.67, 34.45, 107.99])
    );
    assert_eq!(
        ok("Account.Order[0].Product.Price", d.clone()),
        json!([34.45, 21.67])
    );
    assert_eq!(
        ok("Account.Order.Product[0].Price", d.clone()),
        json!([34.45, 34.45])
    );
    assert_eq!(
        ok("Account.Order.OrderID", d.clone()),
        json!(["order103", "order104"])
    );
    assert_eq!(
        ok("$max(Account.Order.Product.Price)", d.clone()),
        json!(107.99)
    );
    assert_eq!(
        ok("$average(Account.Order.Product.Quantity)", d.clone()),
        json!(2)
    );
    assert_eq!(
        ok("Account.Order.Product^(>Price).`Product Name`", d.clone()),
        json!(["Cloak", "Bowler Hat", "Bowler Hat", "Trilby hat"])
    );
    assert_eq!(
        ok(
            "Account.Order.Product{`Product Name`: $sum(Quantity)}",
            d.clone()
        ),
        json!({"Bowler Hat": 6, "Trilby hat": 1, "Cloak": 1})
    );
    assert_eq!(
        ok(
            "Account.Order.{'id': OrderID, 'total': $round($sum(Product.(Price * Quantity)), 2)}",
            d.clone()
        ),
        json!([{"id": "order103", "total": 90.57}, {"id": "order104", "total": 245.79}])
    );
    // IEEE arithmetic exactly as JavaScript: 34.45 * 2 + 21.67
    assert_eq!(ok("34.45 * 2 + 21.67", json!({})), json!(90.57000000000001));
    assert_eq!(
        ok("$count(Account.Order.Product[Price > 30])", d.clone()),
        json!(3)
    );
    assert_eq!(
        ok(
            "Account.Order.Product[Quantity > 1 and Price < 50].ProductID",
            d
        ),
        json!([858383, 858383])
    );
}

#[test]
fn sequences_and_arrays() {
    assert_eq!(ok_states("$states.input", json!([1])), json!([1]));
    assert_eq!(ok_states("$states.input.a", json!({"a": [1]})), json!([1]));
    assert_eq!(
        ok_states("$states.input.a.b", json!({"a": [{"b": 1}]})),
        json!(1)
    );
    assert_eq!(
        ok_states("$states.input.a.b", json!({"a": [{"b": [1]}]})),
        json!([1])
    );
    assert_eq!(
        ok_states(
            "$states.input.a.b",
            json!({"a": [{"b": [1]}, {"b": [2, 3]}]})
        ),
        json!([1, 2, 3])
    );
    assert_eq!(ok("$", json!([1, 2])), json!([1, 2]));
    assert_eq!(ok("$[0]", json!([1, 2])), json!(1));
    assert_eq!(ok("a", json!([{"a": 1}, {"a": 2}])), json!([1, 2]));
    assert_eq!(ok("[1..5]", json!({})), json!([1, 2, 3, 4, 5]));
    assert_eq!(ok("[1..3, 7]", json!({})), json!([1, 2, 3, 7]));
    assert_eq!(ok("[[1, 2], [3]]", json!({})), json!([[1, 2], [3]]));
    assert_eq!(ok("[[1, 2], [3]][0]", json!({})), json!([1, 2]));
    assert_eq!(ok("[1, [2, 3]]", json!({})), json!([1, [2, 3]]));
    assert_eq!(ok("$count($states.result[$ = 1])", json!({})), json!(0));
    let mut b = Map::new();
    b.insert("states".into(), json!({"result": [1, 0, 1]}));
    assert_eq!(
        evaluate("$count($states.result[$ = 1])", &json!({}), &b).unwrap(),
        Some(json!(2))
    );
    assert_eq!(
        evaluate(
            "$map($states.result, function($v) { $v = 1 ? 'pass' : 'failed' })",
            &json!({}),
            &b
        )
        .unwrap(),
        Some(json!(["pass", "failed", "pass"]))
    );
    assert_eq!(ok("$map([1], function($v){$v * 2})", json!({})), json!(2));
    assert_eq!(
        ok("$filter([1, 2, 3, 4], function($v, $i){$i > 1})", json!({})),
        json!([3, 4])
    );
    assert_eq!(
        ok(
            "$reduce([1, 2, 3, 4], function($a, $b){$a + $b})",
            json!({})
        ),
        json!(10)
    );
    assert_eq!(
        ok(
            "$reduce([1, 2, 3], function($a, $b){$a * $b}, 10)",
            json!({})
        ),
        json!(60)
    );
    assert_eq!(
        ok("$zip([1, 2, 3], [4, 5])", json!({})),
        json!([[1, 4], [2, 5]])
    );
    assert_eq!(ok("$append([1, 2], 3)", json!({})), json!([1, 2, 3]));
    assert_eq!(ok("$append(1, [2])", json!({})), json!([1, 2]));
    assert_eq!(ok("$reverse([1, 2, 3])", json!({})), json!([3, 2, 1]));
    assert_eq!(ok("$sort([3, 1, 2])", json!({})), json!([1, 2, 3]));
    assert_eq!(
        ok("$sort(['b', 'a', 'C'])", json!({})),
        json!(["C", "a", "b"])
    );
    assert_eq!(
        ok("$sort([1, 3, 2], function($a, $b){$a < $b})", json!({})),
        json!([3, 2, 1])
    );
    assert_eq!(code("$sort([1, 'a'])", json!({})), "D3070");
    assert_eq!(
        ok(
            "$distinct([1, 2, 1, 'a', 'a', {'x': 1}, {'x': 1}])",
            json!({})
        ),
        json!([1, 2, "a", {"x": 1}])
    );
    assert_eq!(
        ok("$single([1, 2, 3], function($v){$v = 2})", json!({})),
        json!(2)
    );
    assert_eq!(
        code("$single([1, 2, 3], function($v){$v > 1})", json!({})),
        "D3138"
    );
    assert_eq!(
        code("$single([], function($v){$v > 1})", json!({})),
        "D3139"
    );
    assert_eq!(ok("$count([])", json!({})), json!(0));
    assert_eq!(ok("$count(nothing)", json!({})), json!(0));
    assert_eq!(ok("$exists(nothing)", json!({})), json!(false));
}

#[test]
fn objects_functions() {
    assert_eq!(ok("$keys({'b': 1, 'a': 2})", json!({})), json!(["b", "a"]));
    assert_eq!(ok("$keys({'b': 1})", json!({})), json!("b"));
    assert_eq!(ok("$lookup({'a': 1}, 'a')", json!({})), json!(1));
    assert_eq!(
        ok("$spread({'a': 1, 'b': 2})", json!({})),
        json!([{"a": 1}, {"b": 2}])
    );
    assert_eq!(
        ok("$merge([{'a': 1}, {'a': 2, 'b': 3}])", json!({})),
        json!({"a": 2, "b": 3})
    );
    assert_eq!(
        ok(
            "$each({'a': 1, 'b': 2}, function($v, $k){$k & '=' & $v})",
            json!({})
        ),
        json!(["a=1", "b=2"])
    );
    assert_eq!(
        ok("$sift({'a': 1, 'b': 2}, function($v){$v > 1})", json!({})),
        json!({"b": 2})
    );
    assert_eq!(ok("$type({})", json!({})), json!("object"));
    assert_eq!(ok("$type([])", json!({})), json!("array"));
    assert_eq!(ok("$type(null)", json!({})), json!("null"));
    assert_eq!(ok("$type($sum)", json!({})), json!("function"));
    assert_eq!(ev("$type(nothing)", json!({})).unwrap(), None);
    let e = ev("$error('boom')", json!({})).unwrap_err();
    assert_eq!((e.code.as_str(), e.message.as_str()), ("D3137", "boom"));
    let e = ev("$assert(1 = 2, 'nope')", json!({})).unwrap_err();
    assert_eq!((e.code.as_str(), e.message.as_str()), ("D3141", "nope"));
    assert_eq!(code("{'a': 1, 'a': 2}", json!({})), "D1009");
    assert_eq!(code("{1: 2}", json!({})), "T1003");
    assert_eq!(
        ok("{'z': 1, 'a': 2, 'm': 3}", json!({})),
        json!({"z": 1, "a": 2, "m": 3})
    );
    let out = serde_json::to_string(&ok("{'z': 1, 'a': 2, 'm': 3}", json!({}))).unwrap();
    assert_eq!(out, r#"{"z":1,"a":2,"m":3}"#);
}

#[test]
fn string_functions() {
    assert_eq!(ok("$string(1e21)", json!({})), json!("1e+21"));
    assert_eq!(ok("$string(1/3)", json!({})), json!("0.333333333333333"));
    assert_eq!(
        ok("$string({'a': [1, 'x']})", json!({})),
        json!(r#"{"a":[1,"x"]}"#)
    );
    assert_eq!(
        ok("$string({'a': 1}, true)", json!({})),
        json!("{\n  \"a\": 1\n}")
    );
    assert_eq!(ok("$string(true)", json!({})), json!("true"));
    assert_eq!(ok("$length('Hello World')", json!({})), json!(11));
    assert_eq!(
        ok("$substring('Hello World', 3)", json!({})),
        json!("lo World")
    );
    assert_eq!(
        ok("$substring('Hello World', 3, 5)", json!({})),
        json!("lo Wo")
    );
    assert_eq!(
        ok("$substring('Hello World', -4)", json!({})),
        json!("orld")
    );
    assert_eq!(
        ok("$substring('Hello World', -4, 2)", json!({})),
        json!("or")
    );
    assert_eq!(
        ok("$substringBefore('Hello World', ' ')", json!({})),
        json!("Hello")
    );
    assert_eq!(
        ok("$substringAfter('Hello World', ' ')", json!({})),
        json!("World")
    );
    assert_eq!(
        ok("$uppercase('Hello World')", json!({})),
        json!("HELLO WORLD")
    );
    assert_eq!(
        ok("$lowercase('Hello World')", json!({})),
        json!("hello world")
    );
    assert_eq!(
        ok("$trim(' Hello \n World ')", json!({})),
        json!("Hello World")
    );
    assert_eq!(ok("$pad('foo', 5)", json!({})), json!("foo  "));
    assert_eq!(ok("$pad('foo', -5, '#')", json!({})), json!("##foo"));
    assert_eq!(
        ok("$contains('abracadabra', 'bra')", json!({})),
        json!(true)
    );
    assert_eq!(
        ok("$contains('abracadabra', /a.*a/)", json!({})),
        json!(true)
    );
    assert_eq!(ok("$contains('Hello', /^h/i)", json!({})), json!(true));
    assert_eq!(
        ok("$split('so many words', ' ')", json!({})),
        json!(["so", "many", "words"])
    );
    assert_eq!(
        ok("$split('so many words', ' ', 2)", json!({})),
        json!(["so", "many"])
    );
    assert_eq!(
        ok(
            "$split('too much, punctuation. hard; to read', /[ ,.;]+/)",
            json!({})
        ),
        json!(["too", "much", "punctuation", "hard", "to", "read"])
    );
    assert_eq!(ok("$join(['a', 'b', 'c'])", json!({})), json!("abc"));
    assert_eq!(
        ok("$join(['a', 'b', 'c'], ', ')", json!({})),
        json!("a, b, c")
    );
    assert_eq!(
        ok("$match('ababbabbcc', /a(b+)/)", json!({})),
        json!([
            {"match": "ab", "index": 0, "groups": ["b"]},
            {"match": "abb", "index": 2, "groups": ["bb"]},
            {"match": "abb", "index": 5, "groups": ["bb"]}
        ])
    );
    assert_eq!(
        ok(
            "$replace('John Smith and John Jones', 'John', 'Mr')",
            json!({})
        ),
        json!("Mr Smith and Mr Jones")
    );
    assert_eq!(
        ok(
            "$replace('John Smith and John Jones', 'John', 'Mr', 1)",
            json!({})
        ),
        json!("Mr Smith and John Jones")
    );
    assert_eq!(
        ok("$replace('abracadabra', /bra/, '*')", json!({})),
        json!("a*cada*")
    );
    assert_eq!(
        ok(
            "$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')",
            json!({})
        ),
        json!("Smith, John")
    );
    assert_eq!(
        ok("$replace('265USD', /([0-9]+)USD/, '$$$1')", json!({})),
        json!("$265")
    );
    assert_eq!(
        ok("$replace('temperature = 68F today', /(\\d+)F/, function($m) { $string($round(($number($m.groups[0]) - 32) * 5/9)) & 'C' })", json!({})),
        json!("temperature = 20C today")
    );
    assert_eq!(
        ok("$base64encode('myuser:mypass')", json!({})),
        json!("bXl1c2VyOm15cGFzcw==")
    );
    assert_eq!(
        ok("$base64decode('bXl1c2VyOm15cGFzcw==')", json!({})),
        json!("myuser:mypass")
    );
    assert_eq!(
        ok("$encodeUrlComponent('?x=test')", json!({})),
        json!("%3Fx%3Dtest")
    );
    assert_eq!(
        ok("$decodeUrlComponent('%3Fx%3Dtest')", json!({})),
        json!("?x=test")
    );
    assert_eq!(ok("'abc' ~> $uppercase()", json!({})), json!("ABC"));
    assert_eq!(
        ok("Name.$uppercase()", json!({"Name": "fred"})),
        json!("FRED")
    );
    assert_eq!(
        ok("Name.$substring(1, 2)", json!({"Name": "fred"})),
        json!("re")
    );
    assert_eq!(code("$substring(1, 'x')", json!({})), "T0410");
    assert_eq!(code("$uppercase(1)", json!({})), "T0410");
}

#[test]
fn numeric_functions() {
    assert_eq!(ok("$number('0x10')", json!({})), json!(16));
    assert_eq!(ok("$number('-1.5e2')", json!({})), json!(-150));
    assert_eq!(ok("$number(true)", json!({})), json!(1));
    assert_eq!(code("$number('abc')", json!({})), "D3030");
    assert_eq!(ok("$abs(-5)", json!({})), json!(5));
    assert_eq!(ok("$floor(5.7)", json!({})), json!(5));
    assert_eq!(ok("$ceil(5.2)", json!({})), json!(6));
    for (e, want) in [
        ("$round(123.456)", json!(123)),
        ("$round(123.456, 2)", json!(123.46)),
        ("$round(123.456, -1)", json!(120)),
        ("$round(123.456, -2)", json!(100)),
        ("$round(11.5)", json!(12)),
        ("$round(12.5)", json!(12)),
        ("$round(125, -1)", json!(120)),
        ("$round(2.5)", json!(2)),
        ("$round(-2.5)", json!(-2)),
        ("$round(-3.5)", json!(-4)),
    ] {
        assert_eq!(ok(e, json!({})), want, "{e}");
    }
    assert_eq!(ok("$power(2, 8)", json!({})), json!(256));
    assert_eq!(
        ok("$power(2, 0.5)", json!({})),
        json!(std::f64::consts::SQRT_2)
    );
    assert_eq!(ok("$sqrt(4)", json!({})), json!(2));
    assert_eq!(code("$sqrt(-1)", json!({})), "D3060");
    assert_eq!(ok("$sum([5, 1, 3, 7, 4])", json!({})), json!(20));
    assert_eq!(ok("$max([5, 1, 3, 7, 4])", json!({})), json!(7));
    assert_eq!(ok("$min([5, 1, 3, 7, 4])", json!({})), json!(1));
    assert_eq!(ok("$average([5, 1, 3, 7, 4])", json!({})), json!(4));
    assert_eq!(ev("$max([])", json!({})).unwrap(), None);
    assert_eq!(ok("$formatBase(100, 2)", json!({})), json!("1100100"));
    assert_eq!(ok("$formatBase(2555, 16)", json!({})), json!("9fb"));
    assert_eq!(code("$formatBase(1, 40)", json!({})), "D3100");
    let r = ok("$random()", json!({})).as_f64().unwrap();
    assert!((0.0..1.0).contains(&r));
    assert_eq!(ok("$boolean(0)", json!({})), json!(false));
    assert_eq!(ok("$boolean('x')", json!({})), json!(true));
    assert_eq!(ok("$boolean([])", json!({})), json!(false));
    assert_eq!(ok("$boolean([0, 1])", json!({})), json!(true));
    assert_eq!(ok("$boolean({})", json!({})), json!(false));
    assert_eq!(ok("$not(null)", json!({})), json!(true));
}

#[test]
fn operators_and_errors() {
    assert_eq!(code("'a' + 1", json!({})), "T2001");
    assert_eq!(code("1 + 'a'", json!({})), "T2002");
    assert_eq!(ev("x + 1", json!({})).unwrap(), None);
    let e = ev("'a' + 1", json!({})).unwrap_err();
    assert_eq!(
        e.message,
        "The left side of the \"+\" operator must evaluate to a number"
    );
    assert_eq!(code("1 < 'a'", json!({})), "T2009");
    assert_eq!(code("{} < 1", json!({})), "T2010");
    assert_eq!(code("-'a'", json!({})), "D1002");
    assert_eq!(code("[1..'a']", json!({})), "T2004");
    assert_eq!(code("$x()", json!({})), "T1006");
    assert_eq!(code("uppercase('a')", json!({})), "T1005");
    assert_eq!(code("1 ~> 2", json!({})), "T2006");
    assert_eq!(ok("'b' > 'a'", json!({})), json!(true));
    assert_eq!(ok("1 = 1.0", json!({})), json!(true));
    assert_eq!(ok("[1, {'a': 2}] = [1, {'a': 2}]", json!({})), json!(true));
    assert_eq!(ok("x = 1", json!({})), json!(false));
    assert_eq!(ok("1 != 2", json!({})), json!(true));
    assert_eq!(ok("true and false or true", json!({})), json!(true));
    assert_eq!(ok("nothing or 1", json!({})), json!(true));
    assert_eq!(ok("1 > 2 ? 'a' : 'b'", json!({})), json!("b"));
    assert_eq!(ev("false ? 'a'", json!({})).unwrap(), None);
    assert_eq!(ok("($x := 5; $y := $x * 2; $y + 1)", json!({})), json!(11));
    assert_eq!(
        ok(
            "($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(5))",
            json!({})
        ),
        json!(120)
    );
    assert_eq!(
        ok(
            "($inc := function($a, $b){$a + $b}(?, 1); $inc(4))",
            json!({})
        ),
        json!(5)
    );
    assert_eq!(
        ok(
            "($first := $substring(?, 0, 1); $first('hello'))",
            json!({})
        ),
        json!("h")
    );
    assert_eq!(
        ok("($u := $uppercase ~> $trim; $u(' a '))", json!({})),
        json!("A")
    );
    assert_eq!(ok("function($x)<n:n>{$x * 2}(3)", json!({})), json!(6));
    assert_eq!(code("function($x)<n:n>{$x * 2}('a')", json!({})), "T0410");
    assert_eq!(ok("/* comment */ 1", json!({})), json!(1));
    let mut b = Map::new();
    b.insert("status".into(), json!("x"));
    assert_eq!(
        evaluate("$exists($status) ? 'completed' : 'running'", &json!({}), &b).unwrap(),
        Some(json!("completed"))
    );
}

#[test]
fn dates() {
    assert_eq!(
        ok("$toMillis('1970-01-01T00:00:01.000Z')", json!({})),
        json!(1000)
    );
    assert_eq!(
        ok("$toMillis('2017-11-07T15:07:54.972Z')", json!({})),
        json!(1510067274972_i64)
    );
    assert_eq!(
        ok("$toMillis('2018-01-01')", json!({})),
        json!(1514764800000_i64)
    );
    assert_eq!(code("$toMillis('not a date')", json!({})), "D3110");
    assert_eq!(
        ok("$fromMillis(1510067557121)", json!({})),
        json!("2017-11-07T15:12:37.121Z")
    );
    assert_eq!(
        ok(
            "$fromMillis(1510067557121, '[Y0001]-[M01]-[D01]')",
            json!({})
        ),
        json!("2017-11-07")
    );
    assert_eq!(
        ok(
            "$fromMillis(1510067557121, '[H01]:[m01]', '+0100')",
            json!({})
        ),
        json!("16:12")
    );
}

#[test]
fn template_expressions_follow_aws_rules() {
    assert_eq!(
        template_expression("{% $states.input %}"),
        Some("$states.input")
    );
    assert_eq!(template_expression("{%1%}"), Some("1"));
    assert_eq!(template_expression(" {% states.input %} "), None);
    assert_eq!(template_expression("{% x"), None);
    assert_eq!(template_expression("$states.input"), None);
    assert_eq!(template_expression("{%}"), None);
}

#[test]
fn compiled_expressions_are_reusable() {
    let c = compile("$states.input.n * 2").unwrap();
    assert_eq!(c.source(), "$states.input.n * 2");
    assert_eq!(
        c.evaluate(&json!({}), &states(json!({"n": 2}))).unwrap(),
        Some(json!(4))
    );
    assert_eq!(
        c.evaluate(&json!({}), &states(json!({"n": 5}))).unwrap(),
        Some(json!(10))
    );
    fn send_sync<T: Send + Sync>(_: &T) {}
    send_sync(&c);
    assert_eq!(compile("1 +").unwrap_err().code, "S0207");
}

#[test]
fn deep_input_and_recursion_are_bounded() {
    let mut v = json!(1);
    for _ in 0..1000 {
        v = json!({"a": v});
    }
    assert_eq!(code("a.a.a", v), "U1001");
    let mut v = json!(1);
    for _ in 0..200 {
        v = json!([v]);
    }
    assert_eq!(ok("$count(**)", v), json!(1));
    assert_eq!(
        code("($f := function($n){ $f($n + 1) }; $f(0))", json!({})),
        "U1001"
    );
    let deep_expr = "[".repeat(3000) + &"]".repeat(3000);
    assert_eq!(compile(&deep_expr).unwrap_err().code, "U1001");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,40}") {
            let _ = evaluate(&s, &json!({"a": [1, {"b": "x"}]}), &Map::new());
        }

        #[test]
        fn operator_soup_never_panics(s in "[-$a-c0-9.,:;=<>!?~^*/%&|@#()\\[\\]{} '\"]{0,30}") {
            let _ = evaluate(&s, &json!({"a": [1, {"b": "x"}], "b": 2}), &Map::new());
        }
    }
}

/// The stack budget keeps deep recursion inside a default 2 MiB thread stack,
/// whatever the frame sizes of the build.
#[test]
fn depth_limit_fits_small_stacks() {
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let r = evaluate(
                "($f := function($n){ $n.a.b[0] + $f($n + 1) }; $f(0))",
                &json!({}),
                &Map::new(),
            );
            let r2 = evaluate(
                "($f := function($n){ [{'a': ($n ~> $f)}] }; $f(0))",
                &json!({}),
                &Map::new(),
            );
            (r.map_err(|e| e.code), r2.map_err(|e| e.code))
        })
        .unwrap();
    let (a, b) = handle.join().expect("no stack overflow");
    assert_eq!(a, Err("U1001".to_string()));
    assert_eq!(b, Err("U1001".to_string()));
}

/// Caller bindings are converted only when the expression reads them.
#[test]
fn bindings_are_converted_on_use() {
    let mut deep = json!(1);
    for _ in 0..1000 {
        deep = json!([deep]);
    }
    let mut b = states(json!({"n": 1}));
    b.insert("deep".into(), deep);
    assert_eq!(
        evaluate("$states.input.n + 1", &json!({}), &b).unwrap(),
        Some(json!(2))
    );
    assert_eq!(evaluate("$deep", &json!({}), &b).unwrap_err().code, "U1001");
    // a local binding shadows a caller binding; `$name` keys are accepted too
    let mut b = Map::new();
    b.insert("$x".into(), json!(5));
    assert_eq!(evaluate("$x", &json!({}), &b).unwrap(), Some(json!(5)));
    assert_eq!(
        evaluate("($x := 1; $x)", &json!({}), &b).unwrap(),
        Some(json!(1))
    );
}

/// Positional (`#`) and focus (`@`) variable binding, and a leading array constructor step.
#[test]
fn tuple_bindings() {
    let d = json!({"Account": {"Order": [
        {"OrderID": "order103", "Product": [
            {"Product Name": "Bowler Hat", "ProductID": 858383, "Price": 34.45},
            {"Product Name": "Trilby hat", "ProductID": 858236, "Price": 21.67}]},
        {"OrderID": "order104", "Product": [
            {"Product Name": "Bowler Hat", "ProductID": 858383, "Price": 34.45},
            {"Product Name": "Cloak", "ProductID": 345664, "Price": 107.99}]}]}});
    assert_eq!(
        ok("Account.Order#$i.(OrderID & '-' & $string($i))", d.clone()),
        json!(["order103-0", "order104-1"])
    );
    assert_eq!(
        ok(
            "Account.Order.Product#$i.{'n': $i, 'p': ProductID}",
            d.clone()
        ),
        json!([{"n": 0, "p": 858383}, {"n": 1, "p": 858236}, {"n": 0, "p": 858383}, {"n": 1, "p": 345664}])
    );
    assert_eq!(
        ok(
            "Account.Order.Product[Price > 30]#$i.{'i': $i, 'n': `Product Name`}",
            d.clone()
        ),
        json!([{"i": 0, "n": "Bowler Hat"}, {"i": 1, "n": "Bowler Hat"}, {"i": 2, "n": "Cloak"}])
    );
    // with `@` the context stays where it was: `Product` is not a field of `Account`
    assert_eq!(ev("Account.Order@$o.Product", d.clone()).unwrap(), None);
    assert_eq!(
        ok("Account.Order@$o.$o.Product@$p[$p.Price > 100].{'order': $o.OrderID, 'product': $p.ProductID}", d),
        json!({"order": "order104", "product": 345664})
    );
    let lib = json!({"library": {
        "books": [{"title": "A", "isbn": "1"}, {"title": "B", "isbn": "2"}],
        "loans": [{"customer": "c1", "isbn": "2"}, {"customer": "c2", "isbn": "1"}]}});
    assert_eq!(
        ok("library.loans@$l.books@$b[$l.isbn=$b.isbn].{'title': $b.title, 'customer': $l.customer}", lib),
        json!([{"title": "B", "customer": "c1"}, {"title": "A", "customer": "c2"}])
    );
    assert_eq!(ok("[1, 2, 3].($ * 2)", json!({})), json!([2, 4, 6]));
    assert_eq!(ok("[1, 2, 3]#$i[$i > 0]", json!({})), json!([2, 3]));
    assert_eq!(code("a#b", json!({})), "S0214");
}
