use super::*;
use serde_json::json;

fn scope<'a>(input: &'a Value, ctx: &'a Value, vars: Option<&'a Map<String, Value>>) -> Scope<'a> {
    Scope {
        input,
        context: ctx,
        variables: vars,
    }
}

fn sel(path: &str, input: &Value) -> Option<Value> {
    let ctx = json!({});
    select(path, &scope(input, &ctx, None)).unwrap()
}

#[test]
fn root_and_dot_names() {
    let input = json!({"a": {"b": [1, 2, 3]}, "c": null});
    assert_eq!(sel("$", &input), Some(input.clone()));
    assert_eq!(sel("$.a.b", &input), Some(json!([1, 2, 3])));
    assert_eq!(sel("$.c", &input), Some(Value::Null));
    assert_eq!(sel("$.missing", &input), None);
    assert_eq!(sel("$.a.b.x", &input), None);
    assert_eq!(sel("  $.a  ", &input), Some(json!({"b": [1, 2, 3]})));
}

#[test]
fn array_access_recorded() {
    // test_json_path_array_access[$.items[0]] / [$.items[10]]
    let items: Vec<Value> = (0..11).map(|i| json!({"item_key": i})).collect();
    let input = json!({ "items": items });
    assert_eq!(sel("$.items[0]", &input), Some(json!({"item_key": 0})));
    assert_eq!(sel("$.items[10]", &input), Some(json!({"item_key": 10})));
    assert_eq!(sel("$.items[11]", &input), None);
    assert_eq!(sel("$.items[-1]", &input), Some(json!({"item_key": 10})));
    assert_eq!(sel("$['items'][-11]", &input), Some(json!({"item_key": 0})));
}

#[test]
fn indefinite_paths_on_missing_input_give_empty_arrays() {
    // test_json_path_array_wildcard_or_slice_with_no_input[*]: every one gives {"item": []}.
    let input = json!({});
    for p in [
        "$[*]",
        "$.items[*]",
        "$.items[*].itemValue",
        "$.items[1:]",
        "$.items[1:].itemValue",
        "$.items[:1]",
        "$.item.items[*]",
        "$.item.items[1:5]",
        "$.item.items[1:5].itemValue",
        "$.item.items[:1]",
    ] {
        assert_eq!(sel(p, &input), Some(json!([])), "{p}");
    }
}

