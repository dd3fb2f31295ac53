//! Where the credentials, the region and the endpoint come from, seen from outside: profiles
//! and the environment, instance metadata, container endpoints, `credential_process`, STS
//! AssumeRole (moto), `--no-sign-request`, missing credentials or region (253), unknown
//! profiles, the config files (profile loops, huge and special files, values that are not
//! UTF-8), plain HTTP only to loopback, proxies, and TLS (`--ca-bundle`, `AWS_CA_BUNDLE`,
//! `--no-verify-ssl`). (The cross-SDK suites run in `tests/unit/credentials/suites.rs`, with a
//! fixed clock.)
//!
//! Helpers: `support::chain` (loopback servers standing in for EC2, instance metadata,
//! container endpoints and proxies, and a home of its own per test), `support::offline`,
//! `support::hostile`, `support::fault` and `support::on_moto`.
//!
//! The tests that run moto or the AWS CLI need the test venv: they are ignored by plain
//! `cargo test` and run by `scripts/test` (or `--include-ignored` with `EC2_LITE_VENV` set).

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ec2_lite::{Client, Credentials, Error};

use crate::support::chain::{Home, Server, fake_ec2, fake_imds, refusing_proxy, tls_ec2, tls_server};
use crate::support::cli::{
    self, CONFIG, DESCRIBE, DISASSOCIATE, OTHER, SERVICE_ERROR, USAGE, assert_exit, run, stderr,
};
use crate::support::fault::{FaultServer, Reply};
use crate::support::hostile::{
    ID, assert_terminal_safe, chain_client, cli_with_raw_env, credentials_json, disassociate, headers_config,
    home_with_config, imds, one_large_run_at_a_time, run_measured, sso_config,
};
use crate::support::moto::Moto;
use crate::support::offline::{AKID, ASSOC, DISASSOCIATE_RESPONSE, Loopback, SECRET, configured, run_at};
use crate::support::on_moto::{error_line, json, moto};
use crate::support::{chain, on_moto};

