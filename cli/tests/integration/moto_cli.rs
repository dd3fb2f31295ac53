//! The `ec2-lite` command line against moto with signature checking on: each
//! command's output, its errors in the AWS CLI's words with exit 254,
//! credentials from the environment (session tokens included), pagination
//! across moto's 100-item pages, and the waiters.
//!
//! One moto server for all the integration tests. Each test works on associations of its
//! own and filters Describe by their instances.
//!
//! Needs the test venv: ignored by plain `cargo test`, run by `scripts/test`.

use std::collections::BTreeSet;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::cli::{self, assert_exit, stderr, stdout};
use crate::support::moto::{Moto, SeedPool, Seeded};
use serde_json::Value;

const DESCRIBE: &str = "describe-iam-instance-profile-associations";
const DISASSOCIATE: &str = "disassociate-iam-instance-profile";
const ASSOCIATE: &str = "associate-iam-instance-profile";
const REPLACE: &str = "replace-iam-instance-profile-association";

const SERVICE_ERROR: i32 = 254;
const OTHER: i32 = 255;

const UNKNOWN_ASSOC: &str = "iip-assoc-00000000000000000";

/// Associations Describe pages through (read only): more than moto's 100.
const PAGED: usize = 105;
/// Associations set aside for the tests that change them.
const POOL: usize = 20;

/// The shared server and its seeds.
fn moto() -> (&'static Moto, &'static SeedPool) {
    Moto::shared_with_seeds(PAGED, POOL)
}

/// What this module adds to the shared seed pool.
trait CliSeeds {
    fn bare_instance(&self, moto: &Moto) -> String;
    fn paged_filter(&self) -> String;
    fn paged_association_ids(&self) -> Vec<String>;
}

impl CliSeeds for SeedPool {
    /// A fresh instance with no association, for this test alone.
    fn bare_instance(&self, moto: &Moto) -> String {
        let seeded = self.association(moto);
        let out = lite(moto, &[DISASSOCIATE, "--association-id", &seeded.association_id]);
        assert_exit(&out, 0);
        seeded.instance_id
    }

    /// `--filters` naming every paged instance.
    fn paged_filter(&self) -> String {
        let ids: Vec<&str> = self.paged.iter().map(|s| s.instance_id.as_str()).collect();
        format!("Name=instance-id,Values={}", ids.join(","))
    }

    fn paged_association_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.paged.iter().map(|s| s.association_id.clone()).collect();
        ids.sort();
        ids
    }
}

/// Runs `ec2-lite ARGS` as the seeded user against moto: the environment is
/// cleared but for moto's `env_for_cli()` and `extra`.
fn lite_with_env(moto: &Moto, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let owned = moto.env_for_cli();
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.extend_from_slice(extra);
    cli::run(args, &env)
}

fn lite(moto: &Moto, args: &[&str]) -> Output {
    lite_with_env(moto, args, &[])
}

/// The JSON a successful run printed.
#[track_caller]
fn json(out: &Output) -> Value {
    assert_exit(out, 0);
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(out)))
}

/// A failed run's one error line, after checking the exit code and that
/// nothing went to stdout.
#[track_caller]
fn error_line(out: &Output, code: i32) -> String {
    assert_exit(out, code);
    assert_eq!(stdout(out), "", "a failure printed on stdout");
    // v2's prefix (awscli/errorformat.py), after a blank line.
    let text = stderr(out);
    assert!(text.starts_with("\nec2-lite: [ERROR]: "), "no v2 error prefix: {text:?}");
    cli::without_v2_prefix(&text).trim().to_owned()
}

/// The AWS CLI's output for the same command (it exits 255 where we exit 254).
fn aws(moto: &Moto, args: &[&str]) -> Output {
    let mut all = vec!["ec2"];
    all.extend_from_slice(args);
    moto.aws_cli(&all)
}

fn association_ids(v: &Value) -> Vec<String> {
    let list = v["IamInstanceProfileAssociations"].as_array().unwrap_or_else(|| panic!("no list in {v}"));
    let mut ids: Vec<String> = list.iter().map(|a| a["AssociationId"].as_str().expect("an id").to_owned()).collect();
    ids.sort();
    ids
}

