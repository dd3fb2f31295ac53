//! `ec2-lite` against the real AWS CLI (v1, from the test venv): the same
//! arguments, the same moto state, the same output. Every Describe variant is
//! compared exactly, as parsed JSON and byte for byte, and `--output text`
//! byte for byte; pagination tokens printed by one tool resume in the other.
//! Associate, Replace and Disassociate change state, so each tool runs on an
//! equivalent association of its own and the outputs are compared once the
//! ids are swapped.
//!
//! Describe runs on a private server that nothing else changes (listings must
//! be identical); the other commands on the binary's shared one.
//!
//! Needs the test venv: ignored by plain `cargo test`, run by `scripts/test`.

use std::process::Output;

use crate::support::cli::{self, stderr, stdout};
use crate::support::listing::{PAGED, aws, listing, lite};
use crate::support::moto::{Moto, Seeded};
use serde_json::Value;

const DESCRIBE: &str = "describe-iam-instance-profile-associations";

const UNKNOWN_ASSOC: &str = "iip-assoc-00000000000000000";
const UNKNOWN_INSTANCE: &str = "i-00000000000000000";

#[track_caller]
fn assert_success(who: &str, args: &[&str], out: &Output) {
    assert!(
        out.status.success(),
        "{who} {args:?} failed ({}):\nstderr: {}\nstdout: {}",
        out.status,
        stderr(out),
        stdout(out)
    );
}

