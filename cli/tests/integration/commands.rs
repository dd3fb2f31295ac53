//! What each command sends and prints when it succeeds: the request (the documented Query
//! POST), Describe (everything, by ids, by filters, nothing), Associate, Replace and
//! Disassociate, each compared with what the AWS CLI prints, and the shell scripts that chain
//! a lookup into a change.
//!
//! Helpers: `support::offline` (the request as sent), `support::on_moto`, `support::listing`,
//! `support::differential` and `support::scenarios` (the scenario tables' harness; the
//! completeness check of every table lives here).
//!
//! The tests that run moto or the AWS CLI need the test venv: they are ignored by plain
//! `cargo test` and run by `scripts/test` (or `--include-ignored` with `EC2_LITE_VENV` set).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::arguments::{GLOBAL, USAGE_ERRORS};
use crate::errors::ERRORS;
use crate::input::INPUT;
use crate::output::{OUTPUT, QUERY};
use crate::support::cli::{
    ASSOCIATE, DESCRIBE, DISASSOCIATE, REPLACE, SERVICE_ERROR, UNKNOWN_ASSOC, assert_exit, stderr, stdout,
};
use crate::support::differential::{UNKNOWN_INSTANCE, current, same_output, same_shape, strings, two_bare_instances};
use crate::support::listing::{PAGED, listing};
use crate::support::moto::Moto;
use crate::support::offline::{ASSOC, DISASSOCIATE_RESPONSE, Loopback, run_at};
use crate::support::on_moto;
use crate::support::on_moto::{ASSOCIATION_KEYS, CliSeeds, association_ids, error_line, json, moto, printed_keys};
use crate::support::scenarios::{OK, Script, Service, s, world};
use crate::support::twin::{self, Scenario, State};

#[test]
fn request_is_the_documented_query_post() {
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let out = run_at(&wire.endpoint, &["disassociate-iam-instance-profile", "--association-id", ASSOC]);
    assert_exit(&out, 0);
    let requests = wire.requests();
    let [request] = requests.as_slice() else { panic!("expected one request, got {requests:?}") };
    let lower = request.to_ascii_lowercase();
    assert!(request.starts_with("POST / HTTP/1.1\r\n"), "{request}");
    assert!(lower.contains("content-type: application/x-www-form-urlencoded; charset=utf-8\r\n"), "{request}");
    assert!(lower.contains("signedheaders=content-type;host;x-amz-date,"), "{request}");
    assert!(lower.contains("user-agent: ec2-lite/"), "{request}");
    assert!(
        request.ends_with(&format!(
            "\r\n\r\nAction=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId={ASSOC}"
        ))
    );
}

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

pub(crate) const CHANGES: &[Scenario] = &[
    s(
        "associate-json",
        &["ec2", ASSOCIATE, "--instance-id", "{I}", "--iam-instance-profile", "Name=crate-profile"],
        OK,
    )
    .state(State::Bare),
    s(
        "associate-text",
        &["ec2", ASSOCIATE, "--instance-id", "{I}", "--iam-instance-profile", "Arn={ARN}", "--output", "text"],
        OK,
    )
    .state(State::Bare),
    s(
        "associate-table",
        &[
            "ec2",
            ASSOCIATE,
            "--iam-instance-profile",
            "Name=crate-profile",
            "--instance-id",
            "{I}",
            "--output",
            "table",
        ],
        OK,
    )
    .state(State::Bare),
    s(
        "associate-json-structure",
        &[
            "ec2",
            ASSOCIATE,
            "--instance-id",
            "{I}",
            "--iam-instance-profile",
            "{\"Name\": \"crate-profile\"}",
            "--query",
            "IamInstanceProfileAssociation.State",
            "--output",
            "text",
        ],
        OK,
    )
    .state(State::Bare),
    s(
        "replace-json",
        &["ec2", REPLACE, "--association-id", "{A}", "--iam-instance-profile", "Name=crate-profile-b"],
        OK,
    )
    .state(State::Pair),
    s(
        "replace-text",
        &["ec2", REPLACE, "--association-id", "{A}", "--iam-instance-profile", "Arn={ARN_B}", "--output", "text"],
        OK,
    )
    .state(State::Pair),
    s("disassociate-json", &["ec2", DISASSOCIATE, "--association-id", "{A}"], OK).state(State::Pair),
    s("disassociate-text", &["ec2", DISASSOCIATE, "--association-id", "{A}", "--output", "text"], OK)
        .state(State::Pair),
    s("disassociate-table", &["ec2", DISASSOCIATE, "--association-id", "{A}", "--output", "table"], OK)
        .state(State::Pair),
    s(
        "disassociate-query",
        &[
            "ec2",
            DISASSOCIATE,
            "--association-id={A}",
            "--query",
            "IamInstanceProfileAssociation.State",
            "--output",
            "text",
        ],
        OK,
    )
    .state(State::Pair),
];

