//! Parameter input: shorthand and JSON values (unknown members, repeated keys, bad JSON),
//! `file://` and `fileb://` values, `--cli-input-json` / `--cli-input-yaml` documents and how
//! command-line values override them, and `--generate-cli-skeleton`, exactly as v2 prints it
//! and round-tripped through a file.
//!
//! Helpers: `support::offline` (refusals before any request, skeletons that send nothing),
//! `support::on_moto` (input documents and files that reach moto), and `support::scenarios` /
//! `support::differential` (the same inputs given to the AWS CLI).
//!
//! The tests that run moto or the AWS CLI need the test venv: they are ignored by plain
//! `cargo test` and run by `scripts/test` (or `--include-ignored` with `EC2_LITE_VENV` set).

use serde_json::Value;

use crate::support::cli::{ASSOCIATE, CONFIG, DESCRIBE, DISASSOCIATE, REPLACE, assert_exit, run, stderr, stdout};
use crate::support::differential::same_output;
use crate::support::listing::listing;
use crate::support::offline::{INSTANCE, Loopback, assert_refused_offline, config_file};
use crate::support::on_moto::{ASSOCIATION_KEYS, CliSeeds, association_ids, json, moto, printed_keys};
use crate::support::scenarios::{ArgParse, OK, ParamValidation, s, world};
use crate::support::twin::{Scenario, State};
use crate::support::{differential, on_moto};

