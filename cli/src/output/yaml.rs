//! `--output yaml` and `yaml-stream`: what v2's `YAMLDumper`
//! (`awscli/formatter.py`) prints, ruamel.yaml's safe dumper in block style:
//! keys sorted, two-space indentation, sequences in mappings not indented,
//! empty collections as `[]` / `{}`, strings quoted only when plain would
//! read back as something else (a number, a boolean, null, a date) or could
//! not be written plain, long lines folded at spaces past column 80.
//! A scalar at the top is printed as JSON, as v2 does.

use super::{Value, py_float, write_json_string};

const WIDTH: usize = 80;
const INDENT: usize = 2;
const BREAKS: [char; 5] = ['\r', '\n', '\u{85}', '\u{2028}', '\u{2029}'];

/// The document for `v`, ending in a newline.
pub(super) fn dump(v: &Value) -> String {
    if !matches!(v, Value::List(_) | Value::Map(_)) {
        let mut out = match v {
            Value::Str(s) => {
                let mut o = String::new();
                write_json_string(&mut o, s, false);
                o
            }
            other => super::json(other).trim_end().to_owned(),
        };
        out.push('\n');
        return out;
    }
    let mut e = Emitter { out: String::new(), column: 0, whitespace: true, indention: true, indent: None };
    e.node(v, Context::Root);
    e.write_indent();
    e.out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    /// An item of a block sequence (after `- `).
    Sequence,
    /// A value of a block mapping (after `key:`).
    Mapping,
}

/// The state of ruamel's `Emitter` that block output needs.
struct Emitter {
    out: String,
    column: usize,
    /// The last thing written was whitespace (or nothing).
    whitespace: bool,
    /// Only indentation so far on this line.
    indention: bool,
    indent: Option<usize>,
}

impl Emitter {
    fn write(&mut self, s: &str) {
        self.column += s.chars().count();
        self.out.push_str(s);
    }

    fn write_indicator(&mut self, indicator: &str, need_whitespace: bool, whitespace: bool, indention: bool) {
        if self.whitespace || !need_whitespace {
            self.write(indicator);
        } else {
            self.write(&format!(" {indicator}"));
        }
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
    }

