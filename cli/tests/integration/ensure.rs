//! `ensure-iam-instance-profile`, the CLI's extension, on the command line: what it refuses
//! before any request, its help, its exit codes (254 when an instance fails, 253 without
//! credentials), its output and progress line, each transition twice, instance ids from
//! stdin and files, and a fleet of 500 with one failure. (Fleets under EC2's throttling, the
//! dry run, desired-state documents and SIGINT are in `ensure_fleet.rs`.)
//!
//! Helpers: `support::fleet` (a loopback EC2 that answers by action), and `support::moto`
//! with `support::moto_fleet` (moto with signature checking on, through the counting proxy
//! the library's tests use too); the moto tests need the test venv: ignored by plain
//! `cargo test`, run by `scripts/test`.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::cli::{self, assert_exit, stderr, stdout};
use crate::support::fleet::{self as support_fleet, ARN_WEB};
use crate::support::moto::Moto;
use crate::support::moto_fleet::{
    ASSOCIATE, CountingProxy, DESCRIBE, DISASSOCIATE, REPLACE, associated_instances, bare_instances, profile_of,
    strings,
};

const ENSURE: &str = "ensure-iam-instance-profile";
const BAD: &str = "i-0000000000000bad";

fn env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "secret".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ENDPOINT_URL", url.to_owned()),
    ]
}