/// Where two outputs first differ, as a short message.
fn first_difference(ours: &str, theirs: &str) -> String {
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
fn same_output(moto: &Moto, args: &[&str]) -> String {
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
fn resume_token(printed: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<Value>(printed) {
        return v.get("NextToken").and_then(Value::as_str).map(str::to_owned);
    }
    printed.lines().find_map(|l| l.strip_prefix("NEXTTOKEN\t")).map(str::to_owned)
}

fn with(base: &[&'static str], extra: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(extra).copied().collect()
}

// ---------------------------------------------------------------- Describe

#[test]
#[ignore = "needs scripts/venv"]
fn describe_everything_matches_in_json_and_text() {
    let l = listing();
    let printed = same_output(&l.moto, &[DESCRIBE]);
    let v: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(v["IamInstanceProfileAssociations"].as_array().map(Vec::len), Some(PAGED + 1), "pages were followed");
    same_output(&l.moto, &[DESCRIBE, "--output", "text"]);
}

#[test]
#[ignore = "needs scripts/venv"]
fn describe_by_association_ids_matches() {
    let l = listing();
    let (a, b) = (&l.seeded[0].association_id, &l.other_profile.association_id);
    for args in [
        vec![DESCRIBE, "--association-ids", a],
        vec![DESCRIBE, "--association-ids", a, b],
        vec![DESCRIBE, "--association-ids", b, a, UNKNOWN_ASSOC],
        vec![DESCRIBE, "--association-ids", UNKNOWN_ASSOC],
        vec!["--output", "text", DESCRIBE, "--association-ids", a, b],
    ] {
        same_output(&l.moto, &args);
    }
    let json_list = format!(r#"["{a}", "{b}"]"#);
    same_output(&l.moto, &[DESCRIBE, "--association-ids", &json_list]);
}

#[test]
#[ignore = "needs scripts/venv"]
fn describe_filters_match() {
    let l = listing();
    let (i1, i2) = (&l.seeded[7].instance_id, &l.other_profile.instance_id);
    let ored = format!("Name=instance-id,Values={i1},{i2}");
    let one = format!("Name=instance-id,Values={i1}");
    let bracketed = format!("Name=instance-id,Values=[{i1},{i2}]");
    let json_form = format!(
        r#"[{{"Name": "instance-id", "Values": ["{i1}", "{i2}"]}}, {{"Name": "state", "Values": ["associated"]}}]"#
    );
    let nothing = format!("Name=instance-id,Values={UNKNOWN_INSTANCE}");
    for args in [
        vec![DESCRIBE, "--filters", &ored],
        vec![DESCRIBE, "--filters", &bracketed],
        vec![DESCRIBE, "--filters", &ored, "Name=state,Values=associated"],
        vec![DESCRIBE, "--filters", &ored, "Name=state,Values=associating"],
        vec![DESCRIBE, "--filters", &one, "Name=state,Values=associating,associated"],
        vec![DESCRIBE, "--filters", &json_form],
        vec![DESCRIBE, "--filters", &nothing],
        vec!["--output", "text", DESCRIBE, "--filters", &ored],
        vec![DESCRIBE, "--association-ids", &l.seeded[7].association_id, "--filters", &ored],
        vec![DESCRIBE, "--association-ids", &l.seeded[8].association_id, "--filters", &one],
    ] {
        same_output(&l.moto, &args);
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn max_items_matches_at_and_around_page_boundaries() {
    let l = listing();
    for n in ["1", "99", "100", "101", "105", "106", "1000"] {
        same_output(&l.moto, &[DESCRIBE, "--max-items", n]);
    }
    for n in ["3", "100", "101"] {
        same_output(&l.moto, &["--output", "text", DESCRIBE, "--max-items", n]);
    }
}

/// Follows `--max-items` runs to the end, handing each tool the token the
/// other printed, and checks every step printed the same.
fn cross_chain(moto: &Moto, args: &[&str]) -> usize {
    let mut token: Option<String> = None;
    let mut steps = 0;
    loop {
        let mut step: Vec<&str> = args.to_vec();
        if let Some(t) = &token {
            step.extend(["--starting-token", t.as_str()]);
        }
        let theirs = aws(moto, &step);
        assert_success("aws", &step, &theirs);
        // ec2-lite resumes from the AWS CLI's token, and the AWS CLI (next
        // round) from ec2-lite's.
        let ours = lite(moto, &step);
        assert_success("ec2-lite", &step, &ours);
        let (a, b) = (stdout(&ours), stdout(&theirs));
        assert!(a == b, "{step:?}: the output differs: {}", first_difference(&a, &b));
        steps += 1;
        assert!(steps < 50, "{args:?} does not end");
        match resume_token(&a) {
            Some(t) => token = Some(t),
            None => return steps,
        }
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn starting_tokens_resume_in_the_other_tool() {
    let l = listing();
    assert_eq!(cross_chain(&l.moto, &[DESCRIBE, "--max-items", "40"]), 3);
    assert_eq!(cross_chain(&l.moto, &[DESCRIBE, "--max-items", "100"]), 2);
    assert_eq!(cross_chain(&l.moto, &[DESCRIBE, "--max-items", "53"]), 2);
    assert_eq!(cross_chain(&l.moto, &[DESCRIBE, "--max-items", "30", "--page-size", "5"]), 4);
    assert_eq!(cross_chain(&l.moto, &["--output", "text", DESCRIBE, "--max-items", "60"]), 2);
}

#[test]
#[ignore = "needs scripts/venv"]
fn starting_token_forms_match() {
    let l = listing();
    // The service's token as is, botocore's base64 JSON without and with a
    // truncation, and the old `TOKEN___N` form.
    for token in [
        "100",
        "eyJOZXh0VG9rZW4iOiAiMTAwIn0=",
        "eyJOZXh0VG9rZW4iOiAiMTAwIiwgImJvdG9fdHJ1bmNhdGVfYW1vdW50IjogMn0=",
        "100___2",
    ] {
        same_output(&l.moto, &[DESCRIBE, "--starting-token", token, "--max-items", "2"]);
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn page_size_matches() {
    let l = listing();
    for args in [
        with(&[DESCRIBE], &["--page-size", "5"]),
        with(&[DESCRIBE], &["--page-size", "1000"]),
        with(&[DESCRIBE], &["--page-size", "5", "--max-items", "7"]),
        with(&["--output", "text", DESCRIBE], &["--page-size", "5", "--max-items", "101"]),
    ] {
        same_output(&l.moto, &args);
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn paging_by_hand_matches() {
    let l = listing();
    let filter = format!("Name=instance-id,Values={},{}", l.seeded[0].instance_id, l.seeded[1].instance_id);
    for args in [
        vec![DESCRIBE, "--no-paginate"],
        vec!["--output", "text", DESCRIBE, "--no-paginate"],
        vec![DESCRIBE, "--max-results", "5"],
        vec![DESCRIBE, "--max-results", "1000"],
        vec!["--output", "text", DESCRIBE, "--max-results", "5"],
        vec![DESCRIBE, "--next-token", "100"],
        vec![DESCRIBE, "--next-token", "100", "--max-results", "5"],
        vec![DESCRIBE, "--no-paginate", "--next-token", "100"],
        vec!["--output", "text", DESCRIBE, "--next-token", "100"],
        vec![DESCRIBE, "--no-paginate", "--filters", &filter],
    ] {
        same_output(&l.moto, &args);
    }
}

// ---------------------------------------------------------------- Associate, Replace, Disassociate

/// Swaps `from`'s ids for `to`'s in `text`.
fn with_ids_of(text: &str, from: &Seeded, to: &Seeded) -> String {
    text.replace(&from.association_id, &to.association_id).replace(&from.instance_id, &to.instance_id)
}

/// The first association id in `text`.
fn association_id_in(text: &str) -> Option<String> {
    let start = text.find("iip-assoc-")?;
    let id: String = text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    Some(id)
}

/// Runs `args(ours)` with ec2-lite and `args(theirs)` with the AWS CLI; both
/// succeed and print the same once the ids are swapped.
#[track_caller]
fn same_shape(moto: &Moto, ours: &Seeded, theirs: &Seeded, args: impl Fn(&Seeded) -> Vec<String>) {
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
fn same_error(moto: &Moto, ours: &Seeded, theirs: &Seeded, args: impl Fn(&Seeded) -> Vec<String>) {
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

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// Two instances with no association, one per tool.
fn two_bare_instances(moto: &Moto) -> (Seeded, Seeded) {
    let mut pair = moto.seed_associations(2);
    for s in &pair {
        let out = lite(moto, &["disassociate-iam-instance-profile", "--association-id", &s.association_id]);
        assert_success("ec2-lite", &["disassociate-iam-instance-profile"], &out);
    }
    let b = pair.pop().unwrap();
    (pair.pop().unwrap(), b)
}

/// After associating, the association id each tool's instance now has.
fn current(moto: &Moto, instance: &Seeded) -> Seeded {
    let out = lite(moto, &[DESCRIBE, "--filters", &format!("Name=instance-id,Values={}", instance.instance_id)]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let id = v["IamInstanceProfileAssociations"][0]["AssociationId"].as_str().expect("an association");
    Seeded { association_id: id.to_owned(), ..instance.clone() }
}

#[test]
#[ignore = "needs scripts/venv"]
fn associate_replace_and_disassociate_print_what_the_aws_cli_prints() {
    let moto = Moto::shared();
    let name = format!("Name={}", moto.profile.name);
    let arn_b = format!("Arn={}", moto.profile_b.arn);
    let arn = format!("Arn={}", moto.profile.arn);
    for output in ["json", "text"] {
        let (ours, theirs) = two_bare_instances(moto);
        let profile = if output == "json" { &name } else { &arn };
        same_shape(moto, &ours, &theirs, |s| {
            strings(&[
                "--output",
                output,
                "associate-iam-instance-profile",
                "--iam-instance-profile",
                profile,
                "--instance-id",
                &s.instance_id,
            ])
        });
        let (ours, theirs) = (current(moto, &ours), current(moto, &theirs));
        same_shape(moto, &ours, &theirs, |s| {
            strings(&[
                "--output",
                output,
                "replace-iam-instance-profile-association",
                "--iam-instance-profile",
                &arn_b,
                "--association-id",
                &s.association_id,
            ])
        });
        same_shape(moto, &ours, &theirs, |s| {
            strings(&["--output", output, "disassociate-iam-instance-profile", "--association-id", &s.association_id])
        });
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn service_errors_read_as_the_aws_cli_prints_them() {
    let moto = Moto::shared();
    let mut pair = moto.seed_associations(2);
    let (ours, theirs) = (pair.pop().unwrap(), pair.pop().unwrap());

    // An instance that already has a profile.
    same_error(moto, &ours, &theirs, |s| {
        strings(&[
            "associate-iam-instance-profile",
            "--iam-instance-profile",
            "Name=crate-profile-b",
            "--instance-id",
            &s.instance_id,
        ])
    });
    // Unknown ids and profiles.
    same_error(moto, &ours, &theirs, |_| {
        strings(&["disassociate-iam-instance-profile", "--association-id", UNKNOWN_ASSOC])
    });
    same_error(moto, &ours, &theirs, |_| {
        strings(&[
            "replace-iam-instance-profile-association",
            "--iam-instance-profile",
            "Name=crate-profile",
            "--association-id",
            UNKNOWN_ASSOC,
        ])
    });
    same_error(moto, &ours, &theirs, |_| {
        strings(&[
            "associate-iam-instance-profile",
            "--iam-instance-profile",
            "Name=crate-profile",
            "--instance-id",
            UNKNOWN_INSTANCE,
        ])
    });
    for s in [&ours, &theirs] {
        let out = lite(moto, &["disassociate-iam-instance-profile", "--association-id", &s.association_id]);
        assert_success("ec2-lite", &["disassociate-iam-instance-profile"], &out);
    }
    same_error(moto, &ours, &theirs, |s| {
        strings(&[
            "associate-iam-instance-profile",
            "--iam-instance-profile",
            "Name=no-such-profile",
            "--instance-id",
            &s.instance_id,
        ])
    });
    // Removed already.
    same_error(moto, &ours, &theirs, |s| {
        strings(&["disassociate-iam-instance-profile", "--association-id", &s.association_id])
    });
}

/// v1's exit code for a command line it refused, as v2 reports the same
/// refusal: argparse's 2 and v1's 255 for `Unknown options` are v2's 252
/// (awscli/constants.py, PARAM_VALIDATION_ERROR_RC).
fn v1_to_v2_refusal(code: Option<i32>) -> Option<i32> {
    match code {
        Some(2 | 252 | 255) => Some(252),
        other => other,
    }
}

/// Command lines both tools refuse, with the state untouched: the same
/// refusal (exit codes mapped, the AWS CLI's line after removing v2's prefix).
#[test]
#[ignore = "needs scripts/venv"]
fn refused_command_lines_match_and_change_nothing() {
    let moto = Moto::shared();
    let seeded = moto.seed_association();
    let id = seeded.association_id.as_str();
    let d = "disassociate-iam-instance-profile";
    for (args, last_line) in [
        (vec![d, "--association-id", id, "-h"], "Unknown options: -h"),
        (vec![d, "--association-id", id, "-h", "junk"], "Unknown options: -h, junk"),
        (vec![d, "--association-id", id, "junk"], "Unknown options: junk"),
        (vec![d, "--association-id", id, "--max-results", "5"], "Unknown options: --max-results, 5"),
        (vec![d, "--association-id", id, "--force"], "Unknown options: --force"),
        (vec![d, "--association-id"], "argument --association-id: expected one argument"),
        (vec![d, "--association-id", "-x"], "argument --association-id: expected one argument"),
        (vec![d], "the following arguments are required: --association-id"),
        (vec![DESCRIBE, "--max-results", "4"], "Invalid value for parameter MaxResults, value: 4, valid min value: 5"),
    ] {
        let ours = lite(moto, &args);
        let theirs = aws(moto, &args);
        assert_eq!(ours.status.code(), Some(252), "ec2-lite {args:?}: {}", stderr(&ours));
        assert_eq!(v1_to_v2_refusal(theirs.status.code()), Some(252), "aws {args:?}: {}", stderr(&theirs));
        assert_eq!(stdout(&ours), "");
        let our_text = cli::without_v2_prefix(&stderr(&ours)).replace("An error occurred (ParamValidation): ", "");
        for (who, text) in [("ec2-lite", our_text.as_str()), ("aws", &stderr(&theirs))] {
            assert!(text.contains(last_line), "{who} {args:?}: {text}");
        }
    }
    // Still there: nothing above was sent.
    let listed = lite(moto, &[DESCRIBE, "--association-ids", id]);
    assert_success("ec2-lite", &[DESCRIBE], &listed);
    assert!(stdout(&listed).contains("\"State\": \"associated\""), "{}", stdout(&listed));
}

/// A scratch file for one test.
fn scratch(name: &str, text: &str) -> String {
    cli::scratch("cli-differential-input", name, text)
}

/// The forms scripts write, read the same by both tools: `=` values, prefixes,
/// global options after the command, input documents inline and from files,
/// `file://` values, and the input skeletons, byte for byte.
#[test]
#[ignore = "needs scripts/venv"]
fn argument_forms_inputs_and_skeletons_match() {
    let l = listing();
    let (a, b) = (&l.seeded[3].association_id, &l.other_profile.association_id);
    let i1 = &l.seeded[4].instance_id;
    let ids_equal = format!("--association-ids={a}");
    let doc = format!(r#"{{"AssociationIds": ["{a}", "{b}"]}}"#);
    let doc_file = format!("file://{}", scratch("ids.json", &doc));
    let filters = format!(r#"[{{"Name": "instance-id", "Values": ["{i1}"]}}]"#);
    let filters_file = format!("file://{}", scratch("filters.json", &filters));
    let doc_with_filters = format!(r#"{{"Filters": {filters}}}"#);
    for args in [
        vec![DESCRIBE, &ids_equal],
        vec![DESCRIBE, "--assoc", a, b],
        vec![DESCRIBE, "--association-ids", a, "--output", "text"],
        vec![DESCRIBE, "--max-items=3"],
        vec![DESCRIBE, "--cli-input-json", &doc],
        vec![DESCRIBE, "--cli-input-json", &doc_file],
        vec![DESCRIBE, "--cli-input-json", &doc, "--association-ids", b],
        vec![DESCRIBE, "--cli-input-json", &doc_with_filters],
        vec![DESCRIBE, "--filters", &filters_file],
        vec![DESCRIBE, "--association-ids", a, "--association-ids", b],
    ] {
        same_output(&l.moto, &args);
    }
    for command in [
        DESCRIBE,
        "disassociate-iam-instance-profile",
        "associate-iam-instance-profile",
        "replace-iam-instance-profile-association",
    ] {
        same_output(&l.moto, &[command, "--generate-cli-skeleton"]);
        same_output(&l.moto, &[command, "--generate-cli-skeleton", "input"]);
    }
}
