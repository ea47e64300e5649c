//! Tokenizer for JSONata expressions, following the reference implementation's rules: operators are
//! single or double characters, `/` starts a regular expression only where an operand is expected,
//! names run until whitespace or an operator character, and `and`/`or`/`in` are operators.

use super::error::Fail;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An operator or punctuation symbol (`.`, `[`, `:=`, `and`, ...).
    Op(&'static str),
    Name(String),
    Variable(String),
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// Regular expression literal: pattern and flags.
    Regex(String, String),
    End,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    /// Character offset just after the token (what JSONata reports as `position`).
    pub position: usize,
}

const DOUBLE_OPS: &[&str] = &["..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"];
const SINGLE_OPS: &[&str] = &[
    ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|",
    "=", "<", ">", "^", "&", "!", "~",
];

fn single_op(c: char) -> Option<&'static str> {
    SINGLE_OPS.iter().copied().find(|op| op.starts_with(c))
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0B}')
}

pub struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

impl Lexer {
    pub fn new(src: &str) -> Self {
        Lexer {
            chars: src.chars().collect(),
            pos: 0,
        }
    }

    fn err(&self, code: &str, token: Option<String>) -> Fail {
        Fail::new(code)
            .with_position(self.pos)
            .with_token_opt(token)
    }

    /// Reads the next token. `infix` is true where an operator is expected (after an operand), in
    /// which case `/` is division rather than the start of a regular expression.
    pub fn next(&mut self, infix: bool) -> Result<Token, Fail> {
        let chars = &self.chars;
        let len = chars.len();
        loop {
            while self.pos < len && is_ws(chars[self.pos]) {
                self.pos += 1;
            }
            if self.pos + 1 < len && chars[self.pos] == '/' && chars[self.pos + 1] == '*' {
                let start = self.pos;
                self.pos += 2;
                loop {
                    if self.pos + 1 >= len {
                        self.pos = start;
                        return Err(self.err("S0106", None));
                    }
                    if chars[self.pos] == '*' && chars[self.pos + 1] == '/' {
                        self.pos += 2;
                        break;
                    }
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        if self.pos >= len {
            return Ok(self.tok(Tok::End));
        }
        let c = chars[self.pos];
        if !infix && c == '/' {
            self.pos += 1;
            return self.scan_regex();
        }
        if self.pos + 1 < len {
            let two: String = chars[self.pos..self.pos + 2].iter().collect();
            if let Some(op) = DOUBLE_OPS.iter().copied().find(|op| *op == two) {
                self.pos += 2;
                return Ok(self.tok(Tok::Op(op)));
            }
        }
        if let Some(op) = single_op(c) {
            self.pos += 1;
            return Ok(self.tok(Tok::Op(op)));
        }
        if c == '"' || c == '\'' {
            return self.scan_string(c);
        }
        if c.is_ascii_digit() {
            return self.scan_number();
        }
        if c == '`' {
            self.pos += 1;
            let start = self.pos;
            while self.pos < len && chars[self.pos] != '`' {
                self.pos += 1;
            }
            if self.pos >= len {
                return Err(self.err("S0105", None));
            }
            let name: String = chars[start..self.pos].iter().collect();
            self.pos += 1;
            return Ok(self.tok(Tok::Name(name)));
        }
        // names and variables run until whitespace or an operator character
        let start = self.pos;
        let mut i = self.pos;
        while i < len && !is_ws(chars[i]) && single_op(chars[i]).is_none() {
            i += 1;
        }
        if chars[start] == '$' {
            let name: String = chars[start + 1..i].iter().collect();
            self.pos = i;
            return Ok(self.tok(Tok::Variable(name)));
        }
        let name: String = chars[start..i].iter().collect();
        self.pos = i;
        let tok = match name.as_str() {
            "and" => Tok::Op("and"),
            "or" => Tok::Op("or"),
            "in" => Tok::Op("in"),
            "true" => Tok::Bool(true),
            "false" => Tok::Bool(false),
            "null" => Tok::Null,
            _ => Tok::Name(name),
        };
        Ok(self.tok(tok))
    }

    /// After a `<` token following a lambda's parameter list: the raw signature text `<...>`
    /// up to the matching `>`, consumed.
    pub fn raw_signature(&mut self) -> Result<String, Fail> {
        let mut depth = 1;
        let mut sig = String::from("<");
        while self.pos < self.chars.len() {
            let c = self.chars[self.pos];
            self.pos += 1;
            sig.push(c);
            if c == '<' {
                depth += 1;
            } else if c == '>' {
                depth -= 1;
                if depth == 0 {
                    return Ok(sig);
                }
            }
        }
        Err(self
            .err("S0203", None)
            .with_value(Some(super::value::V::str(">"))))
    }

    fn tok(&self, tok: Tok) -> Token {
        Token {
            tok,
            position: self.pos,
        }
    }

    fn scan_string(&mut self, quote: char) -> Result<Token, Fail> {
        let chars = &self.chars;
        let len = chars.len();
        self.pos += 1;
        let mut out = String::new();
        while self.pos < len {
            let c = chars[self.pos];
            if c == '\\' {
                self.pos += 1;
                let Some(&e) = chars.get(self.pos) else {
                    break;
                };
                match e {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{08}'),
                    'f' => out.push('\u{0C}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let code = self.hex4(self.pos + 1)?;
                        self.pos += 4;
                        // combine a UTF-16 surrogate pair written as two escapes
                        if (0xD800..0xDC00).contains(&code)
                            && chars.get(self.pos + 1) == Some(&'\\')
                            && chars.get(self.pos + 2) == Some(&'u')
                        {
                            if let Ok(low) = self.hex4(self.pos + 3) {
                                if (0xDC00..0xE000).contains(&low) {
                                    let cp = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                                    out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                                    self.pos += 6;
                                    self.pos += 1;
                                    continue;
                                }
                            }
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    }
                    other => {
                        return Err(self.err("S0103", Some(other.to_string())));
                    }
                }
            } else if c == quote {
                self.pos += 1;
                return Ok(self.tok(Tok::Str(out)));
            } else {
                out.push(c);
            }
            self.pos += 1;
        }
        Err(self.err("S0101", None))
    }

    fn hex4(&self, at: usize) -> Result<u32, Fail> {
        let digits: String = self.chars.iter().skip(at).take(4).collect();
        if digits.len() == 4 && digits.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(u32::from_str_radix(&digits, 16).unwrap_or(0xFFFD))
        } else {
            Err(self.err("S0104", None))
        }
    }

    fn scan_number(&mut self) -> Result<Token, Fail> {
        // JSON number grammar without the sign: 0|[1-9][0-9]*, optional fraction and exponent
        let chars = &self.chars;
        let len = chars.len();
        let start = self.pos;
        let mut i = self.pos;
        if chars[i] == '0' {
            i += 1;
        } else {
            while i < len && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
        if i + 1 < len && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
            i += 1;
            while i < len && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
        if i < len && (chars[i] == 'e' || chars[i] == 'E') {
            let mut j = i + 1;
            if j < len && (chars[j] == '+' || chars[j] == '-') {
                j += 1;
            }
            if j < len && chars[j].is_ascii_digit() {
                while j < len && chars[j].is_ascii_digit() {
                    j += 1;
                }
                i = j;
            }
        }
        let text: String = chars[start..i].iter().collect();
        self.pos = i;
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(self.tok(Tok::Num(n))),
            _ => Err(self.err("S0102", Some(text))),
        }
    }

    fn scan_regex(&mut self) -> Result<Token, Fail> {
        let chars = &self.chars;
        let len = chars.len();
        let start = self.pos;
        let mut depth = 0i32;
        while self.pos < len {
            let c = chars[self.pos];
            let escaped = self.pos > start && {
                // a `/` preceded by an odd number of backslashes is escaped
                let mut k = self.pos;
                let mut n = 0;
                while k > start && chars[k - 1] == '\\' {
                    n += 1;
                    k -= 1;
                }
                n % 2 == 1
            };
            if c == '/' && !escaped && depth == 0 {
                let pattern: String = chars[start..self.pos].iter().collect();
                if pattern.is_empty() {
                    return Err(self.err("S0301", None));
                }
                self.pos += 1;
                let fstart = self.pos;
                while self.pos < len && (chars[self.pos] == 'i' || chars[self.pos] == 'm') {
                    self.pos += 1;
                }
                let flags: String = chars[fstart..self.pos].iter().collect();
                return Ok(self.tok(Tok::Regex(pattern, flags)));
            }
            if !escaped && (c == '(' || c == '[' || c == '{') {
                depth += 1;
            }
            if !escaped && (c == ')' || c == ']' || c == '}') {
                depth -= 1;
            }
            self.pos += 1;
        }
        Err(self.err("S0302", None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let mut lx = Lexer::new(src);
        let mut out = vec![];
        let mut infix = false;
        loop {
            let t = lx.next(infix).unwrap();
            if t.tok == Tok::End {
                return out;
            }
            infix = !matches!(t.tok, Tok::Op(_));
            out.push(t.tok);
        }
    }

    #[test]
    fn lexes_operators_names_and_literals() {
        assert_eq!(
            toks("$states.input.value >= 20 and x"),
            vec![
                Tok::Variable("states".into()),
                Tok::Op("."),
                Tok::Name("input".into()),
                Tok::Op("."),
                Tok::Name("value".into()),
                Tok::Op(">="),
                Tok::Num(20.0),
                Tok::Op("and"),
                Tok::Name("x".into()),
            ]
        );
    }

    #[test]
    fn regex_only_in_operand_position() {
        assert_eq!(
            toks(r"/^hello\$/"),
            vec![Tok::Regex(r"^hello\$".into(), "".into())]
        );
        assert_eq!(
            toks("a / b"),
            vec![Tok::Name("a".into()), Tok::Op("/"), Tok::Name("b".into())]
        );
    }

    #[test]
    fn string_escapes_and_errors() {
        assert_eq!(toks(r#""a\"b\u0041""#), vec![Tok::Str("a\"bA".into())]);
        assert_eq!(toks("'\"'"), vec![Tok::Str("\"".into())]);
        assert_eq!(Lexer::new("'abc").next(false).unwrap_err().code, "S0101");
        assert_eq!(Lexer::new(r"'\q'").next(false).unwrap_err().code, "S0103");
    }

    #[test]
    fn comments_and_backquoted_names() {
        assert_eq!(
            toks("/* c */ `Over 18 ?`"),
            vec![Tok::Name("Over 18 ?".into())]
        );
    }
}