    fn write_line_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.write(&pad);
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) -> Option<usize> {
        let saved = self.indent;
        self.indent = match self.indent {
            None => Some(if flow { INDENT } else { 0 }),
            Some(i) if !indentless => Some(i + INDENT),
            same => same,
        };
        saved
    }

    fn node(&mut self, v: &Value, ctx: Context) {
        match v {
            Value::List(items) if items.is_empty() => self.empty("[", "]"),
            Value::Map(entries) if entries.is_empty() => self.empty("{", "}"),
            Value::List(items) => {
                let indentless = ctx == Context::Mapping && !self.indention;
                let saved = self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::Sequence);
                }
                self.indent = saved;
            }
            Value::Map(entries) => {
                let saved = self.increase_indent(false, false);
                // The safe representer sorts a dict's keys.
                let mut sorted: Vec<&(String, Value)> = entries.iter().collect();
                super::sort::sort_by(&mut sorted, |a, b| a.0.cmp(&b.0));
                for (k, item) in sorted {
                    self.write_indent();
                    // libyaml's check_simple_key: one line, at most 128 bytes.
                    if !analyze(k).multiline && k.len() <= 128 {
                        self.scalar(&Scalar::string(k), true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.scalar(&Scalar::string(k), false);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(item, Context::Mapping);
                }
                self.indent = saved;
            }
            scalar => self.scalar(&Scalar::of(scalar), false),
        }
    }

    fn empty(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    /// `yaml_emitter_select_scalar_style`, then the writer of that style.
    fn scalar(&mut self, s: &Scalar, simple_key: bool) {
        let saved = self.increase_indent(true, false);
        let a = analyze(&s.text);
        let split = !simple_key;
        let plain = !(simple_key && a.multiline)
            && a.allow_block_plain
            && !(s.text.is_empty() && simple_key)
            && s.plain_implicit;
        if plain {
            self.write_plain(&s.text, split);
        } else if a.allow_single_quoted && !(simple_key && a.multiline) {
            self.write_single_quoted(&s.text, split);
        } else {
            self.write_double_quoted(&s.text, split);
        }
        self.indent = saved;
    }

    /// libyaml's `write_indent`.
    fn write_indent_flags(&mut self) {
        self.write_indent();
        self.whitespace = true;
        self.indention = true;
    }

    fn write_plain(&mut self, text: &str, split: bool) {
        if !self.whitespace {
            self.write(" ");
        }
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        for (i, &ch) in chars.iter().enumerate() {
            if ch == ' ' {
                if split && !spaces && self.column > WIDTH && chars.get(i + 1) != Some(&' ') {
                    self.write_indent_flags();
                } else {
                    self.write(" ");
                }
                spaces = true;
            } else {
                self.write_char(ch);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_char(&mut self, ch: char) {
        self.out.push(ch);
        self.column += 1;
    }

    fn write_break(&mut self, ch: char) {
        self.out.push(ch);
        self.column = 0;
    }

    fn write_single_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &ch) in chars.iter().enumerate() {
            if ch == ' ' {
                if split
                    && !spaces
                    && self.column > WIDTH
                    && i != 0
                    && i + 1 != chars.len()
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent_flags();
                } else {
                    self.write(" ");
                }
                spaces = true;
            } else if BREAKS.contains(&ch) {
                if !breaks && ch == '\n' {
                    self.write_break('\n');
                }
                self.write_break(ch);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent_flags();
                }
                if ch == '\'' {
                    self.write_char('\'');
                }
                self.write_char(ch);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if breaks {
            self.write_indent_flags();
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        for (i, &ch) in chars.iter().enumerate() {
            if !printable(ch) || ch == '\u{feff}' || BREAKS.contains(&ch) || ch == '"' || ch == '\\' {
                let data = match ch {
                    '\0' => "\\0".to_owned(),
                    '\u{07}' => "\\a".to_owned(),
                    '\u{08}' => "\\b".to_owned(),
                    '\t' => "\\t".to_owned(),
                    '\n' => "\\n".to_owned(),
                    '\u{0b}' => "\\v".to_owned(),
                    '\u{0c}' => "\\f".to_owned(),
                    '\r' => "\\r".to_owned(),
                    '\u{1b}' => "\\e".to_owned(),
                    '"' => "\\\"".to_owned(),
                    '\\' => "\\\\".to_owned(),
                    '\u{85}' => "\\N".to_owned(),
                    '\u{a0}' => "\\_".to_owned(),
                    '\u{2028}' => "\\L".to_owned(),
                    '\u{2029}' => "\\P".to_owned(),
                    c if u32::from(c) <= 0xff => format!("\\x{:02X}", u32::from(c)),
                    c if u32::from(c) <= 0xffff => format!("\\u{:04X}", u32::from(c)),
                    c => format!("\\U{:08X}", u32::from(c)),
                };
                self.write(&data);
                spaces = false;
            } else if ch == ' ' {
                if split && !spaces && self.column > WIDTH && i != 0 && i + 1 != chars.len() {
                    self.write_indent_flags();
                    if chars.get(i + 1) == Some(&' ') {
                        self.write("\\");
                    }
                } else {
                    self.write(" ");
                }
                spaces = true;
            } else {
                self.write_char(ch);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
    }
}

/// libyaml's `IS_PRINTABLE` (with unicode allowed): no tab, no `\r`, no
/// NEL, nothing outside the Basic Multilingual Plane.
fn printable(c: char) -> bool {
    let u = u32::from(c);
    u == 0x0a
        || (0x20..=0x7e).contains(&u)
        || (0xa0..=0xd7ff).contains(&u)
        || ((0xe000..=0xfffd).contains(&u) && u != 0xfeff)
}

/// A scalar to write: its text, and whether it reads back as itself when
/// written plain (a string `"123"` does not: it would read back as a number).
struct Scalar {
    text: String,
    plain_implicit: bool,
}

impl Scalar {
    fn string(s: &str) -> Scalar {
        Scalar { text: s.to_owned(), plain_implicit: !resolves_to_other_type(s) }
    }

    fn of(v: &Value) -> Scalar {
        let text = match v {
            Value::Str(s) => return Scalar::string(s),
            Value::Null => "null".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => yaml_float(*f),
            Value::Timestamp(t) => return Scalar::string(&super::iso8601(*t)),
            Value::List(_) | Value::Map(_) => String::new(),
        };
        Scalar { text, plain_implicit: true }
    }
}

/// `SafeRepresenter.represent_float`: `repr()` lower-cased (`1e+17`).
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".to_owned() } else { "-.inf".to_owned() };
    }
    py_float(f).to_lowercase()
}

/// Whether a plain `s` would be read as something other than a string by
/// ruamel's YAML 1.2 resolver: bool, int, float, null, timestamp, merge, value.
fn resolves_to_other_type(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |t: &[u8]| !t.is_empty() && t.iter().all(|c| c.is_ascii_digit());
    let digits_ = |t: &[u8]| !t.is_empty() && t.iter().all(|c| c.is_ascii_digit() || *c == b'_');
    fn sign(t: &[u8]) -> &[u8] {
        match t.first() {
            Some(b'-' | b'+') => &t[1..],
            _ => t,
        }
    }
    if matches!(s, "" | "~" | "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
        || matches!(s, "<<" | "=")
    {
        return true;
    }
    // int: [-+]?0b[01_]+ | [-+]?0o?[0-7_]+ | [-+]?[0-9_]+ | [-+]?0x[0-9a-fA-F_]+
    let u = sign(b);
    let int = digits_(u)
        || u.strip_prefix(b"0b").is_some_and(|r| !r.is_empty() && r.iter().all(|c| matches!(c, b'0' | b'1' | b'_')))
        || u.strip_prefix(b"0o").is_some_and(|r| !r.is_empty() && r.iter().all(|c| matches!(c, b'0'..=b'7' | b'_')))
        || u.strip_prefix(b"0x")
            .is_some_and(|r| !r.is_empty() && r.iter().all(|c| c.is_ascii_hexdigit() || *c == b'_'));
    if int {
        return true;
    }
    // float: [-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+]?[0-9]+)? | [-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    //      | [-+]?\.[0-9_]+([eE][-+][0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
    if matches!(s, ".nan" | ".NaN" | ".NAN") || matches!(u, b".inf" | b".Inf" | b".INF") {
        return true;
    }
    let (mantissa, exponent) = match u.iter().position(|c| matches!(c, b'e' | b'E')) {
        Some(i) => (&u[..i], Some(&u[i + 1..])),
        None => (u, None),
    };
    let exp_ok = |e: Option<&[u8]>, sign_required: bool| match e {
        None => true,
        Some(e) => {
            let signed = matches!(e.first(), Some(b'-' | b'+'));
            (signed || !sign_required) && digits(if signed { &e[1..] } else { e })
        }
    };
    if let Some(dot) = mantissa.iter().position(|c| *c == b'.') {
        let (int_part, frac) = (&mantissa[..dot], &mantissa[dot + 1..]);
        let frac_ok = frac.iter().all(|c| c.is_ascii_digit() || *c == b'_');
        if int_part.first().is_some_and(u8::is_ascii_digit) && digits_(int_part) && frac_ok && exp_ok(exponent, false) {
            return true;
        }
        if int_part.is_empty() && digits_(frac) && exp_ok(exponent, true) {
            return true;
        }
    } else if exponent.is_some()
        && mantissa.first().is_some_and(u8::is_ascii_digit)
        && digits_(mantissa)
        && exp_ok(exponent, false)
    {
        return true;
    }
    is_timestamp(b)
}

/// `[0-9]{4}-[0-9]{2}-[0-9]{2}`, or `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?`
fn is_timestamp(b: &[u8]) -> bool {
    struct P<'a> {
        b: &'a [u8],
        i: usize,
    }
    impl P<'_> {
        fn digits(&mut self, min: usize, max: usize) -> bool {
            let start = self.i;
            while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
                self.i += 1;
            }
            self.i - start >= min
        }
        fn eat(&mut self, c: u8) -> bool {
            if self.b.get(self.i) == Some(&c) {
                self.i += 1;
                true
            } else {
                false
            }
        }
        fn done(&self) -> bool {
            self.i == self.b.len()
        }
    }
    let mut p = P { b, i: 0 };
    if !(p.digits(4, 4) && p.eat(b'-') && p.digits(1, 2) && p.eat(b'-') && p.digits(1, 2)) {
        return false;
    }
    if p.done() {
        // The date-only form needs two digits each.
        return b.len() == 10;
    }
    if !(p.eat(b'T') || p.eat(b't')) {
        let start = p.i;
        while p.eat(b' ') || p.eat(b'\t') {}
        if p.i == start {
            return false;
        }
    }
    if !(p.digits(1, 2) && p.eat(b':') && p.digits(2, 2) && p.eat(b':') && p.digits(2, 2)) {
        return false;
    }
    if p.eat(b'.') {
        p.digits(0, usize::MAX);
    }
    if p.done() {
        return true;
    }
    while p.eat(b' ') || p.eat(b'\t') {}
    if p.eat(b'Z') {
        return p.done();
    }
    if !(p.eat(b'-') || p.eat(b'+')) || !p.digits(1, 2) {
        return false;
    }
    if p.eat(b':') && !p.digits(2, 2) {
        return false;
    }
    p.done()
}

