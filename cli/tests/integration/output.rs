//! What is printed: the formats (`json`, `text`, `table`, and v2's `yaml`, `yaml-stream`,
//! `off`) and where the format comes from (option, environment, profile), `--query` (its
//! forms, per page in text output, on the commands that change state, generated queries
//! against jmespath.py, a bad expression), output to a full device, and the terminal escaping
//! of whatever a server or a credential source sent.
//!
//! The listing compared spans two of moto's pages (100 and 6), so that the text format's
//! query, which the AWS CLI applies to each page, is seen doing so. (`yaml`, `yaml-stream`,
//! `off`, colours and iso8601 timestamps are v2's alone: the unit tests in `cli/src/output/`
//! pin them with v2's own expected outputs.) Exit codes are compared after mapping v1's to
//! v2's (a bad `--query` is 255 in v1, 252 in v2).
//!
//! Helpers: `support::listing` (the read-only listing and the two programs compared on it),
//! `support::scenarios`, `support::offline` (a canned answer), `support::hostile` (the
//! terminal-safety check) and `support::fault`.
//!
//! The tests that run moto or the AWS CLI need the test venv: they are ignored by plain
//! `cargo test` and run by `scripts/test` (or `--include-ignored` with `EC2_LITE_VENV` set).

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ec2_lite::Error;

use crate::support::cli::{self, CONFIG, DESCRIBE, DISASSOCIATE, EXE, OTHER, USAGE, assert_exit, run, stderr, stdout};
use crate::support::fault::{FaultServer, Reply};
use crate::support::hostile::{HOSTILE, ID, assert_terminal_safe, client, disassociate, home_with_config};
use crate::support::listing::{PAGED, aws, listing, lite};
use crate::support::moto::Moto;
use crate::support::offline::{ASSOC, DISASSOCIATE_RESPONSE, Loopback, config_file, configured, run_at};
use crate::support::scenarios::{
    CONFIG_TABLE, CREDENTIALS_OTHER, OK, PROFILE_OTHER, ParamValidation, Service, s, world,
};
use crate::support::twin::Scenario;

const ITEMS: &str = "IamInstanceProfileAssociations";

#[test]
fn successful_disassociate_prints_the_aws_cli_json() {
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let out = run_at(&wire.endpoint, &["disassociate-iam-instance-profile", "--association-id", ASSOC]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        r#"{
    "IamInstanceProfileAssociation": {
        "AssociationId": "iip-assoc-0123456789abcdef0",
        "InstanceId": "i-0123456789abcdef0",
        "IamInstanceProfile": {
            "Arn": "arn:aws:iam::123456789012:instance-profile/prof-a",
            "Id": "j8rffnqk44dc4wos2lg6"
        },
        "State": "disassociating"
    }
}
"#
    );
    assert_eq!(stderr(&out), "");
}

/// Runs `ec2-lite ARGS`, with credentials and a region, with one stream sent to
/// `/dev/full`, where every write fails with "no space left on device".
fn exit_code_writing_to_a_full_device(args: &[&str], full_stdout: bool) -> Option<i32> {
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").expect("open /dev/full");
    let (out, err) =
        if full_stdout { (Stdio::from(full()), Stdio::null()) } else { (Stdio::null(), Stdio::from(full())) };
    let mut cmd = Command::new(EXE);
    cmd.args(args).env_clear().stdin(Stdio::null()).stdout(out).stderr(err);
    for (k, v) in configured() {
        cmd.env(k, v);
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    cmd.status().expect("run ec2-lite").code()
}

/// A script that saves the output (`ec2-lite ... > file`) must not be told
/// "success" when nothing could be written.
#[test]
fn output_that_cannot_be_written_is_not_a_success() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let code = exit_code_writing_to_a_full_device(
        &["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC],
        true,
    );
    assert_ne!(code, Some(0), "the JSON was lost, yet the exit status says success");
    assert_ne!(code, Some(101), "a panic");
    let code = exit_code_writing_to_a_full_device(&["--version"], true);
    assert_ne!(code, Some(0), "--version printed nothing, yet the exit status says success");
}

/// An error message that cannot be written still ends with the error's exit
/// code, not with a panic (101).
#[test]
fn an_unwritable_stderr_keeps_the_exit_code() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let wire = Loopback::tripwire();
    let code = exit_code_writing_to_a_full_device(
        &["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id"],
        false,
    );
    assert_eq!(code, Some(USAGE));
    let code = exit_code_writing_to_a_full_device(&["no-such-command"], false);
    assert_eq!(code, Some(USAGE));
}

