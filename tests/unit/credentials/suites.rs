//! The cross-SDK credential suites, replayed: each case's environment and files set up in a
//! temporary directory, its recorded HTTP traffic served from a loopback server, the
//! credentials or error checked, and the requests made compared with the recorded ones.
//! <https://github.com/smithy-lang/smithy-rs/tree/main/aws/rust-runtime/aws-config/test-data>

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::chain::DefaultCredentialsChain;
use super::context::{Context, Setup};
use super::replay::{self, Exchange, Recorded, ReplayServer};
use super::{Credentials, Load, ProvideCredentials, profile};
use crate::env::{Env, Fs};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk-test-data");

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Suite {
    /// `default-credential-provider-chain/`: the whole chain, cached.
    Chain,
    /// `profile-provider/`: the profile source alone.
    Profile,
}

impl Suite {
    fn dir(self) -> &'static str {
        match self {
            Suite::Chain => "default-credential-provider-chain",
            Suite::Profile => "profile-provider",
        }
    }
}

/// Where this crate's message differs in words from the Rust SDK's: (case, the Rust SDK's
/// words, the words this crate uses for the same thing).
const OUR_WORDS: &[(&str, &str, &str)] = &[
    (
        "imds_default_chain_error",
        "the credential provider was not enabled",
        "no credentials found; tried the environment (AWS_ACCESS_KEY_ID is not set), the profile (profile \
         `default` has no credentials in /home/.aws/config or /home/.aws/credentials), web identity \
         (AWS_WEB_IDENTITY_TOKEN_FILE is not set), the container endpoint (neither \
         AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set), instance metadata \
         (the instance has no IAM role (404 for iam/security-credentials/))",
    ),
    (
        "imds_disabled",
        "the credential provider was not enabled",
        "instance metadata (AWS_EC2_METADATA_DISABLED is true)",
    ),
    (
        "imds_no_iam_role",
        "the credential provider was not enabled",
        "could not load credentials: profile `default`: credential_source Ec2InstanceMetadata: the instance has no \
         IAM role",
    ),
    (
        "profile_overrides_web_identity",
        "provider was not enabled",
        "could not load credentials: profile `A`: credential_source Environment: AWS_ACCESS_KEY_ID is not set",
    ),
    (
        "sso_no_token_file",
        "failed to read `/home/.aws/sso/cache/dace00cba5f8355ec9d274ceb2bcebdfbeed0e12.json`: No such file or directory (os error 2)",
        "could not read the cached SSO token `/home/.aws/sso/cache/dace00cba5f8355ec9d274ceb2bcebdfbeed0e12.json`: \
         No such file or directory (os error 2); run `aws sso login --profile sso-test`",
    ),
    (
        "sso_server_error",
        "an error occurred while loading credentials",
        "could not load credentials: profile `sso-test`: sso GetRoleCredentials at \
         https://portal.sso.us-east-2.amazonaws.com/federation/credentials?account_id=123456789&role_name=MySsoRole \
         failed: unexpected response (http 503): http 503",
    ),
    (
        "web_identity_token_invalid_jwt",
        "InvalidIdentityTokenException: No OpenIDConnect provider found in your account",
        "service error InvalidIdentityToken (http 400): No OpenIDConnect provider found in your account",
    ),
    (
        "credential_process_failure",
        "an error occurred while loading credentials: Error retrieving credentials: external process exited with code exit status: 1",
        "profile `default`: credential_process `exit` exited with code 1",
    ),
    (
        "credential_process_invalid",
        "Error retrieving credentials from external process, could not parse response: invalid JSON in response",
        "profile `default`: could not parse the output of credential_process `echo`: invalid JSON",
    ),
    ("empty_config", "the credential provider was not enabled", "not configured: profile `default` has no credentials"),
    ("invalid_config", "could not parse profile file", "/home/.aws/config, line 2: "),
];

