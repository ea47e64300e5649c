//! Array, object and higher-order functions.

use super::{arg, b, call_hof, items, str_arg, Builtin, R};
use crate::asl::jsonata::error::Fail;
use crate::asl::jsonata::eval::{append, boolean, js_str_cmp, lookup as path_lookup, Evaluator};
use crate::asl::jsonata::value::{deep_equal, Obj, V};

pub const FUNCS: &[Builtin] = &[
    b("count", "<a:n>", count),
    b("append", "<xx:a>", append_fn),
    b("sort", "<af?:a>", sort),
    b("reverse", "<a:a>", reverse),
    b("shuffle", "<a:a>", shuffle),
    b("distinct", "<x:x>", distinct),
    b("zip", "<a+>", zip),
    b("map", "<af>", map),
    b("filter", "<af>", filter),
    b("single", "<af?>", single),
    b("reduce", "<afj?:j>", reduce),
    b("keys", "<x-:a<s>>", keys),
    b("lookup", "<x-s:x>", lookup),
    b("spread", "<x-:a<o>>", spread),
    b("merge", "<a<o>:o>", merge),
    b("each", "<o-f:a>", each),
    b("sift", "<o-f?:o>", sift),
    b("type", "<x:s>", type_fn),
    b("error", "<s?:x>", error),
    b("assert", "<bs?:x>", assert),
];

fn count(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(Some(V::Num(match arg(&args, 0) {
        None => 0.0,
        a => items(&a).len() as f64,
    })))
}

fn append_fn(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(append(arg(&args, 0), arg(&args, 1)))
}

fn sort(ev: &mut Evaluator, args: Vec<Option<V>>, input: &Option<V>) -> R {
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let list = items(&Some(a.clone()));
    if list.len() <= 1 {
        return Ok(Some(a));
    }
    let Some(cmp) = arg(&args, 1) else {
        let all_num = list.iter().all(|v| matches!(v, V::Num(_)));
        let all_str = list.iter().all(|v| matches!(v, V::Str(_)));
        if !all_num && !all_str {
            return Err(Fail::new("D3070"));
        }
        let mut list = list;
        list.sort_by(|x, y| match (x, y) {
            (V::Num(p), V::Num(q)) => p.partial_cmp(q).unwrap_or(std::cmp::Ordering::Equal),
            (V::Str(p), V::Str(q)) => js_str_cmp(p, q),
            _ => std::cmp::Ordering::Equal,
        });
        return Ok(Some(V::array(list)));
    };
    // merge sort with the user's "swap?" function, as jsonata does (stable)
    merge_sort(ev, list, &cmp, input).map(|l| Some(V::array(l)))
}

