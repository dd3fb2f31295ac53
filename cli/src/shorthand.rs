//! The AWS CLI's two ways of writing a structured argument: shorthand
//! (`Name=instance-id,Values=i-1,i-2`) and JSON (`{"Name": "instance-id", ...}`).
//! <https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-shorthand.html>

use tinyjson::JsonValue;

/// A parsed structure: member name to one or more string values.
pub(crate) type Fields = Vec<(String, Vec<String>)>;

/// The deepest nesting any JSON or YAML document of the command line may
/// have: deeper input is refused, never recursed into.
pub(crate) const MAX_DEPTH: usize = 128;

/// Whether JSON text nests deeper than [`MAX_DEPTH`], counted without parsing.
pub(crate) fn too_deep(json: &str) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for c in json.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// JSON text, refused when deeper than [`MAX_DEPTH`]: never recursed into.
pub(crate) fn json(text: &str, param: &str) -> Result<JsonValue, String> {
    if too_deep(text) {
        return Err(format!(
            "Error parsing parameter '{param}': Invalid JSON: nested deeper than {} levels",
            MAX_DEPTH
        ));
    }
    text.parse().map_err(|e| format!("invalid JSON for {param}: {e}"))
}

/// Parses one structure, in shorthand or JSON. `members` are the names it may
/// have; `param` names the argument in error messages.
pub(crate) fn structure(input: &str, members: &[&str], param: &str) -> Result<Fields, String> {
    let trimmed = input.trim();
    let fields = if trimmed.starts_with('{') {
        let json = json(trimmed, param)?;
        json_structure(&json, param)?
    } else {
        shorthand(trimmed, param)?
    };
    check_members(&fields, members, &model_name(param))?;
    Ok(fields)
}