fn run(args: &[&str], env: &[(&'static str, String)]) -> std::process::Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cli::run(args, &env)
}

#[test]
fn command_lines_it_does_not_fully_understand_are_refused_before_any_request() {
    let server = support_fleet::Server::start(BAD.to_owned());
    let env = env(&server.url);
    let missing = format!("file://{}/no-such-file", env!("CARGO_TARGET_TMPDIR"));
    let empty = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ensure-empty.txt");
    std::fs::write(&empty, "# nothing\n\n").unwrap();
    let empty = format!("file://{}", empty.display());
    for (args, says) in [
        (vec![ENSURE, "--instance-ids", "i-1"], "exactly one of"),
        (
            vec![ENSURE, "--instance-ids", "i-1", "--no-iam-instance-profile", "--iam-instance-profile", "Name=a"],
            "exactly one of",
        ),
        (vec![ENSURE, "--instance-ids", "i-1", "i-nothex", "--no-iam-instance-profile"], "i-nothex"),
        (
            vec![ENSURE, "--instance-ids", "i-1", "--no-iam-instance-profile", "--max-concurrency", "0"],
            "--max-concurrency",
        ),
        (
            vec![ENSURE, "--instance-ids", "i-1", "--no-iam-instance-profile", "--propagation-timeout", "soon"],
            "--propagation-timeout",
        ),
        (vec![ENSURE, "--instance-ids", "i-1", "--iam-instance-profile", "Role=x"], "Role"),
        (vec![ENSURE, "--instance-ids", &missing, "--no-iam-instance-profile"], "Unable to load paramfile"),
        (vec![ENSURE, "--instance-ids", &empty, "--no-iam-instance-profile"], "no instance IDs"),
        (vec![ENSURE, "--no-iam-instance-profile"], "--instance-ids"),
    ] {
        let out = run(&args, &env);
        assert_exit(&out, 252);
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
    assert_eq!(server.max_in_flight(), 0, "no request was made");
}

#[test]
fn help_marks_it_as_an_extension() {
    let out = cli::run(&["help"], &[]);
    assert_exit(&out, 0);
    let line = stdout(&out).lines().find(|l| l.contains(ENSURE)).map(str::to_owned).unwrap_or_default();
    assert!(line.ends_with("[extension]"), "{}", stdout(&out));
    let out = cli::run(&[ENSURE, "help"], &[]);
    assert!(stdout(&out).contains("--no-iam-instance-profile") && stdout(&out).contains("--max-concurrency"));
    // No EC2 operation of that name: help says what it is built on.
    assert!(!stdout(&out).contains("EnsureIamInstanceProfile operation"), "{}", stdout(&out));
    assert!(stdout(&out).contains("An extension of this tool, not an EC2 operation"), "{}", stdout(&out));
}

#[test]
fn one_failure_exits_254_and_the_output_says_which() {
    let server = support_fleet::Server::start(BAD.to_owned());
    let args = [
        ENSURE,
        "--instance-ids",
        "i-0000000000000001",
        BAD,
        "i-0000000000000002",
        "--iam-instance-profile",
        "Name=web",
        "--no-wait",
        "--max-concurrency",
        "3",
    ];
    let out = run(&args, &env(&server.url));
    assert_exit(&out, 254);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let r = v["Results"].as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["InstanceId"], "i-0000000000000001");
    assert_eq!(r[0]["Action"], "Associated");
    assert_eq!(r[0]["State"], "associating");
    assert_eq!(r[0]["IamInstanceProfile"]["Arn"], ARN_WEB);
    assert_eq!(r[1]["InstanceId"], BAD);
    assert_eq!(r[1]["Error"]["Code"], "InvalidInstanceID.NotFound");
    assert_eq!(r[1]["Error"]["Message"], format!("The instance ID '{BAD}' does not exist"));
    assert!(r[1].get("Action").is_none());
    assert_eq!(r[2]["Action"], "Associated");
    // No progress line when stderr is not a terminal: the summary alone.
    assert_eq!(
        stderr(&out).lines().map(|l| l.split_once(" in ").map_or(l, |(a, _)| a)).collect::<Vec<_>>(),
        ["ec2-lite: 3 instances"],
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).ends_with(": 2 associated, 0 replaced, 0 disassociated, 0 unchanged, 1 failed\n"));
}

#[test]
fn missing_credentials_exit_253() {
    let server = support_fleet::Server::start(BAD.to_owned());
    let env: Vec<_> = env(&server.url).into_iter().filter(|(k, _)| !k.starts_with("AWS_ACCESS")).collect();
    let out = run(&[ENSURE, "--instance-ids", "i-0000000000000001", "--no-iam-instance-profile"], &env);
    assert_exit(&out, 253);
    assert_eq!(stdout(&out), "");
}

#[test]
fn on_a_terminal_a_progress_line_goes_to_stderr() {
    let server = support_fleet::Server::start(BAD.to_owned());
    let args = format!(
        "{ENSURE} --instance-ids i-0000000000000001 i-0000000000000002 {BAD} --iam-instance-profile Name=web --no-wait"
    );
    let env = env(&server.url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = cli::on_a_terminal(&args, &env).output().expect("run script(1)");
    assert_eq!(out.status.code(), Some(254), "{}", String::from_utf8_lossy(&out.stdout));
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(terminal.contains("3/3 done, 1 failed, "), "{terminal:?}");
    assert!(terminal.contains("1/3 done, "), "{terminal:?}");
    assert!(!terminal.contains("throttled"), "no throttle, no count: {terminal:?}");
}

#[test]
fn the_progress_line_counts_throttles() {
    use crate::support::fault::{FaultServer, Reply};
    // The describe throttled once, then answered; then the write.
    let server = FaultServer::start(
        vec![
            Reply::ec2_error(503, "RequestLimitExceeded", "Request limit exceeded."),
            Reply::status(
                200,
                "<DescribeIamInstanceProfileAssociationsResponse><requestId>r</requestId>\
                 <iamInstanceProfileAssociationSet/></DescribeIamInstanceProfileAssociationsResponse>",
            ),
        ],
        Reply::status(
            200,
            &format!(
                "<AssociateIamInstanceProfileResponse><requestId>r</requestId><iamInstanceProfileAssociation>\
                 <associationId>iip-assoc-1</associationId><instanceId>i-0000000000000001</instanceId>\
                 <iamInstanceProfile><arn>{}</arn><id>AIPA</id></iamInstanceProfile><state>associating</state>\
                 </iamInstanceProfileAssociation></AssociateIamInstanceProfileResponse>",
                ARN_WEB
            ),
        ),
    );
    let args = format!("{ENSURE} --instance-ids i-0000000000000001 --iam-instance-profile Name=web --no-wait");
    let env = env(&server.url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = cli::on_a_terminal(&args, &env).output().expect("run script(1)");
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{terminal}");
    assert!(terminal.contains("1/1 done, 0 failed, 1 throttled, "), "{terminal:?}");
    assert_eq!(server.count(), 3);
}

/// An instance id moto never hands out.
const UNKNOWN_INSTANCE: &str = "i-00000000000000000";

/// Runs the CLI through the proxy.
fn lite(moto: &Moto, proxy: &CountingProxy, args: &[&str]) -> std::process::Output {
    let env = moto.env_for_cli();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL", &proxy.url));
    cli::run(args, &env)
}

fn results(out: &std::process::Output) -> Vec<Value> {
    let v: Value = serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)));
    v["Results"].as_array().cloned().unwrap_or_else(|| panic!("no Results in {v}"))
}