/// The object keys printed `indent` spaces deep, in the order printed (a
/// parsed `Value` sorts them). With 4-space JSON, 4 is the top level, 8 the
/// members of a single association, 12 those of each listed one.
fn printed_keys(out: &Output, indent: usize) -> Vec<String> {
    let prefix = " ".repeat(indent);
    stdout(out)
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix)?.strip_prefix('"')?.split_once("\": ").map(|(k, _)| k.to_owned()))
        .collect()
}

/// The members of an association, in botocore's (the model's) order.
const ASSOCIATION_KEYS: [&str; 4] = ["AssociationId", "InstanceId", "IamInstanceProfile", "State"];

/// `text` with `from`'s ids replaced by `to`'s, so that two runs on two
/// equivalent associations can be compared byte for byte.
fn with_ids_of(text: &str, from: &Seeded, to: &Seeded) -> String {
    text.replace(&from.association_id, &to.association_id).replace(&from.instance_id, &to.instance_id)
}

// ---------------------------------------------------------------- Disassociate

#[test]
#[ignore = "needs scripts/venv"]
fn disassociate_prints_exactly_what_the_aws_cli_prints() {
    let (moto, seeds) = moto();
    for output in ["json", "text"] {
        let (ours, theirs) = (seeds.association(moto), seeds.association(moto));
        let out = lite(moto, &["--output", output, DISASSOCIATE, "--association-id", &ours.association_id]);
        assert_exit(&out, 0);
        let reference = aws(moto, &["--output", output, DISASSOCIATE, "--association-id", &theirs.association_id]);
        assert!(reference.status.success(), "aws failed: {}", stderr(&reference));
        assert_eq!(with_ids_of(&stdout(&out), &ours, &theirs), stdout(&reference), "--output {output}");
        assert_eq!(stderr(&out), "");
    }

    let seeded = seeds.association(moto);
    let out = lite(moto, &[DISASSOCIATE, "--association-id", &seeded.association_id]);
    let v = json(&out);
    let a = &v["IamInstanceProfileAssociation"];
    assert_eq!(printed_keys(&out, 4), ["IamInstanceProfileAssociation"]);
    assert_eq!(printed_keys(&out, 8), ASSOCIATION_KEYS);
    assert_eq!(a["AssociationId"], seeded.association_id.as_str());
    assert_eq!(a["InstanceId"], seeded.instance_id.as_str());
    assert_eq!(a["IamInstanceProfile"]["Arn"], seeded.profile_arn.as_str());
    assert_eq!(a["IamInstanceProfile"]["Id"], seeded.profile_id.as_str());
    assert_eq!(a["State"], "disassociating");
}

#[test]
#[ignore = "needs scripts/venv"]
fn disassociate_unknown_association_exits_254_with_the_aws_cli_error() {
    let (moto, seeds) = moto();
    let line = error_line(&lite(moto, &[DISASSOCIATE, "--association-id", UNKNOWN_ASSOC]), SERVICE_ERROR);
    assert_eq!(
        line,
        format!(
            "An error occurred (InvalidAssociationID.NotFound) when calling the DisassociateIamInstanceProfile \
             operation: An invalid association-id of '{UNKNOWN_ASSOC}' was given"
        )
    );
    let reference = aws(moto, &[DISASSOCIATE, "--association-id", UNKNOWN_ASSOC]);
    assert_eq!(line, stderr(&reference).trim());

    // Removing twice: the second run is the same error.
    let seeded = seeds.association(moto);
    assert_exit(&lite(moto, &[DISASSOCIATE, "--association-id", &seeded.association_id]), 0);
    let again = error_line(&lite(moto, &[DISASSOCIATE, "--association-id", &seeded.association_id]), SERVICE_ERROR);
    assert!(again.contains("(InvalidAssociationID.NotFound)"), "{again}");
}

#[test]
#[ignore = "needs scripts/venv"]
fn wrong_secret_exits_254_with_auth_failure_and_changes_nothing() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let wrong = format!("{}x", moto.secret_access_key);
    let out = lite_with_env(
        moto,
        &[DISASSOCIATE, "--association-id", &seeded.association_id],
        &[("AWS_SECRET_ACCESS_KEY", &wrong)],
    );
    assert_eq!(
        error_line(&out, SERVICE_ERROR),
        "An error occurred (AuthFailure) when calling the DisassociateIamInstanceProfile operation: \
         AWS was not able to validate the provided access credentials"
    );
    assert!(!stderr(&out).contains(&wrong));

    let out = lite_with_env(moto, &[DESCRIBE], &[("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")]);
    assert!(error_line(&out, SERVICE_ERROR).starts_with(
        "An error occurred (AuthFailure) when calling the DescribeIamInstanceProfileAssociations operation"
    ));

    let v = json(&lite(moto, &[DESCRIBE, "--association-ids", &seeded.association_id]));
    assert_eq!(association_ids(&v), [seeded.association_id.as_str()], "the association was removed");
}

