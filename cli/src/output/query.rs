//! `--query`: a JMESPath expression (<https://jmespath.org/specification.html>)
//! evaluated by the `jmespath` crate on the CLI's value tree.
//!
//! The crate keeps objects in sorted maps, where Python (and so the AWS CLI)
//! keeps insertion order. Objects in a result are put back in order: a
//! multi-select hash (`{Id: AssociationId, State: State}`) in the order the
//! expression writes its keys, any other object in the order its keys first
//! appear in the input (botocore's model order); `keys()`, `values()` and
//! `to_string()` too. And what follows a multi-select hash in a projection
//! applies to the projected list, as jmespath.py parses it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use jmespath::ast::Ast;
use jmespath::functions::{ArgumentType, CustomFunction, Signature};
use jmespath::{Rcvar, Runtime, Variable};
use serde_json::Number;

use super::Value;

/// A compiled `--query`.
pub(crate) struct Query {
    expression: jmespath::Expression<'static>,
    /// The key lists of the expression's multi-select hashes.
    hashes: Vec<Vec<String>>,
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Query").field(&self.expression.as_str()).finish()
    }
}

/// A token as jmespath.py's lexer makes it: type, text, start (in characters).
struct PyToken {
    kind: &'static str,
    value: String,
    start: usize,
}

/// jmespath.py's lexer (`jmespath/lexer.py`): its tokens, or its `LexerError`
/// as `str()` prints it. Literals and quoted identifiers are not JSON-checked.
fn py_tokens(expression: &str) -> Result<Vec<PyToken>, String> {
    let chars: Vec<char> = expression.chars().collect();
    let lexer_error = |pos: usize, message: String| {
        format!("Bad jmespath expression: {message}:\n{expression}\n{}^", " ".repeat(pos))
    };
    let mut tokens = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    let mut push = |kind: &'static str, value: String, start: usize| tokens.push(PyToken { kind, value, start });
    while let Some(c) = at(i) {
        let start = i;
        let simple = match c {
            '.' => Some("dot"),
            '*' => Some("star"),
            ']' => Some("rbracket"),
            ',' => Some("comma"),
            ':' => Some("colon"),
            '@' => Some("current"),
            '(' => Some("lparen"),
            ')' => Some("rparen"),
            '{' => Some("lbrace"),
            '}' => Some("rbrace"),
            _ => None,
        };
        if let Some(kind) = simple {
            push(kind, c.to_string(), start);
            i += 1;
            continue;
        }
        match c {
            c if c.is_ascii_alphabetic() || c == '_' => {
                while at(i).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    i += 1;
                }
                push("unquoted_identifier", chars[start..i].iter().collect(), start);
            }
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '[' => match at(i + 1) {
                Some(']') => {
                    push("flatten", "[]".into(), start);
                    i += 2;
                }
                Some('?') => {
                    push("filter", "[?".into(), start);
                    i += 2;
                }
                _ => {
                    push("lbracket", "[".into(), start);
                    i += 1;
                }
            },
            '\'' | '`' | '"' => {
                // `_consume_until`: a backslash escapes the next character.
                i += 1;
                loop {
                    match at(i) {
                        None => return Err(lexer_error(start, format!("Unclosed {c} delimiter"))),
                        Some('\\') => i += 2,
                        Some(d) if d == c => break,
                        Some(_) => i += 1,
                    }
                    if i > chars.len() {
                        return Err(lexer_error(start, format!("Unclosed {c} delimiter")));
                    }
                }
                i += 1;
                let kind = if c == '"' { "quoted_identifier" } else { "literal" };
                push(kind, chars[start + 1..i - 1].iter().collect(), start);
            }
            '|' | '&' | '<' | '>' | '!' => {
                let (second, matched, single) = match c {
                    '|' => ('|', "or", "pipe"),
                    '&' => ('&', "and", "expref"),
                    '<' => ('=', "lte", "lt"),
                    '>' => ('=', "gte", "gt"),
                    _ => ('=', "ne", "not"),
                };
                if at(i + 1) == Some(second) {
                    push(matched, format!("{c}{second}"), start);
                    i += 2;
                } else {
                    push(single, c.to_string(), start);
                    i += 1;
                }
            }
            '0'..='9' | '-' => {
                i += 1;
                while at(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
                if c == '-' && i == start + 1 {
                    return Err(lexer_error(start, "Unknown token '-'".into()));
                }
                let text: String = chars[start..i].iter().collect();
                // Python's int(): no leading zeros kept, "-0" is 0.
                let value = text.parse::<i128>().map_or(text, |n| n.to_string());
                push("number", value, start);
            }
            '=' => {
                if at(i + 1) == Some('=') {
                    push("eq", "==".into(), start);
                    i += 2;
                } else {
                    return Err(lexer_error(start, "Unknown token '='".into()));
                }
            }
            c => return Err(lexer_error(start, format!("Unknown token {c}"))),
        }
    }
    push("eof", String::new(), chars.len());
    Ok(tokens)
}

