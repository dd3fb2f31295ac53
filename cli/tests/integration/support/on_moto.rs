//! The `ec2-lite` command line against moto with signature checking on: one moto server for
//! all the integration tests, its seeds, and `ec2-lite` (and the AWS CLI) run as the seeded
//! user. Each test works on associations of its own and filters Describe by their instances.

use std::process::Output;

use serde_json::Value;

use super::cli::{self, DISASSOCIATE, assert_exit, stderr, stdout};
use super::moto::{Moto, SeedPool, Seeded};

/// Associations Describe pages through (read only): more than moto's 100.
pub const PAGED: usize = 105;
/// Associations set aside for the tests that change them.
pub const POOL: usize = 20;

/// The shared server and its seeds.
pub fn moto() -> (&'static Moto, &'static SeedPool) {
    Moto::shared_with_seeds(PAGED, POOL)
}

/// What this module adds to the shared seed pool.
pub trait CliSeeds {
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
pub fn lite_with_env(moto: &Moto, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let owned = moto.env_for_cli();
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.extend_from_slice(extra);
    cli::run(args, &env)
}

pub fn lite(moto: &Moto, args: &[&str]) -> Output {
    lite_with_env(moto, args, &[])
}

/// The JSON a successful run printed.
#[track_caller]
pub fn json(out: &Output) -> Value {
    assert_exit(out, 0);
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(out)))
}

/// A failed run's one error line, after checking the exit code and that
/// nothing went to stdout.
#[track_caller]
pub fn error_line(out: &Output, code: i32) -> String {
    assert_exit(out, code);
    assert_eq!(stdout(out), "", "a failure printed on stdout");
    // v2's prefix (awscli/errorformat.py), after a blank line.
    let text = stderr(out);
    assert!(text.starts_with("\nec2-lite: [ERROR]: "), "no v2 error prefix: {text:?}");
    cli::without_v2_prefix(&text).trim().to_owned()
}

/// The AWS CLI's output for the same command (it exits 255 where we exit 254).
pub fn aws(moto: &Moto, args: &[&str]) -> Output {
    let mut all = vec!["ec2"];
    all.extend_from_slice(args);
    moto.aws_cli(&all)
}

pub fn association_ids(v: &Value) -> Vec<String> {
    let list = v["IamInstanceProfileAssociations"].as_array().unwrap_or_else(|| panic!("no list in {v}"));
    let mut ids: Vec<String> = list.iter().map(|a| a["AssociationId"].as_str().expect("an id").to_owned()).collect();
    ids.sort();
    ids
}

/// The object keys printed `indent` spaces deep, in the order printed (a
/// parsed `Value` sorts them). With 4-space JSON, 4 is the top level, 8 the
/// members of a single association, 12 those of each listed one.
pub fn printed_keys(out: &Output, indent: usize) -> Vec<String> {
    let prefix = " ".repeat(indent);
    stdout(out)
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix)?.strip_prefix('"')?.split_once("\": ").map(|(k, _)| k.to_owned()))
        .collect()
}

/// The members of an association, in botocore's (the model's) order.
pub const ASSOCIATION_KEYS: [&str; 4] = ["AssociationId", "InstanceId", "IamInstanceProfile", "State"];

/// `text` with `from`'s ids replaced by `to`'s, so that two runs on two
/// equivalent associations can be compared byte for byte.
pub fn with_ids_of(text: &str, from: &Seeded, to: &Seeded) -> String {
    text.replace(&from.association_id, &to.association_id).replace(&from.instance_id, &to.instance_id)
}

/// A scratch file for one test.
pub fn scratch(name: &str, text: &str) -> String {
    cli::scratch("moto-cli-input", name, text)
}