/// What libyaml's `yaml_emitter_analyze_scalar` finds out about a scalar,
/// as far as block output needs.
#[derive(Debug, Default)]
struct Analysis {
    multiline: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis { multiline: false, allow_block_plain: true, allow_single_quoted: true };
    }
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let blankz = |c: Option<&char>| {
        c.is_none_or(|c| matches!(c, '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'))
    };
    let is_break = |c: char| matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}');
    let mut block_indicators = text.starts_with("---") || text.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) = (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = blankz(chars.get(1));
    for (i, &ch) in chars.iter().enumerate() {
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                block_indicators = true;
            }
            if (ch == '?' || ch == ':' || ch == '-') && followed_by_whitespace {
                block_indicators = true;
            }
        } else if (ch == ':' && followed_by_whitespace) || (ch == '#' && preceded_by_whitespace) {
            block_indicators = true;
        }
        if !printable(ch) {
            special = true;
        }
        if is_break(ch) {
            line_breaks = true;
        }
        if ch == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == n - 1;
            break_space |= previous_break;
            (previous_space, previous_break) = (true, false);
        } else if is_break(ch) {
            leading_break |= i == 0;
            trailing_break |= i == n - 1;
            space_break |= previous_space;
            (previous_space, previous_break) = (false, true);
        } else {
            (previous_space, previous_break) = (false, false);
        }
        preceded_by_whitespace = blankz(Some(&ch));
        followed_by_whitespace = blankz(chars.get(i + 2));
    }
    let mut allow_block_plain = !(leading_space || leading_break || trailing_space || trailing_break);
    let allow_single_quoted = !(break_space || space_break || special);
    if break_space || space_break || special || line_breaks || block_indicators {
        allow_block_plain = false;
    }
    Analysis { multiline: line_breaks, allow_block_plain, allow_single_quoted }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::str(v)
    }

    /// tests/unit/test_formatter.py (TestYAMLDumper) and
    /// tests/unit/output/test_yaml_output.py of the AWS CLI v2.
    #[test]
    fn v2_dumper_cases() {
        assert_eq!(dump(&Value::Int(1)), "1\n");
        assert_eq!(dump(&Value::Float(1.2)), "1.2\n");
        assert_eq!(dump(&Value::Float(0.5)), "0.5\n");
        assert_eq!(dump(&Value::Bool(true)), "true\n");
        assert_eq!(dump(&Value::Bool(false)), "false\n");
        assert_eq!(dump(&Value::Null), "null\n");
        assert_eq!(dump(&s("foo")), "\"foo\"\n");
        assert_eq!(dump(&s("testuser-50")), "\"testuser-50\"\n");
        assert_eq!(dump(&s("")), "\"\"\n");
        assert_eq!(dump(&Value::map(vec![("key", s("val"))])), "key: val\n");
        assert_eq!(dump(&Value::List(vec![s("val1"), s("val2")])), "- val1\n- val2\n");
        assert_eq!(dump(&Value::List(vec![])), "[]\n");
        // test_yaml_output.py: test_yaml_response.
        let user = |name: &str, date: &str, arn: &str| {
            Value::map(vec![
                ("UserName", s(name)),
                ("Path", s("/")),
                ("CreateDate", s(date)),
                ("UserId", s("EXAMPLEUSERID")),
                ("Arn", s(arn)),
            ])
        };
        let users = Value::map(vec![(
            "Users",
            Value::List(vec![
                user("testuser-50", "2013-02-12T19:08:52Z", "arn:aws:iam::12345:user/testuser1"),
                user("testuser-51", "2012-10-14T23:53:39Z", "arn:aws:iam::123456:user/testuser2"),
            ]),
        )]);
        assert_eq!(
            dump(&users),
            "Users:\n\
             - Arn: arn:aws:iam::12345:user/testuser1\n  CreateDate: '2013-02-12T19:08:52Z'\n  Path: /\n  UserId: EXAMPLEUSERID\n  UserName: testuser-50\n\
             - Arn: arn:aws:iam::123456:user/testuser2\n  CreateDate: '2012-10-14T23:53:39Z'\n  Path: /\n  UserId: EXAMPLEUSERID\n  UserName: testuser-51\n"
        );
        // test_formatter.py: TestStreamedYAMLFormatter (one document per page, as a list).
        let page = Value::List(vec![Value::map(vec![("TableNames", Value::List(vec![s("桌子")]))])]);
        assert_eq!(dump(&page), "- TableNames:\n  - 桌子\n");
    }

    /// Quoting and folding: expected outputs of ruamel.yaml 0.19.1 with its
    /// C emitter (the versions v2 pins), `YAML(typ='safe')`, block style.
    #[test]
    fn quoting_and_folding_as_ruamel() {
        let v = crate::output::tests::from_json(
            r##"{"a": "it's", "b": "x\ny", "c": "", "d": null, "e": [null, 1, 1.0, 1e17, true], "f": "123",
                "g": "1.5", "h": "yes", "i": "null", "j": "2016-08-19T22:14:21+00:00", "k": " lead", "l": "trail ",
                "m": "a: b", "n": "- x", "o": "#c", "p": "a #c", "q": "0x1F", "r": "1_000", "t": "\u00e9",
                "u": "\u0007bell", "v": {}, "w": [], "x": [[1, 2], []], "y": "'quoted'", "z": "x\n\ny z",
                "long": "word word word word word word word word word word word word word word word word word word word word word",
                "1": "k", "true": 1, "c2": "x:", "t2": "\tx", "q3": "? x", "emoji": "\ud83d\ude00"}"##,
        );
        let want = r##"'1': k
a: it's
b: 'x

  y'
c: ''
c2: 'x:'
d: null
e:
- null
- 1
- 1.0
- 1e+17
- true
emoji: "\U0001F600"
f: '123'
g: '1.5'
h: yes
i: 'null'
j: '2016-08-19T22:14:21+00:00'
k: ' lead'
l: 'trail '
long: word word word word word word word word word word word word word word word word
  word word word word word
m: 'a: b'
n: '- x'
o: '#c'
p: 'a #c'
q: '0x1F'
q3: '? x'
r: '1_000'
t: é
t2: "\tx"
'true': 1
u: "\abell"
v: {}
w: []
x:
- - 1
  - 2
- []
y: '''quoted'''
z: 'x


  y z'
"##;
        assert_eq!(dump(&v), want);
    }
}