/// v2's words (`awscli/errorhandler.py`, `NoCredentialsErrorHandler`, pinned by
/// `tests/unit/test_clidriver.py`); where this tool looked, under `--debug`.
#[test]
fn missing_credentials_exit_253_before_any_request() {
    let wire = Loopback::tripwire();
    let args = ["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC];
    let out = run(&args, &[("AWS_REGION", "us-east-1")]);
    assert_exit(&out, CONFIG);
    assert_eq!(
        stderr(&out),
        "\nec2-lite: [ERROR]: An error occurred (NoCredentials): Unable to locate credentials. You can configure \
         credentials by running \"aws login\".\n"
    );
    let mut debug = args.to_vec();
    debug.push("--debug");
    let out = run(&debug, &[("AWS_REGION", "us-east-1")]);
    assert_exit(&out, CONFIG);
    assert!(stderr(&out).contains("AWS_ACCESS_KEY_ID"), "{}", stderr(&out));

    let out = run(&args, &[("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", AKID)]);
    assert_exit(&out, CONFIG);
    assert!(stderr(&out).contains("AWS_SECRET_ACCESS_KEY"), "{}", stderr(&out));

    let out = run(&args, &[("AWS_REGION", "us-east-1"), ("AWS_SECRET_ACCESS_KEY", SECRET)]);
    assert_exit(&out, CONFIG);
    assert!(!stderr(&out).contains(SECRET), "{}", stderr(&out));
    assert_eq!(wire.connections(), 0);
}

#[test]
fn missing_region_exits_253_before_any_request() {
    let wire = Loopback::tripwire();
    let out = run(
        &["--endpoint-url", &wire.endpoint, DESCRIBE],
        &[("AWS_ACCESS_KEY_ID", AKID), ("AWS_SECRET_ACCESS_KEY", SECRET)],
    );
    assert_exit(&out, CONFIG);
    // awscli/errorhandler.py, NoRegionErrorHandler, after botocore's NoRegionError.
    assert_eq!(
        stderr(&out),
        "\nec2-lite: [ERROR]: An error occurred (NoRegion): You must specify a region. You can also configure your \
         region by running \"aws configure\".\n"
    );
    assert_eq!(wire.connections(), 0);
    // A usage error is found first: 252 wins over 253.
    let out = run(&["--endpoint-url", &wire.endpoint, DESCRIBE, "junk"], &[]);
    assert_exit(&out, USAGE);
}

#[test]
fn region_and_endpoint_come_from_the_aws_variables() {
    for (region_var, endpoint_var) in
        [("AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"), ("AWS_REGION", "AWS_ENDPOINT_URL_EC2")]
    {
        let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
        let out = run(
            &["disassociate-iam-instance-profile", "--association-id", ASSOC],
            &[
                ("AWS_ACCESS_KEY_ID", AKID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
                (region_var, "eu-west-3"),
                (endpoint_var, &wire.endpoint),
            ],
        );
        assert_exit(&out, 0);
        let requests = wire.requests();
        assert_eq!(requests.len(), 1, "{requests:?}");
        assert!(requests[0].contains("/eu-west-3/ec2/aws4_request"), "{region_var}: {}", requests[0]);
    }
}

#[test]
fn region_that_is_not_a_dns_label_is_a_configuration_error() {
    let wire = Loopback::tripwire();
    let out = run(&["--endpoint-url", &wire.endpoint, "--region", "us-east-1.evil.example", DESCRIBE], &configured());
    assert_exit(&out, CONFIG);
    assert_eq!(wire.connections(), 0);
}

#[test]
fn plain_http_to_another_machine_is_refused() {
    for url in ["http://192.0.2.10", "http://ec2.example.com:8080", "http://127.0.0.1.example.com"] {
        let out = run(&["--endpoint-url", url, DESCRIBE], &configured());
        assert_exit(&out, CONFIG);
        assert!(stderr(&out).contains("plain http"), "{url}: {}", stderr(&out));
        let mut env = configured();
        env.push(("AWS_ENDPOINT_URL", url));
        let out = run(&[DESCRIBE], &env);
        assert_exit(&out, CONFIG);
        assert!(stderr(&out).contains("plain http"), "AWS_ENDPOINT_URL={url}: {}", stderr(&out));
    }
    for url in ["http://127.0.0.1@192.0.2.10", "http://192.0.2.10#@127.0.0.1", "ftp://127.0.0.1"] {
        let out = run(&["--endpoint-url", url, DESCRIBE], &configured());
        assert_exit(&out, CONFIG);
    }
}

#[test]
fn plain_http_to_loopback_is_allowed() {
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let port = wire.endpoint.rsplit(':').next().unwrap();
    let out =
        run_at(&format!("http://localhost:{port}"), &["disassociate-iam-instance-profile", "--association-id", ASSOC]);
    assert_exit(&out, 0);
    assert_eq!(wire.requests().len(), 1);
}

/// `--no-sign-request`: no credentials needed, no signature sent.
#[test]
fn no_sign_request_sends_no_signature() {
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let out = run(
        &[
            "--no-sign-request",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &wire.endpoint,
            "disassociate-iam-instance-profile",
            "--association-id",
            ASSOC,
        ],
        &[],
    );
    assert_exit(&out, 0);
    let requests = wire.requests();
    let [request] = requests.as_slice() else { panic!("{requests:?}") };
    let lower = request.to_ascii_lowercase();
    assert!(!lower.contains("authorization:") && !lower.contains("x-amz-date:"), "{request}");
}

/// botocore's ProfileNotFound is a plain error in v2: 255.
#[test]
fn an_unknown_profile_exits_255() {
    let wire = Loopback::tripwire();
    let out = run_at(&wire.endpoint, &["--profile", "nope", DESCRIBE]);
    assert_exit(&out, OTHER);
    assert_eq!(stderr(&out), "\nec2-lite: [ERROR]: The config profile (nope) could not be found\n");
    let mut env = configured();
    env.push(("AWS_PROFILE", "nope"));
    let out = run(&["--endpoint-url", &wire.endpoint, DESCRIBE], &env);
    assert_exit(&out, OTHER);
    assert_eq!(wire.connections(), 0);
}

#[test]
#[ignore = "needs scripts/venv"]
fn session_credentials_from_assume_role_work_with_aws_session_token() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let (akid, secret, token) = moto.assume_role();
    let session = [("AWS_ACCESS_KEY_ID", akid.as_str()), ("AWS_SECRET_ACCESS_KEY", secret.as_str())];
    let args = [DISASSOCIATE, "--association-id", seeded.association_id.as_str()];

    let out = on_moto::lite_with_env(moto, &args, &session);
    assert!(error_line(&out, SERVICE_ERROR).contains("(AuthFailure)"), "without the token");

    let out = on_moto::lite_with_env(moto, &args, &[session[0], session[1], ("AWS_SESSION_TOKEN", &token)]);
    let v = json(&out);
    assert_eq!(v["IamInstanceProfileAssociation"]["AssociationId"], seeded.association_id.as_str());
    assert_eq!(v["IamInstanceProfileAssociation"]["State"], "disassociating");
}

#[test]
fn imds_token_without_ttl_header_is_used_with_the_ttl_asked_for() {
    for headers in
        [vec![], vec![("x-aws-ec2-metadata-token-ttl-seconds".to_owned(), "18446744073709551615".to_owned())]]
    {
        let metadata = imds(headers.clone());
        let ec2 = FaultServer::start(vec![], Reply::disassociated());
        let started = Instant::now();
        let client = chain_client(&ec2, &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &metadata.url)]).expect("client");
        let out = client.disassociate_iam_instance_profile(ID);
        assert!(out.is_ok(), "{headers:?}: {out:?}");
        let signed = ec2.requests();
        let auth = signed[0].header("authorization").unwrap_or_default().to_owned();
        assert!(auth.contains("Credential=ASIAIMDSEXAMPLE/"), "{auth}");
        assert_eq!(signed[0].header("x-amz-security-token"), Some("imds-token"));
        // The token is asked with six hours, and a second call reuses it.
        let token_request = &metadata.requests()[0];
        assert_eq!(token_request.header("x-aws-ec2-metadata-token-ttl-seconds"), Some("21600"));
        assert!(client.disassociate_iam_instance_profile(ID).is_ok());
        assert_eq!(metadata.requests().iter().filter(|r| r.method == "PUT").count(), 1, "{headers:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn non_utf8_environment_values_are_errors_naming_the_variable() {
    let server = FaultServer::start(vec![], Reply::disassociated());
    let keys = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "SECRETEXAMPLEKEY"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", server.url.as_str()),
    ];
    let args = ["disassociate-iam-instance-profile", "--association-id", ID];
    for (name, value) in [
        ("AWS_PROFILE", &b"prod\xff"[..]),
        ("AWS_ENDPOINT_URL", &b"http://127.0.0.1:1/\xff"[..]),
        ("AWS_SECRET_ACCESS_KEY", &b"secret\xfe"[..]),
        ("AWS_REGION", &b"us-east-1\xff"[..]),
    ] {
        let env: Vec<(&str, &str)> = keys.iter().copied().filter(|(k, _)| *k != name).collect();
        let started = Instant::now();
        let out = cli_with_raw_env(&args, &env, (name, value));
        assert_exit(&out, 253);
        let err = stderr(&out);
        assert!(err.contains(name) && err.contains("not valid UTF-8"), "{name}: {err}");
        assert!(!err.contains("secret"), "{err}");
        assert_terminal_safe(&out.stderr);
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    assert_eq!(server.count(), 0, "nothing is sent with a half-read environment");
    // The library says the same, from the environment it is handed.
    let env = ec2_lite::Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKID")]).with_non_utf8("AWS_SECRET_ACCESS_KEY");
    let err = Client::builder().region("us-east-1").env(env).build().unwrap_err();
    assert!(matches!(err, Error::Config(_)) && err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
}

#[test]
fn container_credentials_expired_on_arrival_are_refused_clearly() {
    let container = FaultServer::start(vec![], Reply::status(200, &credentials_json("2020-01-01T00:00:00Z")));
    let ec2 = FaultServer::start(vec![], Reply::disassociated());
    let uri = format!("{}/creds", container.url);
    let started = Instant::now();
    let client = chain_client(&ec2, &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)]).expect("client");
    let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(matches!(err, Error::Credentials(_)), "{err:?}");
    assert!(err.to_string().contains("had already expired (at 2020-01-01T00:00:00"), "{err}");
    assert_eq!(ec2.count(), 0, "expired credentials are never sent");
    assert!(started.elapsed() < Duration::from_secs(10));

    // The CLI: a credentials error, exit 253, nothing sent.
    let out = cli::run(
        &["--endpoint-url", &ec2.url, "disassociate-iam-instance-profile", "--association-id", ID],
        &[("AWS_REGION", "us-east-1"), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)],
    );
    assert_exit(&out, 253);
    assert!(stderr(&out).contains("already expired"), "{}", stderr(&out));
    assert_eq!(ec2.count(), 0);
}

