//! The test harness itself: moto starts, seeding works, the AWS CLI sees what
//! was seeded, and signatures are really checked. When these fail, the
//! integration tests built on `crate::support::moto` cannot be trusted.
//!
//! Needs the test venv: ignored by plain `cargo test`, run by `scripts/test`.

use std::process::Output;

use crate::support::moto::{Moto, REGION};
use serde_json::Value;

const DESCRIBE: &str = "describe-iam-instance-profile-associations";

/// The CLI's JSON output, or a failure quoting its stderr.
fn json_of(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "aws exited with {}:\nstderr: {stderr}\nstdout: {stdout}", out.status);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("aws printed no JSON ({e}):\n{stdout}\nstderr: {stderr}"))
}

fn associations(v: &Value) -> &[Value] {
    v["IamInstanceProfileAssociations"].as_array().map(Vec::as_slice).unwrap_or_else(|| panic!("no list in {v}"))
}

/// An AWS CLI failure's stderr, after checking that it failed.
fn failure_of(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "aws succeeded but should have failed:\n{}", String::from_utf8_lossy(&out.stdout));
    stderr
}

#[test]
#[ignore = "needs scripts/venv"]
fn seeded_association_is_listed_by_the_aws_cli() {
    let moto = Moto::shared();
    assert_eq!(moto.region, REGION);
    assert!(moto.endpoint.starts_with("http://127.0.0.1:"), "{}", moto.endpoint);

    let seeded = moto.seed_association();
    assert!(seeded.association_id.starts_with("iip-assoc-"), "{seeded:?}");
    assert_eq!(seeded.profile_name, moto.profile.name);
    assert_eq!(seeded.profile_arn, moto.profile.arn);
    assert_eq!(seeded.profile_id, moto.profile.id);

    let v = json_of(&moto.aws_cli(&["ec2", DESCRIBE, "--association-ids", &seeded.association_id]));
    let [item] = associations(&v) else { panic!("expected exactly one association in {v}") };
    assert_eq!(item["AssociationId"], seeded.association_id.as_str());
    assert_eq!(item["InstanceId"], seeded.instance_id.as_str());
    assert_eq!(item["IamInstanceProfile"]["Arn"], moto.profile.arn.as_str());
    assert_eq!(item["IamInstanceProfile"]["Id"], moto.profile.id.as_str());
    assert_eq!(item["State"], "associated");
}

#[test]
#[ignore = "needs scripts/venv"]
fn seeding_with_the_second_profile_and_without_association() {
    let moto = Moto::shared();
    assert_ne!(moto.profile.arn, moto.profile_b.arn);
    let seeded = moto.seed_association_with(&moto.profile_b.name);
    assert_eq!(seeded.profile_name, "crate-profile-b");
    assert_eq!(seeded.profile_arn, moto.profile_b.arn);
    assert_eq!(seeded.profile_id, moto.profile_b.id);

    let bare = moto.seed_instance();
    assert!(bare.starts_with("i-"), "{bare}");
    let filter = format!("Name=instance-id,Values={bare},{}", seeded.instance_id);
    let v = json_of(&moto.aws_cli(&["ec2", DESCRIBE, "--filters", &filter]));
    let [item] = associations(&v) else { panic!("expected only {}'s association in {v}", seeded.instance_id) };
    assert_eq!(item["AssociationId"], seeded.association_id.as_str());
}

#[test]
#[ignore = "needs scripts/venv"]
fn wrong_secret_is_auth_failure() {
    let moto = Moto::shared();
    let wrong = format!("{}x", moto.secret_access_key);
    let stderr = failure_of(&moto.aws_cli_with_env(&["ec2", DESCRIBE], &[("AWS_SECRET_ACCESS_KEY", &wrong)]));
    assert!(stderr.contains("(AuthFailure)"), "{stderr}");

    let stderr =
        failure_of(&moto.aws_cli_with_env(&["ec2", DESCRIBE], &[("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")]));
    assert!(stderr.contains("(AuthFailure)"), "{stderr}");
}

#[test]
#[ignore = "needs scripts/venv"]
fn assumed_role_credentials_work_only_with_their_session_token() {
    let moto = Moto::shared();
    let seeded = moto.seed_association();
    let (akid, secret, token) = moto.assume_role();
    assert!(akid.starts_with("ASIA"), "{akid}");
    assert_ne!(akid, moto.access_key_id);

    let args = ["ec2", DESCRIBE, "--association-ids", &seeded.association_id];
    let env = [("AWS_ACCESS_KEY_ID", akid.as_str()), ("AWS_SECRET_ACCESS_KEY", &secret)];
    let v = json_of(&moto.aws_cli_with_env(&args, &[env[0], env[1], ("AWS_SESSION_TOKEN", &token)]));
    assert_eq!(associations(&v).len(), 1, "{v}");

    let stderr = failure_of(&moto.aws_cli_with_env(&args, &env));
    assert!(stderr.contains("(AuthFailure)"), "without the token: {stderr}");
    let stderr = failure_of(&moto.aws_cli_with_env(&args, &[env[0], env[1], ("AWS_SESSION_TOKEN", "not-the-token")]));
    assert!(stderr.contains("(AuthFailure)"), "with a wrong token: {stderr}");
}

#[test]
#[ignore = "needs scripts/venv"]
fn env_for_cli_names_the_server_and_the_key() {
    let moto = Moto::shared();
    let env = moto.env_for_cli();
    let get = |k: &str| env.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    assert_eq!(get("AWS_ACCESS_KEY_ID"), Some(moto.access_key_id.as_str()));
    assert_eq!(get("AWS_SECRET_ACCESS_KEY"), Some(moto.secret_access_key.as_str()));
    assert_eq!(get("AWS_REGION"), Some(REGION));
    assert_eq!(get("AWS_ENDPOINT_URL"), Some(moto.endpoint.as_str()));
    assert_eq!(env.len(), 4, "{:?}", env.iter().map(|(k, _)| k).collect::<Vec<_>>());
}

/// A private server holds only what was seeded in it, pages past moto's 100
/// per page, and is gone once dropped.
#[test]
#[ignore = "needs scripts/venv"]
fn private_server_is_isolated_paginates_and_stops_on_drop() {
    let moto = Moto::start();
    {
        let shared = Moto::shared();
        assert_ne!(shared.endpoint, moto.endpoint);
        assert_ne!(shared.pid, moto.pid);
    }

    let seeded = moto.seed_associations(105);
    let mut ids: Vec<&str> = seeded.iter().map(|s| s.association_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 105);

    // The CLI follows nextToken across moto's fixed 100-item pages.
    let v = json_of(&moto.aws_cli(&["ec2", DESCRIBE]));
    let mut listed: Vec<&str> = associations(&v).iter().filter_map(|a| a["AssociationId"].as_str()).collect();
    listed.sort_unstable();
    assert_eq!(listed, ids);

    let pid = moto.pid;
    let proc_dir = format!("/proc/{pid}");
    assert!(std::path::Path::new(&proc_dir).exists());
    drop(moto);
    assert!(!std::path::Path::new(&proc_dir).exists(), "moto (pid {pid}) still runs after drop");
}
