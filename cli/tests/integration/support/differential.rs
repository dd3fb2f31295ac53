//! `ec2-lite` against the real AWS CLI (v1, from the test venv): the same arguments, the same
//! moto state, the same output. Describe output is compared exactly, as parsed JSON and byte
//! for byte, and `--output text` byte for byte; pagination tokens printed by one tool resume
//! in the other. Associate, Replace and Disassociate change state, so each tool runs on an
//! equivalent association of its own and the outputs are compared once the ids are swapped.
//!
//! Describe runs on a private server that nothing else changes (listings must be identical,
//! `support::listing`); the other commands on the binary's shared one.

use std::process::Output;

use serde_json::Value;

use super::cli::{self, DESCRIBE, stderr, stdout};
use super::listing::{aws, lite};
use super::moto::{Moto, Seeded};

pub const UNKNOWN_INSTANCE: &str = "i-00000000000000000";

#[track_caller]
pub fn assert_success(who: &str, args: &[&str], out: &Output) {
    assert!(
        out.status.success(),
        "{who} {args:?} failed ({}):\nstderr: {}\nstdout: {}",
        out.status,
        stderr(out),
        stdout(out)
    );
}

/// Where two outputs first differ, as a short message.
pub fn first_difference(ours: &str, theirs: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), theirs.lines().collect());
    for i in 0..a.len().max(b.len()) {
        if a.get(i) != b.get(i) {
            return format!(
                "line {}: ec2-lite {:?}, aws {:?} ({} and {} lines)",
                i + 1,
                a.get(i),
                b.get(i),
                a.len(),
                b.len()
            );
        }
    }
    "only in line endings or the final newline".to_owned()
}

/// Runs both tools with `args`, checks both succeeded and printed the same:
/// parsed JSON equal and the bytes equal (for `--output text`, the bytes).
/// Returns what they printed.
#[track_caller]
pub fn same_output(moto: &Moto, args: &[&str]) -> String {
    let theirs = aws(moto, args);
    let ours = lite(moto, args);
    assert_success("aws", args, &theirs);
    assert_success("ec2-lite", args, &ours);
    let (a, b) = (stdout(&ours), stdout(&theirs));
    if !args.contains(&"text") {
        let parsed = |who: &str, s: &str| -> Value {
            serde_json::from_str(s).unwrap_or_else(|e| panic!("{who} {args:?} printed no JSON ({e}):\n{s}"))
        };
        let (va, vb) = (parsed("ec2-lite", &a), parsed("aws", &b));
        assert!(va == vb, "{args:?}: the JSON differs: {}", first_difference(&a, &b));
    }
    assert!(a == b, "{args:?}: the output differs: {}", first_difference(&a, &b));
    a
}

/// The `NextToken` a `--max-items` run printed, in JSON or text output.
pub fn resume_token(printed: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<Value>(printed) {
        return v.get("NextToken").and_then(Value::as_str).map(str::to_owned);
    }
    printed.lines().find_map(|l| l.strip_prefix("NEXTTOKEN\t")).map(str::to_owned)
}