/// The model's name of an option: `--iam-instance-profile` is `IamInstanceProfile`.
pub(crate) fn model_name(param: &str) -> String {
    param
        .trim_start_matches('-')
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// botocore's `ParamValidator` words for a member the shape has not, at `path`
/// (`Filters[0]`, `IamInstanceProfile`).
fn check_members(fields: &Fields, members: &[&str], path: &str) -> Result<(), String> {
    match fields.iter().find(|(k, _)| !members.contains(&k.as_str())) {
        Some((k, _)) => Err(format!(
            "Parameter validation failed:\nUnknown parameter in {path}: \"{k}\", must be one of: {}",
            members.join(", ")
        )),
        None => Ok(()),
    }
}

/// A list of structures: one JSON list in a single argument, or one structure
/// per argument.
pub(crate) fn structures(inputs: &[String], members: &[&str], param: &str) -> Result<Vec<Fields>, String> {
    if let [single] = inputs
        && single.trim_start().starts_with('[')
    {
        let json = json(single.trim(), param)?;
        let JsonValue::Array(items) = json else {
            return Err(format!("{param} must be a JSON list"));
        };
        return items
            .iter()
            .enumerate()
            .map(|(n, item)| {
                let fields = json_structure(item, param)?;
                check_members(&fields, members, &format!("{}[{n}]", model_name(param)))?;
                Ok(fields)
            })
            .collect();
    }
    let model = model_name(param);
    inputs
        .iter()
        .enumerate()
        .map(|(n, input)| {
            let trimmed = input.trim();
            let fields = if trimmed.starts_with('{') {
                json_structure(&json(trimmed, param)?, param)?
            } else {
                shorthand(trimmed, param)?
            };
            check_members(&fields, members, &format!("{model}[{n}]"))?;
            Ok(fields)
        })
        .collect()
}

/// A list of strings: the words as given, or one JSON list.
pub(crate) fn strings(inputs: &[String], param: &str) -> Result<Vec<String>, String> {
    if let [single] = inputs
        && single.trim_start().starts_with('[')
    {
        let json = json(single.trim(), param)?;
        return json_strings(&json, param);
    }
    Ok(inputs.to_vec())
}

fn json_structure(v: &JsonValue, param: &str) -> Result<Fields, String> {
    let JsonValue::Object(map) = v else {
        return Err(format!("{param} must be a JSON object"));
    };
    let mut fields: Fields = Vec::new();
    for (k, v) in map {
        fields.push((k.clone(), json_strings(v, param)?));
    }
    // A HashMap has no order; sort for stable requests.
    crate::output::sort::sort(&mut fields);
    Ok(fields)
}

fn json_strings(v: &JsonValue, param: &str) -> Result<Vec<String>, String> {
    match v {
        JsonValue::String(s) => Ok(vec![s.clone()]),
        JsonValue::Array(items) => items
            .iter()
            .map(|i| match i {
                JsonValue::String(s) => Ok(s.clone()),
                _ => Err(format!("invalid type in {param}: expected strings")),
            })
            .collect(),
        _ => Err(format!("invalid type in {param}: expected a string or a list of strings")),
    }
}

/// `Key=value,Key2=v1,v2,Key3=[a,b]`, with "double" or 'single' quoted values.
/// A comma-separated word without `=` continues the previous key's values.
fn shorthand(input: &str, param: &str) -> Result<Fields, String> {
    let mut fields: Fields = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let err = |why: &str| format!("error parsing parameter {param}: {why}, received: {input:?}");
    while i < chars.len() {
        // A key is followed by `=`; a bare word continues the previous list.
        let start = i;
        let word = read_value(&chars, &mut i).map_err(|e| err(&e))?;
        if chars.get(i) == Some(&'=') && !is_quoted(&chars, start) {
            i += 1;
            let key = word.trim().to_owned();
            if key.is_empty() {
                return Err(err("expected a key before '='"));
            }
            let mut values = Vec::new();
            if chars.get(i) == Some(&'[') {
                i += 1;
                loop {
                    if chars.get(i) == Some(&']') {
                        i += 1;
                        break;
                    }
                    values.push(read_value(&chars, &mut i).map_err(|e| err(&e))?);
                    match chars.get(i) {
                        Some(',') => i += 1,
                        Some(']') => {}
                        other => return Err(syntax_error(param, input, ',', other.copied(), i)),
                    }
                }
            } else {
                values.push(read_value(&chars, &mut i).map_err(|e| err(&e))?);
            }
            // botocore refuses this too: keeping either value silently could
            // drop a filter and list the whole account.
            if fields.iter().any(|(k, _)| *k == key) {
                return Err(err(&format!("second instance of key {key:?} encountered")));
            }
            fields.push((key, values));
        } else {
            match fields.last_mut() {
                Some((_, values)) => values.push(word),
                None => return Err(err("expected key=value")),
            }
        }
        match chars.get(i) {
            None => {}
            Some(',') => i += 1,
            Some(c) => return Err(err(&format!("unexpected {c:?}"))),
        }
    }
    Ok(fields)
}

/// `ShorthandParseSyntaxError` as v2 words it (`awscli/shorthand.py`): the input
/// after a space, the caret `index` characters in (so one column short).
fn syntax_error(param: &str, input: &str, expected: char, actual: Option<char>, index: usize) -> String {
    let actual = actual.map_or_else(|| "EOF".to_owned(), String::from);
    let consumed: String = input.chars().take(index).collect();
    let num_spaces = consumed.rfind('\n').map_or(index, |nl| consumed[nl + 1..].chars().count());
    let (head, tail) = match input.char_indices().skip(index).find(|(_, c)| *c == '\n') {
        Some((at, _)) => input.split_at(at),
        None => (input, ""),
    };
    format!(
        "Error parsing parameter '{param}': Expected: '{expected}', received: '{actual}' for input:\n {head}\n{}^{tail}",
        " ".repeat(num_spaces)
    )
}

fn is_quoted(chars: &[char], start: usize) -> bool {
    matches!(chars.get(start), Some('"' | '\''))
}

/// Reads a value up to `,`, `=` or `]`, or a quoted string.
fn read_value(chars: &[char], i: &mut usize) -> Result<String, String> {
    if let Some(&q) = chars.get(*i).filter(|c| matches!(c, '"' | '\'')) {
        *i += 1;
        let mut s = String::new();
        loop {
            match chars.get(*i) {
                None => return Err("unclosed quote".to_owned()),
                Some('\\') if chars.get(*i + 1) == Some(&q) => {
                    s.push(q);
                    *i += 2;
                }
                Some(&c) if c == q => {
                    *i += 1;
                    return Ok(s);
                }
                Some(&c) => {
                    s.push(c);
                    *i += 1;
                }
            }
        }
    }
    let mut s = String::new();
    while let Some(&c) = chars.get(*i) {
        if matches!(c, ',' | '=' | ']') {
            break;
        }
        s.push(c);
        *i += 1;
    }
    Ok(s.trim().to_owned())
}

/// The single value of `key`, checked to be one string; `path` is the
/// structure's place in the model (`Filters[0]`, `IamInstanceProfile`).
/// Several values are a list, which botocore's type check refuses.
pub(crate) fn single<'a>(fields: &'a Fields, key: &str, path: &str) -> Result<Option<&'a str>, String> {
    match fields.iter().rev().find(|(k, _)| k == key) {
        None => Ok(None),
        Some((_, v)) if v.len() == 1 => Ok(v.first().map(String::as_str)),
        Some((_, v)) => Err(format!(
            "Parameter validation failed:\nInvalid type for parameter {path}.{key}, value: [{}], type: <class \
             'list'>, valid types: <class 'str'>",
            v.iter().map(|s| crate::python::py_repr(s)).collect::<Vec<_>>().join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_in_both_forms() {
        let f = structures(
            &["Name=instance-id,Values=i-1,i-2".into(), "Name=state,Values=associated".into()],
            &["Name", "Values"],
            "--filters",
        )
        .unwrap();
        assert_eq!(
            f[0],
            vec![("Name".into(), vec!["instance-id".into()]), ("Values".into(), vec!["i-1".into(), "i-2".into()])]
        );
        assert_eq!(f[1][1].1, ["associated"]);
        let j = structures(
            &[r#"[{"Name": "instance-id", "Values": ["i-1", "i-2"]}]"#.into()],
            &["Name", "Values"],
            "--filters",
        )
        .unwrap();
        assert_eq!(
            j,
            vec![vec![
                ("Name".into(), vec!["instance-id".into()]),
                ("Values".into(), vec!["i-1".into(), "i-2".into()])
            ]]
        );
        let b = structure("Name=state,Values=[associating,associated]", &["Name", "Values"], "--filters").unwrap();
        assert_eq!(b[1].1, ["associating", "associated"]);
    }

    #[test]
    fn profile_forms_and_quotes() {
        let s = structure("Arn=arn:aws:iam::123:instance-profile/p", &["Arn", "Name"], "x").unwrap();
        assert_eq!(single(&s, "Arn", "x").unwrap(), Some("arn:aws:iam::123:instance-profile/p"));
        let s = structure(r#"{"Name": "p"}"#, &["Arn", "Name"], "x").unwrap();
        assert_eq!(single(&s, "Name", "x").unwrap(), Some("p"));
        let s = structure(r#"Name="a,b""#, &["Arn", "Name"], "x").unwrap();
        assert_eq!(single(&s, "Name", "x").unwrap(), Some("a,b"));
    }

    #[test]
    fn errors_are_messages_not_panics() {
        for bad in [
            "Foo=x",
            "=x",
            "justaword",
            "Name=\"open",
            "Values=[a,b",
            "{not json",
            "Name=a,b",
            "Name=a,Values=b,Name=c",
        ] {
            let r = structure(bad, &["Name", "Values"], "--filters")
                .and_then(|f| single(&f, "Name", "--filters").map(|_| ()));
            assert!(r.is_err(), "{bad}");
        }
        assert!(strings(&["[1, 2]".into()], "--association-ids").is_err());
        assert_eq!(strings(&[r#"["a","b"]"#.into()], "--association-ids").unwrap(), ["a", "b"]);
    }

    #[test]
    fn errors_in_botocores_and_shorthand_words() {
        let members = &["Name", "Values"];
        let f = structures(&["Name=instance-id,Values".into()], members, "--filters").unwrap();
        assert_eq!(
            single(&f[0], "Name", "Filters[0]").unwrap_err(),
            "Parameter validation failed:\nInvalid type for parameter Filters[0].Name, value: ['instance-id', \
             'Values'], type: <class 'list'>, valid types: <class 'str'>"
        );
        assert_eq!(
            structures(&["Name=a".into(), "Foo=bar".into()], members, "--filters").unwrap_err(),
            "Parameter validation failed:\nUnknown parameter in Filters[1]: \"Foo\", must be one of: Name, Values"
        );
        assert_eq!(
            structures(&[r#"[{"Foo": "bar"}]"#.into()], members, "--filters").unwrap_err(),
            "Parameter validation failed:\nUnknown parameter in Filters[0]: \"Foo\", must be one of: Name, Values"
        );
        assert_eq!(
            structure("Nme=x", &["Arn", "Name"], "--iam-instance-profile").unwrap_err(),
            "Parameter validation failed:\nUnknown parameter in IamInstanceProfile: \"Nme\", must be one of: Arn, Name"
        );
        assert_eq!(
            structures(&["Name=state,Values=[associated".into()], members, "--filters").unwrap_err(),
            "Error parsing parameter '--filters': Expected: ',', received: 'EOF' for input:\n \
             Name=state,Values=[associated\n                             ^"
        );
        // After a newline the caret counts from it, and the rest follows it.
        assert_eq!(
            syntax_error("--filters", "a=b,\nc=[d\ne", ',', Some('x'), 9),
            "Error parsing parameter '--filters': Expected: ',', received: 'x' for input:\n a=b,\nc=[d\n    ^\ne"
        );
    }
}
