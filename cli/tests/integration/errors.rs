//! How failures end: the exit codes (252 usage, 253 configuration, 254 service, 255 other),
//! the error formats (`--cli-error-format`, `AWS_CLI_ERROR_FORMAT`, the profile), service
//! errors in the AWS CLI's words, unreachable endpoints, and servers that answer a 2xx that
//! does not parse, is not UTF-8 or has headers too large.
//!
//! Helpers: `support::offline`, `support::on_moto`, `support::hostile` (scripted hostile
//! servers, `support::fault`), and `support::scenarios` / `support::differential` (the same
//! errors from the AWS CLI).
//!
//! The tests that run moto or the AWS CLI need the test venv: they are ignored by plain
//! `cargo test` and run by `scripts/test` (or `--include-ignored` with `EC2_LITE_VENV` set).

use std::time::{Duration, Instant};

use ec2_lite::Error;

use crate::support::cli::{
    self, ASSOCIATE, DESCRIBE, DISASSOCIATE, OTHER, REPLACE, SERVICE_ERROR, UNKNOWN_ASSOC, USAGE, assert_exit, run,
    stderr, stdout,
};
use crate::support::differential::{UNKNOWN_INSTANCE, assert_success, same_error, strings};
use crate::support::fault::{DISASSOCIATE_OK, FaultServer, Reply};
use crate::support::hostile::{
    ID, assert_terminal_safe, client, client_at, disassociate, home_with_config, huge_headers_server,
};
use crate::support::listing::lite;
use crate::support::loopback::closed_port_url;
use crate::support::moto::Moto;
use crate::support::offline::{ASSOC, Loopback, config_file, configured, run_at};
use crate::support::on_moto;
use crate::support::on_moto::{CliSeeds, association_ids, error_line, json, moto};
use crate::support::scenarios::{General, NO_ENV_REGION, NoCredentials, NoRegion, PROFILE_OTHER, Service, s, world};
use crate::support::twin::{Scenario, State};

#[test]
fn unreachable_endpoint_exits_255_naming_it() {
    // Bind then drop: nothing listens on the port any more.
    let endpoint = closed_port_url();
    let out = run_at(&endpoint, &["disassociate-iam-instance-profile", "--association-id", ASSOC]);
    assert_exit(&out, OTHER);
    assert_eq!(stderr(&out), format!("\nec2-lite: [ERROR]: Could not connect to the endpoint URL: \"{endpoint}/\"\n"));
}

/// `--cli-error-format`, `AWS_CLI_ERROR_FORMAT`, then the profile's
/// `cli_error_format` (awscli/clidriver.py, awscli/errorhandler.py).
#[test]
fn error_formats_follow_v2() {
    let wire = Loopback::tripwire();
    let bad = ["--endpoint-url", &wire.endpoint, DESCRIBE, "--max-results", "4"];
    let message = "Parameter validation failed:\nInvalid value for parameter MaxResults, value: 4, valid min value: 5";
    let with = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = bad.to_vec();
        args.extend_from_slice(extra);
        let mut all = configured();
        all.extend_from_slice(env);
        let out = run(&args, &all);
        assert_exit(&out, USAGE);
        stderr(&out)
    };
    let enhanced = format!("\nec2-lite: [ERROR]: An error occurred (ParamValidation): {message}\n");
    assert_eq!(with(&[], &[]), enhanced);
    assert_eq!(with(&["--cli-error-format", "enhanced"], &[]), enhanced);
    assert_eq!(with(&["--cli-error-format", "legacy"], &[]), format!("\nec2-lite: [ERROR]: {message}\n"));
    assert_eq!(with(&[], &[("AWS_CLI_ERROR_FORMAT", "LEGACY")]), format!("\nec2-lite: [ERROR]: {message}\n"));
    let json = "{\n    \"Code\": \"ParamValidation\",\n    \"Message\": \"Parameter validation failed:\\nInvalid value for parameter MaxResults, value: 4, valid min value: 5\"\n}\n";
    assert_eq!(with(&["--cli-error-format", "json"], &[]), json);
    let config = config_file("error-format", "[default]\ncli_error_format = json\n");
    assert_eq!(with(&[], &[("AWS_CONFIG_FILE", &config)]), json);
    // The option wins over the environment, which wins over the profile.
    assert_eq!(
        with(&["--cli-error-format", "legacy"], &[("AWS_CLI_ERROR_FORMAT", "json")]),
        format!("\nec2-lite: [ERROR]: {message}\n")
    );
    // An invalid configured value falls back to enhanced.
    assert_eq!(with(&[], &[("AWS_CLI_ERROR_FORMAT", "xml")]), enhanced);
    assert_eq!(wire.connections(), 0);
}