#[test]
#[ignore = "needs scripts/venv"]
fn session_credentials_from_assume_role_work_with_aws_session_token() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let (akid, secret, token) = moto.assume_role();
    let session = [("AWS_ACCESS_KEY_ID", akid.as_str()), ("AWS_SECRET_ACCESS_KEY", secret.as_str())];
    let args = [DISASSOCIATE, "--association-id", seeded.association_id.as_str()];

    let out = lite_with_env(moto, &args, &session);
    assert!(error_line(&out, SERVICE_ERROR).contains("(AuthFailure)"), "without the token");

    let out = lite_with_env(moto, &args, &[session[0], session[1], ("AWS_SESSION_TOKEN", &token)]);
    let v = json(&out);
    assert_eq!(v["IamInstanceProfileAssociation"]["AssociationId"], seeded.association_id.as_str());
    assert_eq!(v["IamInstanceProfileAssociation"]["State"], "disassociating");
}

#[test]
#[ignore = "needs scripts/venv"]
fn debug_trace_of_a_signed_call_hides_the_secret_and_the_token() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let (akid, secret, token) = moto.assume_role();
    let env = [("AWS_ACCESS_KEY_ID", akid.as_str()), ("AWS_SECRET_ACCESS_KEY", &secret), ("AWS_SESSION_TOKEN", &token)];
    let out = lite_with_env(moto, &["--debug", DESCRIBE, "--association-ids", &seeded.association_id], &env);
    assert_eq!(association_ids(&json(&out)), [seeded.association_id.as_str()]);
    let trace = stderr(&out);
    assert!(trace.contains("response: http 200"), "{trace}");
    assert!(trace.contains("x-amz-security-token: ** redacted **"), "{trace}");
    assert!(trace.contains("Signature=** redacted **"), "{trace}");
    assert!(!trace.contains(&secret), "the secret is in the trace");
    assert!(!trace.contains(&token), "the session token is in the trace");
}

// ---------------------------------------------------------------- Associate / Replace