/// The output format: `--output`, `AWS_DEFAULT_OUTPUT`, the profile's `output`.
/// An unknown configured one is v2's `Unknown output type` (formatter.py), found
/// here before anything is sent.
#[test]
fn output_format_comes_from_the_option_the_environment_then_the_profile() {
    let config = config_file("output-text", "[default]\noutput = text\ncli_timestamp_format = wire\n");
    let text_line = "IAMINSTANCEPROFILEASSOCIATION\tiip-assoc-0123456789abcdef0";
    for (args, env, text) in [
        (&[][..], vec![("AWS_CONFIG_FILE", config.as_str())], true),
        (&[], vec![("AWS_CONFIG_FILE", config.as_str()), ("AWS_DEFAULT_OUTPUT", "json")], false),
        (&["--output", "json"], vec![("AWS_CONFIG_FILE", config.as_str()), ("AWS_DEFAULT_OUTPUT", "text")], false),
        (&[], vec![("AWS_DEFAULT_OUTPUT", "text")], true),
    ] {
        let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
        let mut all =
            vec!["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC];
        all.extend_from_slice(args);
        let mut e = configured();
        e.extend(env.iter().copied());
        let out = run(&all, &e);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out).starts_with(text_line), text, "{args:?} {env:?}: {}", stdout(&out));
    }
    let wire = Loopback::tripwire();
    let mut env = configured();
    env.push(("AWS_DEFAULT_OUTPUT", "xml"));
    let out = run(&["--endpoint-url", &wire.endpoint, DESCRIBE], &env);
    assert_exit(&out, OTHER);
    assert_eq!(stderr(&out), "\nec2-lite: [ERROR]: Unknown output type: xml\n");
    let config = config_file("bad-timestamps", "[default]\ncli_timestamp_format = unix\n");
    let mut env = configured();
    env.push(("AWS_CONFIG_FILE", &config));
    let out = run(&["--endpoint-url", &wire.endpoint, DESCRIBE], &env);
    assert_exit(&out, CONFIG);
    assert!(
        stderr(&out).contains("Unknown cli_timestamp_format value: unix, valid values are \"wire\" or \"iso8601\"")
    );
    assert_eq!(wire.connections(), 0);
}

fn first_difference(ours: &str, theirs: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), theirs.lines().collect());
    for i in 0..a.len().max(b.len()) {
        if a.get(i) != b.get(i) {
            return format!("line {}: ec2-lite {:?}, aws {:?}", i + 1, a.get(i), b.get(i));
        }
    }
    "only in line endings or the final newline".to_owned()
}

/// Runs both tools, checks both succeeded and printed the same bytes;
/// returns what they printed.
#[track_caller]
fn same(moto: &Moto, args: &[&str]) -> String {
    let theirs = aws(moto, args);
    let ours = lite(moto, args);
    for (who, out) in [("aws", &theirs), ("ec2-lite", &ours)] {
        assert!(out.status.success(), "{who} {args:?} failed ({}):\n{}{}", out.status, stderr(out), stdout(out));
    }
    let (a, b) = (stdout(&ours), stdout(&theirs));
    assert!(a == b, "{args:?}: the output differs: {}\nec2-lite:\n{a}\naws:\n{b}", first_difference(&a, &b));
    a
}

fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(extra).copied().collect()
}