/// Where a request may differ from its recording, and why: (case, request index, the header or
/// form parameter, the reason). Each is a flaw of the recording, not of the crate.
const RECORDING_FLAWS: &[(&str, usize, &str, &str)] = &[
    (
        "web_identity_token_env",
        0,
        "RoleArn",
        "recorded with account 123456789123; the case's AWS_ROLE_ARN names 123456789012",
    ),
    (
        "web_identity_token_profile",
        0,
        "RoleArn",
        "recorded for role s3-reader of another account than the profile's RoleA",
    ),
    (
        "web_identity_token_profile",
        0,
        "WebIdentityToken",
        "recorded with a real JWT; the case's token file holds `sometoken`",
    ),
    (
        "web_identity_token_source_profile",
        0,
        "RoleArn",
        "recorded for account 134095065856; the profile names 123456789012",
    ),
    (
        "web_identity_token_source_profile",
        0,
        "WebIdentityToken",
        "recorded with a real JWT; the token file holds `sometoken`",
    ),
    (
        "web_identity_token_source_profile",
        1,
        "RoleSessionName",
        "the second call was recorded 762 ms after the first; the test clock does not move",
    ),
    (
        "web_identity_token_invalid_jwt",
        0,
        "WebIdentityToken",
        "recorded with the token file's final newline; a JWT holds no whitespace, so it is sent without (as the \
         web_identity_token_env recording shows too)",
    ),
    (
        "web_identity_token_source_profile",
        1,
        "x-amz-security-token",
        "recorded with a real session token; the recorded first response gave `TESTSESSIONTOKEN`, which is sent",
    ),
    (
        "ecs_assume_role",
        1,
        "x-amz-security-token",
        "copied from imds_assume_role (`tokenbase`); the recorded container response gave another token, which is sent",
    ),
    (
        "ecs_assume_role",
        1,
        "authorization",
        "copied from imds_assume_role (key ASIARSTSBASE); the recorded container response gave ASIARTEST, which signs",
    ),
    (
        "region_override",
        0,
        "authorization",
        "recorded with a us-east-1 scope for a call to sts.us-east-2; this crate signs for us-east-2, where it sends",
    ),
    (
        "eks_pod_identity_credentials",
        0,
        "authorization",
        "the recording leaves out the token header; `sometoken` from the token file is checked instead",
    ),
];

/// What the headers of [`RECORDING_FLAWS`] hold instead: (case, request index, header, the
/// start of its value; for `authorization`, of its credential scope).
const EXPECTED_HEADERS: &[(&str, usize, &str, &str)] = &[
    ("eks_pod_identity_credentials", 0, "authorization", "sometoken"),
    ("ecs_assume_role", 1, "authorization", "Credential=ASIARTEST/20210921/us-east-1/sts/aws4_request"),
    ("ecs_assume_role", 1, "x-amz-security-token", "tokenEaCXVzLXdlc3QtMiJGMEQCIHt47W18eF4dYf"),
    ("web_identity_token_source_profile", 1, "x-amz-security-token", "TESTSESSIONTOKEN"),
    ("region_override", 0, "authorization", "Credential=AKIAFAKE/20210810/us-east-2/sts/aws4_request"),
];

/// Cases whose recording holds fewer attempts than the crate makes: (case, extra requests, why).
const EXTRA_ATTEMPTS: &[(&str, usize, &str)] = &[(
    "sso_server_error",
    2,
    "the portal's 503 is retried as in the SDKs' standard mode (three attempts); the recording stops at one",
)];

/// Plain HTTP to a named endpoint that is not this machine, which the crate refuses unless
/// allowed: these cases configure exactly that.
const INSECURE_HTTP: &[&str] = &[
    "assume_role_override_global_env_url",
    "assume_role_override_global_profile_url",
    "assume_role_override_service_env_url",
    "assume_role_override_service_profile_url",
    "sso_override_global_env_url",
];

/// Cases not run, with the reason. None: every case uses a source this crate implements.
const SKIPPED: &[(&str, &str)] = &[(
    "ecs_assume_role",
    "its container endpoint serves credentials that expired in 2009 and then signs an AssumeRole recorded in 2021; \
     botocore and this crate refuse credentials expired on arrival (cli/tests/integration/credentials.rs pins that)",
)];

/// Cases whose container endpoint serves credentials that expired (2009-02-13T23:31:30Z) years
/// before the recording: the Rust SDK takes them, botocore and this crate refuse credentials
/// expired on arrival. These run on a clock a minute before that expiry.
const EXPIRED_ON_ARRIVAL: &[(&str, u64)] = &[
    ("ecs_credentials", 1_234_567_890),
    ("ecs_credentials_invalid_profile", 1_234_567_890),
    ("eks_pod_identity_credentials", 1_234_567_890),
];