#[test]
#[ignore = "needs scripts/venv"]
fn state_changes_match() {
    let w = world();
    w.check("state changes", CHANGES);
}

#[test]
fn scenario_tables_are_complete() {
    let tables = [QUERY, OUTPUT, INPUT, GLOBAL, USAGE_ERRORS, ERRORS, CHANGES];
    let mut names: Vec<&str> = tables.iter().flat_map(|t| t.iter().map(|s| s.name)).collect();
    names.extend(SCRIPTS.iter().map(|s| s.name));
    let total = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), total, "scenario names are unique");
    assert!(total >= 80, "at least 80 scenarios, {total} now");
    for t in tables {
        for s in t {
            assert!(s.args.first() == Some(&"ec2") || s.args.contains(&"ec2"), "{}: names the service", s.name);
            // Changing commands run only on associations of their own.
            let changes = s.args.iter().any(|a| [ASSOCIATE, REPLACE, DISASSOCIATE].contains(a))
                && !s.args.contains(&"--generate-cli-skeleton");
            let own = s.args.iter().any(|a| a.contains("{A}") || a.contains("{I}"));
            assert!(!own || s.state != State::Listing, "{}: {{A}} / {{I}} need a Pair or Bare state", s.name);
            assert!(!changes || s.state != State::Listing || s.expect != OK, "{}: a change on the listing", s.name);
        }
    }
}

pub(crate) const SCRIPTS: &[Script] = &[
    Script {
        name: "script-lookup-then-disassociate",
        state: State::Pair,
        expect: OK,
        body: r#"
ID=$($EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I --query 'IamInstanceProfileAssociations[0].AssociationId' --output text)
echo "found $ID"
$EC2 disassociate-iam-instance-profile --association-id $ID
$EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I --output text
"#,
    },
    Script {
        name: "script-lookup-finds-nothing-already-gone",
        state: State::Bare,
        expect: OK,
        body: r#"
ID=$($EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I --query 'IamInstanceProfileAssociations[0].AssociationId' --output text)
echo "found $ID"
$EC2 disassociate-iam-instance-profile --association-id $ID || echo "already gone"
"#,
    },
    Script {
        name: "script-lookup-then-replace",
        state: State::Pair,
        expect: OK,
        body: r#"
ID=$($EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I --query 'IamInstanceProfileAssociations[0].AssociationId' --output text)
$EC2 replace-iam-instance-profile-association --association-id "$ID" --iam-instance-profile Name=crate-profile-b --output text
$EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I --query 'IamInstanceProfileAssociations[0].IamInstanceProfile.Arn' --output text
"#,
    },
    Script {
        name: "script-ensure-associated-twice",
        state: State::Bare,
        expect: OK,
        body: r#"
for round in 1 2; do
  N=$($EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I --query 'length(IamInstanceProfileAssociations)' --output text)
  echo "round $round: $N"
  if [ "$N" = "0" ]; then
    $EC2 associate-iam-instance-profile --instance-id $I --iam-instance-profile Name=crate-profile --query 'IamInstanceProfileAssociation.State' --output text
  fi
done
"#,
    },
    Script {
        name: "script-loop-over-lookup",
        state: State::Pair,
        expect: OK,
        body: r#"
for ID in $($EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I Name=state,Values=associated --query 'IamInstanceProfileAssociations[].AssociationId' --output text); do
  $EC2 disassociate-iam-instance-profile --association-id $ID --output json
done
$EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I
"#,
    },
    Script {
        name: "script-set-e-stops-at-the-error",
        state: State::Pair,
        expect: Service,
        body: r#"
set -e
$EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I --output table
$EC2 associate-iam-instance-profile --instance-id $I --iam-instance-profile Name=crate-profile
echo "not reached"
"#,
    },
    Script {
        name: "script-input-file-from-lookup",
        state: State::Pair,
        expect: OK,
        body: r#"
ID=$($EC2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=$I --query 'IamInstanceProfileAssociations[0].AssociationId' --output text)
printf '{"AssociationId": "%s"}' "$ID" > "$DIR/in.json"
$EC2 disassociate-iam-instance-profile --cli-input-json "file://$DIR/in.json" --query 'IamInstanceProfileAssociation.[AssociationId,State]' --output text
"#,
    },
    Script {
        name: "script-disassociate-twice",
        state: State::Pair,
        expect: Service,
        body: r#"
$EC2 disassociate-iam-instance-profile --association-id $A --query 'IamInstanceProfileAssociation.State' --output text
$EC2 disassociate-iam-instance-profile --association-id $A --query 'IamInstanceProfileAssociation.State' --output text
"#,
    },
];