#[test]
fn a_loop_among_100000_profiles_is_found_fast_and_said_briefly() {
    let _alone = one_large_run_at_a_time();
    let n = 100_000;
    let mut config = String::from("[default]\nrole_arn = r\nsource_profile = p0\n");
    for i in 0..n {
        let next = if i + 1 == n { "p0".to_owned() } else { format!("p{}", i + 1) };
        config.push_str(&format!("[profile p{i}]\nrole_arn = r\nsource_profile = {next}\n"));
    }
    let home = home_with_config("loop", config.as_bytes());
    let cfg = home.join("config");
    let started = Instant::now();
    let (out, max_rss_kib) = run_measured(
        &["disassociate-iam-instance-profile", "--association-id", ID],
        &[("AWS_CONFIG_FILE", cfg.to_str().unwrap_or_default())],
    );
    let elapsed = started.elapsed();
    if let Some(kib) = max_rss_kib {
        eprintln!("100,000 profiles: {elapsed:?}, {kib} KiB peak");
    }
    let _ = std::fs::remove_dir_all(&home);
    assert_exit(&out, 253);
    let err = stderr(&out);
    assert!(err.contains("infinite loop") && err.contains("more)"), "{}", &err[..err.len().min(2000)]);
    assert!(err.len() < 2000, "a {}-byte message", err.len());
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn large_config_files_of_any_shape_are_read_whole_in_less_than_three_times_their_size() {
    let _alone = one_large_run_at_a_time();
    // The AWS CLI reads such a file; the profile that holds the keys is the last one in it.
    let last = b"[profile last]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = SECRETEXAMPLEKEY\n";
    let run = |config: &[u8], name: &str| {
        let server = FaultServer::start(vec![], Reply::disassociated());
        let home = home_with_config(name, config);
        let cfg = home.join("config");
        let started = Instant::now();
        let (out, max_rss_kib) = run_measured(
            &["--endpoint-url", server.url.as_str(), "disassociate-iam-instance-profile", "--association-id", ID],
            &[("AWS_CONFIG_FILE", cfg.to_str().unwrap_or_default()), ("AWS_PROFILE", "last")],
        );
        let elapsed = started.elapsed();
        let _ = std::fs::remove_dir_all(&home);
        (out, max_rss_kib, elapsed, server.count())
    };
    let (small_out, small, _, _) = run(last, "small");
    assert_exit(&small_out, 0);
    let small = small.expect("the peak memory of a run (GNU time or python3)");
    // A generated SSO config, and the file with the most sections for its size: headers only,
    // out of order (20 MiB of it: the unoptimised test build sorts slowly).
    for (shape, mut config) in [("SSO", sso_config(50 * 1024 * 1024)), ("headers", headers_config(20 * 1024 * 1024))] {
        config.extend_from_slice(last);
        let size = config.len() as u64;
        let (out, big, elapsed, calls) = run(&config, shape);
        assert_exit(&out, 0);
        assert_eq!(calls, 1, "{}", stderr(&out));
        assert!(elapsed < Duration::from_secs(120), "{elapsed:?}");
        let big = big.expect("the peak memory of a run (GNU time or python3)");
        let grew = big.saturating_sub(small) * 1024;
        eprintln!("a {size}-byte {shape} config: {grew} bytes more at peak than a tiny one, in {elapsed:?}");
        assert!(grew < 3 * size, "{shape}: {grew} bytes for a {size}-byte file");
    }
}

#[test]
fn endless_and_special_files_are_refused_at_once() {
    let dir = std::env::temp_dir().join(format!("ec2-lite-hardening-special-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("a-directory")).expect("dir");
    let fifo = dir.join("a-fifo");
    let mut files = vec![dir.join("a-directory")];
    if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        files.push(fifo);
    }
    if std::path::Path::new("/dev/zero").exists() {
        files.push("/dev/zero".into());
    }
    for file in files {
        let started = Instant::now();
        let out = cli::run(
            &["disassociate-iam-instance-profile", "--association-id", ID],
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "SECRETEXAMPLEKEY"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_CONFIG_FILE", file.to_str().unwrap_or_default()),
            ],
        );
        assert_exit(&out, 253);
        assert!(stderr(&out).contains("not a regular file"), "{file:?}: {}", stderr(&out));
        assert!(started.elapsed() < Duration::from_secs(10), "{file:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plain_http_goes_only_to_loopback_literals_or_localhost_itself() {
    let build = |url: &str| {
        Client::builder()
            .region("us-east-1")
            .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
            .endpoint_url(url)
            .build()
    };
    for ok in [
        "http://localhost:1",
        "http://LOCALHOST:1",
        "http://127.0.0.2:1",
        "http://[::1]:1",
        "http://[::ffff:127.0.0.1]:1",
    ] {
        assert!(build(ok).is_ok(), "{ok}: {:?}", build(ok).err());
    }
    for refused in ["http://evil.localhost:1", "http://localhost.evil.example:1", "http://10.0.0.1:1", "http://[::2]:1"]
    {
        let err = build(refused).unwrap_err();
        assert!(matches!(err, Error::Config(_)) && err.to_string().contains("plain http"), "{refused}: {err}");
    }
    let server = FaultServer::start(vec![], Reply::disassociated());
    let out = disassociate("http://evil.localhost:9", &[]);
    assert_exit(&out, 253);
    assert!(stderr(&out).contains("plain http"), "{}", stderr(&out));
    assert_eq!(server.count(), 0);
}

#[test]
fn the_profile_option_beats_environment_keys_and_aws_profile_does_not() {
    let ec2 = fake_ec2();
    let home = Home::new("profile-option");
    home.write(
        ".aws/credentials",
        "[dev]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret-value\n",
    );
    home.write(".aws/config", "[profile dev]\nregion = eu-west-3\n");
    let env = [("AWS_ACCESS_KEY_ID", "AKIDFROMENV"), ("AWS_SECRET_ACCESS_KEY", "env-secret-value")];
    let args = ["--profile", "dev", "--endpoint-url", &ec2.url, DESCRIBE];
    chain::assert_exit(&chain::run(&home, &args, &env), 0);
    let with_aws_profile: Vec<_> = env.iter().copied().chain([("AWS_PROFILE", "dev")]).collect();
    chain::assert_exit(&chain::run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &with_aws_profile), 0);
    let seen = ec2.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].access_key(), Some("AKIDFROMPROFILE"));
    // The profile's region signs the call.
    assert!(seen[0].header("authorization").unwrap().contains("/eu-west-3/ec2/aws4_request"), "{seen:?}");
    // As in both SDKs, AWS_PROFILE selects the profile but the environment's keys come first.
    assert_eq!(seen[1].access_key(), Some("AKIDFROMENV"));
}