#[test]
#[ignore = "needs scripts/venv"]
fn cli_each_transition_twice() {
    let moto = Moto::shared();
    let proxy = CountingProxy::start(&moto.endpoint);
    let bare = bare_instances(moto, 2);
    let with_a = associated_instances(moto, 3, &moto.profile.name);
    let name_a = format!("Name={}", moto.profile.name);
    let arn_b = format!("Arn={}", moto.profile_b.arn);
    proxy.take();

    // (instance, --iam-instance-profile or none, first action, first run's calls, final profile)
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], Option<&'a str>);
    let cases: [Case<'_>; 5] = [
        (&bare[0], &name_a, "Associated", &[DESCRIBE, ASSOCIATE, DESCRIBE], Some(&moto.profile.arn)),
        (&with_a[0], &name_a, "Unchanged", &[DESCRIBE], Some(&moto.profile.arn)),
        (&with_a[1], &arn_b, "Replaced", &[DESCRIBE, REPLACE, DESCRIBE], Some(&moto.profile_b.arn)),
        (&with_a[2], "", "Disassociated", &[DESCRIBE, DISASSOCIATE, DESCRIBE], None),
        (&bare[1], "", "Unchanged", &[DESCRIBE], None),
    ];
    for (instance, profile, action, calls, arn) in cases {
        let mut args = vec![ENSURE, "--instance-ids", instance];
        if profile.is_empty() {
            args.push("--no-iam-instance-profile");
        } else {
            args.extend(["--iam-instance-profile", profile]);
        }
        for (run, want_action, want_calls) in [(1, action, calls), (2, "Unchanged", &[DESCRIBE][..])] {
            let out = lite(moto, &proxy, &args);
            assert_exit(&out, 0);
            let r = results(&out);
            assert_eq!(r.len(), 1);
            assert_eq!(r[0]["InstanceId"], *instance);
            assert_eq!(r[0]["Action"], want_action, "run {run}: {}", stdout(&out));
            assert!(r[0].get("Error").is_none());
            assert_eq!(proxy.take(), strings(want_calls), "run {run} of {action}");
            match arn {
                Some(arn) => {
                    assert_eq!(r[0]["IamInstanceProfile"]["Arn"], arn);
                    assert_eq!(r[0]["State"], "associated");
                    assert!(r[0]["AssociationId"].as_str().is_some_and(|s| s.starts_with("iip-assoc-")));
                }
                None => assert!(r[0].get("IamInstanceProfile").is_none(), "{}", stdout(&out)),
            }
            if run == 1 && matches!(action, "Replaced" | "Disassociated") {
                assert!(r[0]["PreviousAssociationId"].as_str().is_some(), "{}", stdout(&out));
            }
            assert_eq!(profile_of(moto, instance).as_deref(), arn);
        }
    }

    // --output text goes through the same renderer as every command.
    let out =
        lite(moto, &proxy, &[ENSURE, "--instance-ids", &bare[1], "--no-iam-instance-profile", "--output", "text"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), format!("RESULTS\tUnchanged\t{}\n", bare[1]));
    // Nothing on stderr when it is not a terminal, but the summary.
    let err = cli::stderr(&out);
    assert!(err.starts_with("ec2-lite: 1 instance in ") && err.lines().count() == 1, "{err}");
    assert!(err.ends_with(": 0 associated, 0 replaced, 0 disassociated, 1 unchanged, 0 failed\n"), "{err}");
}