#[test]
#[ignore = "needs scripts/venv"]
fn scripts_chaining_a_lookup_into_a_change_match() {
    let w = world();
    let failures: Vec<String> = SCRIPTS.iter().filter_map(|s| w.run_script(s)).collect();
    twin::report("scripts", SCRIPTS.len(), &failures);
}

#[test]
#[ignore = "needs scripts/venv"]
fn disassociate_prints_exactly_what_the_aws_cli_prints() {
    let (moto, seeds) = moto();
    for output in ["json", "text"] {
        let (ours, theirs) = (seeds.association(moto), seeds.association(moto));
        let out = on_moto::lite(moto, &["--output", output, DISASSOCIATE, "--association-id", &ours.association_id]);
        assert_exit(&out, 0);
        let reference =
            on_moto::aws(moto, &["--output", output, DISASSOCIATE, "--association-id", &theirs.association_id]);
        assert!(reference.status.success(), "aws failed: {}", stderr(&reference));
        assert_eq!(on_moto::with_ids_of(&stdout(&out), &ours, &theirs), stdout(&reference), "--output {output}");
        assert_eq!(stderr(&out), "");
    }

    let seeded = seeds.association(moto);
    let out = on_moto::lite(moto, &[DISASSOCIATE, "--association-id", &seeded.association_id]);
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
fn replace_prints_the_association_with_the_new_profile() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let out = on_moto::lite(
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
    let out = on_moto::lite(
        moto,
        &["wait", "iam-instance-profile-associated", "--association-id", returned, "--delay", "0.2", "--timeout", "20"],
    );
    assert_exit(&out, 0);

    let out = on_moto::lite(
        moto,
        &[REPLACE, "--iam-instance-profile", "Name=crate-profile", "--association-id", UNKNOWN_ASSOC],
    );
    assert_eq!(
        error_line(&out, SERVICE_ERROR),
        format!(
            "An error occurred (InvalidAssociationID.NotFound) when calling the ReplaceIamInstanceProfileAssociation \
             operation: An invalid association-id of '{UNKNOWN_ASSOC}' was given"
        )
    );
}

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
        association_ids(&json(&on_moto::lite(moto, &all)))
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
        let out = on_moto::lite(moto, args);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out), "{\n    \"IamInstanceProfileAssociations\": []\n}\n", "{args:?}");
        let mut text = vec!["--output", "text"];
        text.extend_from_slice(args);
        let out = on_moto::lite(moto, &text);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn associations_listed_are_the_ones_seeded() {
    let (moto, seeds) = moto();
    let out = on_moto::lite(moto, &[DESCRIBE, "--filters", &seeds.paged_filter()]);
    let v = json(&out);
    assert_eq!(printed_keys(&out, 12), ASSOCIATION_KEYS.repeat(on_moto::PAGED));
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