#[test]
#[ignore = "needs scripts/venv"]
fn service_errors_read_as_the_aws_cli_prints_them() {
    let moto = Moto::shared();
    let mut pair = moto.seed_associations(2);
    let (ours, theirs) = (pair.pop().unwrap(), pair.pop().unwrap());

    // An instance that already has a profile.
    same_error(moto, &ours, &theirs, |s| {
        strings(&[
            "associate-iam-instance-profile",
            "--iam-instance-profile",
            "Name=crate-profile-b",
            "--instance-id",
            &s.instance_id,
        ])
    });
    // Unknown ids and profiles.
    same_error(moto, &ours, &theirs, |_| {
        strings(&["disassociate-iam-instance-profile", "--association-id", UNKNOWN_ASSOC])
    });
    same_error(moto, &ours, &theirs, |_| {
        strings(&[
            "replace-iam-instance-profile-association",
            "--iam-instance-profile",
            "Name=crate-profile",
            "--association-id",
            UNKNOWN_ASSOC,
        ])
    });
    same_error(moto, &ours, &theirs, |_| {
        strings(&[
            "associate-iam-instance-profile",
            "--iam-instance-profile",
            "Name=crate-profile",
            "--instance-id",
            UNKNOWN_INSTANCE,
        ])
    });
    for s in [&ours, &theirs] {
        let out = lite(moto, &["disassociate-iam-instance-profile", "--association-id", &s.association_id]);
        assert_success("ec2-lite", &["disassociate-iam-instance-profile"], &out);
    }
    same_error(moto, &ours, &theirs, |s| {
        strings(&[
            "associate-iam-instance-profile",
            "--iam-instance-profile",
            "Name=no-such-profile",
            "--instance-id",
            &s.instance_id,
        ])
    });
    // Removed already.
    same_error(moto, &ours, &theirs, |s| {
        strings(&["disassociate-iam-instance-profile", "--association-id", &s.association_id])
    });
}

pub(crate) const ERRORS: &[Scenario] = &[
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

#[test]
#[ignore = "needs scripts/venv"]
fn disassociate_unknown_association_exits_254_with_the_aws_cli_error() {
    let (moto, seeds) = moto();
    let line = error_line(&on_moto::lite(moto, &[DISASSOCIATE, "--association-id", UNKNOWN_ASSOC]), SERVICE_ERROR);
    assert_eq!(
        line,
        format!(
            "An error occurred (InvalidAssociationID.NotFound) when calling the DisassociateIamInstanceProfile \
             operation: An invalid association-id of '{UNKNOWN_ASSOC}' was given"
        )
    );
    let reference = on_moto::aws(moto, &[DISASSOCIATE, "--association-id", UNKNOWN_ASSOC]);
    assert_eq!(line, stderr(&reference).trim());

    // Removing twice: the second run is the same error.
    let seeded = seeds.association(moto);
    assert_exit(&on_moto::lite(moto, &[DISASSOCIATE, "--association-id", &seeded.association_id]), 0);
    let again =
        error_line(&on_moto::lite(moto, &[DISASSOCIATE, "--association-id", &seeded.association_id]), SERVICE_ERROR);
    assert!(again.contains("(InvalidAssociationID.NotFound)"), "{again}");
}

#[test]
#[ignore = "needs scripts/venv"]
fn wrong_secret_exits_254_with_auth_failure_and_changes_nothing() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let wrong = format!("{}x", moto.secret_access_key);
    let out = on_moto::lite_with_env(
        moto,
        &[DISASSOCIATE, "--association-id", &seeded.association_id],
        &[("AWS_SECRET_ACCESS_KEY", &wrong)],
    );
    assert_eq!(
        error_line(&out, SERVICE_ERROR),
        "An error occurred (AuthFailure) when calling the DisassociateIamInstanceProfile operation: \
         AWS was not able to validate the provided access credentials"
    );
    assert!(!stderr(&out).contains(&wrong));

    let out = on_moto::lite_with_env(moto, &[DESCRIBE], &[("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")]);
    assert!(error_line(&out, SERVICE_ERROR).starts_with(
        "An error occurred (AuthFailure) when calling the DescribeIamInstanceProfileAssociations operation"
    ));

    let v = json(&on_moto::lite(moto, &[DESCRIBE, "--association-ids", &seeded.association_id]));
    assert_eq!(association_ids(&v), [seeded.association_id.as_str()], "the association was removed");
}

#[test]
#[ignore = "needs scripts/venv"]
fn associate_on_an_instance_that_has_a_profile_exits_254_incorrect_state() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let out = on_moto::lite(
        moto,
        &[ASSOCIATE, "--iam-instance-profile", "Name=crate-profile-b", "--instance-id", &seeded.instance_id],
    );
    assert_eq!(
        error_line(&out, SERVICE_ERROR),
        format!(
            "An error occurred (IncorrectState) when calling the AssociateIamInstanceProfile operation: \
             There is an existing association for instance {}",
            seeded.instance_id
        )
    );
}