#[test]
fn instance_metadata_gives_credentials_and_region() {
    let (ec2, imds) = (fake_ec2(), fake_imds());
    let home = Home::new("imds");
    let out =
        chain::run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url)]);
    chain::assert_exit(&out, 0);
    let call = &ec2.seen()[0];
    assert_eq!(call.access_key(), Some("ASIAIMDSKEY"));
    assert_eq!(call.header("x-amz-security-token"), Some("imds-session-token"));
    assert!(call.header("authorization").unwrap().contains("/eu-north-1/ec2/"), "{call:?}");
    let paths: Vec<String> = imds.seen().iter().map(|s| format!("{} {}", s.method, s.target)).collect();
    assert_eq!(
        paths,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/placement/region",
            "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/web-role",
        ],
        "one token, reused"
    );
    assert_eq!(imds.seen()[0].header("x-aws-ec2-metadata-token-ttl-seconds"), Some("21600"));
}

#[test]
fn container_credentials_with_a_token_file() {
    let ec2 = fake_ec2();
    let container = Server::start(|r| match r.header("authorization") {
        Some("pod-token") => chain::ok(
            r#"{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret-value","Token":"container-token","Expiration":"2199-01-01T00:00:00Z"}"#,
        ),
        _ => {
            chain::Reply { status: 401, headers: Vec::new(), body: r#"{"code":"Unauthorized","message":"no"}"#.into() }
        }
    });
    let home = Home::new("container");
    let token = home.write("token", "pod-token\n");
    let full_uri = format!("{}/v1/credentials", container.url);
    let env = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-token"),
    ];
    chain::assert_exit(&chain::run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &env), 0);
    assert_eq!(ec2.seen()[0].access_key(), Some("ASIACONTAINER"));
    assert_eq!(container.seen()[0].header("accept"), Some("application/json"));
    // A full URI on another host over plain http is refused before any request.
    let env = [("AWS_REGION", "us-east-1"), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/creds")];
    let out = chain::run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &env);
    chain::assert_exit(&out, 253);
    assert!(
        chain::stderr(&out).contains("container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        "{}",
        chain::stderr(&out)
    );
}

