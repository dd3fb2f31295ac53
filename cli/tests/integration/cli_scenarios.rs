//! `ec2-lite` as a drop-in for `aws ec2`, scenario by scenario: each row of
//! the tables below runs the AWS CLI of the test venv and `ec2-lite` with the
//! same arguments and environment against the same moto state, and compares
//! stdout, stderr and the exit code (see `support/twin.rs` for how v1's
//! output becomes the v2 output `ec2-lite` follows, and why each step is
//! right). The shell scripts at the end chain a lookup into a change, the way
//! scripts use these commands, once with `aws ec2` and once with `ec2-lite`
//! on twin states.
//!
//! Reading scenarios run on a private server holding more associations than
//! one page of moto's; the ones that change state on the binary's shared
//! server, each tool on an association of its own, whose state afterwards is
//! compared too (a command refused must have changed nothing).
//!
//! Needs the test venv; without it each test is skipped by name, or fails when
//! `EC2_LITE_REQUIRE_VENV=1` (see `tests/integration/support/python.rs`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::support::listing::{Listing, listing};
use crate::support::moto::{Moto, SeedPool, Seeded};
use crate::support::twin::{
    self, Expect, IdMap, Outcome, Scenario, ScratchDir, State, Stderr, Values, expected_stderr, lite_args, v1_args,
};

const DESCRIBE: &str = "describe-iam-instance-profile-associations";
const ASSOCIATE: &str = "associate-iam-instance-profile";
const REPLACE: &str = "replace-iam-instance-profile-association";
const DISASSOCIATE: &str = "disassociate-iam-instance-profile";

/// Associations set aside on the shared server for the scenarios that change state.
const POOL: usize = 90;

/// Both servers.
struct World {
    listing: &'static Listing,
    shared: &'static Moto,
    pool: &'static SeedPool,
}

fn world() -> World {
    let listing = listing();
    // A private server for the changing scenarios: the shared one's seed pool is
    // sized by the modules that list it.
    static CHANGES: OnceLock<(Moto, SeedPool)> = OnceLock::new();
    let (shared, pool) = CHANGES.get_or_init(|| {
        let moto = Moto::start();
        let pool = SeedPool::seed(&moto, 0, POOL);
        (moto, pool)
    });
    World { listing, shared, pool }
}

impl World {
    /// The placeholders every run knows, for the server `moto`.
    fn values(&self, moto: &Moto, dir: &ScratchDir) -> Values {
        let l = self.listing;
        let mut v = Values::default();
        v.set("ENDPOINT", moto.endpoint.clone());
        v.set("REGION", moto.region.clone());
        v.set("KEY", moto.access_key_id.clone());
        v.set("SECRET", moto.secret_access_key.clone());
        v.set("DIR", dir.path().display().to_string());
        v.set("A0", l.seeded[0].association_id.clone());
        v.set("A1", l.seeded[1].association_id.clone());
        v.set("I0", l.seeded[0].instance_id.clone());
        v.set("I1", l.seeded[1].instance_id.clone());
        v.set("AB", l.other_profile.association_id.clone());
        v.set("IB", l.other_profile.instance_id.clone());
        v.set("ARN", moto.profile.arn.clone());
        v.set("ARN_B", moto.profile_b.arn.clone());
        v
    }

    /// A twin for each tool (ec2-lite's, the AWS CLI's), as `state` asks.
    fn twins(&self, state: State) -> Option<(Seeded, Seeded)> {
        let one = || {
            let s = self.pool.association(self.shared);
            if state == State::Bare {
                let out = self.lite_on_shared(&[DISASSOCIATE, "--association-id", &s.association_id]);
                assert!(out.status.success(), "making a bare instance: {}", String::from_utf8_lossy(&out.stderr));
            }
            s
        };
        match state {
            State::Listing => None,
            State::Pair | State::Bare => Some((one(), one())),
        }
    }

