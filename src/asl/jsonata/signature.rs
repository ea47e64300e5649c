//! Function signatures (`<s-nn?:s>`) and argument validation as jsonata-js `signature.js` does
//! it: each parameter becomes a character class over value symbols, the supplied arguments'
//! symbols are matched against the whole pattern, `-` parameters take the context value when the
//! argument is missing, and `a` parameters wrap a single value into an array.

use super::error::Fail;
use super::value::V;

#[derive(Debug, Clone)]
struct Param {
    regex: String,
    kind: char,
    context: bool,
    context_regex: Option<regex::Regex>,
    /// Item type of an array parameter (`a<n>`).
    subtype: Option<char>,
}

#[derive(Debug, Clone)]
pub struct Signature {
    params: Vec<Param>,
    regex: regex::Regex,
}

fn bad(sig: &str) -> Fail {
    Fail::new("S0401").with_text(format!("Invalid signature {sig}"))
}

impl Signature {
    pub fn parse(sig: &str) -> Result<Signature, Fail> {
        let chars: Vec<char> = sig.chars().collect();
        let mut params: Vec<Param> = vec![];
        let mut i = 1; // skip '<'
        while i < chars.len() {
            let c = chars[i];
            if c == ':' || c == '>' {
                break;
            }
            let simple = |regex: String, kind: char| Param {
                regex,
                kind,
                context: false,
                context_regex: None,
                subtype: None,
            };
            match c {
                's' | 'n' | 'b' | 'l' | 'o' => params.push(simple(format!("[{c}m]"), c)),
                'a' => params.push(simple("[asnblfom]".into(), 'a')),
                'f' => params.push(simple("f".into(), 'f')),
                'j' => params.push(simple("[asnblom]".into(), 'j')),
                'x' => params.push(simple("[asnblfom]".into(), 'x')),
                '(' => {
                    let end = chars[i..]
                        .iter()
                        .position(|c| *c == ')')
                        .ok_or_else(|| bad(sig))?;
                    let choice: String = chars[i + 1..i + end].iter().collect();
                    if choice.contains('<') {
                        return Err(Fail::new("S0402"));
                    }
                    params.push(simple(format!("[{choice}m]"), '('));
                    i += end;
                }
                '<' => {
                    // type parameter of the previous `a` or `f`
                    let prev = params.last_mut().ok_or_else(|| bad(sig))?;
                    if prev.kind != 'a' && prev.kind != 'f' {
                        return Err(Fail::new("S0401"));
                    }
                    let mut depth = 1;
                    let start = i + 1;
                    let mut j = start;
                    while j < chars.len() && depth > 0 {
                        if chars[j] == '<' {
                            depth += 1;
                        } else if chars[j] == '>' {
                            depth -= 1;
                        }
                        j += 1;
                    }
                    if prev.kind == 'a' {
                        prev.subtype = chars.get(start).copied();
                    }
                    i = j - 1;
                }
                '?' | '+' => {
                    let prev = params.last_mut().ok_or_else(|| bad(sig))?;
                    prev.regex.push(c);
                }
                '-' => {
                    let prev = params.last_mut().ok_or_else(|| bad(sig))?;
                    prev.context = true;
                    prev.context_regex = Some(
                        regex::Regex::new(&format!("^{}$", prev.regex)).map_err(|_| bad(sig))?,
                    );
                    prev.regex.push('?');
                }
                _ => return Err(bad(sig)),
            }
            i += 1;
        }
        let pattern: String = params.iter().map(|p| format!("({})", p.regex)).collect();
        let regex = regex::Regex::new(&format!("^{pattern}$")).map_err(|_| bad(sig))?;
        Ok(Signature { params, regex })
    }

    pub fn arity(&self) -> usize {
        self.params.len()
    }