#[test]
fn configuration_failures_exit_253_saying_what_to_fix() {
    let ec2 = fake_ec2();
    let home = Home::new("failures");
    let config = home.write(".aws/config", "[default]\nregion = us-east-1\n[profile broken\n");
    let config = config.display().to_string();
    /// Arguments, environment, what stderr must say.
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, Vec<String>);
    let cases: Vec<Case<'_>> = vec![
        (vec![DESCRIBE], vec![], vec![format!("{config}, line 3")]),
        // v2's words for these two; where the library looked, under --debug.
        (
            vec!["--debug", "--region", "us-east-1", "--endpoint-url", &ec2.url, DESCRIBE],
            vec![("AWS_CONFIG_FILE", "/nonexistent/config"), ("AWS_EC2_METADATA_DISABLED", "true")],
            vec![
                "no credentials found; tried the environment (AWS_ACCESS_KEY_ID is not set)".into(),
                "AWS_EC2_METADATA_DISABLED is true".into(),
            ],
        ),
        (
            vec!["--region", "us-east-1", DESCRIBE],
            vec![("AWS_CONFIG_FILE", "/nonexistent/config"), ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254")],
            vec!["AWS_EC2_METADATA_SERVICE_ENDPOINT: invalid endpoint url".into()],
        ),
        (
            vec!["--debug", DESCRIBE],
            vec![("AWS_CONFIG_FILE", "/nonexistent/config"), ("AWS_EC2_METADATA_DISABLED", "true")],
            vec![
                "You must specify a region. You can also configure your region by running \"aws configure\".".into(),
                "no region: set one with ClientBuilder::region, AWS_REGION or AWS_DEFAULT_REGION, or add `region` to \
                 profile `default`"
                    .into(),
            ],
        ),
        (
            vec!["--region", "us-east-1", DESCRIBE],
            vec![("AWS_CONFIG_FILE", "/nonexistent/config"), ("AWS_ACCESS_KEY_ID", "AKID")],
            vec!["AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not".into()],
        ),
    ];
    // An unknown profile is botocore's ProfileNotFound: 255 in v2.
    let out = chain::run(
        &home,
        &["--profile", "nope", "--region", "us-east-1", DESCRIBE],
        &[("AWS_CONFIG_FILE", "/nonexistent/config")],
    );
    chain::assert_exit(&out, 255);
    assert!(chain::stderr(&out).contains("The config profile (nope) could not be found"), "{}", chain::stderr(&out));
    for (args, env, wants) in cases {
        let out = chain::run(&home, &args, &env);
        chain::assert_exit(&out, 253);
        for want in wants {
            assert!(chain::stderr(&out).contains(&want), "{args:?} {env:?}: {}", chain::stderr(&out));
        }
    }
}

#[test]
fn a_failing_credential_process_names_its_program_not_its_arguments() {
    let home = Home::new("process");
    home.write(
        ".aws/config",
        "[default]\nregion = us-east-1\ncredential_process = sh -c 'echo denied >&2; exit 3' --password hunter2-secret\n",
    );
    let out = chain::run(&home, &["--endpoint-url", "http://127.0.0.1:9", DESCRIBE], &[]);
    chain::assert_exit(&out, 253);
    let err = chain::stderr(&out);
    assert!(err.contains("profile `default`: credential_process `sh` exited with code 3: denied"), "{err}");
    assert!(!err.contains("hunter2-secret"), "{err}");
}

