//! Pagination: `--max-items` and `--starting-token` (at and around moto's page boundaries, the
//! token one tool prints resumed by the other, the whole listing walked), `--page-size`,
//! `--no-paginate` and paging by hand with `--max-results` / `--next-token`, and the
//! combinations v2 refuses.
//!
//! Helpers: `support::offline` (refusals before any request), `support::on_moto` (the shared
//! moto server and its seeds), `support::listing` and `support::differential` (the same pages
//! printed by the AWS CLI).
//!
//! The tests that run moto or the AWS CLI need the test venv: they are ignored by plain
//! `cargo test` and run by `scripts/test` (or `--include-ignored` with `EC2_LITE_VENV` set).

use serde_json::Value;

use crate::support::cli::{DESCRIBE, OTHER, USAGE, assert_exit, stderr, stdout};
use crate::support::differential::{assert_success, first_difference, resume_token, same_output, with};
use crate::support::listing::{aws, listing, lite};
use crate::support::moto::Moto;
use crate::support::offline::{Loopback, assert_refused_offline, run_at};
use crate::support::on_moto;
use crate::support::on_moto::{CliSeeds, association_ids, json, moto, printed_keys};

/// botocore enforces the model's `min` (5) client-side, never its `max`
/// (`botocore/validate.py`); integers are Python's `int()`.
#[test]
fn page_sizes_below_5_are_refused_before_any_request() {
    for n in ["4", "0", "-1"] {
        assert_refused_offline(
            &[DESCRIBE, "--max-results", n],
            &format!(
                "Parameter validation failed:\nInvalid value for parameter MaxResults, value: {n}, valid min value: 5"
            ),
        );
        assert_refused_offline(&[DESCRIBE, "--page-size", n], "valid min value: 5");
    }
    assert_refused_offline(&[DESCRIBE, "--page-size", "many"], "argument --page-size: invalid int value: 'many'");
    assert_refused_offline(&[DESCRIBE, "--max-items", "1.5"], "argument --max-items: invalid int value: '1.5'");
    // The service's own integer: a plain ValueError in the AWS CLI, 255.
    let wire = Loopback::tripwire();
    let out = run_at(&wire.endpoint, &[DESCRIBE, "--max-results", "ten"]);
    assert_exit(&out, OTHER);
    assert_eq!(stderr(&out), "\nec2-lite: [ERROR]: invalid literal for int() with base 10: 'ten'\n");
    assert_eq!(wire.connections(), 0);
    // 1001 is EC2's to refuse.
    let wire = Loopback::tripwire();
    let out = run_at(&wire.endpoint, &[DESCRIBE, "--max-results", "1001"]);
    assert_exit(&out, OTHER);
    assert!(wire.connections() > 0, "1001 was not sent");
}

/// v2 raises a ParamValidationError (252) with the bare message
/// (awscli/customizations/paginate.py, `ensure_paging_params_not_set`); v1's
/// PaginationError said "Error during pagination: " and exited 255.
#[test]
fn pagination_options_conflict_with_paging_by_hand() {
    for (extra, named) in [
        (&["--no-paginate", "--max-items", "3"][..], "--max-items"),
        (&["--no-paginate", "--starting-token", "eyJOZXh0VG9rZW4iOiAiMTAwIn0="], "--starting-token"),
        (&["--max-results", "5", "--page-size", "5"], "--page-size"),
        (&["--next-token", "100", "--max-items", "2"], "--max-items"),
        (
            &["--no-paginate", "--max-items", "3", "--page-size", "5", "--starting-token", "x"],
            "--starting-token, --page-size, --max-items",
        ),
    ] {
        let mut args = vec![DESCRIBE];
        args.extend_from_slice(extra);
        let wire = Loopback::tripwire();
        let out = run_at(&wire.endpoint, &args);
        assert_exit(&out, USAGE);
        assert_eq!(
            stderr(&out),
            format!(
                "\nec2-lite: [ERROR]: An error occurred (ParamValidation): Cannot specify \
                 --no-paginate along with pagination arguments: {named}\n"
            ),
            "{args:?}"
        );
        assert_eq!(wire.connections(), 0, "{args:?} reached the network");
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

#[test]
#[ignore = "needs scripts/venv"]
fn describe_follows_next_token_across_moto_pages() {
    let (moto, seeds) = moto();
    let filter = seeds.paged_filter();
    for extra in [&[][..], &["--page-size", "5"], &["--page-size", "1000"]] {
        let mut args = vec![DESCRIBE, "--filters", &filter];
        args.extend_from_slice(extra);
        let out = on_moto::lite(moto, &args);
        let v = json(&out);
        assert_eq!(printed_keys(&out, 4), ["IamInstanceProfileAssociations"], "{extra:?}: a NextToken after the end");
        assert_eq!(association_ids(&v), seeds.paged_association_ids(), "{extra:?}");
    }
    let out = on_moto::lite(moto, &["--output", "text", DESCRIBE, "--filters", &filter]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert_eq!(text.lines().filter(|l| l.starts_with("IAMINSTANCEPROFILEASSOCIATIONS\t")).count(), on_moto::PAGED);
    assert_eq!(text.lines().filter(|l| l.starts_with("IAMINSTANCEPROFILE\t")).count(), on_moto::PAGED);
}

#[test]
#[ignore = "needs scripts/venv"]
fn no_paginate_prints_one_page_and_its_token() {
    let (moto, seeds) = moto();
    let filter = seeds.paged_filter();
    let out = on_moto::lite(moto, &[DESCRIBE, "--filters", &filter, "--no-paginate"]);
    let first = json(&out);
    assert_eq!(printed_keys(&out, 4), ["IamInstanceProfileAssociations", "NextToken"]);
    assert_eq!(first["IamInstanceProfileAssociations"].as_array().map(Vec::len), Some(100));
    let token = first["NextToken"].as_str().expect("the service token");

    // --next-token is the service's own token: one page again, the last one.
    let out = on_moto::lite(moto, &[DESCRIBE, "--filters", &filter, "--next-token", token]);
    let second = json(&out);
    assert_eq!(printed_keys(&out, 4), ["IamInstanceProfileAssociations"]);
    let mut all = association_ids(&first);
    all.extend(association_ids(&second));
    all.sort();
    assert_eq!(all, seeds.paged_association_ids());

    // --max-results pages by hand too (moto ignores the size).
    let one = json(&on_moto::lite(moto, &[DESCRIBE, "--filters", &filter, "--max-results", "5"]));
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
            let v = json(&on_moto::lite(moto, &args));
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
