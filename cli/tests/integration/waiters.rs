//! `wait iam-instance-profile-associated` / `-disassociated`: the waiter and its target
//! checked before any request, success at once or once the state is reached, a timeout (255,
//! saying what it saw), service errors, and a zero delay that does not spin.
//!
//! Helpers: `support::offline`, `support::on_moto`, `support::hostile` and `support::fault`.
//!
//! The tests that run moto or the AWS CLI need the test venv: they are ignored by plain
//! `cargo test` and run by `scripts/test` (or `--include-ignored` with `EC2_LITE_VENV` set).

use std::time::{Duration, Instant};

use ec2_lite::{Client, Credentials, Error};

use crate::support::cli::{DISASSOCIATE, OTHER, SERVICE_ERROR, assert_exit, stdout};
use crate::support::fault::{FaultServer, Reply};
use crate::support::hostile::{DESCRIBE_EMPTY, cli_at};
use crate::support::offline::{ASSOC, INSTANCE, assert_refused_offline};
use crate::support::on_moto;
use crate::support::on_moto::{CliSeeds, error_line, moto};

/// The `wait` extension keeps the library's id checks: it has no AWS CLI counterpart to follow.
#[test]
fn the_wait_extension_checks_ids_before_any_request() {
    for bad in ["", "i-", ASSOC, "i-xyz", "i-0123 4567"] {
        assert_refused_offline(
            &["wait", "iam-instance-profile-disassociated", "--instance-id", bad, "--timeout", "5"],
            "Parameter validation",
        );
    }
}

#[test]
fn wait_needs_a_known_waiter_and_exactly_one_target() {
    // As v2's `SubCommandArgParser`: `wait` has no option, so the first word is the waiter.
    assert_refused_offline(
        &["wait", "--instance-id", INSTANCE],
        &format!("argument subcommand: Found invalid choice '{INSTANCE}'"),
    );
    assert_refused_offline(
        &["wait", "instance-running", "--instance-id", INSTANCE],
        "Found invalid choice 'instance-running'",
    );
    // awscli/customizations/commands.py, `_raise_usage_error`.
    assert_refused_offline(
        &["wait"],
        "usage: ec2-lite [options] wait <subcommand> [parameters]\nec2-lite: [ERROR]: too few arguments",
    );
    assert_refused_offline(&["wait", "iam-instance-profile-associated"], "exactly one");
    assert_refused_offline(
        &["wait", "iam-instance-profile-associated", "--instance-id", INSTANCE, "--association-id", ASSOC],
        "exactly one",
    );
    assert_refused_offline(
        &["wait", "iam-instance-profile-associated", "--instance-id", INSTANCE, "--delay", "soon"],
        "--delay",
    );
    assert_refused_offline(
        &["wait", "iam-instance-profile-associated", "--instance-id", INSTANCE, "--timeout", "-1"],
        "--timeout",
    );
}

#[test]
#[ignore = "needs scripts/venv"]
fn wait_for_an_existing_association_exits_0_at_once() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    for target in [["--association-id", &seeded.association_id], ["--instance-id", &seeded.instance_id]] {
        let start = Instant::now();
        let out =
            on_moto::lite(moto, &["wait", "iam-instance-profile-associated", target[0], target[1], "--delay", "30"]);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out), "", "a waiter prints nothing");
        assert!(start.elapsed() < Duration::from_secs(15), "{target:?} polled twice");
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn wait_for_disassociation_exits_0_once_it_is_gone() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    assert_exit(&on_moto::lite(moto, &[DISASSOCIATE, "--association-id", &seeded.association_id]), 0);
    for target in [["--association-id", &seeded.association_id], ["--instance-id", &seeded.instance_id]] {
        let out =
            on_moto::lite(moto, &["wait", "iam-instance-profile-disassociated", target[0], target[1], "--delay", "30"]);
        assert_exit(&out, 0);
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn wait_that_times_out_exits_255_saying_what_it_saw() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let bare = seeds.bare_instance(moto);
    let fast = ["--delay", "0.2", "--timeout", "1"];
    let cases = [
        (
            ["iam-instance-profile-disassociated", "--association-id", seeded.association_id.as_str()],
            format!(
                "Waiter IamInstanceProfileDisassociated failed: timed out after 1s; last seen: {} in state associated",
                seeded.association_id
            ),
        ),
        (
            ["iam-instance-profile-associated", "--instance-id", bare.as_str()],
            format!(
                "Waiter IamInstanceProfileAssociated failed: timed out after 1s; last seen: instance {bare}: no association"
            ),
        ),
    ];
    for (waiter, message) in cases {
        let mut args = vec!["wait"];
        args.extend_from_slice(&waiter);
        args.extend_from_slice(&fast);
        let start = Instant::now();
        let out = on_moto::lite(moto, &args);
        assert_eq!(error_line(&out, OTHER), message);
        assert!(start.elapsed() < Duration::from_secs(15));
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn wait_errors_other_than_timeouts_are_service_errors() {
    let (moto, _) = moto();
    let out = on_moto::lite_with_env(
        moto,
        &["wait", "iam-instance-profile-associated", "--instance-id", "i-00000000000000000", "--timeout", "5"],
        &[("AWS_SECRET_ACCESS_KEY", "wrong")],
    );
    let line = error_line(&out, SERVICE_ERROR);
    assert!(
        line.starts_with(
            "An error occurred (AuthFailure) when calling the DescribeIamInstanceProfileAssociations operation"
        ),
        "{line}"
    );
}

#[test]
fn a_waiter_with_no_delay_does_not_spin() {
    let server = FaultServer::start(vec![], Reply::status(200, DESCRIBE_EMPTY));
    let started = Instant::now();
    let options = ec2_lite::WaitOptions::new(Duration::ZERO, Duration::from_secs(1));
    // On the real clock: the waiter sleeps through the client's sleep, which `client` cuts.
    let real_clock = Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
        .endpoint_url(&server.url)
        .read_timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let err = real_clock
        .wait_until_associated(&ec2_lite::WaitTarget::InstanceId("i-0123456789abcdef0".into()), &options)
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::WaitFailed { timed_out: true, .. }), "{err:?}");
    assert!((2..=12).contains(&server.count()), "{} polls in a second", server.count());
    assert!(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5), "{elapsed:?}");

    // The CLI's --delay 0 too.
    let started = Instant::now();
    let out = cli_at(
        &server.url,
        &[
            "wait",
            "iam-instance-profile-associated",
            "--instance-id",
            "i-0123456789abcdef0",
            "--delay",
            "0",
            "--timeout",
            "1",
        ],
        &[],
    );
    assert_exit(&out, 255);
    let polls = server.count();
    assert!(polls <= 12 + 12, "{polls} polls in two seconds of waiting");
    assert!(started.elapsed() < Duration::from_secs(10));
}
