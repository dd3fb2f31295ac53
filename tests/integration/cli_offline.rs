//! The `ec2-lite` command line where no EC2 is needed: help and version, the
//! exit codes for bad command lines (252) and missing configuration (253),
//! arguments refused before any request is made, plain HTTP refused for
//! anything but loopback, and `--debug` traces that never show a secret.
//!
//! "Before any request" is proved with a loopback listener that counts the
//! connections it receives: it must see none.

use crate::support::cli::{EXE, assert_exit, run, stderr, stdout};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const USAGE: i32 = 252;
const CONFIG: i32 = 253;
const OTHER: i32 = 255;

const AKID: &str = "AKIDOFFLINEEXAMPLE01";
const SECRET: &str = "offline/Secret+Key/ShouldNeverBePrinted0";
const TOKEN: &str = "offline-session-token-ShouldNeverBePrinted";
const ASSOC: &str = "iip-assoc-0123456789abcdef0";
const INSTANCE: &str = "i-0123456789abcdef0";
const DESCRIBE: &str = "describe-iam-instance-profile-associations";

/// A loopback listener that counts connections. With a canned body it answers
/// every request with it (HTTP 200) and keeps what it received; without one it
/// closes each connection at once.
struct Loopback {
    endpoint: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Loopback {
    fn tripwire() -> Loopback {
        Loopback::start(None)
    }

    fn answering(body: &'static str) -> Loopback {
        Loopback::start(Some(body))
    }

    fn start(body: Option<&'static str>) -> Loopback {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let endpoint = format!("http://{}", listener.local_addr().expect("local address"));
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (connections.clone(), requests.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                if let Some(body) = body
                    && let Some(request) = answer(stream, body)
                {
                    seen.lock().unwrap().push(request);
                }
            }
        });
        Loopback { endpoint, connections, requests }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one request (head and body) and answers 200 with `body`.
fn answer(stream: TcpStream, body: &str) -> Option<String> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut request_body = vec![0; length];
    reader.read_exact(&mut request_body).ok()?;
    let mut stream = stream;
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).ok()?;
    Some(format!("{head}{}", String::from_utf8_lossy(&request_body)))
}

/// What EC2 answers to a Disassociate (moto's body for it).
const DISASSOCIATE_RESPONSE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<DisassociateIamInstanceProfileResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><iamInstanceProfileAssociation><associationId>iip-assoc-0123456789abcdef0</associationId><instanceId>i-0123456789abcdef0</instanceId><iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/prof-a</arn><id>j8rffnqk44dc4wos2lg6</id></iamInstanceProfile><state>disassociating</state></iamInstanceProfileAssociation><requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId></DisassociateIamInstanceProfileResponse>"#;

/// A home directory with nothing in it, so no config file is ever found.
/// Credentials and a region, everything a call needs but the endpoint.
fn configured() -> Vec<(&'static str, &'static str)> {
    vec![("AWS_ACCESS_KEY_ID", AKID), ("AWS_SECRET_ACCESS_KEY", SECRET), ("AWS_REGION", "us-east-1")]
}

/// `ec2-lite --endpoint-url ENDPOINT ARGS` with credentials and a region.
fn run_at(endpoint: &str, args: &[&str]) -> Output {
    let mut all = vec!["--endpoint-url", endpoint];
    all.extend_from_slice(args);
    run(&all, &configured())
}

/// A refused command line: exit 252, nothing on stdout, and the listener
/// never contacted.
#[track_caller]
fn assert_refused_offline(args: &[&str], stderr_has: &str) {
    let wire = Loopback::tripwire();
    let out = run_at(&wire.endpoint, args);
    assert_exit(&out, USAGE);
    assert_eq!(stdout(&out), "", "{args:?}");
    assert!(stderr(&out).contains(stderr_has), "{args:?}: stderr lacks {stderr_has:?}:\n{}", stderr(&out));
    assert_eq!(wire.connections(), 0, "{args:?} reached the network");
}

#[test]
fn version_prints_the_name_and_the_crate_version() {
    let out = run(&["--version"], &[]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), format!("ec2-lite {}\n", env!("CARGO_PKG_VERSION")));
    assert_eq!(stderr(&out), "");
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    for args in [&["--help"][..], &["help"]] {
        let out = run(args, &[]);
        assert_exit(&out, 0);
        let text = stdout(&out);
        for command in [
            "associate-iam-instance-profile",
            DESCRIBE,
            "disassociate-iam-instance-profile",
            "replace-iam-instance-profile-association",
            "wait",
        ] {
            assert!(text.contains(command), "{args:?} does not mention {command}:\n{text}");
        }
        for code in ["252", "253", "254", "255"] {
            assert!(text.contains(code), "{args:?} does not explain exit code {code}:\n{text}");
        }
    }
}