fn merge_sort(
    ev: &mut Evaluator,
    list: Vec<V>,
    cmp: &V,
    input: &Option<V>,
) -> Result<Vec<V>, Fail> {
    if list.len() <= 1 {
        return Ok(list);
    }
    let mid = list.len() / 2;
    let mut right = list;
    let left = right.drain(..mid).collect::<Vec<_>>();
    let left = merge_sort(ev, left, cmp, input)?;
    let right = merge_sort(ev, right, cmp, input)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        let swap = ev.apply(
            &Some(cmp.clone()),
            vec![Some(left[i].clone()), Some(right[j].clone())],
            input,
        )?;
        if boolean(&swap) == Some(true) {
            out.push(right[j].clone());
            j += 1;
        } else {
            out.push(left[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    Ok(out)
}

fn reverse(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let mut list = items(&Some(a));
    list.reverse();
    Ok(Some(V::array(list)))
}

fn shuffle(ev: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let mut list = items(&Some(a));
    for i in (1..list.len()).rev() {
        let j = (ev.env.next_f64() * (i + 1) as f64) as usize;
        list.swap(i, j.min(i));
    }
    Ok(Some(V::array(list)))
}

fn distinct(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let V::Arr(arr) = &a else {
        return Ok(Some(a));
    };
    if arr.items.len() <= 1 {
        return Ok(Some(a.clone()));
    }
    let mut out: Vec<V> = vec![];
    for v in &arr.items {
        if !out.iter().any(|x| deep_equal(x, v)) {
            out.push(v.clone());
        }
    }
    Ok(Some(V::seq(out)))
}

fn zip(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let lists: Vec<Vec<V>> = args.iter().map(items).collect();
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    let out = (0..n)
        .map(|i| V::array(lists.iter().map(|l| l[i].clone()).collect()))
        .collect();
    Ok(Some(V::array(out)))
}

fn func_arg(args: &[Option<V>], i: usize) -> Result<V, Fail> {
    arg(args, i).ok_or_else(|| Fail::new("T0410").with_index(i + 1))
}

fn map(ev: &mut Evaluator, args: Vec<Option<V>>, input: &Option<V>) -> R {
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let f = func_arg(&args, 1)?;
    let list = items(&Some(a.clone()));
    let mut out = vec![];
    for (i, v) in list.iter().enumerate() {
        if let Some(r) = call_hof(ev, &f, v.clone(), V::Num(i as f64), a.clone(), input)? {
            out.push(r);
        }
    }
    Ok(Some(V::seq(out)))
}

fn filter(ev: &mut Evaluator, args: Vec<Option<V>>, input: &Option<V>) -> R {
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let f = func_arg(&args, 1)?;
    let list = items(&Some(a.clone()));
    let mut out = vec![];
    for (i, v) in list.iter().enumerate() {
        let r = call_hof(ev, &f, v.clone(), V::Num(i as f64), a.clone(), input)?;
        if boolean(&r) == Some(true) {
            out.push(v.clone());
        }
    }
    Ok(Some(V::seq(out)))
}

fn single(ev: &mut Evaluator, args: Vec<Option<V>>, input: &Option<V>) -> R {
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let f = arg(&args, 1);
    let list = items(&Some(a.clone()));
    let mut found: Option<V> = None;
    for (i, v) in list.iter().enumerate() {
        let ok = match &f {
            Some(f) => {
                let r = call_hof(ev, f, v.clone(), V::Num(i as f64), a.clone(), input)?;
                boolean(&r) == Some(true)
            }
            None => true,
        };
        if ok {
            if found.is_some() {
                return Err(Fail::new("D3138"));
            }
            found = Some(v.clone());
        }
    }
    match found {
        Some(v) => Ok(Some(v)),
        None => Err(Fail::new("D3139")),
    }
}

fn reduce(ev: &mut Evaluator, args: Vec<Option<V>>, input: &Option<V>) -> R {
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let f = func_arg(&args, 1)?;
    let arity = Evaluator::arity(&f);
    if arity < 2 {
        return Err(Fail::new("D3050"));
    }
    let list = items(&Some(a.clone()));
    let init = arg(&args, 2);
    let (mut acc, start) = match (init, list.first()) {
        (None, Some(first)) => (Some(first.clone()), 1),
        (init, _) => (init, 0),
    };
    for (i, v) in list.iter().enumerate().skip(start) {
        let mut call = vec![acc, Some(v.clone())];
        if arity >= 3 {
            call.push(Some(V::Num(i as f64)));
        }
        if arity >= 4 {
            call.push(Some(a.clone()));
        }
        acc = ev.apply(&Some(f.clone()), call, input)?;
    }
    Ok(acc)
}

fn keys(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let mut out: Vec<String> = vec![];
    match arg(&args, 0) {
        Some(V::Arr(a)) => {
            for v in &a.items {
                if let V::Obj(o) = v {
                    for k in o.keys() {
                        if !out.contains(k) {
                            out.push(k.clone());
                        }
                    }
                }
            }
        }
        Some(V::Obj(o)) => out.extend(o.keys().cloned()),
        _ => {}
    }
    Ok(Some(V::seq(out.into_iter().map(V::string).collect())))
}

fn lookup(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let key = str_arg(&args, 1).unwrap_or_default();
    Ok(path_lookup(&arg(&args, 0), &key))
}

fn spread(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    fn go(v: &V, out: &mut Vec<V>) -> bool {
        match v {
            V::Arr(a) => {
                for x in &a.items {
                    go(x, out);
                }
                true
            }
            V::Obj(o) => {
                for (k, x) in o.iter() {
                    let mut m = Obj::new();
                    m.insert(k.clone(), x.clone());
                    out.push(V::object(m));
                }
                true
            }
            _ => false,
        }
    }
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let mut out = vec![];
    if !go(&a, &mut out) {
        return Ok(Some(a));
    }
    Ok(Some(V::seq(out)))
}

fn merge(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let Some(a) = arg(&args, 0) else {
        return Ok(None);
    };
    let mut out = Obj::new();
    for v in items(&Some(a)) {
        if let V::Obj(o) = v {
            for (k, x) in o.iter() {
                out.insert(k.clone(), x.clone());
            }
        }
    }
    Ok(Some(V::object(out)))
}

fn each(ev: &mut Evaluator, args: Vec<Option<V>>, input: &Option<V>) -> R {
    let Some(o @ V::Obj(_)) = arg(&args, 0) else {
        return Ok(None);
    };
    let f = func_arg(&args, 1)?;
    let V::Obj(map) = &o else { return Ok(None) };
    let mut out = vec![];
    for (k, v) in map.iter() {
        if let Some(r) = call_hof(ev, &f, v.clone(), V::str(k), o.clone(), input)? {
            out.push(r);
        }
    }
    Ok(Some(V::seq(out)))
}

fn sift(ev: &mut Evaluator, args: Vec<Option<V>>, input: &Option<V>) -> R {
    let Some(o @ V::Obj(_)) = arg(&args, 0) else {
        return Ok(None);
    };
    let f = func_arg(&args, 1)?;
    let V::Obj(map) = &o else { return Ok(None) };
    let mut out = Obj::new();
    for (k, v) in map.iter() {
        let r = call_hof(ev, &f, v.clone(), V::str(k), o.clone(), input)?;
        if boolean(&r) == Some(true) {
            out.insert(k.clone(), v.clone());
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    Ok(Some(V::object(out)))
}

fn type_fn(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    Ok(arg(&args, 0).map(|v| V::str(v.type_name())))
}

fn error(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    let msg = str_arg(&args, 0).unwrap_or_else(|| "$error() function evaluated".into());
    Err(Fail::new("D3137").with_text(msg))
}

fn assert(_: &mut Evaluator, args: Vec<Option<V>>, _: &Option<V>) -> R {
    if !matches!(arg(&args, 0), Some(V::Bool(true))) {
        let msg = str_arg(&args, 1).unwrap_or_else(|| "$assert() statement failed".into());
        return Err(Fail::new("D3141").with_text(msg));
    }
    Ok(None)
}