/// Session names recorded by an SDK version whose default was fixed; today's Rust SDK and this
/// crate use the base and the time in milliseconds.
const OLD_SESSION_NAMES: &[(&str, &str)] = &[("assume-role-provider-session", "assume-role-from-profile-")];

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ec2-lite-replay-{}-{n}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Every `key = value` of the files, and the token files' contents: what must not show up in
/// messages. Short values (`a = b`) are left out: they occur in words.
fn secrets_of(root: &Path, env: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = env
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "AWS_SECRET_ACCESS_KEY" | "AWS_SESSION_TOKEN"))
        .map(|(_, v)| v.clone())
        .collect();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = fs::read_to_string(&path).unwrap_or_default();
            for line in text.lines() {
                let line = line.trim().trim_end_matches(',');
                for key in [
                    "aws_secret_access_key",
                    "aws_session_token",
                    "\"accessToken\"",
                    "\"refreshToken\"",
                    "\"clientSecret\"",
                ] {
                    if let Some(rest) = line.strip_prefix(key) {
                        out.push(rest.trim_start_matches([' ', '=', ':']).trim().trim_matches('"').to_owned());
                    }
                }
            }
            if path.extension().is_some_and(|e| e == "jwt") {
                out.push(text.trim().to_owned());
            }
        }
    }
    out.retain(|s| s.len() >= 6);
    out
}

/// The time the recording was made: the milliseconds of a generated session name, else the
/// first `x-amz-date`, else the first `Date` of a response.
fn recording_time(exchanges: &[Exchange]) -> Option<SystemTime> {
    for e in exchanges {
        for (k, v) in form(&e.request.body) {
            if k == "RoleSessionName"
                && let Some(ms) =
                    v.rsplit('-').next().and_then(|d| d.parse::<u64>().ok()).filter(|ms| *ms > 1_000_000_000_000)
            {
                return Some(UNIX_EPOCH + Duration::from_millis(ms));
            }
        }
    }
    for e in exchanges {
        if let Some(t) = e.request.header("x-amz-date").and_then(parse_amz_date) {
            return Some(t);
        }
    }
    exchanges
        .iter()
        .find_map(|e| {
            e.response.headers.iter().find(|(n, _)| n == "date").and_then(|(_, v)| crate::timestamp::parse_http_date(v))
        })
        .map(SystemTime::from)
}

fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        s.get(0..4)?,
        s.get(4..6)?,
        s.get(6..8)?,
        s.get(9..11)?,
        s.get(11..13)?,
        s.get(13..15)?
    );
    crate::parse_timestamp(&iso).map(SystemTime::from)
}