    /// Checks `args` against the signature; returns the arguments the function receives.
    pub fn validate(
        &self,
        args: &[Option<V>],
        context: &Option<V>,
        name: &str,
    ) -> Result<Vec<Option<V>>, Fail> {
        let supplied: String = args.iter().map(V::symbol).collect();
        let Some(caps) = self.regex.captures(&supplied) else {
            return Err(self.mismatch(args, &supplied, name));
        };
        let mut out = vec![];
        let mut arg_index = 0;
        for (pi, param) in self.params.iter().enumerate() {
            let matched = caps.get(pi + 1).map(|m| m.as_str()).unwrap_or("");
            if matched.is_empty() {
                if param.context {
                    let sym = V::symbol(context).to_string();
                    let ok = param
                        .context_regex
                        .as_ref()
                        .is_some_and(|r| r.is_match(&sym));
                    if ok {
                        out.push(context.clone());
                    } else {
                        return Err(Fail::new("T0411")
                            .with_value(context.clone())
                            .with_index(arg_index + 1)
                            .with_token(name));
                    }
                } else {
                    out.push(args.get(arg_index).cloned().flatten());
                    arg_index += 1;
                }
                continue;
            }
            for single in matched.chars() {
                let arg = args.get(arg_index).cloned().flatten();
                if param.kind == 'a' {
                    if single == 'm' {
                        out.push(None);
                    } else {
                        let arg = arg.unwrap_or(V::Null);
                        if let Some(sub) = param.subtype {
                            let ok = if single != 'a' {
                                single == sub
                            } else {
                                let items =
                                    &arg.as_arr().map(|a| a.items.clone()).unwrap_or_default();
                                items.iter().all(|x| V::symbol(&Some(x.clone())) == sub)
                            };
                            if !ok {
                                let type_name = match sub {
                                    's' => "strings",
                                    'n' => "numbers",
                                    'b' => "booleans",
                                    'o' => "objects",
                                    'a' => "arrays",
                                    'f' => "functions",
                                    _ => "values",
                                };
                                return Err(Fail::new("T0412")
                                    .with_value(Some(arg))
                                    .with_index(arg_index + 1)
                                    .with_token(name)
                                    .with_text(type_name));
                            }
                        }
                        if single != 'a' {
                            out.push(Some(V::array(vec![arg])));
                        } else {
                            out.push(Some(arg));
                        }
                    }
                } else {
                    out.push(arg);
                }
                arg_index += 1;
            }
        }
        Ok(out)
    }

    /// T0410 naming the first argument that does not fit (jsonata `throwValidationError`).
    fn mismatch(&self, args: &[Option<V>], supplied: &str, name: &str) -> Fail {
        let mut partial = String::from("^");
        let mut good_to = 0;
        for p in &self.params {
            partial.push_str(&p.regex);
            match regex::Regex::new(&partial)
                .ok()
                .and_then(|r| r.find(supplied).map(|m| m.end()))
            {
                Some(end) => good_to = end,
                None => break,
            }
        }
        Fail::new("T0410")
            .with_value(args.get(good_to).cloned().flatten())
            .with_index(good_to + 1)
            .with_token(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_argument_is_inserted() {
        let s = Signature::parse("<s-nn?:s>").unwrap();
        let ctx = Some(V::str("hello"));
        let out = s
            .validate(&[Some(V::Num(1.0)), Some(V::Num(2.0))], &ctx, "substring")
            .unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_ref().and_then(|v| v.as_str()), Some("hello"));
    }

    #[test]
    fn mismatch_reports_argument_index() {
        let s = Signature::parse("<s-nn?:s>").unwrap();
        let e = s
            .validate(&[Some(V::str("a")), Some(V::str("b"))], &None, "substring")
            .unwrap_err();
        assert_eq!(e.code, "T0410");
        assert_eq!(e.index, Some(2));
    }

    #[test]
    fn array_params_wrap_singletons_and_check_item_types() {
        let s = Signature::parse("<a<n>:n>").unwrap();
        let out = s.validate(&[Some(V::Num(3.0))], &None, "sum").unwrap();
        assert!(matches!(&out[0], Some(V::Arr(a)) if a.items.len() == 1));
        let e = s
            .validate(&[Some(V::array(vec![V::str("x")]))], &None, "sum")
            .unwrap_err();
        assert_eq!(e.code, "T0412");
    }
}