#[test]
#[ignore = "needs scripts/venv"]
fn queries_scripts_use_match_in_every_format() {
    let l = listing();
    let instance = &l.seeded[3].instance_id;
    let by_instance = format!("Name=instance-id,Values={instance}");
    let instance_filter = format!("{ITEMS}[?InstanceId=='{instance}'].AssociationId");
    let queries = [
        "IamInstanceProfileAssociations[0].AssociationId".to_owned(),
        "IamInstanceProfileAssociations[0]".to_owned(),
        "IamInstanceProfileAssociations[?State=='associated'].AssociationId".to_owned(),
        "IamInstanceProfileAssociations[?State=='disassociated'].AssociationId".to_owned(),
        "length(IamInstanceProfileAssociations)".to_owned(),
        "IamInstanceProfileAssociations[].{Id: AssociationId, Profile: IamInstanceProfile.Arn, State: State}"
            .to_owned(),
        "IamInstanceProfileAssociations[*].[AssociationId, InstanceId]".to_owned(),
        "IamInstanceProfileAssociations[].IamInstanceProfile.Arn | sort(@) | [0]".to_owned(),
        "IamInstanceProfileAssociations[500].AssociationId".to_owned(),
        "keys(IamInstanceProfileAssociations[0])".to_owned(),
        "IamInstanceProfileAssociations[?contains(IamInstanceProfile.Arn, 'crate-profile-b')]".to_owned(),
        "{count: length(IamInstanceProfileAssociations), first: IamInstanceProfileAssociations[0].InstanceId}"
            .to_owned(),
        instance_filter,
    ];
    for q in &queries {
        for output in ["json", "text", "table"] {
            same(&l.moto, &[DESCRIBE, "--query", q, "--output", output]);
        }
    }
    // The lookup scripts make: one association, its id, in text.
    let id = same(
        &l.moto,
        &[
            DESCRIBE,
            "--filters",
            &by_instance,
            "--query",
            "IamInstanceProfileAssociations[0].AssociationId",
            "--output",
            "text",
        ],
    );
    assert_eq!(id, format!("{}\n", l.seeded[3].association_id));
    // An empty lookup prints None in text, null in json: what the next command gets.
    let nothing = "Name=instance-id,Values=i-00000000000000000";
    let none = same(
        &l.moto,
        &[
            DESCRIBE,
            "--filters",
            nothing,
            "--query",
            "IamInstanceProfileAssociations[0].AssociationId",
            "--output",
            "text",
        ],
    );
    assert_eq!(none, "None\n");
    let null =
        same(&l.moto, &[DESCRIBE, "--filters", nothing, "--query", "IamInstanceProfileAssociations[0].AssociationId"]);
    assert_eq!(null, "null\n");
}