#[test]
fn no_instance_metadata_fails_fast() {
    let home = Home::new("fast");
    let started = Instant::now();
    let out =
        chain::run(&home, &["--debug", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9", DESCRIBE], &[]);
    chain::assert_exit(&out, 253);
    assert!(
        chain::stderr(&out).contains("instance metadata (no instance metadata service at http://127.0.0.1:9"),
        "{}",
        chain::stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[test]
fn https_proxy_is_used_for_ec2_but_not_for_no_proxy_hosts_or_instance_metadata() {
    let (proxy, imds) = (refusing_proxy(), fake_imds());
    let home = Home::new("proxy");
    let env = [
        ("HTTPS_PROXY", proxy.url.as_str()),
        ("HTTP_PROXY", proxy.url.as_str()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url),
    ];
    let out = chain::run(&home, &["--region", "us-east-1", DESCRIBE], &env);
    assert_ne!(out.status.code(), Some(0));
    // The refusal is retried as any connection failure is; every attempt asks the proxy.
    let seen = proxy.seen();
    assert!(!seen.is_empty());
    for s in &seen {
        assert_eq!((s.method.as_str(), s.target.as_str()), ("CONNECT", "ec2.us-east-1.amazonaws.com:443"));
    }
    assert!(!imds.seen().is_empty(), "instance metadata was asked directly");

    let env = [
        ("HTTPS_PROXY", proxy.url.as_str()),
        ("NO_PROXY", ".invalid"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url),
    ];
    let out =
        chain::run(&home, &["--region", "us-east-1", "--endpoint-url", "https://ec2.example.invalid", DESCRIBE], &env);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(proxy.seen().len(), seen.len(), "a NO_PROXY host went through the proxy");

    // The credential sources choose their proxy per request too: STS goes through it.
    home.write(".aws/credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
    home.write(".aws/config", "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n");
    let env = [("HTTPS_PROXY", proxy.url.as_str()), ("AWS_REGION", "eu-west-1")];
    let out = chain::run(&home, &["--profile", "r", "--endpoint-url", "http://127.0.0.1:9", DESCRIBE], &env);
    // STS could not be reached: a general error, as the AWS CLI's, not a configuration one.
    chain::assert_exit(&out, 255);
    let sts: Vec<String> = proxy.seen()[seen.len()..].iter().map(|s| format!("{} {}", s.method, s.target)).collect();
    assert!(!sts.is_empty() && sts.iter().all(|s| s == "CONNECT sts.eu-west-1.amazonaws.com:443"), "{sts:?}");
    assert!(
        chain::stderr(&out).contains("profile `r`: assuming role arn:aws:iam::123456789012:role/r"),
        "{}",
        chain::stderr(&out)
    );
}

/// The CLI's TLS failures in the AWS CLI v2's words: botocore's `SSLError`
/// (`awscli/botocore/exceptions.py`: "SSL validation failed for {endpoint_url} {error}"),
/// raised in `awscli/botocore/httpsession.py` (`send`) from urllib3's, with OpenSSL's reason
/// as Python's `ssl` module words it; a general error, exit 255 (`awscli/errorhandler.py`,
/// `GeneralExceptionHandler`).
#[test]
fn tls_failures_say_ssl_validation_failed_and_why() {
    let home = Home::new("tls-errors");
    let fixtures = crate::support::python::repo_root().join("tests/fixtures/tls");
    let keys = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret-value"), ("AWS_REGION", "us-east-1")];
    let failed = |url: &str, env: &[(&str, &str)], error: &str| {
        let out = chain::run(&home, &["--endpoint-url", url, DESCRIBE], env);
        chain::assert_exit(&out, 255);
        let want = format!("SSL validation failed for {url}/ {error}");
        assert!(chain::stderr(&out).contains(&want), "want {want:?} in {:?}", chain::stderr(&out));
        assert!(!chain::stderr(&out).contains("i/o error"), "{}", chain::stderr(&out));
    };
    let verify_failed =
        |why: &str| format!("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {why} (_ssl.c:1006)");

    // The test CA is not among the bundled roots.
    let (_server, url, served) = tls_ec2();
    failed(&url, &keys, &verify_failed("unable to get local issuer certificate"));

    // The test CA is not in the bundle either: the bundle's verifier finds no anchor.
    let (_server, url, bundle_served) = tls_ec2();
    let expired_ca = fixtures.join("expired-ca.pem");
    let with_other_ca = [keys[0], keys[1], keys[2], ("AWS_CA_BUNDLE", expired_ca.to_str().unwrap())];
    failed(&url, &with_other_ca, &verify_failed("unable to get local issuer certificate"));

    // An expired certificate, its CA trusted.
    let (expired, expired_served) = tls_server("expired", "127.0.0.1");
    failed(&format!("https://localhost:{}", expired.port()), &with_other_ca, &verify_failed("certificate has expired"));

    // A certificate for localhost and 127.0.0.1, served on 127.0.0.2.
    let (other, other_served) = tls_server("localhost", "127.0.0.2");
    let port = other.port();
    let ca = fixtures.join("ca.pem");
    let with_ca = [keys[0], keys[1], keys[2], ("AWS_CA_BUNDLE", ca.to_str().unwrap())];
    let why = "IP address mismatch, certificate is not valid for '127.0.0.2'.";
    failed(&format!("https://127.0.0.2:{port}"), &with_ca, &verify_failed(why));

    // A server that speaks no TLS version of the client's: it answers the hello with a
    // protocol_version alert, as one limited to TLS 1.0 does.
    let old_tls = crate::support::loopback::Loopback::serve_connections(|mut tcp| {
        let mut hello = [0u8; 512];
        let _ = std::io::Read::read(&mut tcp, &mut hello);
        let _ = tcp.write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]);
    });
    failed(
        &format!("https://localhost:{}", old_tls.port()),
        &keys,
        "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:1006)",
    );
    for served in [served, bundle_served, expired_served, other_served] {
        assert_eq!(served.load(Ordering::SeqCst), 0);
    }
}

/// An `AWS_CA_BUNDLE`, `ca_bundle` or `--ca-bundle` set but blank is refused before any
/// request, plain HTTP included, with exit 255: botocore's `InvalidConfigError` from
/// `_validate_verify_value` (`awscli/botocore/endpoint.py`), which `awscli/errorhandler.py`
/// leaves to its general handler.
#[test]
fn a_blank_ca_bundle_is_refused_as_the_aws_cli_refuses_it() {
    let ec2 = fake_ec2();
    let home = Home::new("blank-ca");
    let want = "Invalid CA bundle: the configured value (ca_bundle, AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, or verify) \
                resolved to an empty or whitespace-only string. Provide a valid path to a CA bundle file.";
    let keys = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret-value"), ("AWS_REGION", "us-east-1")];
    let refused = |args: &[&str], env: &[(&str, &str)]| {
        let out = chain::run(&home, args, env);
        chain::assert_exit(&out, 255);
        assert!(chain::stderr(&out).contains(want), "{}", chain::stderr(&out));
    };
    let args = ["--endpoint-url", ec2.url.as_str(), DESCRIBE];
    for blank in ["", "  "] {
        refused(&args, &[keys[0], keys[1], keys[2], ("AWS_CA_BUNDLE", blank)]);
    }
    home.write(".aws/config", "[default]\nca_bundle =\n");
    refused(&args, &keys);
    // `--ca-bundle ''` is the same `verify` value to botocore.
    home.write(".aws/config", "");
    refused(&["--ca-bundle", "", "--endpoint-url", &ec2.url, DESCRIBE], &keys);
    assert_eq!(ec2.seen().len(), 0);
}

#[test]
fn aws_ca_bundle_and_profile_ca_bundle_are_trusted() {
    let (_server, url, served) = tls_ec2();
    let home = Home::new("ca");
    let ca = crate::support::python::repo_root().join("tests/fixtures/tls/ca.pem");
    let keys = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret-value"), ("AWS_REGION", "us-east-1")];
    let args = ["--endpoint-url", url.as_str(), DESCRIBE];

    // The test CA is not among the bundled roots: the handshake fails.
    chain::assert_exit(&chain::run(&home, &args, &keys), 255);
    assert_eq!(served.load(Ordering::SeqCst), 0);

    let with_env: Vec<_> = keys.iter().copied().chain([("AWS_CA_BUNDLE", ca.to_str().unwrap())]).collect();
    chain::assert_exit(&chain::run(&home, &args, &with_env), 0);

    home.write(".aws/config", &format!("[default]\nca_bundle = {}\n", ca.display()));
    chain::assert_exit(&chain::run(&home, &args, &keys), 0);
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

/// The CA bundle is read by the first HTTPS connection, not before: a plain-HTTP call works
/// with a bundle that is no bundle at all, and an HTTPS call fails on it, naming the setting.
#[test]
fn the_ca_bundle_is_read_only_when_https_needs_it() {
    let ec2 = fake_ec2();
    let (_server, tls_url, served) = tls_ec2();
    let home = Home::new("lazy-ca");
    let not_a_bundle = home.write("not-a-bundle.txt", "this file holds no certificate\n");
    let not_a_bundle = not_a_bundle.to_str().unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "secret-value"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_CA_BUNDLE", not_a_bundle),
    ];

    let out = chain::run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], &env);
    chain::assert_exit(&out, 0);
    assert_eq!(ec2.seen().len(), 1);

    let out = chain::run(&home, &["--endpoint-url", &tls_url, DESCRIBE], &env);
    chain::assert_exit(&out, 253);
    let want = format!("AWS_CA_BUNDLE: the CA bundle {not_a_bundle} holds no PEM certificates");
    assert!(chain::stderr(&out).contains(&want), "{}", chain::stderr(&out));
    assert_eq!(served.load(Ordering::SeqCst), 0);

    // The same from the profile's `ca_bundle`, and for a file that cannot be read.
    home.write(".aws/config", "[default]\nca_bundle = /nonexistent/ca.pem\n");
    let keys = &env[..3];
    chain::assert_exit(&chain::run(&home, &["--endpoint-url", &ec2.url, DESCRIBE], keys), 0);
    let out = chain::run(&home, &["--endpoint-url", &tls_url, DESCRIBE], keys);
    chain::assert_exit(&out, 253);
    let want = "Ca_bundle of profile `default`: could not read the CA bundle /nonexistent/ca.pem";
    assert!(chain::stderr(&out).contains(want), "{}", chain::stderr(&out));
    assert_eq!(served.load(Ordering::SeqCst), 0);

    // The CA among other certificates is found; a bundle without it trusts nothing here.
    let tls = crate::support::python::repo_root().join("tests/fixtures/tls");
    let leaf = std::fs::read_to_string(tls.join("localhost.pem")).unwrap();
    let ca = std::fs::read_to_string(tls.join("ca.pem")).unwrap();
    let mixed = home.write("mixed.pem", &format!("{leaf}{ca}"));
    let leaf_only = home.write("leaf.pem", &leaf);
    let (mixed, leaf_only) = (mixed.to_str().unwrap(), leaf_only.to_str().unwrap());
    let with_mixed = [env[0], env[1], env[2], ("AWS_CA_BUNDLE", mixed)];
    chain::assert_exit(&chain::run(&home, &["--endpoint-url", &tls_url, DESCRIBE], &with_mixed), 0);
    assert_eq!(served.load(Ordering::SeqCst), 1);
    let with_leaf = [env[0], env[1], env[2], ("AWS_CA_BUNDLE", leaf_only)];
    chain::assert_exit(&chain::run(&home, &["--endpoint-url", &tls_url, DESCRIBE], &with_leaf), 255);
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[test]
#[ignore = "needs scripts/venv"]
fn moto_assume_role_from_a_profile_then_ec2_with_the_session() {
    let moto = Moto::shared();
    let seeded = moto.seed_association();
    let home = Home::new("moto");
    home.write(
        ".aws/credentials",
        &format!(
            "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            moto.access_key_id, moto.secret_access_key
        ),
    );
    home.write(
        ".aws/config",
        &format!("[profile ec2-role]\nrole_arn = {}\nsource_profile = base\nrole_session_name = ec2-lite-test\nregion = {}\n", moto.role_arn, moto.region),
    );
    let args = ["--profile", "ec2-role", "--debug", DESCRIBE, "--association-ids", &seeded.association_id];
    let env = [
        ("AWS_ENDPOINT_URL_STS", moto.endpoint.as_str()),
        ("AWS_ENDPOINT_URL_EC2", moto.endpoint.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let out = chain::run(&home, &args, &env);
    chain::assert_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&seeded.association_id) && stdout.contains(&seeded.instance_id), "{stdout}");
    // The EC2 call was signed with the session from STS, not with the user's key.
    let err = chain::stderr(&out);
    let credential = err.lines().find(|l| l.contains("authorization:")).unwrap_or_default();
    assert!(credential.contains("Credential=ASIA") && !credential.contains(&moto.access_key_id), "{err}");
    assert!(err.contains("x-amz-security-token: ** redacted **"), "{err}");
    assert!(!err.contains(&moto.secret_access_key), "{err}");
}

/// The CLI's `--ca-bundle` trusts a bundle for EC2; `--no-verify-ssl` trusts
/// anything, with urllib3's warning as the AWS CLI prints it.
#[test]
fn cli_ca_bundle_and_no_verify_ssl() {
    let (_server, url, served) = tls_ec2();
    let home = Home::new("cli-tls");
    let ca = crate::support::python::repo_root().join("tests/fixtures/tls/ca.pem");
    let keys = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret-value"), ("AWS_REGION", "us-east-1")];
    let out =
        chain::run(&home, &["--endpoint-url", url.as_str(), DESCRIBE, "--ca-bundle", ca.to_str().unwrap()], &keys);
    chain::assert_exit(&out, 0);
    assert_eq!(chain::stderr(&out), "");
    let out = chain::run(&home, &["--no-verify-ssl", "--endpoint-url", url.as_str(), DESCRIBE], &keys);
    chain::assert_exit(&out, 0);
    assert_eq!(
        chain::stderr(&out),
        "urllib3/connectionpool.py:1129: InsecureRequestWarning: Unverified HTTPS request is being made to host \
         'localhost'. Adding certificate verification is strongly advised. See: \
         https://urllib3.readthedocs.io/en/latest/advanced-usage.html#tls-warnings\n  warnings.warn(\n"
    );
    assert_eq!(served.load(Ordering::SeqCst), 2);
    // A bundle that cannot be read is a configuration error naming it.
    let out = chain::run(&home, &["--ca-bundle", "/no/such.pem", "--endpoint-url", url.as_str(), DESCRIBE], &keys);
    chain::assert_exit(&out, 253);
    assert!(chain::stderr(&out).contains("/no/such.pem"), "{}", chain::stderr(&out));
}