#[test]
fn filters_with_unknown_members_or_bad_json_are_refused_before_any_request() {
    assert_refused_offline(&[DESCRIBE, "--filters", "Name=instance-id,Valeus=i-0123"], "Valeus");
    assert_refused_offline(&[DESCRIBE, "--filters", r#"[{"Name": "state", "Values": "#], "--filters");
}

/// The AWS CLI refuses `Name=a,Values=x,Name=b`: a key given twice in one
/// structure almost always means a comma where a space was meant. Taking the
/// last value instead silently drops the instance filter and lists every
/// association in the account.
#[test]
fn a_key_repeated_in_one_shorthand_structure_is_refused() {
    assert_refused_offline(
        &[DESCRIBE, "--filters", &format!("Name=instance-id,Values={INSTANCE},Name=state,Values=associated")],
        "Name",
    );
    assert_refused_offline(
        &["associate-iam-instance-profile", "--instance-id", INSTANCE, "--iam-instance-profile", "Name=a,Name=b"],
        "Name",
    );
}

#[test]
fn instance_profile_needs_known_members() {
    let assoc = |profile: &'static str| -> Vec<&'static str> {
        vec!["associate-iam-instance-profile", "--instance-id", INSTANCE, "--iam-instance-profile", profile]
    };
    assert_refused_offline(&assoc("Role=p"), "Role");
    assert_refused_offline(&assoc(r#"{"Name": 7}"#), "--iam-instance-profile");
    assert_refused_offline(&assoc(r#"{"Name": "p""#), "--iam-instance-profile");
}

/// `--generate-cli-skeleton`: v2's text, exactly, for each operation. The JSON
/// is `ArgumentGenerator` over the EC2 model with `json.dump(indent=4)`; the
/// YAML is ruamel 0.19.1's round-trip dump with the first sentence of each
/// member's documentation (awscli/customizations/generatecliskeleton.py, whose
/// `test_contains_comments` in tests/functional/test_generatecliskeleton.py pins
/// the `Key: ''  # [REQUIRED]` layout). Nothing is sent, no configuration read.
#[test]
fn skeletons_are_v2s_and_send_nothing() {
    let cases: [(&str, &str, &str); 4] = [
        (
            "disassociate-iam-instance-profile",
            "{\n    \"AssociationId\": \"\"\n}\n",
            "AssociationId: ''  # [REQUIRED] The ID of the IAM instance profile association.\n",
        ),
        (
            "associate-iam-instance-profile",
            "{\n    \"IamInstanceProfile\": {\n        \"Arn\": \"\",\n        \"Name\": \"\"\n    },\n    \"InstanceId\": \"\"\n}\n",
            "IamInstanceProfile:  # [REQUIRED] The IAM instance profile.\n  Arn: ''  # The Amazon Resource Name (ARN) of the instance profile.\n  Name: '' # The name of the instance profile.\nInstanceId: '' # [REQUIRED] The ID of the instance.\n",
        ),
        (
            "replace-iam-instance-profile-association",
            "{\n    \"IamInstanceProfile\": {\n        \"Arn\": \"\",\n        \"Name\": \"\"\n    },\n    \"AssociationId\": \"\"\n}\n",
            "IamInstanceProfile:  # [REQUIRED] The IAM instance profile.\n  Arn: ''  # The Amazon Resource Name (ARN) of the instance profile.\n  Name: '' # The name of the instance profile.\nAssociationId: '' # [REQUIRED] The ID of the existing IAM instance profile association.\n",
        ),
        (
            DESCRIBE,
            "{\n    \"AssociationIds\": [\n        \"\"\n    ],\n    \"Filters\": [\n        {\n            \"Name\": \"\",\n            \"Values\": [\n                \"\"\n            ]\n        }\n    ],\n    \"MaxResults\": 0,\n    \"NextToken\": \"\"\n}\n",
            "AssociationIds:  # The IAM instance profile associations.\n- ''\nFilters: # The filters.\n- Name: ''  # The name of the filter.\n  Values: # The filter values.\n  - ''\nMaxResults: 0 # The maximum number of items to return for this request.\nNextToken: '' # The token returned from a previous paginated request.\n",
        ),
    ];
    let wire = Loopback::tripwire();
    for (command, json, yaml) in cases {
        for (args, want) in [
            (vec![command, "--generate-cli-skeleton"], json),
            (vec![command, "--generate-cli-skeleton", "input"], json),
            (vec![command, "--generate-cli-skeleton", "yaml-input"], yaml),
        ] {
            // No credentials, no region: a skeleton needs neither.
            let mut all = vec!["--endpoint-url", wire.endpoint.as_str()];
            all.extend(args.iter().copied());
            let out = run(&all, &[]);
            assert_exit(&out, 0);
            assert_eq!(stdout(&out), want, "{args:?}");
            assert_eq!(stderr(&out), "");
        }
    }
    // As in v2, only the option written out alone lifts the required options
    // (`override_required_args` looks for the exact word).
    assert_refused_offline(
        &["disassociate-iam-instance-profile", "--generate-cli-skeleton=input"],
        "the following arguments are required: --association-id",
    );
    assert_refused_offline(
        &["disassociate-iam-instance-profile", "--generate-cli-skeleton", "output"],
        "the following arguments are required: --association-id",
    );
    // `output` goes through a stubbed client: a region is needed, credentials are not, nothing is sent.
    let out =
        run(&["disassociate-iam-instance-profile", "--generate-cli-skeleton", "output", "--association-id", "x"], &[]);
    assert_exit(&out, CONFIG);
    assert!(stderr(&out).contains("(NoRegion)"), "{}", stderr(&out));
    let out = run(
        &[
            "--endpoint-url",
            &wire.endpoint,
            "disassociate-iam-instance-profile",
            "--generate-cli-skeleton",
            "output",
            "--association-id",
            "x",
        ],
        &[("AWS_REGION", "us-east-1")],
    );
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("\"AssociationId\": \"AssociationId\""), "{}", stdout(&out));
    assert_eq!(wire.connections(), 0);
}

/// `awscli/paramfile.py` and `awscli/customizations/cliinput.py`: their
/// errors, word for word, and nothing sent.
#[test]
fn input_files_and_documents_fail_as_v2_fails() {
    let deep = config_file("deep.json", &("[".repeat(20_000) + &"]".repeat(20_000)));
    let not_utf8 = config_file("latin1.txt", "");
    std::fs::write(&not_utf8, b"caf\xe9").unwrap();
    let d = "disassociate-iam-instance-profile";
    for (args, want) in [
        (
            vec![d, "--association-id", "file://no/such/file"],
            "Error parsing parameter '--association-id': Unable to load paramfile file://no/such/file: [Errno 2] No such file or directory: 'no/such/file'",
        ),
        (
            vec![d, "--cli-input-json", "file://no/such/file"],
            "Error parsing parameter '--cli-input-json': Unable to load paramfile file://no/such/file",
        ),
        (
            vec![d, "--association-id", &format!("file://{not_utf8}")],
            "text contents could not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.",
        ),
        (
            vec![d, "--association-id", &format!("fileb://{not_utf8}")],
            "Invalid type for parameter AssociationId, value: b'caf\\xe9', type: <class 'bytes'>, valid types: <class 'str'>",
        ),
        (
            vec![d, "--cli-input-json", "{\"AssociationId\": "],
            "Error parsing parameter 'cli-input-json': Invalid JSON received.",
        ),
        (vec![d, "--cli-input-yaml", "a: [1"], "Error parsing parameter 'cli-input-yaml': Invalid YAML received."),
        (
            vec![d, "--cli-input-json", "[1]"],
            "Error parsing parameter '--cli-input-json': Invalid type: expecting map, received <class 'list'>",
        ),
        (
            vec![d, "--cli-input-json", "{}", "--cli-input-yaml", "{}"],
            "Only one --cli-input- parameter may be specified.",
        ),
        (
            vec![d, "--cli-input-json", "{}"],
            "Parameter validation failed:\nMissing required parameter in input: \"AssociationId\"",
        ),
        (
            vec![d, "--cli-input-json", "{\"AssociationId\": 5, \"Force\": true}"],
            "Parameter validation failed:\nInvalid type for parameter AssociationId, value: 5, type: <class 'int'>, valid types: <class 'str'>\nUnknown parameter in input: \"Force\", must be one of: AssociationId",
        ),
        (
            vec![DESCRIBE, "--cli-input-yaml", "Filters:\n- Name: state\n  Valeus: [associated]\n"],
            "Unknown parameter in Filters[0]: \"Valeus\", must be one of: Name, Values",
        ),
        // Nesting: refused, never a stack overflow.
        (
            vec![d, "--cli-input-json", &format!("file://{deep}")],
            "Error parsing parameter 'cli-input-json': Invalid JSON received.",
        ),
        (
            vec![d, "--cli-input-yaml", &format!("file://{deep}")],
            "Error parsing parameter 'cli-input-yaml': Invalid YAML received.",
        ),
        (vec![DESCRIBE, "--filters", &format!("file://{deep}")], "nested deeper than 128 levels"),
    ] {
        assert_refused_offline(&args, want);
    }
    // Without the input document, argparse's check of required options stays.
    assert_refused_offline(&[d, "--cli-input-json={}"], "the following arguments are required: --association-id");
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
    let doc_file = format!("file://{}", differential::scratch("ids.json", &doc));
    let filters = format!(r#"[{{"Name": "instance-id", "Values": ["{i1}"]}}]"#);
    let filters_file = format!("file://{}", differential::scratch("filters.json", &filters));
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

pub(crate) const INPUT: &[Scenario] = &[
    s("cli-input-json-inline", &["ec2", DESCRIBE, "--cli-input-json", "{\"AssociationIds\": [\"{A0}\"]}"], OK),
    s("cli-input-json-file", &["ec2", DESCRIBE, "--cli-input-json", "file://{DIR}/in.json"], OK)
        .files(&[("in.json", "{\"AssociationIds\": [\"{A0}\", \"{AB}\"]}\n")]),
    s(
        "cli-input-json-command-line-wins",
        &["ec2", DESCRIBE, "--cli-input-json", "file://{DIR}/in.json", "--association-ids", "{A1}"],
        OK,
    )
    .files(&[("in.json", "{\"AssociationIds\": [\"{A0}\"]}")]),
    s(
        "cli-input-json-filters-and-query",
        &[
            "ec2",
            DESCRIBE,
            "--cli-input-json",
            "{\"Filters\": [{\"Name\": \"instance-id\", \"Values\": [\"{I0}\", \"{IB}\"]}]}",
            "--query",
            "IamInstanceProfileAssociations[].AssociationId",
            "--output",
            "text",
        ],
        OK,
    ),
    s(
        "cli-input-json-page-by-hand",
        &[
            "ec2",
            DESCRIBE,
            "--cli-input-json",
            "{\"MaxResults\": 5}",
            "--no-paginate",
            "--query",
            "length(IamInstanceProfileAssociations)",
        ],
        OK,
    ),
    s("cli-input-json-invalid", &["ec2", DESCRIBE, "--cli-input-json", "not json"], ParamValidation),
    s("cli-input-json-unknown-key", &["ec2", DESCRIBE, "--cli-input-json", "file://{DIR}/bad.json"], ParamValidation)
        .files(&[("bad.json", "{\"Bogus\": 1}")]),
    s(
        "cli-input-json-missing-file",
        &["ec2", DESCRIBE, "--cli-input-json", "file://{DIR}/missing.json"],
        ParamValidation,
    ),
    s(
        "cli-input-json-gives-the-required-option",
        &["ec2", DISASSOCIATE, "--cli-input-json", "file://{DIR}/in.json"],
        OK,
    )
    .state(State::Pair)
    .files(&[("in.json", "{\"AssociationId\": \"{A}\"}")]),
    s("file-argument-list", &["ec2", DESCRIBE, "--association-ids", "file://{DIR}/id.txt"], OK)
        .files(&[("id.txt", "{A0}")]),
    s("file-argument-json-filters", &["ec2", DESCRIBE, "--filters", "file://{DIR}/filters.json"], OK)
        .files(&[("filters.json", "[{\"Name\": \"instance-id\", \"Values\": [\"{I0}\", \"{I1}\"]}]\n")]),
    s(
        "file-argument-structure",
        &["ec2", ASSOCIATE, "--instance-id", "{I}", "--iam-instance-profile", "file://{DIR}/profile.json"],
        OK,
    )
    .state(State::Bare)
    .files(&[("profile.json", "{\"Name\": \"crate-profile\"}")]),
    s("file-argument-kept-newline", &["ec2", DESCRIBE, "--association-ids", "file://{DIR}/id.txt"], OK)
        .files(&[("id.txt", "{A0}\n")]),
    s("file-argument-missing", &["ec2", DISASSOCIATE, "--association-id", "file://{DIR}/missing.txt"], ParamValidation),
    s("fileb-argument-is-bytes", &["ec2", DISASSOCIATE, "--association-id", "fileb://{DIR}/id.txt"], ParamValidation)
        .files(&[("id.txt", "iip-assoc-00000000000000000")]),
    s("association-ids-json-list", &["ec2", DESCRIBE, "--association-ids", "[\"{A0}\", \"{AB}\"]"], OK),
    s("skeleton-default-is-input", &["ec2", DESCRIBE, "--generate-cli-skeleton"], OK),
    s("skeleton-input-associate", &["ec2", ASSOCIATE, "--generate-cli-skeleton", "input"], OK),
    s("skeleton-input-disassociate", &["ec2", DISASSOCIATE, "--generate-cli-skeleton", "input"], OK),
    s("skeleton-input-replace", &["ec2", REPLACE, "--generate-cli-skeleton", "input"], OK),
    s("skeleton-output-describe", &["ec2", DESCRIBE, "--generate-cli-skeleton", "output"], OK),
    s("skeleton-output-describe-text", &["ec2", DESCRIBE, "--generate-cli-skeleton", "output", "--output", "text"], OK),
    s(
        "skeleton-output-describe-table",
        &["ec2", DESCRIBE, "--generate-cli-skeleton", "output", "--output", "table"],
        OK,
    ),
    s(
        "skeleton-output-disassociate",
        &["ec2", DISASSOCIATE, "--generate-cli-skeleton", "output", "--association-id", "iip-assoc-00000000000000000"],
        OK,
    ),
    s("skeleton-output-needs-required-options", &["ec2", DISASSOCIATE, "--generate-cli-skeleton", "output"], ArgParse),
    s("skeleton-invalid-choice", &["ec2", DESCRIBE, "--generate-cli-skeleton", "outptu"], ArgParse),
];

#[test]
#[ignore = "needs scripts/venv"]
fn input_files_and_skeletons_match() {
    let w = world();
    w.check("input", INPUT);
}

#[test]
#[ignore = "needs scripts/venv"]
fn associate_by_name_by_arn_and_by_json() {
    let (moto, seeds) = moto();
    let name = format!("Name={}", moto.profile.name);
    let arn = format!("Arn={}", moto.profile_b.arn);
    let json_form = format!(r#"{{"Name": "{}"}}"#, moto.profile_b.name);
    for (spec, profile) in [(&name, &moto.profile), (&arn, &moto.profile_b), (&json_form, &moto.profile_b)] {
        let instance = seeds.bare_instance(moto);
        let out = on_moto::lite(moto, &[ASSOCIATE, "--iam-instance-profile", spec, "--instance-id", &instance]);
        let v = json(&out);
        let a = &v["IamInstanceProfileAssociation"];
        assert_eq!(printed_keys(&out, 8), ASSOCIATION_KEYS, "{spec}");
        assert!(a["AssociationId"].as_str().is_some_and(|id| id.starts_with("iip-assoc-")), "{v}");
        assert_eq!(a["InstanceId"], instance.as_str());
        assert_eq!(a["IamInstanceProfile"]["Arn"], profile.arn.as_str(), "{spec}");
        assert_eq!(a["IamInstanceProfile"]["Id"], profile.id.as_str(), "{spec}");
        assert_eq!(a["State"], "associating");

        let listed =
            json(&on_moto::lite(moto, &[DESCRIBE, "--filters", &format!("Name=instance-id,Values={instance}")]));
        assert_eq!(association_ids(&listed), [a["AssociationId"].as_str().unwrap().to_owned()]);
    }
}

/// The skeleton round trip scripts do: `--generate-cli-skeleton` to a file,
/// fill it in, `--cli-input-json file://`, in JSON and in YAML.
#[test]
#[ignore = "needs scripts/venv"]
fn skeleton_filled_in_then_read_back_runs_the_command() {
    let (moto, seeds) = moto();
    // JSON: associate with the skeleton filled in.
    let skeleton = on_moto::lite(moto, &[ASSOCIATE, "--generate-cli-skeleton"]);
    let mut doc: Value = json(&skeleton);
    let instance = seeds.bare_instance(moto);
    doc["IamInstanceProfile"] = serde_json::json!({"Name": moto.profile.name});
    doc["InstanceId"] = Value::String(instance.clone());
    let file = on_moto::scratch("associate.json", &doc.to_string());
    let out = on_moto::lite(moto, &[ASSOCIATE, "--cli-input-json", &format!("file://{file}")]);
    let v = json(&out);
    assert_eq!(v["IamInstanceProfileAssociation"]["InstanceId"], instance.as_str());
    assert_eq!(v["IamInstanceProfileAssociation"]["IamInstanceProfile"]["Arn"], moto.profile.arn.as_str());

    // YAML: the skeleton's text with its values filled in, comments kept.
    let seeded = seeds.association(moto);
    let yaml = stdout(&on_moto::lite(moto, &[DISASSOCIATE, "--generate-cli-skeleton", "yaml-input"]));
    let filled = yaml.replacen("''", &format!("'{}'", seeded.association_id), 1);
    let file = on_moto::scratch("disassociate.yaml", &filled);
    let v = json(&on_moto::lite(moto, &[DISASSOCIATE, "--cli-input-yaml", &format!("file://{file}")]));
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
    let v = json(&on_moto::lite(moto, &[DESCRIBE, "--cli-input-json", &doc]));
    assert_eq!(association_ids(&v), [a.association_id.as_str()]);
    let over =
        json(&on_moto::lite(moto, &[DESCRIBE, "--cli-input-json", &doc, "--association-ids", &b.association_id]));
    assert_eq!(association_ids(&over), [b.association_id.as_str()]);
    let reference = on_moto::aws(moto, &[DESCRIBE, "--cli-input-json", &doc, "--association-ids", &b.association_id]);
    assert_eq!(
        stdout(&reference),
        stdout(&on_moto::lite(moto, &[DESCRIBE, "--cli-input-json", &doc, "--association-ids", &b.association_id]))
    );
    let yaml = format!("AssociationIds:\n- {}\n", a.association_id);
    let v = json(&on_moto::lite(moto, &[DESCRIBE, "--cli-input-yaml", &yaml]));
    assert_eq!(association_ids(&v), [a.association_id.as_str()]);
}

/// `file://` for any parameter: the id and the filters read from files.
#[test]
#[ignore = "needs scripts/venv"]
fn parameter_values_from_files() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let filters = on_moto::scratch(
        "filters.json",
        &format!(r#"[{{"Name": "instance-id", "Values": ["{}"]}}]"#, seeded.instance_id),
    );
    let listed = json(&on_moto::lite(moto, &[DESCRIBE, "--filters", &format!("file://{filters}")]));
    assert_eq!(association_ids(&listed), [seeded.association_id.as_str()]);
    let id = on_moto::scratch("id.txt", &seeded.association_id);
    let v = json(&on_moto::lite(moto, &[DISASSOCIATE, "--association-id", &format!("file://{id}")]));
    assert_eq!(v["IamInstanceProfileAssociation"]["AssociationId"], seeded.association_id.as_str());
}