pub fn with(base: &[&'static str], extra: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(extra).copied().collect()
}

/// Swaps `from`'s ids for `to`'s in `text`.
pub fn with_ids_of(text: &str, from: &Seeded, to: &Seeded) -> String {
    text.replace(&from.association_id, &to.association_id).replace(&from.instance_id, &to.instance_id)
}

/// The first association id in `text`.
pub fn association_id_in(text: &str) -> Option<String> {
    let start = text.find("iip-assoc-")?;
    let id: String = text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    Some(id)
}

/// Runs `args(ours)` with ec2-lite and `args(theirs)` with the AWS CLI; both
/// succeed and print the same once the ids are swapped.
#[track_caller]
pub fn same_shape(moto: &Moto, ours: &Seeded, theirs: &Seeded, args: impl Fn(&Seeded) -> Vec<String>) {
    let (our_args, their_args) = (args(ours), args(theirs));
    let our_args: Vec<&str> = our_args.iter().map(String::as_str).collect();
    let their_args: Vec<&str> = their_args.iter().map(String::as_str).collect();
    let theirs_out = aws(moto, &their_args);
    let ours_out = lite(moto, &our_args);
    assert_success("aws", &their_args, &theirs_out);
    assert_success("ec2-lite", &our_args, &ours_out);
    // Associate makes a new association: swap the ids each output names.
    let (a, b) = (stdout(&ours_out), stdout(&theirs_out));
    let a = match (association_id_in(&a), association_id_in(&b)) {
        (Some(x), Some(y)) => a.replace(&x, &y),
        _ => a,
    };
    let a = a.replace(&ours.instance_id, &theirs.instance_id);
    if !our_args.contains(&"text") {
        let va: Value = serde_json::from_str(&a).unwrap_or_else(|e| panic!("ec2-lite printed no JSON ({e}): {a}"));
        let vb: Value = serde_json::from_str(&b).unwrap_or_else(|e| panic!("aws printed no JSON ({e}): {b}"));
        assert!(va == vb, "{our_args:?}: the JSON differs: {}", first_difference(&a, &b));
    }
    assert!(a == b, "{our_args:?}: the output differs: {}", first_difference(&a, &b));
}

/// As `same_shape`, for a command that fails: the same error line (we exit
/// 254 where the AWS CLI v1 exits 255).
#[track_caller]
pub fn same_error(moto: &Moto, ours: &Seeded, theirs: &Seeded, args: impl Fn(&Seeded) -> Vec<String>) {
    let (our_args, their_args) = (args(ours), args(theirs));
    let our_args: Vec<&str> = our_args.iter().map(String::as_str).collect();
    let their_args: Vec<&str> = their_args.iter().map(String::as_str).collect();
    let theirs_out = aws(moto, &their_args);
    let ours_out = lite(moto, &our_args);
    assert_eq!(theirs_out.status.code(), Some(255), "aws {their_args:?}: {}", stderr(&theirs_out));
    assert_eq!(ours_out.status.code(), Some(254), "ec2-lite {our_args:?}: {}", stderr(&ours_out));
    assert_eq!(stdout(&ours_out), "");
    let ours_text = crate::support::cli::without_v2_prefix(&stderr(&ours_out));
    assert_eq!(with_ids_of(&ours_text, ours, theirs).trim(), stderr(&theirs_out).trim(), "{our_args:?}");
}

pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// Two instances with no association, one per tool.
pub fn two_bare_instances(moto: &Moto) -> (Seeded, Seeded) {
    let mut pair = moto.seed_associations(2);
    for s in &pair {
        let out = lite(moto, &["disassociate-iam-instance-profile", "--association-id", &s.association_id]);
        assert_success("ec2-lite", &["disassociate-iam-instance-profile"], &out);
    }
    let b = pair.pop().unwrap();
    (pair.pop().unwrap(), b)
}

/// After associating, the association id each tool's instance now has.
pub fn current(moto: &Moto, instance: &Seeded) -> Seeded {
    let out = lite(moto, &[DESCRIBE, "--filters", &format!("Name=instance-id,Values={}", instance.instance_id)]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let id = v["IamInstanceProfileAssociations"][0]["AssociationId"].as_str().expect("an association");
    Seeded { association_id: id.to_owned(), ..instance.clone() }
}

/// v1's exit code for a command line it refused, as v2 reports the same
/// refusal: argparse's 2 and v1's 255 for `Unknown options` are v2's 252
/// (awscli/constants.py, PARAM_VALIDATION_ERROR_RC).
pub fn v1_to_v2_refusal(code: Option<i32>) -> Option<i32> {
    match code {
        Some(2 | 252 | 255) => Some(252),
        other => other,
    }
}

/// A scratch file for one test.
pub fn scratch(name: &str, text: &str) -> String {
    cli::scratch("cli-differential-input", name, text)
}