#[test]
#[ignore = "needs scripts/venv"]
fn associate_with_an_unknown_profile_exits_254_with_a_clean_error() {
    let (moto, seeds) = moto();
    let instance = seeds.bare_instance(moto);
    let arn = format!("arn:aws:iam::{}:instance-profile/no-such-profile", moto.account_id);
    for (spec, named) in [("Name=no-such-profile".to_owned(), "no-such-profile"), (format!("Arn={arn}"), arn.as_str())]
    {
        let out = on_moto::lite(moto, &[ASSOCIATE, "--iam-instance-profile", &spec, "--instance-id", &instance]);
        assert_eq!(
            error_line(&out, SERVICE_ERROR),
            format!(
                "An error occurred (NoSuchEntity) when calling the AssociateIamInstanceProfile operation: \
                 Instance profile {named} not found"
            ),
            "{spec}"
        );
    }
    let out = on_moto::lite(
        moto,
        &[ASSOCIATE, "--iam-instance-profile", "Name=crate-profile", "--instance-id", "i-00000000000000000"],
    );
    assert!(error_line(&out, SERVICE_ERROR).contains("(InvalidInstanceID.NotFound)"));
}

/// `--association-id None`, what an empty `--query` lookup prints, is sent as
/// the AWS CLI sends it: EC2 answers NotFound, 254, which scripts read as
/// "already gone".
#[test]
#[ignore = "needs scripts/venv"]
fn association_id_none_is_sent_and_comes_back_not_found() {
    let (moto, _) = moto();
    for command in [
        &[DISASSOCIATE, "--association-id", "None"][..],
        &[
            "replace-iam-instance-profile-association",
            "--association-id",
            "None",
            "--iam-instance-profile",
            "Name=crate-profile",
        ],
    ] {
        let line = error_line(&on_moto::lite(moto, command), SERVICE_ERROR);
        assert!(line.starts_with("An error occurred (InvalidAssociationID.NotFound)"), "{line}");
        let reference = on_moto::aws(moto, command);
        assert_eq!(line, stderr(&reference).trim());
    }
}

#[test]
fn malformed_or_empty_2xx_is_a_parse_error_not_retried() {
    for body in ["<DisassociateIamInstanceProfileResponse><unclosed>", "", "not xml at all", "<Other/>"] {
        let server = FaultServer::start(vec![], Reply::status(200, body));
        let started = Instant::now();
        let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
        assert!(matches!(err, Error::MalformedResponse { status: 200, .. }), "{body:?}: {err:?}");
        assert!(!err.is_retryable() && err.code().is_none(), "{err:?}");
        assert_eq!(server.count(), 1, "{body:?}: a parse error is not retried");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(err.to_string().starts_with("unable to parse the response (http 200)"), "{err}");
    }
}

#[test]
fn a_2xx_that_is_not_utf8_is_refused() {
    let mut body = DISASSOCIATE_OK.as_bytes().to_vec();
    let at = body.len() - 40;
    body.insert(at, 0xff);
    let server = FaultServer::start(vec![], Reply::Respond { status: 200, headers: vec![], body });
    let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    let Error::MalformedResponse { reason, body_start, .. } = &err else { panic!("{err:?}") };
    assert!(reason.contains("not valid UTF-8"), "{reason}");
    assert!(!body_start.contains('\u{fffd}'), "{body_start}");
    assert_eq!(server.count(), 1);
}

#[test]
fn cli_malformed_2xx_exits_255_with_the_aws_cli_words() {
    let server = FaultServer::start(vec![], Reply::status(200, "<DisassociateIamInstanceProfileResponse>"));
    let started = Instant::now();
    let out = disassociate(&server.url, &[]);
    assert_exit(&out, 255);
    let err = stderr(&out);
    assert!(err.contains("Unable to parse response ("), "{err}");
    assert!(err.contains("), invalid XML received. Further retries may succeed:"), "{err}");
    assert!(!err.contains("An error occurred (200)"), "{err}");
    assert_eq!(stdout(&out), "");
    assert_eq!(server.count(), 1);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn headers_too_large_are_refused_at_once_and_not_retried() {
    let server = huge_headers_server();
    let client = client_at(server.url()).build().expect("client");
    let started = Instant::now();
    let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.kind() == ec2_lite::TransportErrorKind::BodyTooLarge), "{err:?}");
    assert!(err.to_string().contains("response headers larger than"), "{err}");
    assert!(!err.is_retryable() && err.attempts() == 1, "{err}");
    // Refused as soon as the limit is passed, not when the server gives up.
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn a_malformed_2xx_from_sts_is_a_parse_error_exit_255() {
    let sts = FaultServer::start(vec![], Reply::status(200, "<AssumeRoleResponse><unclosed"));
    let ec2 = FaultServer::start(vec![], Reply::disassociated());
    let config = "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
                  [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n";
    let home = home_with_config("sts", config.as_bytes());
    let cfg = home.join("config");
    let started = Instant::now();
    let out = cli::run(
        &["--endpoint-url", &ec2.url, "disassociate-iam-instance-profile", "--association-id", ID],
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_CONFIG_FILE", cfg.to_str().unwrap_or_default()),
            ("AWS_ENDPOINT_URL_STS", &sts.url),
        ],
    );
    let _ = std::fs::remove_dir_all(&home);
    assert_exit(&out, 255);
    assert!(stderr(&out).contains("unreadable response"), "{}", stderr(&out));
    assert_terminal_safe(&out.stderr);
    assert_eq!(sts.count(), 1, "a parse error is not retried");
    assert_eq!(ec2.count(), 0);
    assert!(started.elapsed() < Duration::from_secs(10));
}