/// What jmespath.py (`jmespath/exceptions.py`) says for an expression the
/// crate refused: its lexer's error if it has one; at the end of the input an
/// `IncompleteExpressionError`; else a `ParseError` at the token the crate
/// stopped on ("invalid token", its reason for an unexpected token).
fn py_parse_error(expression: &str, e: &jmespath::JmespathError) -> String {
    let tokens = match py_tokens(expression) {
        Ok(tokens) => tokens,
        Err(lexer) => return lexer,
    };
    let quoted = |pos: usize| format!("\"{expression}\"\n{}^", " ".repeat(pos + 1));
    let message = e.to_string();
    // The crate's offset counts bytes; jmespath.py's, characters.
    let offset = expression.get(..e.offset).map_or(e.offset, |s| s.chars().count());
    let token = tokens.iter().find(|t| t.start >= offset).or(tokens.last());
    let Some(t) = token else { return message };
    // jmespath.py's reason for what the crate found (`jmespath/parser.py`).
    let reason = if message.contains("Did not parse the complete expression") {
        format!("Unexpected token: {}", t.value)
    } else if message.contains("Expected identifier, '*', '{', '[', '&', or '[?'") {
        // `_parse_dot_rhs`: a ParseError even at the end.
        format!("Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], got: {}", t.kind)
    } else if message.contains("Too many colons in slice expr") {
        "syntax error".to_owned()
    } else if t.kind == "eof" || message.contains("found Eof") {
        return format!("Invalid jmespath expression: Incomplete expression:\n{}", quoted(expression.chars().count()));
    } else if message.contains("nud token") || message.contains("led token") {
        "invalid token".to_owned()
    } else {
        "Invalid jmespath expression".to_owned()
    };
    format!(
        "{reason}: Parse error at column {}, token \"{}\" ({}), for expression:\n{}",
        t.start,
        t.value,
        t.kind.to_ascii_uppercase(),
        quoted(t.start)
    )
}

impl Query {
    /// Compiles `--query`. The error is v2's
    /// (`awscli/customizations/globalargs.py`): `Bad value for --query EXPR: why`,
    /// a usage error (252); the reason in jmespath.py's words (`py_parse_error`).
    pub(crate) fn compile(expression: &str) -> Result<Query, String> {
        let compiled = RUNTIME
            .compile(expression)
            .map_err(|e| format!("Bad value for --query {expression}: {}", py_parse_error(expression, &e)))?;
        let ast = hash_ends_projection(compiled.as_ast().clone());
        let mut hashes = Vec::new();
        collect_hashes(&ast, &mut hashes);
        Ok(Query { expression: jmespath::Expression::new(expression, ast, &RUNTIME), hashes })
    }

    /// The expression's result on `data`. The error is one found while
    /// evaluating (a function given the wrong type): v2 exits 255 on it.
    pub(crate) fn search(&self, data: &Value) -> Result<Value, String> {
        let mut ranks = HashMap::new();
        rank_keys(data, &mut ranks);
        let order = KeyOrder { hashes: self.hashes.clone(), ranks };
        // `keys()` and `values()` read the order while the search runs.
        ORDER.with(|o| *o.borrow_mut() = Some(order));
        let result = self.expression.search(to_variable(data)).map_err(|e| e.to_string());
        let order = ORDER.with(|o| o.borrow_mut().take()).unwrap_or_default();
        Ok(order.value_of(&*result?))
    }
}

// The one piece of state outside a run's values: the jmespath crate calls registered functions
// (`keys()`, `values()`) with only their arguments and a context of its own, so the key order
// of the search under way reaches them here, set just before the search and taken just after.
thread_local! {
    static ORDER: RefCell<Option<KeyOrder>> = const { RefCell::new(None) };
}

/// Where each object key goes, Python's way.
#[derive(Debug, Default)]
struct KeyOrder {
    /// The key lists of the expression's multi-select hashes.
    hashes: Vec<Vec<String>>,
    /// Each key's position at its first appearance in the input.
    ranks: HashMap<String, usize>,
}

