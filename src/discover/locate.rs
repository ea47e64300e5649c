//! Line numbers of keys in JSON or YAML text, for reports that point at a Task state
//! (SARIF, GitHub annotations). Parsers drop positions, so this searches the text for the chain
//! of keys in order: each key is looked for after the previous one was found.

/// 1-based line of the last key of `keys`, searching each key after the previous match.
/// Keys match when quoted (`"Name":`, `'Name':`, `\"Name\":` inside a JSON string) or as a bare
/// YAML or HCL key at the start of a line (`  Name:`, `  Name = {`).
pub fn line_of_key_path(text: &str, start_at: usize, keys: &[&str]) -> Option<usize> {
    let mut offset = start_at.min(text.len());
    for key in keys {
        offset = find_key(text, offset, key)?;
    }
    Some(line_at(text, offset))
}

/// Byte offset just past the first key `key` at or after `from`, for anchoring a search.
pub fn key_offset(text: &str, from: usize, key: &str) -> Option<usize> {
    find_key(text, from.min(text.len()), key)
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|b| *b == b'\n').count() + 1
}

fn find_key(text: &str, from: usize, key: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut pos = from;
    while let Some(rel) = text.get(pos..)?.find(key) {
        let start = pos + rel;
        let end = start + key.len();
        if is_key_at(bytes, start, end) {
            return Some(end);
        }
        pos = start + 1;
        while pos < text.len() && !text.is_char_boundary(pos) {
            pos += 1;
        }
    }
    None
}

fn is_key_at(bytes: &[u8], start: usize, end: usize) -> bool {
    // Opening: a quote (possibly escaped), or the start of a YAML line after indentation.
    let before = if start > 0 { bytes[start - 1] } else { b'\n' };
    let quoted = before == b'"' || before == b'\'';
    let bare = {
        let mut i = start;
        let mut ok = true;
        while i > 0 {
            let c = bytes[i - 1];
            if c == b'\n' {
                break;
            }
            if c != b' ' && c != b'-' && c != b'\t' {
                ok = false;
                break;
            }
            i -= 1;
        }
        ok
    };
    if !quoted && !bare {
        return false;
    }
    // Closing: the matching quote (possibly escaped), then optional spaces and a colon.
    let mut i = end;
    if quoted {
        if i < bytes.len() && bytes[i] == b'\\' {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != before {
            return false;
        }
        i += 1;
    }
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    // `:` in JSON and YAML, `=` in HCL (`States = {`).
    i < bytes.len() && (bytes[i] == b':' || bytes[i] == b'=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_in_json() {
        let text = "{\n \"States\": {\n  \"A\": {\"Next\": \"B\"},\n  \"B\": {}\n }\n}\n";
        assert_eq!(line_of_key_path(text, 0, &["States", "B"]), Some(4));
        assert_eq!(line_of_key_path(text, 0, &["States", "C"]), None);
    }

    #[test]
    fn finds_keys_in_yaml_and_escaped_json() {
        let yaml = "States:\n  Save:\n    Type: Task\n";
        assert_eq!(line_of_key_path(yaml, 0, &["States", "Save"]), Some(2));
        let escaped = "{\"D\": \"{\\\"States\\\":{\\\"Save\\\":{}}}\"}";
        assert_eq!(line_of_key_path(escaped, 0, &["States", "Save"]), Some(1));
    }
}