#[test]
fn wildcards_slices_unions() {
    let input = json!({"items": [{"v": 1}, {"v": 2}, {"w": 3}, {"v": 4}], "o": {"x": 1, "y": 2}});
    assert_eq!(sel("$.items[*].v", &input), Some(json!([1, 2, 4])));
    assert_eq!(sel("$.items.*.v", &input), Some(json!([1, 2, 4])));
    assert_eq!(sel("$.o[*]", &input), Some(json!([1, 2])));
    assert_eq!(sel("$.o.*", &input), Some(json!([1, 2])));
    assert_eq!(sel("$.items[1:3].v", &input), Some(json!([2])));
    assert_eq!(sel("$.items[:2].v", &input), Some(json!([1, 2])));
    assert_eq!(sel("$.items[-2:].v", &input), Some(json!([4])));
    assert_eq!(sel("$.items[0,3].v", &input), Some(json!([1, 4])));
    assert_eq!(sel("$.items[::2].v", &input), Some(json!([1])));
    // Jayway merges a trailing multi-name selection into one object.
    assert_eq!(sel("$.o['x','y']", &input), Some(json!({"x": 1, "y": 2})));
    assert_eq!(sel("$.o['x','nope']", &input), Some(json!({"x": 1})));
    assert_eq!(
        sel("$.items[*]['v','w']", &input),
        Some(json!([{"v": 1}, {"v": 2}, {"w": 3}, {"v": 4}]))
    );
    assert_eq!(
        sel("$.items[1:100]", &input)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn deep_scan() {
    let input = json!({"a": {"id": 1, "b": [{"id": 2}, {"c": {"id": 3}}]}, "id": 0});
    assert_eq!(sel("$..id", &input), Some(json!([0, 1, 2, 3])));
    assert_eq!(sel("$.a..id", &input), Some(json!([1, 2, 3])));
    assert_eq!(sel("$..b[0]", &input), Some(json!([{"id": 2}])));
    assert_eq!(
        sel("$..[?(@.id >= 2)]", &input),
        Some(json!([{"id": 2}, {"id": 3}]))
    );
    assert_eq!(
        sel("$.a.b..*", &input),
        Some(json!([{"id": 2}, 2, {"c": {"id": 3}}, {"id": 3}, 3]))
    );
}

#[test]
fn filters() {
    // test_state_pass_regex_json_path_base: $.users[?(@.status == 0)]
    let input = json!({"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]});
    assert_eq!(
        sel("$.users[?(@.status == 0)]", &input),
        Some(json!([{"year": 1997, "status": 0}]))
    );
    assert_eq!(
        sel("$.users[?(@.year > 1997)].status", &input),
        Some(json!([1]))
    );
    assert_eq!(
        sel("$.users[?(@.year >= 1997 && @.status != 0)].year", &input),
        Some(json!([1998]))
    );
    assert_eq!(
        sel("$.users[?(@.year < 1990 || @.status == 1)].year", &input),
        Some(json!([1998]))
    );
    assert_eq!(
        sel("$.users[?(!(@.status == 1))].year", &input),
        Some(json!([1997]))
    );
    assert_eq!(sel("$.users[?(@.missing)]", &input), Some(json!([])));
    assert_eq!(
        sel("$.users[?(@.status)].year", &input),
        Some(json!([1997, 1998]))
    );
    let names = json!({"p": [{"n": "Bob"}, {"n": "alice"}, {"n": 3}]});
    assert_eq!(sel("$.p[?(@.n =~ /b.*/i)].n", &names), Some(json!(["Bob"])));
    assert_eq!(
        sel("$.p[?(@.n == 'alice')].n", &names),
        Some(json!(["alice"]))
    );
    assert_eq!(
        sel("$.p[?(@.n in ['Bob', 3])].n", &names),
        Some(json!(["Bob", 3]))
    );
    assert_eq!(
        sel("$.p[?(@.n > 'B')].n", &names),
        Some(json!(["Bob", "alice"]))
    );
    let root = json!({"limit": 2, "xs": [{"v": 1}, {"v": 2}, {"v": 3}]});
    assert_eq!(sel("$.xs[?(@.v >= $.limit)].v", &root), Some(json!([2, 3])));
    assert_eq!(sel("$.xs[?(@.v == 2.0)].v", &root), Some(json!([2])));
}

#[test]
fn quoted_keys_and_escapes() {
    // test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH]
    let input = json!({"Test\\\"\"Name\"": "Value\"\\"});
    assert_eq!(
        sel("$['Test\\\"\"Name\"']", &input),
        Some(json!("Value\"\\"))
    );
    let input = json!({"it's": 1, "a.b": 2, "sp ace": 3});
    assert_eq!(sel("$['it\\'s']", &input), Some(json!(1)));
    assert_eq!(sel("$[\"a.b\"]", &input), Some(json!(2)));
    assert_eq!(sel("$[ 'sp ace' ]", &input), Some(json!(3)));
}

#[test]
fn context_and_variables() {
    let input = json!({"x": 1});
    let ctx = json!({"Execution": {"Input": {"x": 2}, "Name": "exec"}});
    let mut vars = Map::new();
    vars.insert("myVar".into(), json!({"deep": [10, 20]}));
    vars.insert("n".into(), json!(5));
    let s = scope(&input, &ctx, Some(&vars));
    assert_eq!(select("$$.Execution.Input.x", &s).unwrap(), Some(json!(2)));
    assert_eq!(select("$$", &s).unwrap(), Some(ctx.clone()));
    assert_eq!(select("$myVar.deep[1]", &s).unwrap(), Some(json!(20)));
    assert_eq!(select("$n", &s).unwrap(), Some(json!(5)));
    assert_eq!(select("$nope", &s).unwrap(), None);
    let no_vars = scope(&input, &ctx, None);
    assert_eq!(select("$n", &no_vars).unwrap(), None);
}

#[test]
fn length_function() {
    let input = json!({"a": [1, 2, 3], "s": "héllo"});
    assert_eq!(sel("$.a.length()", &input), Some(json!(3)));
    assert_eq!(sel("$.s.length()", &input), Some(json!(5)));
    assert_eq!(sel("$.missing.length()", &input), None);
}

#[test]
fn invalid_paths_are_errors() {
    let input = json!({});
    let ctx = json!({});
    for p in [
        "",
        "a.b",
        "$.",
        "$..",
        "$[",
        "$[abc]",
        "$['x'",
        "$.a[?(@.x ==)]",
        "$.a.foo()",
        "$[1:2:0]",
        "$a b",
    ] {
        let r = select(p, &scope(&input, &ctx, None));
        assert!(r.is_err(), "{p:?} should be invalid, got {r:?}");
        assert_eq!(r.unwrap_err().error, "States.Runtime");
    }
    assert!(is_valid("$.a[0].b"));
    assert!(!is_valid("$.a[0"));
}

#[test]
fn jayway_form() {
    // test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_OUTPUTPATH]: "No results for path: $['NoSuchOutputPath']"
    assert_eq!(
        parse("$.NoSuchOutputPath").unwrap().jayway_string(),
        "$['NoSuchOutputPath']"
    );
    assert_eq!(parse("$.a[0][*]").unwrap().jayway_string(), "$['a'][0][*]");
}

#[test]
fn assign_reference_paths() {
    let mut t = json!({"a": 1});
    assign(&mut t, "$.b", json!(2)).unwrap();
    assert_eq!(t, json!({"a": 1, "b": 2}));
    assign(&mut t, "$.c.d.e", json!("x")).unwrap();
    assert_eq!(t, json!({"a": 1, "b": 2, "c": {"d": {"e": "x"}}}));
    assign(&mut t, "$.a", json!([0, 1])).unwrap();
    assign(&mut t, "$.a[1]", json!("one")).unwrap();
    assert_eq!(t["a"], json!([0, "one"]));
    assign(&mut t, "$['c']['d']", json!(null)).unwrap();
    assert_eq!(t["c"], json!({"d": null}));
    assign(&mut t, "$", json!("whole")).unwrap();
    assert_eq!(t, json!("whole"));
}

#[test]
fn assign_errors() {
    let mut t = json!({"a": "str", "arr": [1]});
    let e = assign(&mut t, "$.a.b", json!(1)).unwrap_err();
    assert_eq!(e.error, "States.ResultPathMatchFailure");
    assert_eq!(
        e.cause,
        "Unable to apply ReferencePath $.a.b to input {\"a\":\"str\",\"arr\":[1]}"
    );
    assert!(assign(&mut t, "$.new[0]", json!(1)).is_err());
    let mut s = json!("a string");
    let e = assign(&mut s, "$.x", json!(1)).unwrap_err();
    assert_eq!(
        e.cause,
        "Unable to apply ReferencePath $.x to input \"a string\""
    );
    assert!(assign(&mut t, "$.arr[5]", json!(1)).is_err());
    assert!(assign(&mut t, "$.x[*]", json!(1)).is_err());
    assert!(assign(&mut t, "$$.x", json!(1)).is_err());
    assert!(assign(&mut t, "$v.x", json!(1)).is_err());
    assert!(assign(&mut t, "$.a[?(@.x)]", json!(1)).is_err());
    assert_eq!(t, json!({"a": "str", "arr": [1]}));
}

#[test]
fn compiled_path_borrows_for_definite_paths() {
    let input = json!({"a": {"b": 1}});
    let ctx = json!({});
    let p = CompiledPath::parse("$.a").unwrap();
    assert!(p.is_definite() && p.is_reference_path());
    match p.select_cow(&scope(&input, &ctx, None)).unwrap() {
        Some(Cow::Borrowed(v)) => assert_eq!(v, &json!({"b": 1})),
        other => panic!("expected a borrow, got {other:?}"),
    }
    assert!(!CompiledPath::parse("$.a[*]").unwrap().is_definite());
}

proptest::proptest! {
    #[test]
    fn random_paths_never_panic(s in "\\$[\\$a-z0-9\\.\\[\\]\\*\\?\\(\\)@'\":,=<>!&| ~/-]{0,24}") {
        let input = json!({"a": [1, {"b": 2}], "b": {"c": "x"}});
        let ctx = json!({});
        let _ = select(&s, &scope(&input, &ctx, None));
        let mut t = input.clone();
        let _ = assign(&mut t, &s, json!(1));
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,30}") {
        let input = json!({"a": 1});
        let ctx = json!({});
        let _ = select(&s, &scope(&input, &ctx, None));
    }
}