impl KeyOrder {
    /// The keys of `map` in order: as the multi-select hash that has exactly
    /// these keys writes them, else by their first appearance in the input.
    fn keys<'a>(&self, map: &'a BTreeMap<String, Rcvar>) -> Vec<&'a String> {
        let mut keys: Vec<&String> = map.keys().collect();
        let hash = self.hashes.iter().find(|h| {
            let mut set: Vec<&String> = h.iter().collect();
            super::sort::sort(&mut set);
            set.dedup();
            set.len() == map.len() && set.iter().all(|k| map.contains_key(*k))
        });
        match hash {
            Some(order) => super::sort::sort_by_key(&mut keys, |k| order.iter().position(|o| o == *k)),
            None => super::sort::sort_by_key(&mut keys, |k| self.ranks.get(k.as_str()).copied().unwrap_or(usize::MAX)),
        }
        keys
    }

    fn value_of(&self, v: &Variable) -> Value {
        match v {
            Variable::Null | Variable::Expref(_) => Value::Null,
            Variable::Bool(b) => Value::Bool(*b),
            Variable::String(s) => Value::Str(s.clone()),
            Variable::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Variable::Array(items) => Value::List(items.iter().map(|i| self.value_of(i)).collect()),
            Variable::Object(map) => Value::Map(
                self.keys(map).into_iter().filter_map(|k| map.get(k).map(|v| (k.clone(), self.value_of(v)))).collect(),
            ),
        }
    }
}

/// `keys()` / `values()` of an object, in `KeyOrder`'s order.
fn members(args: &[Rcvar], values: bool) -> Variable {
    let Some(Variable::Object(map)) = args.first().map(|a| &**a) else { return Variable::Null };
    let keys = ORDER.with(|o| {
        let o = o.borrow();
        match o.as_ref() {
            Some(order) => order.keys(map).into_iter().cloned().collect::<Vec<String>>(),
            None => map.keys().cloned().collect(),
        }
    });
    Variable::Array(
        keys.into_iter()
            .filter_map(|k| if values { map.get(&k).cloned() } else { Some(Rcvar::new(Variable::String(k))) })
            .collect(),
    )
}

/// The function `*` on an object is rewritten to: a name no expression can
/// call, since it is not an identifier.
const OBJECT_VALUES: &str = "*object-values";

