//! The scenario tables' harness: each row of a table runs the AWS CLI of the test venv and
//! `ec2-lite` with the same arguments and environment against the same moto state, and
//! compares stdout, stderr and the exit code (see `support/twin.rs` for how v1's output
//! becomes the v2 output `ec2-lite` follows, and why each step is right). The shell scripts
//! chain a lookup into a change, the way scripts use these commands, once with `aws ec2` and
//! once with `ec2-lite` on twin states.
//!
//! Reading scenarios run on a private server holding more associations than one page of
//! moto's; the ones that change state on a server of their own, each tool on an association
//! of its own, whose state afterwards is compared too (a command refused must have changed
//! nothing). The tables live in the feature files (`arguments.rs`, `input.rs`, `output.rs`,
//! `errors.rs`, `commands.rs`).
//!
//! The tests need the test venv (the AWS CLI, moto): they are `#[ignore = "needs scripts/venv"]`,
//! so plain `cargo test` reports them as ignored, and `scripts/test` runs them, where a missing
//! venv fails them (see `tests/integration/support/python.rs`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::cli::{DESCRIBE, DISASSOCIATE};
use super::listing::{Listing, listing};
use super::moto::{Moto, SeedPool, Seeded};
use super::twin::{
    self, Expect, IdMap, Outcome, Scenario, ScratchDir, State, Stderr, Values, expected_stderr, lite_args, v1_args,
};

pub use super::twin::Expect::{ArgParse, General, NoCredentials, NoRegion, ParamValidation, Service, Unknown};
pub const OK: Expect = Expect::Ok;

/// Associations set aside on the shared server for the scenarios that change state.
pub const POOL: usize = 90;

/// Both servers.
pub struct World {
    pub listing: &'static Listing,
    pub shared: &'static Moto,
    pub pool: &'static SeedPool,
}

pub fn world() -> World {
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
    pub fn values(&self, moto: &Moto, dir: &ScratchDir) -> Values {
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
    pub fn twins(&self, state: State) -> Option<(Seeded, Seeded)> {
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
    pub fn lite_on_shared(&self, args: &[&str]) -> std::process::Output {
        let mut env = BTreeMap::new();
        for (k, v) in self.shared.env_for_cli() {
            env.insert(k, v);
        }
        env.insert("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned());
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        twin::run(&twin::lite_exe(), &args, &env)
    }

    /// What the shared server holds for `instance`, as JSON.
    pub fn state_of(&self, instance: &str) -> String {
        let filter = format!("Name=instance-id,Values={instance}");
        let out = self.lite_on_shared(&[DESCRIBE, "--filters", &filter]);
        assert!(out.status.success(), "describing {instance}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs one scenario with both tools; `None` when everything matches.
    pub fn run(&self, s: &Scenario) -> Option<String> {
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
    pub fn check(&self, group: &str, table: &[Scenario]) {
        let failures: Vec<String> = table.iter().filter_map(|s| self.run(s)).collect();
        twin::report(group, table.len(), &failures);
    }
}

pub const fn s(name: &'static str, args: &'static [&'static str], expect: Expect) -> Scenario {
    Scenario::new(name, args, expect)
}

pub const CONFIG_TABLE: &str = "[default]\noutput = table\n";
pub const PROFILE_OTHER: &str = "[default]\n[profile other]\nregion = {REGION}\noutput = text\n";
pub const CREDENTIALS_OTHER: &str = "[other]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n";

pub const NO_ENV_REGION: &[(&str, Option<&str>)] = &[("AWS_DEFAULT_REGION", None)];
pub const NO_ENV_ENDPOINT: &[(&str, Option<&str>)] = &[("AWS_ENDPOINT_URL", None)];
pub const OTHER_REGION: &[(&str, Option<&str>)] = &[("AWS_DEFAULT_REGION", Some("eu-west-1"))];

/// A shell script run with `EC2="aws ec2"` and with `EC2=ec2-lite`, each on
/// its own twin (`$I`, `$A`); `expect` is how its last command fails, if it does.
pub struct Script {
    pub name: &'static str,
    pub state: State,
    pub expect: Expect,
    pub body: &'static str,
}

impl World {
    pub fn run_script(&self, script: &Script) -> Option<String> {
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