    /// `ec2-lite ARGS` against the shared server, as the user.
    fn lite_on_shared(&self, args: &[&str]) -> std::process::Output {
        let mut env = BTreeMap::new();
        for (k, v) in self.shared.env_for_cli() {
            env.insert(k, v);
        }
        env.insert("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned());
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        twin::run(&twin::lite_exe(), &args, &env)
    }

    /// What the shared server holds for `instance`, as JSON.
    fn state_of(&self, instance: &str) -> String {
        let filter = format!("Name=instance-id,Values={instance}");
        let out = self.lite_on_shared(&[DESCRIBE, "--filters", &filter]);
        assert!(out.status.success(), "describing {instance}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs one scenario with both tools; `None` when everything matches.
    fn run(&self, s: &Scenario) -> Option<String> {
        let dir = ScratchDir::new("scenario");
        let moto = if s.state == State::Listing { &self.listing.moto } else { self.shared };
        let twins = self.twins(s.state);
        let mut lite_values = self.values(moto, &dir);
        let mut aws_values = lite_values.clone();
        if let Some((ours, theirs)) = &twins {
            lite_values.set("A", ours.association_id.clone());
            lite_values.set("I", ours.instance_id.clone());
            aws_values.set("A", theirs.association_id.clone());
            aws_values.set("I", theirs.instance_id.clone());
        }
        let fill_args = |v: &Values| -> Vec<String> { s.args.iter().map(|a| v.fill(a)).collect() };
        let write_files = |v: &Values| {
            for (name, contents) in s.files {
                dir.write(name, &v.fill(contents));
            }
        };

        let aws_args = fill_args(&aws_values);
        let (v1, off) = v1_args(&aws_args);
        write_files(&aws_values);
        let v1_out = twin::run(&twin::aws_exe(), &v1, &twin::environment(s, &aws_values, &dir, true));
        write_files(&lite_values);
        let lite_out = twin::run(
            &twin::lite_exe(),
            &lite_args(&fill_args(&lite_values)),
            &twin::environment(s, &lite_values, &dir, false),
        );

        let v1_stdout = String::from_utf8_lossy(&v1_out.stdout).into_owned();
        let v1_stderr = String::from_utf8_lossy(&v1_out.stderr).into_owned();
        let outcome = Outcome {
            expected_stdout: if off { String::new() } else { v1_stdout.clone() },
            expected_stderr: expected_stderr(&v1_stderr, s.expect, s.error_format, &aws_args),
            expected_code: s.expect.v2_code(),
            v1: v1_out,
            lite: lite_out,
        };
        let ids = match &twins {
            Some((ours, theirs)) => IdMap::twins(ours, theirs),
            None => IdMap::default(),
        };
        let lite_stdout = ids.align(&String::from_utf8_lossy(&outcome.lite.stdout), &v1_stdout);
        let lite_stderr = ids.align(&String::from_utf8_lossy(&outcome.lite.stderr), &v1_stderr);
        let mut report =
            twin::compare(s.name, &aws_args, &outcome, &lite_stdout, &lite_stderr, s.stderr, s.expect.v1_code());
        if let Some((ours, theirs)) = &twins {
            let (after_ours, after_theirs) = (self.state_of(&ours.instance_id), self.state_of(&theirs.instance_id));
            let after_ours = ids.align(&after_ours, &after_theirs);
            if after_ours != after_theirs {
                let text = format!(
                    "  the state afterwards differs:\n  --- ec2-lite's instance:\n{after_ours}\n  --- the AWS CLI's instance:\n{after_theirs}\n"
                );
                report = Some(match report {
                    Some(r) => r + &text,
                    None => format!("scenario {}: aws {}\n{text}", s.name, twin::shell_words(&aws_args)),
                });
            }
        }
        report
    }

    /// Runs a table, reporting every scenario that differs.
    #[track_caller]
    fn check(&self, group: &str, table: &[Scenario]) {
        let failures: Vec<String> = table.iter().filter_map(|s| self.run(s)).collect();
        twin::report(group, table.len(), &failures);
    }
}

use Expect::{ArgParse, General, NoCredentials, NoRegion, ParamValidation, Service, Unknown};
const OK: Expect = Expect::Ok;

const fn s(name: &'static str, args: &'static [&'static str], expect: Expect) -> Scenario {
    Scenario::new(name, args, expect)
}

// ---------------------------------------------------------------- --query

/// Every `--query` form scripts use, on the two-page listing.
const QUERY: &[Scenario] = &[
    s("query-first-item-json", &["ec2", DESCRIBE, "--query", "IamInstanceProfileAssociations[0].AssociationId"], OK),
    // The query applies per page in text output: one line per page.
    s(
        "query-first-item-text-two-pages",
        &["ec2", DESCRIBE, "--query", "IamInstanceProfileAssociations[0].AssociationId", "--output", "text"],
        OK,
    ),
    s(
        "query-first-item-of-an-instance-text",
        &[
            "ec2",
            DESCRIBE,
            "--filters",
            "Name=instance-id,Values={I0}",
            "--query",
            "IamInstanceProfileAssociations[0].AssociationId",
            "--output",
            "text",
        ],
        OK,
    ),
    s(
        "query-first-item-of-nothing-is-None",
        &[
            "ec2",
            DESCRIBE,
            "--filters",
            "Name=instance-id,Values=i-00000000000000000",
            "--query",
            "IamInstanceProfileAssociations[0].AssociationId",
            "--output",
            "text",
        ],
        OK,
    ),
    s(
        "query-filter-expression-json",
        &[
            "ec2",
            DESCRIBE,
            "--query",
            "IamInstanceProfileAssociations[?State=='associated'].AssociationId",
            "--max-items",
            "3",
        ],
        OK,
    ),
    s(
        "query-filter-expression-text-two-pages",
        &[
            "ec2",
            DESCRIBE,
            "--query",
            "IamInstanceProfileAssociations[?State=='associated'].InstanceId",
            "--output",
            "text",
        ],
        OK,
    ),
    s(
        "query-filter-on-nested-field",
        &[
            "ec2",
            DESCRIBE,
            "--query",
            "IamInstanceProfileAssociations[?IamInstanceProfile.Arn=='{ARN_B}'].[AssociationId,InstanceId]",
            "--output",
            "text",
        ],
        OK,
    ),
    s("query-length-json", &["ec2", DESCRIBE, "--query", "length(IamInstanceProfileAssociations)"], OK),
    s(
        "query-length-text-per-page",
        &["ec2", DESCRIBE, "--query", "length(IamInstanceProfileAssociations)", "--output", "text"],
        OK,
    ),
    s(
        "query-length-of-filter",
        &["ec2", DESCRIBE, "--query", "length(IamInstanceProfileAssociations[?State=='associated'])"],
        OK,
    ),
    s(
        "query-list-projection-text",
        &[
            "ec2",
            DESCRIBE,
            "--query",
            "IamInstanceProfileAssociations[].[AssociationId,InstanceId,State]",
            "--max-items",
            "3",
            "--output",
            "text",
        ],
        OK,
    ),
    s(
        "query-wildcard-projection-json",
        &["ec2", DESCRIBE, "--query", "IamInstanceProfileAssociations[*].IamInstanceProfile.Arn", "--max-items", "3"],
        OK,
    ),
    s(
        "query-multiselect-hash-json",
        &[
            "ec2",
            DESCRIBE,
            "--query",
            "IamInstanceProfileAssociations[].{Id: AssociationId, Instance: InstanceId}",
            "--max-items",
            "2",
        ],
        OK,
    ),
    s(
        "query-multiselect-hash-table",
        &[
            "ec2",
            DESCRIBE,
            "--query",
            "IamInstanceProfileAssociations[].{Id: AssociationId, Instance: InstanceId}",
            "--max-items",
            "2",
            "--output",
            "table",
        ],
        OK,
    ),
    s("query-pipe", &["ec2", DESCRIBE, "--query", "IamInstanceProfileAssociations[].InstanceId | [0]"], OK),
    s(
        "query-sort-by-text-per-page",
        &[
            "ec2",
            DESCRIBE,
            "--query",
            "sort_by(IamInstanceProfileAssociations, &InstanceId)[0].InstanceId",
            "--output",
            "text",
        ],
        OK,
    ),
    s("query-next-token-text", &["ec2", DESCRIBE, "--max-items", "3", "--query", "NextToken", "--output", "text"], OK),
    s(
        "query-by-association-ids-text",
        &[
            "ec2",
            DESCRIBE,
            "--association-ids",
            "{A0}",
            "{AB}",
            "--query",
            "IamInstanceProfileAssociations[].InstanceId",
            "--output",
            "text",
        ],
        OK,
    ),
    s(
        "query-function-and-current-node",
        &[
            "ec2",
            DESCRIBE,
            "--query",
            "IamInstanceProfileAssociations[?starts_with(AssociationId, 'iip-assoc-')] | length(@)",
        ],
        OK,
    ),
    s(
        "query-literals-text",
        &[
            "ec2",
            DESCRIBE,
            "--query",
            "IamInstanceProfileAssociations[0].[AssociationId, `true`, 'raw']",
            "--output",
            "text",
        ],
        OK,
    ),
    s(
        "query-empty-list-text",
        &[
            "ec2",
            DESCRIBE,
            "--association-ids",
            "iip-assoc-00000000000000000",
            "--query",
            "IamInstanceProfileAssociations",
            "--output",
            "text",
        ],
        OK,
    ),
    s("query-missing-key-json", &["ec2", DESCRIBE, "--max-items", "1", "--query", "Nope"], OK),
    s("query-missing-key-text", &["ec2", DESCRIBE, "--max-items", "1", "--query", "Nope", "--output", "text"], OK),
    s(
        "query-table-two-pages",
        &["ec2", DESCRIBE, "--query", "IamInstanceProfileAssociations[].AssociationId", "--output", "table"],
        OK,
    ),
    s("query-negative-index", &["ec2", DESCRIBE, "--query", "IamInstanceProfileAssociations[-1]"], OK),
    s("query-invalid-expression", &["ec2", DESCRIBE, "--query", "[["], ParamValidation),
];

#[test]
#[ignore = "needs scripts/venv"]
fn query_forms_match() {
    let w = world();
    w.check("--query", QUERY);
}

// ---------------------------------------------------------------- output formats

const CONFIG_TABLE: &str = "[default]\noutput = table\n";
const PROFILE_OTHER: &str = "[default]\n[profile other]\nregion = {REGION}\noutput = text\n";
const CREDENTIALS_OTHER: &str = "[other]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n";

/// Every output format of the venv's AWS CLI (json, text, table), chosen by
/// option, environment or profile; `--color`; v2's `off`.
const OUTPUT: &[Scenario] = &[
    s("output-json", &["ec2", DESCRIBE, "--max-items", "2", "--output", "json"], OK),
    s("output-text", &["ec2", DESCRIBE, "--max-items", "2", "--output", "text"], OK),
    s("output-table", &["ec2", DESCRIBE, "--max-items", "2", "--output", "table"], OK),
    s("output-table-two-pages", &["ec2", DESCRIBE, "--output", "table"], OK),
    s("output-text-two-pages", &["ec2", DESCRIBE, "--output", "text"], OK),
    s("output-text-resume-token", &["ec2", DESCRIBE, "--max-items", "101", "--output", "text"], OK),
    s("output-table-resume-token", &["ec2", DESCRIBE, "--max-items", "2", "--output", "table"], OK),
    s("output-json-empty", &["ec2", DESCRIBE, "--association-ids", "iip-assoc-00000000000000000"], OK),
    s(
        "output-text-empty",
        &["ec2", DESCRIBE, "--association-ids", "iip-assoc-00000000000000000", "--output", "text"],
        OK,
    ),
    s(
        "output-table-empty",
        &["ec2", DESCRIBE, "--association-ids", "iip-assoc-00000000000000000", "--output", "table"],
        OK,
    ),
    s("output-table-one", &["ec2", DESCRIBE, "--association-ids", "{AB}", "--output", "table"], OK),
    s("output-from-environment", &["ec2", DESCRIBE, "--max-items", "2"], OK)
        .env(&[("AWS_DEFAULT_OUTPUT", Some("text"))]),
    s("output-from-config", &["ec2", DESCRIBE, "--max-items", "2"], OK).config(CONFIG_TABLE),
    s("output-from-named-profile", &["--profile", "other", "ec2", DESCRIBE, "--max-items", "2"], OK)
        .config(PROFILE_OTHER)
        .credentials(CREDENTIALS_OTHER)
        .env(&[("AWS_ACCESS_KEY_ID", None), ("AWS_SECRET_ACCESS_KEY", None), ("AWS_DEFAULT_REGION", None)]),
    s("output-option-beats-environment", &["ec2", DESCRIBE, "--max-items", "2", "--output", "json"], OK)
        .env(&[("AWS_DEFAULT_OUTPUT", Some("table"))]),
    s("output-environment-beats-config", &["ec2", DESCRIBE, "--max-items", "2"], OK)
        .config(CONFIG_TABLE)
        .env(&[("AWS_DEFAULT_OUTPUT", Some("text"))]),
    s("output-table-color-on", &["ec2", DESCRIBE, "--max-items", "2", "--output", "table", "--color", "on"], OK),
    s("output-table-color-off", &["ec2", DESCRIBE, "--max-items", "2", "--output", "table", "--color", "off"], OK),
    s("output-table-color-auto", &["ec2", DESCRIBE, "--max-items", "2", "--output", "table", "--color", "auto"], OK),
    s("output-off", &["ec2", DESCRIBE, "--max-items", "2", "--output", "off"], OK),
    s(
        "output-off-error",
        &["ec2", DISASSOCIATE, "--association-id", "iip-assoc-00000000000000000", "--output", "off"],
        Service,
    ),
];

#[test]
#[ignore = "needs scripts/venv"]
fn output_formats_match() {
    let w = world();
    w.check("output formats", OUTPUT);
}

// ---------------------------------------------------------------- input: --cli-input-json, file://, skeletons

const INPUT: &[Scenario] = &[
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

// ---------------------------------------------------------------- global options

const NO_ENV_REGION: &[(&str, Option<&str>)] = &[("AWS_DEFAULT_REGION", None)];
const NO_ENV_ENDPOINT: &[(&str, Option<&str>)] = &[("AWS_ENDPOINT_URL", None)];
const OTHER_REGION: &[(&str, Option<&str>)] = &[("AWS_DEFAULT_REGION", Some("eu-west-1"))];

/// Every global option, in every position, `=` forms, repeated options.
const GLOBAL: &[Scenario] = &[
    s(
        "globals-before-the-command",
        &["--output", "text", "--region", "{REGION}", "ec2", DESCRIBE, "--max-items", "2"],
        OK,
    )
    .env(NO_ENV_REGION),
    s("globals-between-service-and-command", &["ec2", "--output", "text", DESCRIBE, "--max-items", "2"], OK),
    s(
        "globals-after-the-command",
        &["ec2", DESCRIBE, "--max-items", "2", "--output", "text", "--region", "{REGION}"],
        OK,
    )
    .env(NO_ENV_REGION),
    s(
        "globals-interleaved",
        &[
            "ec2",
            DESCRIBE,
            "--output",
            "text",
            "--max-items",
            "2",
            "--region",
            "{REGION}",
            "--query",
            "IamInstanceProfileAssociations[].AssociationId",
        ],
        OK,
    )
    .env(NO_ENV_REGION),
    s(
        "equals-forms",
        &["--output=text", "ec2", DESCRIBE, "--max-items=2", "--query=IamInstanceProfileAssociations[].AssociationId"],
        OK,
    ),
    s("equals-form-shorthand", &["ec2", DESCRIBE, "--filters=Name=instance-id,Values={I0}"], OK),
    s("endpoint-url-option", &["ec2", DESCRIBE, "--max-items", "1", "--endpoint-url", "{ENDPOINT}"], OK)
        .env(NO_ENV_ENDPOINT),
    s("endpoint-url-equals-before", &["--endpoint-url={ENDPOINT}", "ec2", DESCRIBE, "--max-items", "1"], OK)
        .env(NO_ENV_ENDPOINT),
    s("region-option-beats-environment", &["ec2", DESCRIBE, "--max-items", "1", "--region", "{REGION}"], OK)
        .env(OTHER_REGION),
    s("region-from-environment", &["ec2", DESCRIBE], OK).env(OTHER_REGION),
    s("profile-option", &["ec2", DESCRIBE, "--max-items", "1", "--profile", "other", "--output", "json"], OK)
        .config(PROFILE_OTHER)
        .credentials(CREDENTIALS_OTHER)
        .env(&[("AWS_ACCESS_KEY_ID", None), ("AWS_SECRET_ACCESS_KEY", None), ("AWS_DEFAULT_REGION", None)]),
    s("profile-from-environment", &["ec2", DESCRIBE, "--max-items", "1"], OK)
        .config(PROFILE_OTHER)
        .credentials(CREDENTIALS_OTHER)
        .env(&[
            ("AWS_PROFILE", Some("other")),
            ("AWS_ACCESS_KEY_ID", None),
            ("AWS_SECRET_ACCESS_KEY", None),
            ("AWS_DEFAULT_REGION", None),
        ]),
    s(
        "timeouts",
        &["--cli-read-timeout", "30", "--cli-connect-timeout", "10", "ec2", DESCRIBE, "--max-items", "1"],
        OK,
    ),
    s(
        "timeout-zero-is-none",
        &["ec2", DESCRIBE, "--max-items", "1", "--cli-connect-timeout", "0", "--cli-read-timeout", "0"],
        OK,
    ),
    s("timeout-not-a-number", &["ec2", DESCRIBE, "--cli-read-timeout", "x"], General),
    s("timeout-not-an-integer", &["ec2", DESCRIBE, "--cli-connect-timeout", "1.5"], General),
    s("no-verify-ssl-over-http", &["--no-verify-ssl", "ec2", DESCRIBE, "--max-items", "1"], OK),
    s("ca-bundle-over-http", &["ec2", DESCRIBE, "--max-items", "1", "--ca-bundle", "{DIR}/no-such-bundle.pem"], OK),
    s("no-cli-pager", &["--no-cli-pager", "ec2", DESCRIBE, "--max-items", "1"], OK),
    s("no-cli-auto-prompt", &["ec2", DESCRIBE, "--max-items", "1", "--no-cli-auto-prompt"], OK),
    s("cli-binary-format", &["ec2", DESCRIBE, "--cli-binary-format", "raw-in-base64-out", "--max-items", "1"], OK),
    s("cli-error-format-legacy", &["--cli-error-format", "legacy", "ec2", DISASSOCIATE], ArgParse).legacy_errors(),
    s("cli-error-format-legacy-config", &["ec2", DESCRIBE, "--max-results", "1", "--no-paginate"], ParamValidation)
        .config("[default]\ncli_error_format = legacy\n")
        .legacy_errors(),
    s("debug", &["--debug", "ec2", DESCRIBE, "--max-items", "1"], OK)
        .stderr_ignored("each tool's own log lines, not an interface"),
    s("no-paginate", &["ec2", DESCRIBE, "--no-paginate", "--query", "length(IamInstanceProfileAssociations)"], OK),
    s("no-paginate-text", &["ec2", "--no-paginate", DESCRIBE, "--output", "text", "--max-results", "5"], OK),
    s("page-size", &["ec2", DESCRIBE, "--page-size", "10", "--max-items", "15", "--output", "text"], OK),
    s("repeated-option-last-wins", &["ec2", DESCRIBE, "--max-items", "1", "--max-items", "2"], OK),
    s("repeated-global-last-wins", &["--output", "text", "ec2", DESCRIBE, "--max-items", "1", "--output", "json"], OK),
    s(
        "repeated-id-last-wins",
        &[
            "ec2",
            DISASSOCIATE,
            "--association-id",
            "iip-assoc-0000000000000000a",
            "--association-id",
            "iip-assoc-0000000000000000b",
        ],
        Service,
    ),
];

#[test]
#[ignore = "needs scripts/venv"]
fn global_options_match() {
    let w = world();
    w.check("global options", GLOBAL);
}

// ---------------------------------------------------------------- usage errors

/// What the AWS CLI refuses before anything is sent. Destructive commands run
/// on an association of each tool's own, which must still be there.
const USAGE: &[Scenario] = &[
    s("dash-h-describe", &["ec2", DESCRIBE, "-h"], Unknown),
    s("dash-h-disassociate-changes-nothing", &["ec2", DISASSOCIATE, "--association-id", "{A}", "-h"], Unknown)
        .state(State::Pair),
    s("stray-word", &["ec2", DESCRIBE, "junk"], Unknown),
    s("stray-word-disassociate-changes-nothing", &["ec2", DISASSOCIATE, "--association-id", "{A}", "junk"], Unknown)
        .state(State::Pair),
    s("short-option-and-word", &["ec2", DESCRIBE, "-x", "junk"], Unknown),
    s("unknown-option", &["ec2", DESCRIBE, "--bogus"], Unknown),
    s("unknown-option-equals", &["ec2", DESCRIBE, "--bogus=1", "--max-items", "1"], Unknown),
    s("option-of-another-command", &["ec2", DESCRIBE, "--instance-id", "i-00000000000000000"], Unknown),
    // argparse takes an unambiguous prefix of an option (`allow_abbrev`).
    s("option-prefix-is-the-option", &["ec2", DESCRIBE, "--association-id", "{A0}"], OK),
    s("global-option-prefix", &["ec2", DESCRIBE, "--max-item", "1", "--out", "text"], OK),
    s(
        "unknown-option-replace-changes-nothing",
        &["ec2", REPLACE, "--association-id", "{A}", "--iam-instance-profile", "Name=crate-profile-b", "--force"],
        Unknown,
    )
    .state(State::Pair),
    s("misspelt-command", &["ec2", "describe-iam-instance-profile-assocations"], ArgParse),
    s("unknown-command", &["ec2", "frobnicate"], ArgParse),
    s("no-command", &["ec2"], ArgParse),
    s("missing-required-option", &["ec2", DISASSOCIATE], ArgParse),
    s("missing-required-options", &["ec2", ASSOCIATE], ArgParse),
    s("missing-value-at-end", &["ec2", DISASSOCIATE, "--association-id"], ArgParse),
    s("missing-value-before-option", &["ec2", DISASSOCIATE, "--association-id", "--output", "text"], ArgParse),
    s("missing-value-of-global", &["ec2", DESCRIBE, "--region"], ArgParse),
    s("missing-value-of-query", &["ec2", DESCRIBE, "--query"], ArgParse),
    s("output-close-to-a-choice", &["ec2", DESCRIBE, "--output", "jsn"], ArgParse),
    s("output-invalid-choice", &["--output", "bogus", "ec2", DESCRIBE], ArgParse),
    s("color-invalid-choice", &["ec2", DESCRIBE, "--color", "bogus"], ArgParse),
    s("max-items-not-an-integer", &["ec2", DESCRIBE, "--max-items", "x"], ArgParse),
    s(
        "max-results-below-the-model-minimum",
        &["ec2", DESCRIBE, "--max-results", "1", "--no-paginate"],
        ParamValidation,
    ),
    s("no-paginate-with-max-items", &["ec2", DESCRIBE, "--no-paginate", "--max-items", "1"], ParamValidation),
    s("shorthand-key-without-value", &["ec2", DESCRIBE, "--filters", "Name=instance-id,Values"], ParamValidation),
    s("shorthand-unknown-key", &["ec2", DESCRIBE, "--filters", "Foo=bar"], ParamValidation),
    s("shorthand-unclosed-list", &["ec2", DESCRIBE, "--filters", "Name=state,Values=[associated"], ParamValidation),
    s(
        "shorthand-unknown-member",
        &["ec2", ASSOCIATE, "--iam-instance-profile", "Nme=crate-profile", "--instance-id", "i-00000000000000000"],
        ParamValidation,
    ),
    s("endpoint-url-without-scheme", &["ec2", DESCRIBE, "--endpoint-url", "nohost"], ParamValidation),
    // `localhost` is the scheme there: botocore refuses it later, as a plain error.
    s("endpoint-url-invalid", &["ec2", DESCRIBE, "--endpoint-url", "localhost:1"], General),
    s("usage-error-before-missing-region", &["ec2", DISASSOCIATE, "--association-id"], ArgParse).env(NO_ENV_REGION),
    s("usage-error-before-missing-credentials", &["ec2", DESCRIBE, "--bogus"], Unknown)
        .env(&[("AWS_ACCESS_KEY_ID", None), ("AWS_SECRET_ACCESS_KEY", None)]),
    s(
        "association-ids-without-values",
        &["ec2", DESCRIBE, "--association-ids", "--query", "length(IamInstanceProfileAssociations)"],
        OK,
    ),
];

#[test]
#[ignore = "needs scripts/venv"]
fn usage_errors_match() {
    let w = world();
    w.check("usage errors", USAGE);
}

// ---------------------------------------------------------------- service, credential and configuration errors

const ERRORS: &[Scenario] = &[
    s("not-found-disassociate", &["ec2", DISASSOCIATE, "--association-id", "iip-assoc-00000000000000000"], Service),
    s(
        "not-found-replace",
        &[
            "ec2",
            REPLACE,
            "--association-id",
            "iip-assoc-00000000000000000",
            "--iam-instance-profile",
            "Name=crate-profile",
        ],
        Service,
    ),
    s(
        "not-found-instance",
        &["ec2", ASSOCIATE, "--instance-id", "i-00000000000000000", "--iam-instance-profile", "Name=crate-profile"],
        Service,
    ),
    s(
        "incorrect-state",
        &["ec2", ASSOCIATE, "--instance-id", "{I}", "--iam-instance-profile", "Name=crate-profile-b"],
        Service,
    )
    .state(State::Pair),
    s(
        "unknown-instance-profile",
        &["ec2", ASSOCIATE, "--instance-id", "{I}", "--iam-instance-profile", "Name=no-such-profile"],
        Service,
    )
    .state(State::Bare),
    s("already-disassociated", &["ec2", DISASSOCIATE, "--association-id", "{A}"], Service).state(State::Bare),
    // What an empty `--query` lookup hands the next command: sent, refused by EC2.
    s("association-id-None-is-sent", &["ec2", DISASSOCIATE, "--association-id", "None"], Service),
    s("association-id-empty-is-sent", &["ec2", DISASSOCIATE, "--association-id="], Service),
    s("auth-failure-wrong-secret", &["ec2", DESCRIBE, "--max-items", "1"], Service)
        .env(&[("AWS_SECRET_ACCESS_KEY", Some("wrong-secret-wrong-secret-wrong-secret-0"))]),
    s("auth-failure-changes-nothing", &["ec2", DISASSOCIATE, "--association-id", "{A}"], Service)
        .state(State::Pair)
        .env(&[("AWS_SECRET_ACCESS_KEY", Some("wrong-secret-wrong-secret-wrong-secret-0"))]),
    s("no-credentials", &["ec2", DESCRIBE], NoCredentials)
        .env(&[("AWS_ACCESS_KEY_ID", None), ("AWS_SECRET_ACCESS_KEY", None)]),
    s("no-credentials-in-profile", &["--profile", "other", "ec2", DESCRIBE], NoCredentials)
        .config(PROFILE_OTHER)
        .env(&[("AWS_DEFAULT_REGION", None)]),
    s("no-region", &["ec2", DESCRIBE], NoRegion).env(NO_ENV_REGION),
    s("no-region-legacy-format", &["ec2", DESCRIBE], NoRegion)
        .env(&[("AWS_DEFAULT_REGION", None), ("AWS_CLI_ERROR_FORMAT", Some("legacy"))])
        .legacy_errors(),
    s("unknown-profile", &["--profile", "nope", "ec2", DESCRIBE], General),
    s("unknown-profile-from-environment", &["ec2", DESCRIBE], General).env(&[("AWS_PROFILE", Some("nope"))]),
    s("connection-refused", &["ec2", DESCRIBE, "--endpoint-url", "http://127.0.0.1:9"], General),
    s(
        "service-error-in-text-output",
        &["ec2", DISASSOCIATE, "--association-id", "iip-assoc-00000000000000000", "--output", "text"],
        Service,
    ),
    s(
        "service-error-with-query",
        &[
            "ec2",
            DISASSOCIATE,
            "--association-id",
            "iip-assoc-00000000000000000",
            "--query",
            "IamInstanceProfileAssociation.State",
        ],
        Service,
    ),
];

#[test]
#[ignore = "needs scripts/venv"]
fn errors_match() {
    let w = world();
    w.check("errors", ERRORS);
}

// ---------------------------------------------------------------- commands that change state

const CHANGES: &[Scenario] = &[
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
    let tables = [QUERY, OUTPUT, INPUT, GLOBAL, USAGE, ERRORS, CHANGES];
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

// ---------------------------------------------------------------- shell scripts

/// A shell script run with `EC2="aws ec2"` and with `EC2=ec2-lite`, each on
/// its own twin (`$I`, `$A`); `expect` is how its last command fails, if it does.
struct Script {
    name: &'static str,
    state: State,
    expect: Expect,
    body: &'static str,
}

const SCRIPTS: &[Script] = &[
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

impl World {
    fn run_script(&self, script: &Script) -> Option<String> {
        let (ours, theirs) = self.twins(script.state).expect("scripts run on twins");
        let dir = ScratchDir::new("script");
        let scenario = Scenario::new(script.name, &[], script.expect);
        let run = |twin: &Seeded, program: String, v1: bool| {
            let mut values = self.values(self.shared, &dir);
            values.set("A", twin.association_id.clone());
            values.set("I", twin.instance_id.clone());
            let mut env = twin::environment(&scenario, &values, &dir, v1);
            env.insert("EC2".to_owned(), program);
            env.insert("I".to_owned(), twin.instance_id.clone());
            env.insert("A".to_owned(), twin.association_id.clone());
            env.insert("DIR".to_owned(), dir.path().display().to_string());
            let args = vec!["-c".to_owned(), script.body.to_owned()];
            twin::run(std::path::Path::new("/bin/sh"), &args, &env)
        };
        let v1_out = run(&theirs, format!("{} ec2", twin::aws_exe().display()), true);
        let lite_out = run(&ours, twin::lite_exe().display().to_string(), false);
        let v1_stdout = String::from_utf8_lossy(&v1_out.stdout).into_owned();
        let v1_stderr = String::from_utf8_lossy(&v1_out.stderr).into_owned();
        // Each service error line as v2 writes it (`awscli/errorformat.py`);
        // scripts here fail only with service errors.
        let expected_stderr = v1_stderr
            .split('\n')
            .map(
                |l| if l.starts_with("An error occurred (") { format!("ec2-lite: [ERROR]: {l}") } else { l.to_owned() },
            )
            .collect::<Vec<_>>()
            .join("\n");
        let outcome = Outcome {
            expected_stdout: v1_stdout.clone(),
            expected_stderr: Ok(expected_stderr),
            expected_code: script.expect.v2_code(),
            v1: v1_out,
            lite: lite_out,
        };
        let ids = IdMap::twins(&ours, &theirs);
        let lite_stdout = ids.align(&String::from_utf8_lossy(&outcome.lite.stdout), &v1_stdout);
        let lite_stderr = ids.align(&String::from_utf8_lossy(&outcome.lite.stderr), &v1_stderr);
        let args = vec!["sh".to_owned(), "-c".to_owned(), script.body.trim().to_owned()];
        let mut report = twin::compare(
            script.name,
            &args,
            &outcome,
            &lite_stdout,
            &lite_stderr,
            Stderr::Exact,
            script.expect.v1_code(),
        );
        let (after_ours, after_theirs) = (self.state_of(&ours.instance_id), self.state_of(&theirs.instance_id));
        let after_ours = ids.align(&after_ours, &after_theirs);
        if after_ours != after_theirs {
            let text = format!(
                "  the state afterwards differs:\n  --- ec2-lite's:\n{after_ours}\n  --- the AWS CLI's:\n{after_theirs}\n"
            );
            report = Some(report.unwrap_or_else(|| format!("script {}\n", script.name)) + &text);
        }
        report
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn scripts_chaining_a_lookup_into_a_change_match() {
    let w = world();
    let failures: Vec<String> = SCRIPTS.iter().filter_map(|s| w.run_script(s)).collect();
    twin::report("scripts", SCRIPTS.len(), &failures);
}
