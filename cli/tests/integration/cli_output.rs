//! `--query` and the output formats, `ec2-lite` against the real AWS CLI (v1,
//! from the test venv) on the same moto state: `json`, `text` and `table`,
//! with and without `--query`, byte for byte. The listing spans two of moto's
//! pages (100 and 6), so that the text format's query, which the AWS CLI
//! applies to each page, is seen doing so. (`yaml`, `yaml-stream`, `off`,
//! colours and iso8601 timestamps are v2's alone: the unit tests in
//! `cli/src/output/` pin them with v2's own expected outputs.)
//!
//! Exit codes are compared after mapping v1's to v2's (a bad `--query` is 255
//! in v1, 252 in v2).
//!
//! Needs the test venv; without it each test is skipped by name, or fails when
//! `EC2_LITE_REQUIRE_VENV=1` (see `tests/integration/support/python.rs`).

use std::process::Output;

use crate::support::cli::{self, stderr, stdout};
use crate::support::listing::{PAGED, aws, listing, lite};
use crate::support::moto::Moto;

const DESCRIBE: &str = "describe-iam-instance-profile-associations";
const ITEMS: &str = "IamInstanceProfileAssociations";

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