#[test]
#[ignore = "needs scripts/venv"]
fn associate_by_name_by_arn_and_by_json() {
    let (moto, seeds) = moto();
    let name = format!("Name={}", moto.profile.name);
    let arn = format!("Arn={}", moto.profile_b.arn);
    let json_form = format!(r#"{{"Name": "{}"}}"#, moto.profile_b.name);
    for (spec, profile) in [(&name, &moto.profile), (&arn, &moto.profile_b), (&json_form, &moto.profile_b)] {
        let instance = seeds.bare_instance(moto);
        let out = lite(moto, &[ASSOCIATE, "--iam-instance-profile", spec, "--instance-id", &instance]);
        let v = json(&out);
        let a = &v["IamInstanceProfileAssociation"];
        assert_eq!(printed_keys(&out, 8), ASSOCIATION_KEYS, "{spec}");
        assert!(a["AssociationId"].as_str().is_some_and(|id| id.starts_with("iip-assoc-")), "{v}");
        assert_eq!(a["InstanceId"], instance.as_str());
        assert_eq!(a["IamInstanceProfile"]["Arn"], profile.arn.as_str(), "{spec}");
        assert_eq!(a["IamInstanceProfile"]["Id"], profile.id.as_str(), "{spec}");
        assert_eq!(a["State"], "associating");

        let listed = json(&lite(moto, &[DESCRIBE, "--filters", &format!("Name=instance-id,Values={instance}")]));
        assert_eq!(association_ids(&listed), [a["AssociationId"].as_str().unwrap().to_owned()]);
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn associate_on_an_instance_that_has_a_profile_exits_254_incorrect_state() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let out = lite(
        moto,
        &[ASSOCIATE, "--iam-instance-profile", "Name=crate-profile-b", "--instance-id", &seeded.instance_id],
    );
    assert_eq!(
        error_line(&out, SERVICE_ERROR),
        format!(
            "An error occurred (IncorrectState) when calling the AssociateIamInstanceProfile operation: \
             There is an existing association for instance {}",
            seeded.instance_id
        )
    );
}

#[test]
#[ignore = "needs scripts/venv"]
fn associate_with_an_unknown_profile_exits_254_with_a_clean_error() {
    let (moto, seeds) = moto();
    let instance = seeds.bare_instance(moto);
    let arn = format!("arn:aws:iam::{}:instance-profile/no-such-profile", moto.account_id);
    for (spec, named) in [("Name=no-such-profile".to_owned(), "no-such-profile"), (format!("Arn={arn}"), arn.as_str())]
    {
        let out = lite(moto, &[ASSOCIATE, "--iam-instance-profile", &spec, "--instance-id", &instance]);
        assert_eq!(
            error_line(&out, SERVICE_ERROR),
            format!(
                "An error occurred (NoSuchEntity) when calling the AssociateIamInstanceProfile operation: \
                 Instance profile {named} not found"
            ),
            "{spec}"
        );
    }
    let out = lite(
        moto,
        &[ASSOCIATE, "--iam-instance-profile", "Name=crate-profile", "--instance-id", "i-00000000000000000"],
    );
    assert!(error_line(&out, SERVICE_ERROR).contains("(InvalidInstanceID.NotFound)"));
}

#[test]
#[ignore = "needs scripts/venv"]
fn replace_prints_the_association_with_the_new_profile() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let out = lite(
        moto,
        &[
            REPLACE,
            "--iam-instance-profile",
            &format!("Name={}", moto.profile_b.name),
            "--association-id",
            &seeded.association_id,
        ],
    );
    let v = json(&out);
    let a = &v["IamInstanceProfileAssociation"];
    assert_eq!(printed_keys(&out, 8), ASSOCIATION_KEYS);
    assert_eq!(a["InstanceId"], seeded.instance_id.as_str());
    assert_eq!(a["IamInstanceProfile"]["Arn"], moto.profile_b.arn.as_str());
    assert_eq!(a["State"], "associating");

    // The id to use from now on is the returned one.
    let returned = a["AssociationId"].as_str().expect("an id");
    let out = lite(
        moto,
        &["wait", "iam-instance-profile-associated", "--association-id", returned, "--delay", "0.2", "--timeout", "20"],
    );
    assert_exit(&out, 0);

    let out = lite(moto, &[REPLACE, "--iam-instance-profile", "Name=crate-profile", "--association-id", UNKNOWN_ASSOC]);
    assert_eq!(
        error_line(&out, SERVICE_ERROR),
        format!(
            "An error occurred (InvalidAssociationID.NotFound) when calling the ReplaceIamInstanceProfileAssociation \
             operation: An invalid association-id of '{UNKNOWN_ASSOC}' was given"
        )
    );
}

// ---------------------------------------------------------------- Describe

#[test]
#[ignore = "needs scripts/venv"]
fn describe_filters_or_their_values_and_and_each_other() {
    let (moto, seeds) = moto();
    let (a, b) = (seeds.association(moto), seeds.association(moto));
    let mut both = vec![a.association_id.clone(), b.association_id.clone()];
    both.sort();
    let instances = format!("Name=instance-id,Values={},{}", a.instance_id, b.instance_id);
    let describe = |args: &[&str]| {
        let mut all = vec![DESCRIBE];
        all.extend_from_slice(args);
        association_ids(&json(&lite(moto, &all)))
    };

    assert_eq!(describe(&["--filters", &instances]), both);
    assert_eq!(describe(&["--filters", &instances, "Name=state,Values=associated"]), both);
    assert_eq!(describe(&["--filters", &instances, "Name=state,Values=associating"]), Vec::<String>::new());
    assert_eq!(
        describe(&[
            "--filters",
            &format!("Name=instance-id,Values={}", a.instance_id),
            "Name=state,Values=[associating,associated]"
        ]),
        [a.association_id.as_str()]
    );
    let json_form = format!(
        r#"[{{"Name": "instance-id", "Values": ["{}", "{}"]}}, {{"Name": "state", "Values": ["associated"]}}]"#,
        a.instance_id, b.instance_id
    );
    assert_eq!(describe(&["--filters", &json_form]), both);
    assert_eq!(describe(&["--association-ids", &a.association_id, &b.association_id]), both);
}

#[test]
#[ignore = "needs scripts/venv"]
fn describe_matching_nothing_prints_an_empty_list() {
    let (moto, _) = moto();
    for args in [
        &[DESCRIBE, "--filters", "Name=instance-id,Values=i-00000000000000000"][..],
        &[DESCRIBE, "--association-ids", UNKNOWN_ASSOC],
    ] {
        let out = lite(moto, args);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out), "{\n    \"IamInstanceProfileAssociations\": []\n}\n", "{args:?}");
        let mut text = vec!["--output", "text"];
        text.extend_from_slice(args);
        let out = lite(moto, &text);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn describe_follows_next_token_across_moto_pages() {
    let (moto, seeds) = moto();
    let filter = seeds.paged_filter();
    for extra in [&[][..], &["--page-size", "5"], &["--page-size", "1000"]] {
        let mut args = vec![DESCRIBE, "--filters", &filter];
        args.extend_from_slice(extra);
        let out = lite(moto, &args);
        let v = json(&out);
        assert_eq!(printed_keys(&out, 4), ["IamInstanceProfileAssociations"], "{extra:?}: a NextToken after the end");
        assert_eq!(association_ids(&v), seeds.paged_association_ids(), "{extra:?}");
    }
    let out = lite(moto, &["--output", "text", DESCRIBE, "--filters", &filter]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert_eq!(text.lines().filter(|l| l.starts_with("IAMINSTANCEPROFILEASSOCIATIONS\t")).count(), PAGED);
    assert_eq!(text.lines().filter(|l| l.starts_with("IAMINSTANCEPROFILE\t")).count(), PAGED);
}

#[test]
#[ignore = "needs scripts/venv"]
fn no_paginate_prints_one_page_and_its_token() {
    let (moto, seeds) = moto();
    let filter = seeds.paged_filter();
    let out = lite(moto, &[DESCRIBE, "--filters", &filter, "--no-paginate"]);
    let first = json(&out);
    assert_eq!(printed_keys(&out, 4), ["IamInstanceProfileAssociations", "NextToken"]);
    assert_eq!(first["IamInstanceProfileAssociations"].as_array().map(Vec::len), Some(100));
    let token = first["NextToken"].as_str().expect("the service token");

    // --next-token is the service's own token: one page again, the last one.
    let out = lite(moto, &[DESCRIBE, "--filters", &filter, "--next-token", token]);
    let second = json(&out);
    assert_eq!(printed_keys(&out, 4), ["IamInstanceProfileAssociations"]);
    let mut all = association_ids(&first);
    all.extend(association_ids(&second));
    all.sort();
    assert_eq!(all, seeds.paged_association_ids());

    // --max-results pages by hand too (moto ignores the size).
    let one = json(&lite(moto, &[DESCRIBE, "--filters", &filter, "--max-results", "5"]));
    assert_eq!(one["IamInstanceProfileAssociations"].as_array().map(Vec::len), Some(100));
    assert!(one["NextToken"].is_string());
}

#[test]
#[ignore = "needs scripts/venv"]
fn max_items_and_starting_token_walk_the_whole_listing() {
    let (moto, seeds) = moto();
    let filter = seeds.paged_filter();
    for (max_items, steps) in [(40, 3), (100, 2), (104, 2), (105, 1), (1000, 1)] {
        let mut listed: Vec<String> = Vec::new();
        let mut token: Option<String> = None;
        let mut runs = 0;
        loop {
            let n = max_items.to_string();
            let mut args = vec![DESCRIBE, "--filters", &filter, "--max-items", &n];
            if let Some(t) = &token {
                args.extend(["--starting-token", t.as_str()]);
            }
            let v = json(&lite(moto, &args));
            runs += 1;
            let page = v["IamInstanceProfileAssociations"].as_array().expect("a list");
            assert!(page.len() <= max_items, "--max-items {max_items} printed {}", page.len());
            listed.extend(association_ids(&v));
            match v.get("NextToken").and_then(Value::as_str) {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
            assert!(runs <= steps, "--max-items {max_items}: more than {steps} runs");
        }
        assert_eq!(runs, steps, "--max-items {max_items}");
        let mut sorted = listed.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), listed.len(), "--max-items {max_items}: an item printed twice");
        assert_eq!(sorted, seeds.paged_association_ids(), "--max-items {max_items}");
    }
}

// ---------------------------------------------------------------- Waiters

#[test]
#[ignore = "needs scripts/venv"]
fn wait_for_an_existing_association_exits_0_at_once() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    for target in [["--association-id", &seeded.association_id], ["--instance-id", &seeded.instance_id]] {
        let start = Instant::now();
        let out = lite(moto, &["wait", "iam-instance-profile-associated", target[0], target[1], "--delay", "30"]);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out), "", "a waiter prints nothing");
        assert!(start.elapsed() < Duration::from_secs(15), "{target:?} polled twice");
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn wait_for_disassociation_exits_0_once_it_is_gone() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    assert_exit(&lite(moto, &[DISASSOCIATE, "--association-id", &seeded.association_id]), 0);
    for target in [["--association-id", &seeded.association_id], ["--instance-id", &seeded.instance_id]] {
        let out = lite(moto, &["wait", "iam-instance-profile-disassociated", target[0], target[1], "--delay", "30"]);
        assert_exit(&out, 0);
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn wait_that_times_out_exits_255_saying_what_it_saw() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let bare = seeds.bare_instance(moto);
    let fast = ["--delay", "0.2", "--timeout", "1"];
    let cases = [
        (
            ["iam-instance-profile-disassociated", "--association-id", seeded.association_id.as_str()],
            format!(
                "Waiter IamInstanceProfileDisassociated failed: timed out after 1s; last seen: {} in state associated",
                seeded.association_id
            ),
        ),
        (
            ["iam-instance-profile-associated", "--instance-id", bare.as_str()],
            format!(
                "Waiter IamInstanceProfileAssociated failed: timed out after 1s; last seen: instance {bare}: no association"
            ),
        ),
    ];
    for (waiter, message) in cases {
        let mut args = vec!["wait"];
        args.extend_from_slice(&waiter);
        args.extend_from_slice(&fast);
        let start = Instant::now();
        let out = lite(moto, &args);
        assert_eq!(error_line(&out, OTHER), message);
        assert!(start.elapsed() < Duration::from_secs(15));
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn wait_errors_other_than_timeouts_are_service_errors() {
    let (moto, _) = moto();
    let out = lite_with_env(
        moto,
        &["wait", "iam-instance-profile-associated", "--instance-id", "i-00000000000000000", "--timeout", "5"],
        &[("AWS_SECRET_ACCESS_KEY", "wrong")],
    );
    let line = error_line(&out, SERVICE_ERROR);
    assert!(
        line.starts_with(
            "An error occurred (AuthFailure) when calling the DescribeIamInstanceProfileAssociations operation"
        ),
        "{line}"
    );
}

#[test]
#[ignore = "needs scripts/venv"]
fn associations_listed_are_the_ones_seeded() {
    let (moto, seeds) = moto();
    let out = lite(moto, &[DESCRIBE, "--filters", &seeds.paged_filter()]);
    let v = json(&out);
    assert_eq!(printed_keys(&out, 12), ASSOCIATION_KEYS.repeat(PAGED));
    let listed: BTreeSet<(String, String)> = v["IamInstanceProfileAssociations"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| {
            assert_eq!(a["State"], "associated");
            assert_eq!(a["IamInstanceProfile"]["Arn"], moto.profile.arn.as_str());
            (a["AssociationId"].as_str().unwrap().to_owned(), a["InstanceId"].as_str().unwrap().to_owned())
        })
        .collect();
    let seeded: BTreeSet<(String, String)> =
        seeds.paged.iter().map(|s| (s.association_id.clone(), s.instance_id.clone())).collect();
    assert_eq!(listed, seeded);
}

/// `--association-id None`, what an empty `--query` lookup prints, is sent as
/// the AWS CLI sends it: EC2 answers NotFound, 254, which scripts read as
/// "already gone".
#[test]
#[ignore = "needs scripts/venv"]
fn association_id_none_is_sent_and_comes_back_not_found() {
    let (moto, _) = moto();
    for command in [
        &[DISASSOCIATE, "--association-id", "None"][..],
        &[
            "replace-iam-instance-profile-association",
            "--association-id",
            "None",
            "--iam-instance-profile",
            "Name=crate-profile",
        ],
    ] {
        let line = error_line(&lite(moto, command), SERVICE_ERROR);
        assert!(line.starts_with("An error occurred (InvalidAssociationID.NotFound)"), "{line}");
        let reference = aws(moto, command);
        assert_eq!(line, stderr(&reference).trim());
    }
}

// ---------------------------------------------------------------- Input documents and files

/// A scratch file for one test.
fn scratch(name: &str, text: &str) -> String {
    cli::scratch("moto-cli-input", name, text)
}

/// The skeleton round trip scripts do: `--generate-cli-skeleton` to a file,
/// fill it in, `--cli-input-json file://`, in JSON and in YAML.
#[test]
#[ignore = "needs scripts/venv"]
fn skeleton_filled_in_then_read_back_runs_the_command() {
    let (moto, seeds) = moto();
    // JSON: associate with the skeleton filled in.
    let skeleton = lite(moto, &[ASSOCIATE, "--generate-cli-skeleton"]);
    let mut doc: Value = json(&skeleton);
    let instance = seeds.bare_instance(moto);
    doc["IamInstanceProfile"] = serde_json::json!({"Name": moto.profile.name});
    doc["InstanceId"] = Value::String(instance.clone());
    let file = scratch("associate.json", &doc.to_string());
    let out = lite(moto, &[ASSOCIATE, "--cli-input-json", &format!("file://{file}")]);
    let v = json(&out);
    assert_eq!(v["IamInstanceProfileAssociation"]["InstanceId"], instance.as_str());
    assert_eq!(v["IamInstanceProfileAssociation"]["IamInstanceProfile"]["Arn"], moto.profile.arn.as_str());

    // YAML: the skeleton's text with its values filled in, comments kept.
    let seeded = seeds.association(moto);
    let yaml = stdout(&lite(moto, &[DISASSOCIATE, "--generate-cli-skeleton", "yaml-input"]));
    let filled = yaml.replacen("''", &format!("'{}'", seeded.association_id), 1);
    let file = scratch("disassociate.yaml", &filled);
    let v = json(&lite(moto, &[DISASSOCIATE, "--cli-input-yaml", &format!("file://{file}")]));
    assert_eq!(v["IamInstanceProfileAssociation"]["AssociationId"], seeded.association_id.as_str());
    assert_eq!(v["IamInstanceProfileAssociation"]["State"], "disassociating");
}

/// Command-line values override the document's (`CliInputArgument`), inline
/// documents work, and the AWS CLI reads the same document the same way.
#[test]
#[ignore = "needs scripts/venv"]
fn command_line_values_override_the_input_document() {
    let (moto, seeds) = moto();
    let (a, b) = (seeds.association(moto), seeds.association(moto));
    let doc = format!(
        r#"{{"AssociationIds": ["{}"], "Filters": [{{"Name": "state", "Values": ["associated"]}}]}}"#,
        a.association_id
    );
    let v = json(&lite(moto, &[DESCRIBE, "--cli-input-json", &doc]));
    assert_eq!(association_ids(&v), [a.association_id.as_str()]);
    let over = json(&lite(moto, &[DESCRIBE, "--cli-input-json", &doc, "--association-ids", &b.association_id]));
    assert_eq!(association_ids(&over), [b.association_id.as_str()]);
    let reference = aws(moto, &[DESCRIBE, "--cli-input-json", &doc, "--association-ids", &b.association_id]);
    assert_eq!(
        stdout(&reference),
        stdout(&lite(moto, &[DESCRIBE, "--cli-input-json", &doc, "--association-ids", &b.association_id]))
    );
    let yaml = format!("AssociationIds:\n- {}\n", a.association_id);
    let v = json(&lite(moto, &[DESCRIBE, "--cli-input-yaml", &yaml]));
    assert_eq!(association_ids(&v), [a.association_id.as_str()]);
}

/// `file://` for any parameter: the id and the filters read from files.
#[test]
#[ignore = "needs scripts/venv"]
fn parameter_values_from_files() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let filters =
        scratch("filters.json", &format!(r#"[{{"Name": "instance-id", "Values": ["{}"]}}]"#, seeded.instance_id));
    let listed = json(&lite(moto, &[DESCRIBE, "--filters", &format!("file://{filters}")]));
    assert_eq!(association_ids(&listed), [seeded.association_id.as_str()]);
    let id = scratch("id.txt", &seeded.association_id);
    let v = json(&lite(moto, &[DISASSOCIATE, "--association-id", &format!("file://{id}")]));
    assert_eq!(v["IamInstanceProfileAssociation"]["AssociationId"], seeded.association_id.as_str());
}