/// A form body or query string as (name, decoded value) pairs.
fn form(s: &str) -> Vec<(String, String)> {
    let decode = |v: &str| {
        let bytes = v.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match (
                bytes[i],
                bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()),
            ) {
                (b'%', Some(b)) => {
                    out.push(b);
                    i += 3;
                }
                (b'+', _) => {
                    out.push(b' ');
                    i += 1;
                }
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// `scheme://host/path` and the sorted query of a URL.
fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut base = base.to_ascii_lowercase();
    if base.matches('/').count() == 2 {
        base.push('/');
    }
    let mut query = form(query);
    query.sort();
    (base, query)
}

fn media_type(v: &str) -> String {
    v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// `Credential=AKID/20210810/us-east-1/sts/aws4_request`, or the whole value when it is not SigV4.
fn auth_scope(v: &str) -> String {
    v.split([' ', ',']).find(|p| p.starts_with("Credential=")).map_or_else(|| v.to_owned(), str::to_owned)
}

fn compare_requests(case: &str, recorded: &[Exchange], sent: &[Recorded]) -> Vec<String> {
    let mut problems = Vec::new();
    let flaw = |i: usize, what: &str| {
        RECORDING_FLAWS.iter().any(|(c, n, w, _)| *c == case && *n == i && w.eq_ignore_ascii_case(what))
    };
    let extra = EXTRA_ATTEMPTS.iter().find(|(c, _, _)| *c == case).map_or(0, |(_, n, _)| *n);
    if sent.len() != recorded.len() + extra {
        problems.push(format!("made {} requests, the recording has {} (+{extra} allowed)", sent.len(), recorded.len()));
    }
    for (i, ours) in sent.iter().enumerate() {
        // Allowed extra attempts repeat the last recorded request.
        let Some(want) = recorded.get(i).or_else(|| recorded.last().filter(|_| i < recorded.len() + extra)) else {
            problems.push(format!("request {i}: {} {} was not recorded", ours.method, ours.uri));
            continue;
        };
        let want = &want.request;
        if ours.method != want.method {
            problems.push(format!("request {i}: method {} (recorded {})", ours.method, want.method));
        }
        if split_url(&ours.uri) != split_url(&want.uri) {
            problems.push(format!("request {i}: url {} (recorded {})", ours.uri, want.uri));
        }
        for name in [
            "x-aws-ec2-metadata-token-ttl-seconds",
            "x-aws-ec2-metadata-token",
            "accept",
            "x-amz-sso_bearer_token",
            "x-amz-security-token",
            "x-amz-date",
            "content-type",
            "authorization",
        ] {
            if flaw(i, name) {
                continue;
            }
            let (mine, theirs) = (ours.header(name), want.header(name));
            let same = match (name, mine, theirs) {
                (_, _, None) if name != "authorization" => true,
                ("content-type", Some(a), Some(b)) => media_type(a) == media_type(b),
                ("authorization", Some(a), Some(b)) => auth_scope(a) == auth_scope(b),
                (_, a, b) => a == b,
            };
            if !same {
                problems.push(format!("request {i}: header {name}: {mine:?} (recorded {theirs:?})"));
            }
        }
        for (c, n, name, value) in EXPECTED_HEADERS {
            let mine = ours
                .header(name)
                .map(|v| if *name == "authorization" && v.starts_with("AWS4") { auth_scope(v) } else { v.to_owned() });
            if *c == case && *n == i && !mine.as_deref().is_some_and(|v| v.starts_with(value)) {
                problems.push(format!("request {i}: header {name}: {mine:?} (expected {value:?}...)"));
            }
        }
        let (mine, theirs) = (form(&ours.body), form(&want.body));
        let names: std::collections::BTreeSet<&String> = mine.iter().chain(&theirs).map(|(k, _)| k).collect();
        for name in names {
            let get = |f: &[(String, String)]| f.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            let (a, b) = (get(&mine), get(&theirs));
            let old_name = name == "RoleSessionName"
                && OLD_SESSION_NAMES
                    .iter()
                    .any(|(old, new)| b.as_deref() == Some(*old) && a.as_deref().is_some_and(|a| a.starts_with(new)));
            let allowed = flaw(i, name) && a.as_deref().is_some_and(|v| !v.is_empty());
            if a != b && !old_name && !allowed {
                problems.push(format!("request {i}: form {name}={a:?} (recorded {b:?})"));
            }
        }
    }
    problems
}

/// The expected credentials as (access key, secret, token, expiry seconds, account).
type Expected = (String, String, Option<String>, Option<u64>, Option<String>);

fn expected_of(v: &Value) -> Expected {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    (
        s("access_key_id").unwrap_or_default(),
        s("secret_access_key").unwrap_or_default(),
        s("session_token"),
        v.get("expiry").and_then(Value::as_u64),
        s("account_id"),
    )
}

fn actual_of(c: &Credentials) -> Expected {
    (
        c.access_key_id().to_owned(),
        c.secret_access_key().to_owned(),
        c.session_token().map(str::to_owned),
        c.expiry().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs()),
        c.account_id().map(str::to_owned),
    )
}

fn run_case(suite: Suite, name: &str) -> Result<(), String> {
    let dir = Path::new(DATA).join(suite.dir()).join(name);
    let env: Vec<(String, String)> = read_json(&dir.join("env.json"))?
        .as_object()
        .ok_or("env.json is not an object")?
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let exchanges = replay::exchanges(&read_json(&dir.join("http-traffic.json"))?)?;
    let test_case = read_json(&dir.join("test-case.json"))?;
    let result = test_case.get("result").ok_or("test-case.json has no result")?;

    let scratch = Scratch::new(name);
    if dir.join("fs").is_dir() {
        copy_tree(&dir.join("fs"), &scratch.0).map_err(|e| format!("copying fs/: {e}"))?;
    }
    let secrets = secrets_of(&scratch.0, &env);
    let repeat_last = EXTRA_ATTEMPTS.iter().any(|(c, _, _)| *c == name);
    let server = ReplayServer::start(exchanges.iter().map(|e| e.response.clone()).collect(), repeat_last);
    let setup = Setup {
        env: Env::from_pairs(env.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        fs: Fs::rooted(&scratch.0),
        profile: None,
        region: None,
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(5),
        allow_insecure_http: INSECURE_HTTP.contains(&name),
        profiles: None,
    };
    let mut chain_debug = String::new();
    let outcome = Context::load(setup).and_then(|mut ctx| {
        super::replay::Redirect::install(&mut ctx, &server.base);
        let at = match EXPIRED_ON_ARRIVAL.iter().find(|(c, _)| *c == name) {
            Some((_, expiry)) => UNIX_EPOCH + Duration::from_secs(*expiry) - Duration::from_secs(60),
            None => recording_time(&exchanges).unwrap_or_else(SystemTime::now),
        };
        ctx.clock = Arc::new(move || at);
        ctx.sleep = Arc::new(|_| {});
        ctx.resolve = Arc::new(|host, _| Err(std::io::Error::other(format!("no dns in the replay ({host})"))));
        match suite {
            Suite::Chain => {
                let chain = DefaultCredentialsChain::from_context(ctx);
                let result = chain.provide_credentials();
                chain_debug = format!("{chain:?}");
                result
            }
            Suite::Profile => match profile::load(&ctx)? {
                Load::Loaded(c) => Ok(c),
                Load::NotConfigured(why) => Err(crate::Error::config(format!("not configured: {why}"))),
            },
        }
    });
    let sent = server.received();
    drop(server);

    let mut problems = Vec::new();
    match (&outcome, result.get("Ok"), result.get("ErrorContains").and_then(Value::as_str)) {
        (Ok(c), Some(want), None) => {
            let (got, want) = (actual_of(c), expected_of(want));
            if got != want {
                problems.push(format!("credentials {got:?}\n    expected {want:?}"));
            }
            let shown = format!("{c:?} {chain_debug}");
            if secrets.iter().chain([&want.1]).chain(want.2.iter()).any(|s| shown.contains(s.as_str())) {
                problems.push(format!("Debug shows a secret: {shown}"));
            }
        }
        (Err(e), None, Some(want)) => {
            let message = crate::error::with_causes(e);
            let words = OUR_WORDS.iter().find(|(c, _, _)| *c == name).map_or(want, |(_, rust, ours)| {
                assert_eq!(*rust, want, "{name}: OUR_WORDS quotes the Rust SDK's words wrongly");
                ours
            });
            if !message.to_lowercase().contains(&words.to_lowercase()) {
                problems.push(format!("error `{message}`\n    does not contain `{words}`"));
            }
            if let Some(s) = secrets.iter().find(|s| message.contains(s.as_str())) {
                problems.push(format!("the error shows the secret {s:?}"));
            }
        }
        (got, _, _) => problems.push(format!("got {got:?}, expected {result}")),
    }
    problems.extend(compare_requests(name, &exchanges, &sent));
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n  ")) }
}

fn run_suite(suite: Suite, expected_cases: usize) {
    let root = Path::new(DATA).join(suite.dir());
    let mut names: Vec<String> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut failures = BTreeMap::new();
    let mut ran = 0;
    for name in &names {
        if SKIPPED.iter().any(|(c, _)| c == name) {
            continue;
        }
        ran += 1;
        if let Err(e) = run_case(suite, name) {
            failures.insert(name.clone(), e);
        }
    }
    let report: Vec<String> = failures.iter().map(|(n, e)| format!("{n}:\n  {e}")).collect();
    assert!(failures.is_empty(), "{}: {} of {ran} cases failed:\n{}", suite.dir(), failures.len(), report.join("\n"));
    assert_eq!(ran, expected_cases, "{}: the suite changed: review the new or missing cases", suite.dir());
    for (case, n, name, _) in EXPECTED_HEADERS {
        assert!(
            RECORDING_FLAWS.iter().any(|(c, i, w, _)| c == case && i == n && w == name),
            "EXPECTED_HEADERS checks {case} #{n} {name}, which RECORDING_FLAWS does not explain"
        );
    }
    // Every exception must still name a case of some suite, or it hides nothing.
    for (case, ..) in RECORDING_FLAWS.iter().map(|(c, ..)| (c,)) {
        let known = [Suite::Chain, Suite::Profile].iter().any(|s| Path::new(DATA).join(s.dir()).join(case).is_dir());
        assert!(known, "RECORDING_FLAWS names {case}, which no suite has");
    }
}

#[test]
fn default_credential_provider_chain_suite() {
    run_suite(Suite::Chain, 28);
}

#[test]
fn profile_provider_suite() {
    run_suite(Suite::Profile, 18);
}