#[test]
fn command_help_lists_the_command_options() {
    for (command, option) in [
        ("disassociate-iam-instance-profile", "--association-id"),
        ("associate-iam-instance-profile", "--iam-instance-profile"),
        ("replace-iam-instance-profile-association", "--association-id"),
        (DESCRIBE, "--starting-token"),
        ("wait", "--instance-id"),
    ] {
        for args in [[command, "help"], [command, "--help"]] {
            let out = run(&args, &[]);
            assert_exit(&out, 0);
            assert!(stdout(&out).contains(option), "{args:?} does not mention {option}:\n{}", stdout(&out));
        }
    }
}

#[test]
fn no_command_is_a_usage_error() {
    let out = run(&[], &configured());
    assert_exit(&out, USAGE);
    assert!(stderr(&out).contains("usage: ec2-lite"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn unknown_command_is_a_usage_error_naming_it() {
    assert_refused_offline(&["disassociate-instance-profile"], "invalid choice: \"disassociate-instance-profile\"");
    // A misspelt command with its options: the error is the command, not the options it does not know.
    assert_refused_offline(
        &["disassociate-instance-profile", "--association-id", ASSOC],
        "invalid choice: \"disassociate-instance-profile\"",
    );
}

#[test]
fn missing_required_options_are_named() {
    assert_refused_offline(&["disassociate-iam-instance-profile"], "--association-id");
    assert_refused_offline(&["associate-iam-instance-profile", "--instance-id", INSTANCE], "--iam-instance-profile");
    assert_refused_offline(&["associate-iam-instance-profile", "--iam-instance-profile", "Name=p"], "--instance-id");
    assert_refused_offline(
        &["replace-iam-instance-profile-association", "--iam-instance-profile", "Name=p"],
        "--association-id",
    );
}

#[test]
fn unknown_options_and_options_without_values_are_usage_errors() {
    assert_refused_offline(
        &["disassociate-iam-instance-profile", "--association-id", ASSOC, "--force"],
        "unknown option --force",
    );
    assert_refused_offline(&["disassociate-iam-instance-profile", "--association-id"], "--association-id");
    assert_refused_offline(&[DESCRIBE, "--association-ids"], "--association-ids");
    assert_refused_offline(&["--debug=yes", DESCRIBE], "--debug");
}

/// A stray word or a short option after a destructive command once let it
/// run: `-h` disassociated the profile. The AWS CLI refuses them all
/// (`Unknown options: ...`) and sends nothing.
#[test]
fn stray_words_and_short_options_never_run_the_command() {
    for extra in [&["-h"][..], &["junk"], &["-x", "junk"], &["--association-id", ASSOC, "-h"]] {
        let mut args = vec!["disassociate-iam-instance-profile", "--association-id", ASSOC];
        args.extend_from_slice(extra);
        assert_refused_offline(&args, "Unknown options: ");
    }
    assert_refused_offline(&[DESCRIBE, "junk"], "Unknown options: junk");
    assert_refused_offline(
        &["wait", "iam-instance-profile-associated", "--instance-id", "i-1", "-h"],
        "Unknown options: -h",
    );
}

#[test]
fn output_format_must_be_json_or_text() {
    assert_refused_offline(&["--output", "yaml", DESCRIBE], "yaml");
}

#[test]
fn malformed_or_empty_association_ids_are_refused_before_any_request() {
    for bad in ["", "iip-assoc-", INSTANCE, "iip-assoc-xyz", "iip-assoc-01 23", "iip-assoc-01&Action=RunInstances"] {
        assert_refused_offline(&["disassociate-iam-instance-profile", "--association-id", bad], "Parameter validation");
        assert_refused_offline(
            &["replace-iam-instance-profile-association", "--association-id", bad, "--iam-instance-profile", "Name=p"],
            "Parameter validation",
        );
        assert_refused_offline(
            &["wait", "iam-instance-profile-associated", "--association-id", bad, "--timeout", "5"],
            "Parameter validation",
        );
    }
    // `--association-ids` takes words; an empty one is still an argument.
    assert_refused_offline(&[DESCRIBE, "--association-ids", ASSOC, "nonsense"], "Parameter validation");
    assert_refused_offline(&[DESCRIBE, "--association-ids", r#"["", "x"]"#], "Parameter validation");
}

#[test]
fn malformed_instance_ids_are_refused_before_any_request() {
    for bad in ["", "i-", ASSOC, "i-xyz", "i-0123 4567"] {
        assert_refused_offline(
            &["associate-iam-instance-profile", "--instance-id", bad, "--iam-instance-profile", "Name=p"],
            "Parameter validation",
        );
        assert_refused_offline(
            &["wait", "iam-instance-profile-disassociated", "--instance-id", bad, "--timeout", "5"],
            "Parameter validation",
        );
    }
}

#[test]
fn page_sizes_outside_5_to_1000_are_refused_before_any_request() {
    for n in ["4", "1001", "0"] {
        assert_refused_offline(&[DESCRIBE, "--max-results", n], "");
        assert_refused_offline(&[DESCRIBE, "--page-size", n], "");
    }
    assert_refused_offline(&[DESCRIBE, "--max-results", "ten"], "--max-results");
    assert_refused_offline(&[DESCRIBE, "--max-items", "many"], "--max-items");
}

#[test]
fn empty_filters_are_refused_before_any_request() {
    assert_refused_offline(&[DESCRIBE, "--filters", "Name=instance-id"], "instance-id");
    assert_refused_offline(&[DESCRIBE, "--filters", "Values=i-0123"], "Name");
    assert_refused_offline(&[DESCRIBE, "--filters", "Name=instance-id,Valeus=i-0123"], "Valeus");
    assert_refused_offline(&[DESCRIBE, "--filters", r#"[{"Name": "state", "Values": "#], "--filters");
}

/// The AWS CLI refuses `Name=a,Values=x,Name=b`: a key given twice in one
/// structure almost always means a comma where a space was meant. Taking the
/// last value instead silently drops the instance filter and lists every
/// association in the account.
#[test]
fn a_key_repeated_in_one_shorthand_structure_is_refused() {
    assert_refused_offline(
        &[DESCRIBE, "--filters", &format!("Name=instance-id,Values={INSTANCE},Name=state,Values=associated")],
        "Name",
    );
    assert_refused_offline(
        &["associate-iam-instance-profile", "--instance-id", INSTANCE, "--iam-instance-profile", "Name=a,Name=b"],
        "Name",
    );
}

#[test]
fn pagination_options_conflict_with_paging_by_hand() {
    for (extra, named) in [
        (&["--no-paginate", "--max-items", "3"][..], "--max-items"),
        (&["--no-paginate", "--starting-token", "eyJOZXh0VG9rZW4iOiAiMTAwIn0="], "--starting-token"),
        (&["--max-results", "5", "--page-size", "5"], "--page-size"),
        (&["--next-token", "100", "--max-items", "2"], "--max-items"),
    ] {
        let mut args = vec![DESCRIBE];
        args.extend_from_slice(extra);
        let wire = Loopback::tripwire();
        let out = run_at(&wire.endpoint, &args);
        assert_exit(&out, USAGE);
        assert_eq!(
            stderr(&out).trim(),
            format!("Error during pagination: Cannot specify --no-paginate along with pagination arguments: {named}"),
            "{args:?}"
        );
        assert_eq!(wire.connections(), 0, "{args:?} reached the network");
    }
}

#[test]
fn instance_profile_needs_a_known_member_and_a_value() {
    let assoc = |profile: &'static str| -> Vec<&'static str> {
        vec!["associate-iam-instance-profile", "--instance-id", INSTANCE, "--iam-instance-profile", profile]
    };
    assert_refused_offline(&assoc("Role=p"), "Role");
    assert_refused_offline(&assoc("Name="), "");
    assert_refused_offline(&assoc(r#"{"Name": 7}"#), "--iam-instance-profile");
    assert_refused_offline(&assoc(r#"{"Name": "p""#), "--iam-instance-profile");
}

#[test]
fn wait_needs_a_known_waiter_and_exactly_one_target() {
    assert_refused_offline(&["wait", "--instance-id", INSTANCE], "iam-instance-profile-associated");
    assert_refused_offline(&["wait", "instance-running", "--instance-id", INSTANCE], "instance-running");
    assert_refused_offline(&["wait", "iam-instance-profile-associated"], "--instance-id");
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
fn missing_credentials_exit_253_before_any_request() {
    let wire = Loopback::tripwire();
    let args = ["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC];
    let out = run(&args, &[("AWS_REGION", "us-east-1")]);
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
    assert!(stderr(&out).contains("region"), "{}", stderr(&out));
    assert_eq!(wire.connections(), 0);
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

#[test]
fn unreachable_endpoint_exits_255_naming_it() {
    // Bind then drop: nothing listens on the port any more.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = run_at(&endpoint, &["disassociate-iam-instance-profile", "--association-id", ASSOC]);
    assert_exit(&out, OTHER);
    assert_eq!(stderr(&out).trim(), format!("Could not connect to the endpoint URL: \"{endpoint}/\""));
}

#[test]
fn request_is_the_documented_query_post() {
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let out = run_at(&wire.endpoint, &["disassociate-iam-instance-profile", "--association-id", ASSOC]);
    assert_exit(&out, 0);
    let requests = wire.requests();
    let [request] = requests.as_slice() else { panic!("expected one request, got {requests:?}") };
    let lower = request.to_ascii_lowercase();
    assert!(request.starts_with("POST / HTTP/1.1\r\n"), "{request}");
    assert!(lower.contains("content-type: application/x-www-form-urlencoded; charset=utf-8\r\n"), "{request}");
    assert!(lower.contains("signedheaders=content-type;host;x-amz-date,"), "{request}");
    assert!(lower.contains("user-agent: ec2-lite/"), "{request}");
    assert!(
        request.ends_with(&format!(
            "\r\n\r\nAction=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId={ASSOC}"
        ))
    );
}

#[test]
fn debug_trace_never_shows_the_secret_the_token_or_the_signature() {
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let mut env = configured();
    env.push(("AWS_SESSION_TOKEN", TOKEN));
    let out = run(
        &["--debug", "--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC],
        &env,
    );
    assert_exit(&out, 0);
    let trace = stderr(&out);
    let requests = wire.requests();
    let [request] = requests.as_slice() else { panic!("expected one request, got {requests:?}") };

    // What was really sent: the token, and a signature over it.
    assert!(request.contains(TOKEN), "the token was not sent: {request}");
    let signature = request.split("Signature=").nth(1).and_then(|s| s.split("\r\n").next()).expect("a signature");
    assert_eq!(signature.len(), 64, "{request}");

    assert!(trace.contains("debug:"), "no trace with --debug: {trace}");
    assert!(trace.contains(ASSOC), "the trace should show the request body: {trace}");
    assert!(trace.contains("iip-assoc-0123456789abcdef0</associationId>"), "and the response: {trace}");
    assert!(trace.contains(&format!("Credential={AKID}/")), "the access key id is not secret: {trace}");
    for secret in [SECRET, TOKEN, signature] {
        assert!(!trace.contains(secret), "--debug printed {secret:?}:\n{trace}");
        assert!(!stdout(&out).contains(secret), "stdout has {secret:?}");
    }
    // Not even URL-encoded.
    assert!(!trace.contains("offline%2FSecret"), "{trace}");
}

#[test]
fn debug_trace_of_a_failed_call_never_shows_the_secret() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut env = configured();
    env.push(("AWS_SESSION_TOKEN", TOKEN));
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = run(
        &["--debug", "--endpoint-url", &endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC],
        &env,
    );
    assert_exit(&out, OTHER);
    let trace = stderr(&out);
    assert!(trace.contains("Signature=** redacted **"), "{trace}");
    assert!(!trace.contains(SECRET) && !trace.contains(TOKEN), "{trace}");
}

#[test]
fn successful_disassociate_prints_the_aws_cli_json() {
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let out = run_at(&wire.endpoint, &["disassociate-iam-instance-profile", "--association-id", ASSOC]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        r#"{
    "IamInstanceProfileAssociation": {
        "AssociationId": "iip-assoc-0123456789abcdef0",
        "InstanceId": "i-0123456789abcdef0",
        "IamInstanceProfile": {
            "Arn": "arn:aws:iam::123456789012:instance-profile/prof-a",
            "Id": "j8rffnqk44dc4wos2lg6"
        },
        "State": "disassociating"
    }
}
"#
    );
    assert_eq!(stderr(&out), "");
}

/// Runs `ec2-lite ARGS`, with credentials and a region, with one stream sent to
/// `/dev/full`, where every write fails with "no space left on device".
fn exit_code_writing_to_a_full_device(args: &[&str], full_stdout: bool) -> Option<i32> {
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").expect("open /dev/full");
    let (out, err) =
        if full_stdout { (Stdio::from(full()), Stdio::null()) } else { (Stdio::null(), Stdio::from(full())) };
    let mut cmd = Command::new(EXE);
    cmd.args(args).env_clear().stdin(Stdio::null()).stdout(out).stderr(err);
    for (k, v) in configured() {
        cmd.env(k, v);
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    cmd.status().expect("run ec2-lite").code()
}

/// A script that saves the output (`ec2-lite ... > file`) must not be told
/// "success" when nothing could be written.
#[test]
fn output_that_cannot_be_written_is_not_a_success() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let code = exit_code_writing_to_a_full_device(
        &["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC],
        true,
    );
    assert_ne!(code, Some(0), "the JSON was lost, yet the exit status says success");
    assert_ne!(code, Some(101), "a panic");
    let code = exit_code_writing_to_a_full_device(&["--version"], true);
    assert_ne!(code, Some(0), "--version printed nothing, yet the exit status says success");
}

/// An error message that cannot be written still ends with the error's exit
/// code, not with a panic (101).
#[test]
fn an_unwritable_stderr_keeps_the_exit_code() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let wire = Loopback::tripwire();
    let code = exit_code_writing_to_a_full_device(
        &["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", "bad"],
        false,
    );
    assert_eq!(code, Some(USAGE));
    let code = exit_code_writing_to_a_full_device(&["no-such-command"], false);
    assert_eq!(code, Some(USAGE));
}