/// The text format applies the query to each page: two pages, two answers.
#[test]
#[ignore = "needs scripts/venv"]
fn text_query_runs_per_page_and_json_on_the_whole() {
    let l = listing();
    let first = "IamInstanceProfileAssociations[0].AssociationId";
    let per_page = same(&l.moto, &[DESCRIBE, "--output", "text", "--query", first]);
    assert_eq!(per_page.lines().count(), 2, "one line per page:\n{per_page}");
    let counts = same(&l.moto, &[DESCRIBE, "--output", "text", "--query", "length(IamInstanceProfileAssociations)"]);
    assert_eq!(counts, "100\n6\n");
    let whole = same(&l.moto, &[DESCRIBE, "--query", "length(IamInstanceProfileAssociations)"]);
    assert_eq!(whole, format!("{}\n", PAGED + 1));
    same(&l.moto, &[DESCRIBE, "--output", "table", "--query", "length(IamInstanceProfileAssociations)"]);
    // --max-items: the resume token is printed through the query too.
    for args in [
        vec![DESCRIBE, "--output", "text", "--max-items", "3", "--query", first],
        vec![
            DESCRIBE,
            "--output",
            "text",
            "--max-items",
            "101",
            "--query",
            "IamInstanceProfileAssociations[].InstanceId",
        ],
        vec![DESCRIBE, "--output", "text", "--max-items", "3", "--query", "NextToken"],
        vec![DESCRIBE, "--max-items", "3", "--query", "NextToken"],
        vec![DESCRIBE, "--output", "table", "--max-items", "2"],
        vec![DESCRIBE, "--page-size", "50", "--output", "text", "--query", "length(IamInstanceProfileAssociations)"],
    ] {
        same(&l.moto, &args);
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn tables_match() {
    let l = listing();
    let (a, b) = (l.seeded[0].association_id.as_str(), l.other_profile.association_id.as_str());
    let base = [DESCRIBE, "--output", "table"];
    let table = same(&l.moto, &base);
    assert!(table.starts_with("-") && table.contains("DescribeIamInstanceProfileAssociations"), "{table}");
    for extra in [
        &["--association-ids", a][..],
        &["--association-ids", a, b],
        &["--association-ids", "iip-assoc-00000000000000000"],
        &["--query", "IamInstanceProfileAssociations[0].AssociationId"],
        &["--query", "IamInstanceProfileAssociations[].[AssociationId, State]"],
        &["--query", "IamInstanceProfileAssociations[0].IamInstanceProfile"],
        &["--no-paginate", "--max-results", "5"],
    ] {
        same(&l.moto, &with(&base, extra));
    }
}

/// The output format from `AWS_DEFAULT_OUTPUT`, and the formats v1 lacks
/// parsed as v2 documents them.
#[test]
#[ignore = "needs scripts/venv"]
fn environment_format_and_v2_formats() {
    let l = listing();
    let a = l.seeded[1].association_id.as_str();
    let args = [DESCRIBE, "--association-ids", a];
    let env = [
        ("AWS_ACCESS_KEY_ID", l.moto.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", l.moto.secret_access_key.as_str()),
        ("AWS_DEFAULT_OUTPUT", "text"),
    ];
    let mut all = vec!["--endpoint-url", l.moto.endpoint.as_str(), "--region", l.moto.region.as_str()];
    all.extend_from_slice(&args);
    let ours = cli::run(&all, &env);
    let theirs = l.moto.aws_cli_with_env(&with(&["ec2"], &args), &[("AWS_DEFAULT_OUTPUT", "text")]);
    assert_eq!(stdout(&ours), stdout(&theirs));

    let yaml = stdout(&lite(&l.moto, &with(&args, &["--output", "yaml"])));
    let want = format!(
        "IamInstanceProfileAssociations:\n- AssociationId: {a}\n  IamInstanceProfile:\n    Arn: {}\n    Id: {}\n  InstanceId: {}\n  State: associated\n",
        l.seeded[1].profile_arn, l.seeded[1].profile_id, l.seeded[1].instance_id
    );
    assert_eq!(yaml, want);
    let stream = stdout(&lite(&l.moto, &with(&args, &["--output", "yaml-stream"])));
    // One document per page, each a list of one response.
    assert_eq!(stream, format!("- {}\n", want.trim_end().replace('\n', "\n  ")));
    let id = stdout(&lite(
        &l.moto,
        &with(&args, &["--output", "yaml", "--query", "IamInstanceProfileAssociations[0].AssociationId"]),
    ));
    assert_eq!(id, format!("\"{a}\"\n"));
    let off = lite(&l.moto, &with(&args, &["--output", "off"]));
    assert!(off.status.success() && off.stdout.is_empty(), "{}", stderr(&off));
}

/// A bad expression: v2's words and exit code (v1 exits 255), nothing sent.
#[test]
#[ignore = "needs scripts/venv"]
fn bad_query_is_a_usage_error() {
    let l = listing();
    for q in ["IamInstanceProfileAssociations[}", "[?State==]", "foo bar", "length("] {
        let args = [DESCRIBE, "--query", q];
        let (ours, theirs) = (lite(&l.moto, &args), aws(&l.moto, &args));
        assert_eq!(theirs.status.code(), Some(255), "v1: {}", stderr(&theirs));
        cli::assert_exit(&ours, 252);
        let prefix = format!("Bad value for --query {q}: ");
        assert!(stderr(&theirs).contains(&prefix), "aws: {}", stderr(&theirs));
        assert!(stderr(&ours).contains(&prefix), "ec2-lite: {}", stderr(&ours));
        assert!(ours.stdout.is_empty());
    }
}

/// `--query` on the commands that change state: each tool disassociates an
/// association of its own; what the query picks is the same for both.
#[test]
#[ignore = "needs scripts/venv"]
fn queries_on_changes_match() {
    let moto = Moto::start();
    for (query, output) in
        [("IamInstanceProfileAssociation.State", "text"), ("IamInstanceProfileAssociation.IamInstanceProfile", "table")]
    {
        let (ours, theirs) =
            (moto.seed_association_with(&moto.profile_b.name), moto.seed_association_with(&moto.profile_b.name));
        let run = |who: &dyn Fn(&Moto, &[&str]) -> Output, id: &str| {
            let out = who(
                &moto,
                &["disassociate-iam-instance-profile", "--association-id", id, "--query", query, "--output", output],
            );
            assert!(out.status.success(), "{}", stderr(&out));
            stdout(&out)
        };
        let a = run(&lite, &ours.association_id);
        let b = run(&aws, &theirs.association_id);
        assert_eq!(a, b, "{query} --output {output}");
    }
}

/// A thousand queries made of pieces scripts use, each run by `ec2-lite` on moto
/// and by jmespath.py (the AWS CLI's own) on the AWS CLI's JSON of the same
/// listing: the same JSON out, byte for byte, or both refuse it (at compile
/// time, exit 252, or while evaluating, 255).
#[test]
#[ignore = "needs scripts/venv"]
fn generated_queries_match_jmespath_py() {
    let l = listing();
    let ids = [
        l.seeded[5].association_id.as_str(),
        l.seeded[6].association_id.as_str(),
        l.other_profile.association_id.as_str(),
    ];
    let base = [DESCRIBE, "--association-ids", ids[0], ids[1], ids[2]];
    let data = stdout(&aws(&l.moto, &base));
    const PIECES: &[&str] = &[
        "IamInstanceProfileAssociations",
        "IamInstanceProfileAssociations[]",
        "IamInstanceProfileAssociations[0]",
        ".State",
        ".AssociationId",
        ".IamInstanceProfile",
        ".Arn",
        "[0]",
        "[-1]",
        "[1:]",
        "[::-1]",
        "[*]",
        "[]",
        "[?State=='associated']",
        "[?State!='associated']",
        "[?contains(IamInstanceProfile.Arn, 'profile-b')]",
        " | ",
        "@",
        "length(@)",
        "keys(@)",
        "values(@)",
        "sort(@)",
        "sort_by(@, &AssociationId)",
        "max_by(@, &InstanceId)",
        "{a: State, b: AssociationId}",
        "[State, AssociationId]",
        "`1`",
        "`2.5`",
        "'s'",
        " && ",
        " || ",
        " == ",
        " < ",
        "to_number(@)",
        "to_string(@)",
        "merge(@, `{\"z\": 1}`)",
        "avg(`[1, 2]`)",
        "sum(`[1, 2]`)",
        "abs(`-1`)",
        "ceil(`1.5`)",
        "not_null(@, `null`)",
        "join(', ', @)",
        "reverse(@)",
        "type(@)",
        "map(&State, @)",
        "starts_with(@, 'iip')",
        "min_by(@, &State)",
        "length(IamInstanceProfileAssociations)",
    ];
    const N: usize = 1000;
    // A fixed generator: the same queries every run.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    // Mostly a start and a few steps that fit (real queries), else loose
    // pieces (mostly broken ones).
    const STARTS: &[&str] = &[
        "IamInstanceProfileAssociations",
        "IamInstanceProfileAssociations[]",
        "IamInstanceProfileAssociations[0]",
        "IamInstanceProfileAssociations[?State=='associated']",
        "@",
        "*",
        "IamInstanceProfileAssociations[-1]",
    ];
    const STEPS: &[&str] = &[
        ".State",
        ".AssociationId",
        ".IamInstanceProfile",
        ".IamInstanceProfile.Arn",
        "[0]",
        "[-1]",
        "[1:]",
        "[::-1]",
        "[*]",
        "[]",
        "[*].State",
        "[].InstanceId",
        "[?State=='associated']",
        "[?contains(IamInstanceProfile.Arn, 'b')]",
        " | length(@)",
        " | sort(@)",
        " | [0]",
        " | keys(@)",
        " | values(@)",
        " | to_string(@)",
        " | type(@)",
        " | reverse(@)",
        " | not_null(@, `0`)",
        ".{a: State, b: AssociationId}",
        "[*].{i: InstanceId, s: State}",
        "[*].[AssociationId, State]",
        " | sort_by(@, &InstanceId)",
        " | max_by(@, &AssociationId)",
        " | map(&State, @)",
        " | join(',', @)",
        " | length(@) == `3`",
        " | @ || `false`",
        " | merge(@, `{\"z\": 1}`)",
    ];
    let queries: Vec<String> = (0..N)
        .map(|_| {
            if next(4) == 0 {
                (0..1 + next(5)).map(|_| PIECES[next(PIECES.len())]).collect::<String>()
            } else {
                let start = STARTS[next(STARTS.len())];
                (0..next(4)).map(|_| STEPS[next(STEPS.len())]).fold(start.to_owned(), |q, step| q + step)
            }
        })
        .collect();

    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-output-queries");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("data.json"), &data).unwrap();
    std::fs::write(dir.join("queries.json"), serde_json::to_string(&queries).unwrap()).unwrap();
    let script = r#"
import json, sys, jmespath
d = sys.argv[1]
data = json.load(open(d + '/data.json'))
out = []
for q in json.load(open(d + '/queries.json')):
    try:
        c = jmespath.compile(q)
    except Exception:
        out.append('compile'); continue
    try:
        r = c.search(data)
    except Exception:
        out.append('runtime'); continue
    out.append('' if r == {} else json.dumps(r, indent=4, ensure_ascii=False) + '\n')
json.dump(out, open(d + '/expected.json', 'w'))
"#;
    let python = crate::support::python::python();
    let status = std::process::Command::new(python).arg("-c").arg(script).arg(&dir).status().unwrap();
    assert!(status.success(), "jmespath.py did not run");
    let expected: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let (mut compared, mut mismatches) = (0, Vec::new());
    for (q, want) in queries.iter().zip(&expected) {
        let out = lite(&l.moto, &with(&base, &["--query", q]));
        let got = match out.status.code() {
            Some(0) => stdout(&out),
            Some(252) => "compile".to_owned(),
            Some(255) => "runtime".to_owned(),
            other => format!("exit {other:?}: {}", stderr(&out)),
        };
        compared += 1;
        if &got != want {
            mismatches.push(format!("{q}\n  ec2-lite: {got:?}\n  jmespath.py: {want:?}"));
        }
    }
    assert_eq!(compared, N);
    assert!(mismatches.is_empty(), "{} of {N} differ:\n{}", mismatches.len(), mismatches.join("\n"));
    // Most of them are real queries with an answer, not syntax errors.
    let answered = expected.iter().filter(|w| !matches!(w.as_str(), "compile" | "runtime")).count();
    assert!(answered > N / 3, "only {answered} of {N} queries have an answer");
}

/// Every `--query` form scripts use, on the two-page listing.
pub(crate) const QUERY: &[Scenario] = &[
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

/// Every output format of the venv's AWS CLI (json, text, table), chosen by
/// option, environment or profile; `--color`; v2's `off`.
pub(crate) const OUTPUT: &[Scenario] = &[
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

#[test]
fn error_display_escapes_what_the_server_sent() {
    let mut body = b"<html>".to_vec();
    body.extend_from_slice(HOSTILE);
    let server = FaultServer::start(vec![], Reply::Respond { status: 403, headers: vec![], body });
    let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse { status: 403, .. }), "{err:?}");
    let shown = err.to_string();
    assert_terminal_safe(shown.as_bytes());
    assert!(!shown.contains('\n'));
    assert!(shown.contains("\\x1b[2J") && shown.contains("\\xff"), "{shown}");

    // XML cannot hold C0 controls but for newline and tab; C1 controls and bidi overrides it can.
    let code = "Bad\u{202e}Code";
    let message = "line one\nforged: line\u{9b}2J";
    let server = FaultServer::start(vec![], Reply::ec2_error(400, code, message));
    let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    assert_eq!(err.code(), Some(code), "the field keeps the value as received");
    let shown = err.to_string();
    assert_terminal_safe(shown.as_bytes());
    assert!(!shown.contains('\n') && shown.contains("line one\\nforged"), "{shown}");
}

#[test]
fn cli_debug_and_errors_escape_bodies_headers_and_codes() {
    let mut body = b"<Response><Errors><Error><Code>Evil\x1b]0;t\x07</Code><Message>m\r\x1b[2J".to_vec();
    body.extend_from_slice(HOSTILE);
    body.extend_from_slice(b"</Message></Error></Errors></Response>");
    let server = FaultServer::start(vec![], Reply::Respond { status: 400, headers: vec![], body });
    let started = Instant::now();
    let out = disassociate(&server.url, &["--debug"]);
    assert_exit(&out, 254);
    assert_terminal_safe(&out.stderr);
    let err = stderr(&out);
    assert!(err.contains("debug: ") && err.contains("\\x1b"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));

    // A 2xx with control bytes and invalid UTF-8: the parse error quotes it escaped.
    let mut body = b"<DisassociateIamInstanceProfileResponse>".to_vec();
    body.extend_from_slice(HOSTILE);
    let server = FaultServer::start(vec![], Reply::Respond { status: 200, headers: vec![], body });
    let out = disassociate(&server.url, &["--debug"]);
    assert_exit(&out, 255);
    assert_terminal_safe(&out.stderr);
    assert!(stderr(&out).contains("\\x1b]0;pwned\\x07"), "{}", stderr(&out));
}

#[test]
fn json_error_documents_and_process_output_reach_the_terminal_escaped() {
    let ec2 = FaultServer::start(vec![], Reply::disassociated());
    let hostile_json = r#"{"Code":"Evil\u001b]0;pwned\u0007","Message":"clear\u001b[2J\rforged: line\u009b"}"#;
    let container = FaultServer::start(vec![], Reply::status(400, hostile_json));
    let uri = format!("{}/creds", container.url);
    let args = ["--endpoint-url", ec2.url.as_str(), "disassociate-iam-instance-profile", "--association-id", ID];
    let started = Instant::now();
    let out = cli::run(&args, &[("AWS_REGION", "us-east-1"), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)]);
    assert_exit(&out, 253);
    assert_terminal_safe(&out.stderr);
    assert!(stderr(&out).contains("Evil\\x1b]0;pwned\\x07"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));

    // A 200 from IMDS with a JSON error document.
    let metadata = FaultServer::start_with(move |n| match n % 3 {
        0 => Reply::status(200, "tok").header("x-aws-ec2-metadata-token-ttl-seconds", "21600"),
        1 => Reply::status(200, "role"),
        _ => Reply::status(200, r#"{"Code":"Failed\u001b[31m","Message":"no\u0007"}"#),
    });
    let out = cli::run(
        &args,
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "false"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &metadata.url),
        ],
    );
    assert_exit(&out, 253);
    assert_terminal_safe(&out.stderr);

    // credential_process writing control bytes and invalid UTF-8 instead of JSON.
    let script = std::env::temp_dir().join(format!("ec2-lite-hardening-process-{}.sh", std::process::id()));
    std::fs::write(&script, "#!/bin/sh\nprintf '\\033]0;pwned\\007\\377not json'\nprintf 'oops\\033[2J' >&2\nexit 1\n")
        .expect("script");
    let config = format!("[default]\ncredential_process = sh {}\n", script.display());
    let home = home_with_config("process", config.as_bytes());
    let cfg = home.join("config");
    let out = cli::run(&args, &[("AWS_REGION", "us-east-1"), ("AWS_CONFIG_FILE", cfg.to_str().unwrap_or_default())]);
    let _ = std::fs::remove_dir_all(&home);
    let _ = std::fs::remove_file(&script);
    assert_exit(&out, 253);
    assert_terminal_safe(&out.stderr);
    assert_eq!(ec2.count(), 0);
}
