//! The CLI's ensure against moto with signature checking on: each transition
//! twice, instance ids from stdin and files, and a fleet of 500 with one failure,
//! through the counting proxy the library's tests use too.
//!
//! Needs the test venv: ignored by plain `cargo test`, run by `scripts/test`.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::cli::{self, assert_exit, stdout};
use crate::support::moto::Moto;
use crate::support::moto_fleet::{
    ASSOCIATE, CountingProxy, DESCRIBE, DISASSOCIATE, REPLACE, associated_instances, bare_instances, profile_of,
    strings,
};

const ENSURE: &str = "ensure-iam-instance-profile";
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