/// The crate's functions, with the numeric ones returning what jmespath.py
/// returns: an integer from `abs`, `ceil`, `floor` and `sum` of integers
/// (Python's `int`, printed `3`, not `3.0`), and null for `avg([])`; and
/// `keys()`, `values()` and `to_string()` in the object's order rather than
/// sorted.
static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    let mut runtime = Runtime::new();
    runtime.register_builtin_functions();
    runtime.register_function(
        "to_string",
        Box::new(CustomFunction::new(
            Signature::new(vec![ArgumentType::Any], None),
            Box::new(|args: &[Rcvar], _: &mut jmespath::Context<'_>| {
                Ok(match args.first().map(|a| &**a) {
                    Some(Variable::String(_)) | None => {
                        args.first().cloned().unwrap_or_else(|| Rcvar::new(Variable::Null))
                    }
                    Some(other) => {
                        let value = ORDER.with(|o| o.borrow().as_ref().map(|order| order.value_of(other)));
                        let value = value.unwrap_or_else(|| KeyOrder::default().value_of(other));
                        Rcvar::new(Variable::String(super::compact_json(&value)))
                    }
                })
            }),
        )),
    );
    // What `*` on an object becomes: null on anything else, as `*` gives.
    runtime.register_function(
        OBJECT_VALUES,
        Box::new(|args: &[Rcvar], _: &mut jmespath::Context<'_>| {
            Ok(Rcvar::new(match args.first().map(|a| &**a) {
                Some(Variable::Object(_)) => members(args, true),
                _ => Variable::Null,
            }))
        }),
    );
    for (name, values) in [("keys", false), ("values", true)] {
        runtime.register_function(
            name,
            Box::new(CustomFunction::new(
                Signature::new(vec![ArgumentType::Object], None),
                Box::new(move |args: &[Rcvar], _: &mut jmespath::Context<'_>| Ok(Rcvar::new(members(args, values)))),
            )),
        );
    }
    let number = || ArgumentType::Number;
    let numbers = || ArgumentType::TypedArray(Box::new(ArgumentType::Number));
    let one = |f: fn(&Number) -> Variable| {
        Box::new(CustomFunction::new(
            Signature::new(vec![number()], None),
            Box::new(move |args: &[Rcvar], _: &mut jmespath::Context<'_>| match args.first().map(|a| &**a) {
                Some(Variable::Number(n)) => Ok(Rcvar::new(f(n))),
                _ => Ok(Rcvar::new(Variable::Null)),
            }),
        ))
    };
    runtime.register_function(
        "abs",
        one(|n| match n.as_i64() {
            Some(i) => int_or_float(i.checked_abs(), (i as f64).abs()),
            None => float(n.as_f64().unwrap_or(f64::NAN).abs()),
        }),
    );
    runtime.register_function("ceil", one(|n| whole(n.as_f64().unwrap_or(f64::NAN).ceil())));
    runtime.register_function("floor", one(|n| whole(n.as_f64().unwrap_or(f64::NAN).floor())));
    runtime.register_function(
        "sum",
        Box::new(CustomFunction::new(
            Signature::new(vec![numbers()], None),
            Box::new(|args: &[Rcvar], _: &mut jmespath::Context<'_>| {
                let items = args.first().and_then(|a| a.as_array()).cloned().unwrap_or_default();
                let ints: Option<Vec<i64>> = items.iter().map(|v| v.as_number().and(as_int(v))).collect();
                Ok(Rcvar::new(match ints {
                    Some(ints) => {
                        let total = ints.iter().try_fold(0i64, |a, b| a.checked_add(*b));
                        int_or_float(total, ints.iter().map(|i| *i as f64).sum())
                    }
                    None => float(items.iter().filter_map(|v| v.as_number()).sum()),
                }))
            }),
        )),
    );
    runtime.register_function(
        "avg",
        Box::new(CustomFunction::new(
            Signature::new(vec![numbers()], None),
            Box::new(|args: &[Rcvar], _: &mut jmespath::Context<'_>| {
                let items = args.first().and_then(|a| a.as_array()).cloned().unwrap_or_default();
                if items.is_empty() {
                    return Ok(Rcvar::new(Variable::Null));
                }
                let total: f64 = items.iter().filter_map(|v| v.as_number()).sum();
                Ok(Rcvar::new(float(total / items.len() as f64)))
            }),
        )),
    );
    runtime
});