#[test]
#[ignore = "needs scripts/venv"]
fn cli_reads_instance_ids_from_stdin_and_files() {
    let moto = Moto::shared();
    let proxy = CountingProxy::start(&moto.endpoint);
    let ids = bare_instances(moto, 3);
    let name_a = format!("Name={}", moto.profile.name);

    let mut cmd = Command::new(cli::EXE);
    cmd.args([ENSURE, "--instance-ids", "-", "--iam-instance-profile", &name_a, "--max-concurrency", "2"])
        .env_clear()
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(moto.env_for_cli())
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run ec2-lite");
    let input = format!("# the web tier\n{}\n\n  {}\n{}\n", ids[0], ids[1], ids[2]);
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_exit(&out, 0);
    let r = results(&out);
    let got: Vec<&str> = r.iter().map(|x| x["InstanceId"].as_str().unwrap()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(r.iter().all(|x| x["Action"] == "Associated"), "{}", stdout(&out));

    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ensure-ids.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let arg = format!("file://{}", file.display());
    let out = lite(moto, &proxy, &[ENSURE, "--instance-ids", &arg, "--iam-instance-profile", &name_a]);
    assert_exit(&out, 0);
    assert!(results(&out).iter().all(|x| x["Action"] == "Unchanged"), "{}", stdout(&out));
}

#[test]
#[ignore = "needs scripts/venv"]
fn cli_fleet_of_500_with_one_failure() {
    let moto = Moto::shared();
    // 200 without a profile, 200 with crate-profile, 100 with crate-profile-b;
    // all should end with crate-profile-b.
    let mut fleet = bare_instances(moto, 200);
    fleet.extend(associated_instances(moto, 200, &moto.profile.name));
    fleet.extend(associated_instances(moto, 100, &moto.profile_b.name));
    // Interleave them, so the order of the input is not the order of kinds.
    let mut ids: Vec<String> = Vec::with_capacity(fleet.len() + 1);
    for i in 0..100 {
        for kind in 0..5 {
            ids.push(fleet[kind * 100 + i].clone());
        }
    }
    let expected = |id: &str| {
        let i = fleet.iter().position(|f| f == id).unwrap();
        match i {
            0..200 => "Associated",
            200..400 => "Replaced",
            _ => "Unchanged",
        }
    };
    ids.insert(250, UNKNOWN_INSTANCE.to_owned());
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ensure-fleet.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let arg = format!("file://{}", file.display());
    let name_b = format!("Name={}", moto.profile_b.name);
    let proxy = CountingProxy::start(&moto.endpoint);
    let args = [ENSURE, "--instance-ids", &arg, "--iam-instance-profile", &name_b, "--max-concurrency", "16"];

    let out = lite(moto, &proxy, &args);
    assert_exit(&out, 254);
    let r = results(&out);
    let order: Vec<&str> = r.iter().map(|x| x["InstanceId"].as_str().unwrap()).collect();
    assert_eq!(order, ids.iter().map(String::as_str).collect::<Vec<_>>(), "results in input order");
    for x in &r {
        let id = x["InstanceId"].as_str().unwrap();
        if id == UNKNOWN_INSTANCE {
            assert_eq!(x["Error"]["Code"], "InvalidInstanceID.NotFound", "{x}");
            assert!(x.get("Action").is_none());
        } else {
            assert_eq!(x["Action"], expected(id), "{x}");
            assert_eq!(x["IamInstanceProfile"]["Arn"], moto.profile_b.arn.as_str(), "{x}");
            assert!(x.get("Error").is_none(), "{x}");
        }
    }
    // One write per instance that needs one, the unknown instance's refused
    // associate among them; describes in batches of 200 (moto pages them by
    // 100), and polls batched too: where one describe an instance and a
    // waiter's poll per write cost 901 describes.
    let mut counts = proxy.take_counts();
    let describes = counts.remove(DESCRIBE).unwrap_or(0);
    let want: BTreeMap<String, usize> =
        [(ASSOCIATE, 200 + 1), (REPLACE, 200)].into_iter().map(|(a, n)| (a.to_owned(), n)).collect();
    assert_eq!(counts, want);
    eprintln!("a fleet of 501: {describes} describes");
    assert!((3..=60).contains(&describes), "{describes} describes");
    let converged = fleet.iter().filter(|id| profile_of(moto, id).as_deref() == Some(&moto.profile_b.arn)).count();
    assert_eq!(converged, 500);

    // Again, without the unknown one: nothing to do, one describe each.
    let ids: Vec<String> = ids.into_iter().filter(|i| i != UNKNOWN_INSTANCE).collect();
    std::fs::write(&file, ids.join("\n")).unwrap();
    let out = lite(moto, &proxy, &args);
    assert_exit(&out, 0);
    assert!(results(&out).iter().all(|x| x["Action"] == "Unchanged"));
    // Three batches of 200 ids, each at most two of moto's pages of 100
    // (and perhaps an empty last page).
    let counts = proxy.take_counts();
    assert_eq!(counts.keys().collect::<Vec<_>>(), [DESCRIBE], "no write");
    assert!((3..=9).contains(&counts[DESCRIBE]), "{counts:?}");
}