fn as_int(v: &Rcvar) -> Option<i64> {
    match &**v {
        Variable::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn float(f: f64) -> Variable {
    Number::from_f64(f).map_or(Variable::Null, Variable::Number)
}

fn int_or_float(i: Option<i64>, f: f64) -> Variable {
    i.map_or_else(|| float(f), |i| Variable::Number(i.into()))
}

/// A whole float as Python's `math.ceil` / `math.floor` return it: an int.
fn whole(f: f64) -> Variable {
    if f.is_finite() && f.abs() < 9.0e15 { Variable::Number((f as i64).into()) } else { float(f) }
}

/// jmespath.py ends a projection's right side at a multi-select hash
/// (`_parse_dot_rhs` returns it as it is), so in `L[*].{a: x}[0]` or
/// `L[*].{a: x}.b` what follows the hash applies to the projected list; the
/// crate applies it to each element. Rewrites the crate's tree to Python's.
fn hash_ends_projection(ast: Ast) -> Ast {
    let fix = |b: Box<Ast>| Box::new(hash_ends_projection(*b));
    match ast {
        Ast::Projection { offset, lhs, rhs } => {
            let (lhs, rhs) = (fix(lhs), fix(rhs));
            if matches!(*rhs, Ast::MultiHash { .. }) || !starts_with_hash(&rhs) {
                return Ast::Projection { offset, lhs, rhs };
            }
            // The hash at the head of `rhs` becomes the projection's right
            // side; the rest of `rhs` applies to the projection.
            replace_head(*rhs, &mut |hash| Ast::Projection { offset, lhs: lhs.clone(), rhs: Box::new(hash) })
        }
        Ast::Subexpr { offset, lhs, rhs } => Ast::Subexpr { offset, lhs: fix(lhs), rhs: fix(rhs) },
        Ast::Comparison { offset, comparator, lhs, rhs } => {
            Ast::Comparison { offset, comparator, lhs: fix(lhs), rhs: fix(rhs) }
        }
        Ast::And { offset, lhs, rhs } => Ast::And { offset, lhs: fix(lhs), rhs: fix(rhs) },
        Ast::Or { offset, lhs, rhs } => Ast::Or { offset, lhs: fix(lhs), rhs: fix(rhs) },
        Ast::Condition { offset, predicate, then } => {
            Ast::Condition { offset, predicate: fix(predicate), then: fix(then) }
        }
        Ast::Expref { offset, ast } => Ast::Expref { offset, ast: fix(ast) },
        Ast::Flatten { offset, node } => Ast::Flatten { offset, node: fix(node) },
        Ast::Not { offset, node } => Ast::Not { offset, node: fix(node) },
        // `*` on an object: its values in the object's order (the crate's
        // own node gives them in sorted key order).
        Ast::ObjectValues { offset, node } => {
            Ast::Function { offset, name: OBJECT_VALUES.to_owned(), args: vec![hash_ends_projection(*node)] }
        }
        Ast::Function { offset, name, args } => {
            Ast::Function { offset, name, args: args.into_iter().map(hash_ends_projection).collect() }
        }
        Ast::MultiList { offset, elements } => {
            Ast::MultiList { offset, elements: elements.into_iter().map(hash_ends_projection).collect() }
        }
        Ast::MultiHash { offset, elements } => Ast::MultiHash {
            offset,
            elements: elements
                .into_iter()
                .map(|kv| jmespath::ast::KeyValuePair { key: kv.key, value: hash_ends_projection(kv.value) })
                .collect(),
        },
        leaf => leaf,
    }
}

/// Whether the leftmost step of `ast` (down the left sides of
/// subexpressions and projections) is a multi-select hash.
fn starts_with_hash(ast: &Ast) -> bool {
    match ast {
        Ast::MultiHash { .. } => true,
        Ast::Subexpr { lhs, .. } | Ast::Projection { lhs, .. } => starts_with_hash(lhs),
        _ => false,
    }
}

fn replace_head(ast: Ast, with: &mut dyn FnMut(Ast) -> Ast) -> Ast {
    match ast {
        Ast::Subexpr { offset, lhs, rhs } => Ast::Subexpr { offset, lhs: Box::new(replace_head(*lhs, with)), rhs },
        Ast::Projection { offset, lhs, rhs } => {
            Ast::Projection { offset, lhs: Box::new(replace_head(*lhs, with)), rhs }
        }
        hash => with(hash),
    }
}

fn collect_hashes(ast: &Ast, out: &mut Vec<Vec<String>>) {
    match ast {
        Ast::MultiHash { elements, .. } => {
            out.push(elements.iter().map(|kv| kv.key.clone()).collect());
            for kv in elements {
                collect_hashes(&kv.value, out);
            }
        }
        Ast::Comparison { lhs, rhs, .. }
        | Ast::Projection { lhs, rhs, .. }
        | Ast::And { lhs, rhs, .. }
        | Ast::Or { lhs, rhs, .. }
        | Ast::Subexpr { lhs, rhs, .. } => {
            collect_hashes(lhs, out);
            collect_hashes(rhs, out);
        }
        Ast::Condition { predicate, then, .. } => {
            collect_hashes(predicate, out);
            collect_hashes(then, out);
        }
        Ast::Expref { ast, .. } => collect_hashes(ast, out),
        Ast::Flatten { node, .. } | Ast::Not { node, .. } | Ast::ObjectValues { node, .. } => collect_hashes(node, out),
        Ast::Function { args, .. } => args.iter().for_each(|a| collect_hashes(a, out)),
        Ast::MultiList { elements, .. } => elements.iter().for_each(|a| collect_hashes(a, out)),
        Ast::Identity { .. } | Ast::Field { .. } | Ast::Index { .. } | Ast::Literal { .. } | Ast::Slice { .. } => {}
    }
}

/// Each key's position at its first appearance in `v`, depth first.
fn rank_keys(v: &Value, ranks: &mut HashMap<String, usize>) {
    match v {
        Value::Map(entries) => {
            for (k, item) in entries {
                let next = ranks.len();
                if !ranks.contains_key(k) {
                    ranks.insert(k.clone(), next);
                }
                rank_keys(item, ranks);
            }
        }
        Value::List(items) => items.iter().for_each(|i| rank_keys(i, ranks)),
        _ => {}
    }
}

fn to_variable(v: &Value) -> Variable {
    match v {
        Value::Null => Variable::Null,
        Value::Bool(b) => Variable::Bool(*b),
        Value::Int(i) => Variable::Number((*i).into()),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Variable::Null, Variable::Number),
        Value::Str(s) => Variable::String(s.clone()),
        Value::Timestamp(t) => Variable::String(super::iso8601(*t)),
        Value::List(items) => Variable::Array(items.iter().map(|i| Rcvar::new(to_variable(i))).collect()),
        Value::Map(entries) => {
            Variable::Object(entries.iter().map(|(k, v)| (k.clone(), Rcvar::new(to_variable(v)))).collect())
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn parse_errors_in_jmespath_py_words() {
        // Each as jmespath.py's `str()` of its exception for the expression.
        let cases = [
            ("[[", "Invalid jmespath expression: Incomplete expression:\n\"[[\"\n   ^"),
            (
                "foo]",
                "Unexpected token: ]: Parse error at column 3, token \"]\" (RBRACKET), for expression:\n\"foo]\"\n    ^",
            ),
            (
                "foo.",
                "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], got: eof: Parse error at column 4, token \"\" (EOF), for expression:\n\"foo.\"\n     ^",
            ),
            ("a ~ b", "Bad jmespath expression: Unknown token ~:\na ~ b\n  ^"),
            ("foo = bar", "Bad jmespath expression: Unknown token '=':\nfoo = bar\n    ^"),
            ("-", "Bad jmespath expression: Unknown token '-':\n-\n^"),
            ("'abc", "Bad jmespath expression: Unclosed ' delimiter:\n'abc\n^"),
            ("`abc", "Bad jmespath expression: Unclosed ` delimiter:\n`abc\n^"),
            ("\"abc", "Bad jmespath expression: Unclosed \" delimiter:\n\"abc\n^"),
            ("foo[?a==`1`", "Invalid jmespath expression: Incomplete expression:\n\"foo[?a==`1`\"\n            ^"),
            (
                "foo[*]]",
                "Unexpected token: ]: Parse error at column 6, token \"]\" (RBRACKET), for expression:\n\"foo[*]]\"\n       ^",
            ),
            (
                "foo..bar",
                "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], got: dot: Parse error at column 4, token \".\" (DOT), for expression:\n\"foo..bar\"\n     ^",
            ),
            ("[?]", "invalid token: Parse error at column 2, token \"]\" (RBRACKET), for expression:\n\"[?]\"\n   ^"),
            (
                "a | | b",
                "invalid token: Parse error at column 4, token \"|\" (PIPE), for expression:\n\"a | | b\"\n     ^",
            ),
            ("foo(", "Invalid jmespath expression: Incomplete expression:\n\"foo(\"\n     ^"),
            (
                "foo[1:2:3:4]",
                "syntax error: Parse error at column 9, token \":\" (COLON), for expression:\n\"foo[1:2:3:4]\"\n          ^",
            ),
            ("{a: b", "Invalid jmespath expression: Incomplete expression:\n\"{a: b\"\n      ^"),
            ("@@", "Unexpected token: @: Parse error at column 1, token \"@\" (CURRENT), for expression:\n\"@@\"\n  ^"),
            ("!", "Invalid jmespath expression: Incomplete expression:\n\"!\"\n  ^"),
            ("a &&", "Invalid jmespath expression: Incomplete expression:\n\"a &&\"\n     ^"),
            ("length(", "Invalid jmespath expression: Incomplete expression:\n\"length(\"\n        ^"),
            ("foo[0", "Invalid jmespath expression: Incomplete expression:\n\"foo[0\"\n      ^"),
        ];
        let mut wrong = Vec::new();
        for (expression, expected) in cases {
            let got = Query::compile(expression).unwrap_err();
            let want = format!("Bad value for --query {expression}: {expected}");
            if got != want {
                wrong.push(format!("{expression:?}:\n  got  {got:?}\n  want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
    use super::*;

    // The compliance suite's JSON, as the CLI's value tree.
    use crate::output::tests::from_json_value as from_json;

    /// JSON equality: objects regardless of key order, `1` equal to `1.0`.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
            (Value::Float(x), Value::Float(y)) => (x - y).abs() <= f64::EPSILON * x.abs().max(y.abs()).max(1.0),
            (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
            (Value::Map(x), Value::Map(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same(v, v2)))
            }
            _ => a == b,
        }
    }

    /// Every `result` and `error` case of the JMESPath compliance suite
    /// (tests/jmespath-compliance, from jmespath.py), through `Query`: the
    /// CLI's value tree to JMESPath and back.
    #[test]
    fn jmespath_compliance_suite() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jmespath-compliance");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert_eq!(files.len(), 16, "the suite's files");
        let (mut results, mut errors, mut failures) = (0, 0, Vec::new());
        for file in &files {
            let suites: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
            for suite in suites.as_array().unwrap() {
                let given = from_json(&suite["given"]);
                for case in suite["cases"].as_array().unwrap() {
                    let expr = case["expression"].as_str().unwrap();
                    let name = format!("{}: {expr}", file.file_name().unwrap().to_string_lossy());
                    if let Some(want) = case.get("result") {
                        results += 1;
                        match Query::compile(expr).and_then(|q| q.search(&given)) {
                            Ok(got) if same(&got, &from_json(want)) => {}
                            Ok(got) => failures.push(format!("{name}: got {got:?}, want {want}")),
                            Err(e) => failures.push(format!("{name}: failed: {e}")),
                        }
                    } else if let Some(kind) = case.get("error").and_then(|e| e.as_str()) {
                        errors += 1;
                        match Query::compile(expr) {
                            Err(_) => {}
                            Ok(_) if kind == "syntax" => {
                                failures.push(format!("{name}: compiled, want a syntax error"))
                            }
                            Ok(q) => {
                                if let Ok(got) = q.search(&given) {
                                    failures.push(format!("{name}: got {got:?}, want a {kind} error"))
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{} of the compliance cases fail:\n{}", failures.len(), failures.join("\n"));
        assert_eq!((results, errors), (RESULT_CASES, ERROR_CASES), "cases run");
    }

    /// The suite's size: 902 cases, 752 with an expected result and 150 with
    /// an expected error (its benchmark-only cases are not counted).
    const RESULT_CASES: usize = 752;
    const ERROR_CASES: usize = 150;

    fn assoc(id: &str, state: &str) -> Value {
        Value::map(vec![
            ("AssociationId", Value::str(id)),
            ("InstanceId", Value::str(format!("i-{id}"))),
            ("IamInstanceProfile", Value::map(vec![("Arn", Value::str("arn:p")), ("Id", Value::str("AIPA"))])),
            ("State", Value::str(state)),
        ])
    }

    fn listing() -> Value {
        Value::map(vec![(
            "IamInstanceProfileAssociations",
            Value::List(vec![assoc("a1", "associated"), assoc("a2", "disassociating"), assoc("a3", "associated")]),
        )])
    }

    fn q(expr: &str) -> Value {
        Query::compile(expr).unwrap().search(&listing()).unwrap()
    }

    #[test]
    fn script_forms() {
        assert_eq!(q("IamInstanceProfileAssociations[0].AssociationId"), Value::str("a1"));
        assert_eq!(q("IamInstanceProfileAssociations[5].AssociationId"), Value::Null);
        assert_eq!(
            q("IamInstanceProfileAssociations[?State=='associated'].AssociationId"),
            Value::List(vec![Value::str("a1"), Value::str("a3")])
        );
        assert_eq!(q("length(IamInstanceProfileAssociations)"), Value::Int(3));
        assert_eq!(q("IamInstanceProfileAssociations[1]"), assoc("a2", "disassociating"), "model order kept");
    }

    #[test]
    fn object_key_order_as_python_keeps_it() {
        assert_eq!(
            q("to_string(IamInstanceProfileAssociations[0].{S: State, A: AssociationId, N: `[1, 2.5, null]`, U: 'é'})"),
            Value::str(r#"{"S":"associated","A":"a1","N":[1,2.5,null],"U":"\u00e9"}"#)
        );
        let star = q("IamInstanceProfileAssociations[0].*");
        let first = Value::List(vec![Value::str("a1"), Value::str("i-a1")]);
        assert_eq!(
            Value::List(match &star {
                Value::List(v) => v[..2].to_vec(),
                _ => vec![],
            }),
            first,
            "{star:?}"
        );
        assert_eq!(q("IamInstanceProfileAssociations[0].AssociationId.*"), Value::Null);
        assert_eq!(q("*.AssociationId"), Value::List(vec![]));
        let keys = q("keys(IamInstanceProfileAssociations[0])");
        let names = ["AssociationId", "InstanceId", "IamInstanceProfile", "State"];
        assert_eq!(keys, Value::List(names.iter().map(|n| Value::str(*n)).collect()));
        assert_eq!(
            q("values(IamInstanceProfileAssociations[0].{S: State, A: AssociationId})"),
            Value::List(vec![Value::str("associated"), Value::str("a1")])
        );
        let got = q("IamInstanceProfileAssociations[0].{State: State, Id: AssociationId, Arn: IamInstanceProfile.Arn}");
        assert_eq!(
            got,
            Value::map(vec![
                ("State", Value::str("associated")),
                ("Id", Value::str("a1")),
                ("Arn", Value::str("arn:p"))
            ])
        );
        let got = q("IamInstanceProfileAssociations[0].IamInstanceProfile");
        assert_eq!(got, Value::map(vec![("Arn", Value::str("arn:p")), ("Id", Value::str("AIPA"))]));
    }

    /// Numbers as jmespath.py returns them: Python ints where it gives ints.
    #[test]
    fn numeric_functions_as_python() {
        let v = Value::Null;
        let run = |e: &str| Query::compile(e).unwrap().search(&v).unwrap();
        assert_eq!(run("abs(`-3`)"), Value::Int(3));
        assert_eq!(run("abs(`-3.5`)"), Value::Float(3.5));
        assert_eq!(run("ceil(`1.2`)"), Value::Int(2));
        assert_eq!(run("floor(`1.8`)"), Value::Int(1));
        assert_eq!(run("sum(`[1, 2]`)"), Value::Int(3));
        assert_eq!(run("sum(`[1, 2.5]`)"), Value::Float(3.5));
        assert_eq!(run("sum(`[]`)"), Value::Int(0));
        assert_eq!(run("avg(`[1, 2]`)"), Value::Float(1.5));
        assert_eq!(run("avg(`[]`)"), Value::Null);
        assert_eq!(run("`1.0`"), Value::Float(1.0));
    }

    /// What follows a multi-select hash in a projection applies to the
    /// projected list, as jmespath.py parses it.
    #[test]
    fn a_hash_ends_the_projection_as_in_jmespath_py() {
        let hash = |id: &str, state: &str| Value::map(vec![("i", Value::str(id)), ("s", Value::str(state))]);
        let items = "IamInstanceProfileAssociations";
        assert_eq!(q(&format!("{items}[*].{{i: AssociationId, s: State}}[0]")), hash("a1", "associated"));
        assert_eq!(q(&format!("{items}[*].{{i: AssociationId, s: State}}.s")), Value::Null);
        assert_eq!(
            q(&format!("{items}[].{{i: AssociationId, s: State}}[?s=='disassociating']")),
            Value::List(vec![hash("a2", "disassociating")])
        );
        // A field or a list after the dot stays inside the projection.
        assert_eq!(q(&format!("{items}[*].AssociationId[0]")), Value::List(vec![]));
        assert_eq!(q(&format!("{items}[*].[AssociationId][0]")), Value::List(vec![Value::str("a1")]));
    }

    #[test]
    fn errors_are_v2s() {
        let e = Query::compile("IamInstanceProfileAssociations[}").unwrap_err();
        assert!(e.starts_with("Bad value for --query IamInstanceProfileAssociations[}: "), "{e}");
        let e = Query::compile("length(`1`)").unwrap().search(&listing()).unwrap_err();
        assert!(e.contains("length"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Any `--query` text, however broken, is compiled or refused, and
        /// a compiled one evaluates or fails: never a panic.
        #[test]
        fn any_query_text_is_answered_without_panicking(
            expr in "[a-zA-Z0-9_@&|!*?.,:;\\[\\]{}()<>=`'\" \\\\-]{0,40}"
        ) {
            if let Ok(query) = Query::compile(&expr) {
                let _ = query.search(&listing());
            }
        }

        /// The same for queries made of real pieces, which mostly compile.
        #[test]
        fn any_query_of_real_pieces_is_answered_without_panicking(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "IamInstanceProfileAssociations", "State", "AssociationId", "IamInstanceProfile", "Arn", "[0]",
                "[-1]", "[1:]", "[::-1]", "[*]", "[]", "[?State=='associated']", "[?!State]", ".", "|", "@", "*",
                "length(@)", "keys(@)", "values(@)", "sort(@)", "sort_by(@, &State)", "max_by(@, &AssociationId)",
                "{a: State, b: @}", "[State, AssociationId]", "`1`", "`\"x\"`", "`[1, 2.5]`", "'s'", " && ", " || ",
                " == ", " < ", "to_number(@)", "to_string(@)", "merge(@, `{}`)", "avg(@)", "sum(@)", "abs(@)",
                "not_null(@, `null`)", "join(', ', @)", "contains(@, 'a')", "reverse(@)", "type(@)", "map(&@, @)",
            ]), 1..8)
        ) {
            if let Ok(query) = Query::compile(&pieces.concat()) {
                let _ = query.search(&listing());
            }
        }
    }
}
