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
                if let Some(body) = body {
                    answer(stream, body, &seen);
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
/// The request is recorded before the answer is written: the CLI may exit, and
/// the test read what was recorded, as soon as the answer arrives.
fn answer(stream: TcpStream, body: &str, seen: &Mutex<Vec<String>>) -> Option<()> {
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
    seen.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{head}{}", String::from_utf8_lossy(&request_body)));
    stream.write_all(response.as_bytes()).ok()
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

/// v2 prints `aws-cli/2.x Python/3.x Linux/6.x exe/x86_64` (`awscli/clidriver.py`, `_cli_version`).
#[test]
fn version_prints_the_name_and_the_crate_version() {
    let out = run(&["--version"], &[]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("ec2-lite/{} ", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.ends_with(&format!(" exe/{}\n", std::env::consts::ARCH)), "{text}");
    assert_eq!(stderr(&out), "");
    // argparse's version action prints and exits where it is read: later words do not matter.
    let out = run(&["--version", "--nonsense", "junk"], &[]);
    assert_exit(&out, 0);
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

/// `awscli/argparser.py`, `CLIArgParser._check_value`: the word, then difflib's close matches.
#[test]
fn unknown_command_is_a_usage_error_naming_it() {
    assert_refused_offline(
        &["disassociate-instance-profile"],
        "argument operation: Found invalid choice 'disassociate-instance-profile'\n\nMaybe you meant:\n\n  * \
         disassociate-iam-instance-profile\n  * associate-iam-instance-profile\n\nusage: ec2-lite [options]",
    );
    // A misspelt command with its options: the error is the command, not the options it does not know.
    assert_refused_offline(
        &["disassociate-instance-profile", "--association-id", ASSOC],
        "Found invalid choice 'disassociate-instance-profile'",
    );
    // A command option before the command: its value is read as the command, as in the AWS CLI.
    assert_refused_offline(
        &["--association-id", ASSOC, "disassociate-iam-instance-profile"],
        &format!("Found invalid choice '{ASSOC}'"),
    );
    assert_refused_offline(&["zzz"], "argument operation: Found invalid choice 'zzz'\n\n\nusage:");
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
        "Unknown options: --force",
    );
    assert_refused_offline(
        &["disassociate-iam-instance-profile", "--association-id"],
        "An error occurred (ParamValidation): argument --association-id: expected one argument\n\nusage: ec2-lite",
    );
    // argparse: a value starting with '-' is the next option, unless a negative number or spaced.
    assert_refused_offline(
        &["disassociate-iam-instance-profile", "--association-id", "-x"],
        "argument --association-id: expected one argument",
    );
    // A list of structures is nargs='+'; a list of strings, nargs='*' (`awscli/arguments.py`).
    assert_refused_offline(&[DESCRIBE, "--filters"], "argument --filters: expected at least one argument");
    assert_refused_offline(&["--debug=yes", DESCRIBE], "argument --debug: ignored explicit argument 'yes'");
    assert_refused_offline(&[DESCRIBE, "--max", "5"], "ambiguous option: --max could match --max-results, --max-items");
    // A global option without its value never takes the next option, nor the command.
    assert_refused_offline(&["--region", DESCRIBE], "the following arguments are required: operation");
    assert_refused_offline(&[DESCRIBE, "--query"], "argument --query: expected one argument");
    // Another command's option.
    assert_refused_offline(
        &["disassociate-iam-instance-profile", "--association-id", ASSOC, "--max-results", "5"],
        "Unknown options: --max-results, 5",
    );
}

/// Exactly what v2 prints for an unknown option: `UnknownArgumentErrorHandler`
/// of `awscli/errorhandler.py` writes the usage, then the error.
#[test]
fn unknown_options_print_the_usage_first() {
    let wire = Loopback::tripwire();
    let out = run_at(&wire.endpoint, &["disassociate-iam-instance-profile", "--association-id", ASSOC, "-h", "junk"]);
    assert_exit(&out, USAGE);
    assert_eq!(
        stderr(&out),
        "\nusage: ec2-lite [options] <command> [<subcommand> ...] [parameters]\nTo see help text, you can run:\n\n  \
         ec2-lite help\n  ec2-lite <command> help\n  ec2-lite <command> <subcommand> help\n\n\nec2-lite: [ERROR]: \
         Unknown options: -h, junk\n"
    );
    assert_eq!(wire.connections(), 0);
}

/// argparse semantics the AWS CLI inherits: `=` values, negative numbers and
/// spaced values after an option, unambiguous prefixes, the last of a
/// repeated option, global options anywhere.
#[test]
fn argparse_forms_reach_the_request_as_the_aws_cli_sends_them() {
    for (args, sent) in [
        (&["disassociate-iam-instance-profile", "--association-id=iip-assoc-1"][..], "AssociationId=iip-assoc-1"),
        (&["disassociate-iam-instance-profile", "--association-id", "-5"], "AssociationId=-5"),
        (&["disassociate-iam-instance-profile", "--association-id", "-a b"], "AssociationId=-a%20b"),
        (&["disassociate-iam-instance-profile", "--assoc", "iip-assoc-2"], "AssociationId=iip-assoc-2"),
        (
            &["disassociate-iam-instance-profile", "--association-id", "a", "--association-id", "iip-assoc-3"],
            "AssociationId=iip-assoc-3",
        ),
        (
            &[
                "--output",
                "text",
                "disassociate-iam-instance-profile",
                "--association-id",
                "iip-assoc-4",
                "--outp",
                "json",
            ],
            "AssociationId=iip-assoc-4",
        ),
    ] {
        let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
        let out = run_at(&wire.endpoint, args);
        assert_exit(&out, 0);
        let requests = wire.requests();
        assert!(requests.len() == 1 && requests[0].ends_with(sent), "{args:?}: {requests:?}");
    }
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

/// The six formats of v2's `awscli/data/cli.json`; anything else is argparse's invalid choice.
#[test]
fn output_format_must_be_one_of_v2s() {
    assert_refused_offline(
        &["--output", "yamlx", DESCRIBE],
        "argument --output: Found invalid choice 'yamlx'\n\nMaybe you meant:\n\n  * yaml",
    );
    assert_refused_offline(&["--color", "always", DESCRIBE], "argument --color: Found invalid choice 'always'");
    assert_refused_offline(
        &["--cli-error-format", "xml", DESCRIBE],
        "argument --cli-error-format: Found invalid choice 'xml'",
    );
    assert_refused_offline(
        &["--cli-binary-format", "raw", DESCRIBE],
        "argument --cli-binary-format: Found invalid choice 'raw'",
    );
    assert_refused_offline(
        &[DESCRIBE, "--generate-cli-skeleton", "xml"],
        "argument --generate-cli-skeleton: Found invalid choice 'xml'",
    );
}

/// The AWS CLI checks no id's shape: `None` (what an empty `--query` lookup
/// yields) is sent, and EC2 answers `InvalidAssociationID.NotFound` (254).
#[test]
fn ids_are_sent_as_given_for_ec2_to_judge() {
    for (args, sent) in [
        (&["disassociate-iam-instance-profile", "--association-id", "None"][..], "&AssociationId=None"),
        (&["disassociate-iam-instance-profile", "--association-id", ""], "&AssociationId="),
        (
            &["disassociate-iam-instance-profile", "--association-id", "iip-assoc-01&Action=RunInstances"],
            "&AssociationId=iip-assoc-01%26Action%3DRunInstances",
        ),
        (
            &["associate-iam-instance-profile", "--instance-id", "i-xyz", "--iam-instance-profile", "Name="],
            "&IamInstanceProfile.Name=&InstanceId=i-xyz",
        ),
    ] {
        let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
        let out = run_at(&wire.endpoint, args);
        let requests = wire.requests();
        assert!(requests.len() == 1 && requests[0].ends_with(sent), "{args:?}: {requests:?} {}", stderr(&out));
    }
}

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

/// botocore enforces the model's `min` (5) client-side, never its `max`
/// (`botocore/validate.py`); integers are Python's `int()`.
#[test]
fn page_sizes_below_5_are_refused_before_any_request() {
    for n in ["4", "0", "-1"] {
        assert_refused_offline(
            &[DESCRIBE, "--max-results", n],
            &format!(
                "Parameter validation failed:\nInvalid value for parameter MaxResults, value: {n}, valid min value: 5"
            ),
        );
        assert_refused_offline(&[DESCRIBE, "--page-size", n], "valid min value: 5");
    }
    assert_refused_offline(&[DESCRIBE, "--page-size", "many"], "argument --page-size: invalid int value: 'many'");
    assert_refused_offline(&[DESCRIBE, "--max-items", "1.5"], "argument --max-items: invalid int value: '1.5'");
    // The service's own integer: a plain ValueError in the AWS CLI, 255.
    let wire = Loopback::tripwire();
    let out = run_at(&wire.endpoint, &[DESCRIBE, "--max-results", "ten"]);
    assert_exit(&out, OTHER);
    assert_eq!(stderr(&out), "\nec2-lite: [ERROR]: invalid literal for int() with base 10: 'ten'\n");
    assert_eq!(wire.connections(), 0);
    // 1001 is EC2's to refuse.
    let wire = Loopback::tripwire();
    let out = run_at(&wire.endpoint, &[DESCRIBE, "--max-results", "1001"]);
    assert_exit(&out, OTHER);
    assert!(wire.connections() > 0, "1001 was not sent");
}

#[test]
fn filters_with_unknown_members_or_bad_json_are_refused_before_any_request() {
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

/// v2 raises a ParamValidationError (252) with the bare message
/// (awscli/customizations/paginate.py, `ensure_paging_params_not_set`); v1's
/// PaginationError said "Error during pagination: " and exited 255.
#[test]
fn pagination_options_conflict_with_paging_by_hand() {
    for (extra, named) in [
        (&["--no-paginate", "--max-items", "3"][..], "--max-items"),
        (&["--no-paginate", "--starting-token", "eyJOZXh0VG9rZW4iOiAiMTAwIn0="], "--starting-token"),
        (&["--max-results", "5", "--page-size", "5"], "--page-size"),
        (&["--next-token", "100", "--max-items", "2"], "--max-items"),
        (
            &["--no-paginate", "--max-items", "3", "--page-size", "5", "--starting-token", "x"],
            "--starting-token, --page-size, --max-items",
        ),
    ] {
        let mut args = vec![DESCRIBE];
        args.extend_from_slice(extra);
        let wire = Loopback::tripwire();
        let out = run_at(&wire.endpoint, &args);
        assert_exit(&out, USAGE);
        assert_eq!(
            stderr(&out),
            format!(
                "\nec2-lite: [ERROR]: An error occurred (ParamValidation): Cannot specify \
                 --no-paginate along with pagination arguments: {named}\n"
            ),
            "{args:?}"
        );
        assert_eq!(wire.connections(), 0, "{args:?} reached the network");
    }
}

#[test]
fn instance_profile_needs_known_members() {
    let assoc = |profile: &'static str| -> Vec<&'static str> {
        vec!["associate-iam-instance-profile", "--instance-id", INSTANCE, "--iam-instance-profile", profile]
    };
    assert_refused_offline(&assoc("Role=p"), "Role");
    assert_refused_offline(&assoc(r#"{"Name": 7}"#), "--iam-instance-profile");
    assert_refused_offline(&assoc(r#"{"Name": "p""#), "--iam-instance-profile");
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

#[test]
fn unreachable_endpoint_exits_255_naming_it() {
    // Bind then drop: nothing listens on the port any more.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = run_at(&endpoint, &["disassociate-iam-instance-profile", "--association-id", ASSOC]);
    assert_exit(&out, OTHER);
    assert_eq!(stderr(&out), format!("\nec2-lite: [ERROR]: Could not connect to the endpoint URL: \"{endpoint}/\"\n"));
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
        &["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id"],
        false,
    );
    assert_eq!(code, Some(USAGE));
    let code = exit_code_writing_to_a_full_device(&["no-such-command"], false);
    assert_eq!(code, Some(USAGE));
}

/// A config file for one test, in the target's temporary directory.
fn config_file(name: &str, text: &str) -> String {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-offline-config");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Every global option of `aws` (awscli/data/cli.json), before and after the
/// command: accepted, its value never taken for the command, the call made.
#[test]
fn every_global_option_is_accepted_in_every_position() {
    let ca = format!("{}/tests/fixtures/tls/ca.pem", crate::support::python::repo_root().display());
    let globals: Vec<Vec<&str>> = vec![
        vec!["--debug"],
        vec!["--no-verify-ssl"],
        vec!["--no-paginate"],
        vec!["--output", "text"],
        vec!["--output=yaml"],
        vec!["--query", "IamInstanceProfileAssociation.AssociationId"],
        vec!["--region", "eu-west-1"],
        vec!["--color", "on"],
        vec!["--ca-bundle", &ca],
        vec!["--cli-read-timeout", "30"],
        vec!["--cli-connect-timeout", "0"],
        vec!["--cli-binary-format", "raw-in-base64-out"],
        vec!["--no-cli-pager"],
        vec!["--cli-auto-prompt"],
        vec!["--no-cli-auto-prompt"],
        vec!["--cli-error-format", "legacy"],
    ];
    for global in &globals {
        for before in [true, false] {
            let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
            let mut args: Vec<&str> = vec!["--endpoint-url", &wire.endpoint];
            let command = ["disassociate-iam-instance-profile", "--association-id", ASSOC];
            if before {
                args.extend(global.iter().copied());
                args.extend(command);
            } else {
                args.extend(command);
                args.extend(global.iter().copied());
            }
            let out = run(&args, &configured());
            assert_exit(&out, 0);
            assert_eq!(wire.requests().len(), 1, "{args:?}");
        }
    }
    // With AWS_PAGER set to a program that would fail, nothing is paged.
    let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
    let mut env = configured();
    env.push(("AWS_PAGER", "false"));
    let out =
        run(&["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC], &env);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains(ASSOC));
}

/// `awscli/customizations/globalargs.py`: the timeouts are `int()`ed (a plain
/// ValueError, 255), an endpoint URL needs a scheme (252), both before the
/// command's own options are read.
#[test]
fn global_option_values_are_checked_as_v2_checks_them() {
    let wire = Loopback::tripwire();
    let out = run_at(&wire.endpoint, &["--cli-read-timeout", "1.5", DESCRIBE]);
    assert_exit(&out, OTHER);
    assert_eq!(stderr(&out), "\nec2-lite: [ERROR]: invalid literal for int() with base 10: '1.5'\n");
    let out = run(&["--endpoint-url", "127.0.0.1:4566", DESCRIBE], &configured());
    assert_exit(&out, USAGE);
    assert!(
        stderr(&out).contains("Bad value for --endpoint-url \"127.0.0.1:4566\": scheme is missing."),
        "{}",
        stderr(&out)
    );
    assert_refused_offline(
        &["--cli-auto-prompt", "--no-cli-auto-prompt", DESCRIBE],
        "Both --cli-auto-prompt and --no-cli-auto-prompt cannot be specified at the same time.",
    );
    assert_eq!(wire.connections(), 0);
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

/// The output format: `--output`, `AWS_DEFAULT_OUTPUT`, the profile's `output`.
/// An unknown configured one is v2's `Unknown output type` (formatter.py), found
/// here before anything is sent.
#[test]
fn output_format_comes_from_the_option_the_environment_then_the_profile() {
    let config = config_file("output-text", "[default]\noutput = text\ncli_timestamp_format = wire\n");
    let text_line = "IAMINSTANCEPROFILEASSOCIATION\tiip-assoc-0123456789abcdef0";
    for (args, env, text) in [
        (&[][..], vec![("AWS_CONFIG_FILE", config.as_str())], true),
        (&[], vec![("AWS_CONFIG_FILE", config.as_str()), ("AWS_DEFAULT_OUTPUT", "json")], false),
        (&["--output", "json"], vec![("AWS_CONFIG_FILE", config.as_str()), ("AWS_DEFAULT_OUTPUT", "text")], false),
        (&[], vec![("AWS_DEFAULT_OUTPUT", "text")], true),
    ] {
        let wire = Loopback::answering(DISASSOCIATE_RESPONSE);
        let mut all =
            vec!["--endpoint-url", &wire.endpoint, "disassociate-iam-instance-profile", "--association-id", ASSOC];
        all.extend_from_slice(args);
        let mut e = configured();
        e.extend(env.iter().copied());
        let out = run(&all, &e);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out).starts_with(text_line), text, "{args:?} {env:?}: {}", stdout(&out));
    }
    let wire = Loopback::tripwire();
    let mut env = configured();
    env.push(("AWS_DEFAULT_OUTPUT", "xml"));
    let out = run(&["--endpoint-url", &wire.endpoint, DESCRIBE], &env);
    assert_exit(&out, OTHER);
    assert_eq!(stderr(&out), "\nec2-lite: [ERROR]: Unknown output type: xml\n");
    let config = config_file("bad-timestamps", "[default]\ncli_timestamp_format = unix\n");
    let mut env = configured();
    env.push(("AWS_CONFIG_FILE", &config));
    let out = run(&["--endpoint-url", &wire.endpoint, DESCRIBE], &env);
    assert_exit(&out, CONFIG);
    assert!(
        stderr(&out).contains("Unknown cli_timestamp_format value: unix, valid values are \"wire\" or \"iso8601\"")
    );
    assert_eq!(wire.connections(), 0);
}

/// `--generate-cli-skeleton`: v2's text, exactly, for each operation. The JSON
/// is `ArgumentGenerator` over the EC2 model with `json.dump(indent=4)`; the
/// YAML is ruamel 0.19.1's round-trip dump with the first sentence of each
/// member's documentation (awscli/customizations/generatecliskeleton.py, whose
/// `test_contains_comments` in tests/functional/test_generatecliskeleton.py pins
/// the `Key: ''  # [REQUIRED]` layout). Nothing is sent, no configuration read.
#[test]
fn skeletons_are_v2s_and_send_nothing() {
    let cases: [(&str, &str, &str); 4] = [
        (
            "disassociate-iam-instance-profile",
            "{\n    \"AssociationId\": \"\"\n}\n",
            "AssociationId: ''  # [REQUIRED] The ID of the IAM instance profile association.\n",
        ),
        (
            "associate-iam-instance-profile",
            "{\n    \"IamInstanceProfile\": {\n        \"Arn\": \"\",\n        \"Name\": \"\"\n    },\n    \"InstanceId\": \"\"\n}\n",
            "IamInstanceProfile:  # [REQUIRED] The IAM instance profile.\n  Arn: ''  # The Amazon Resource Name (ARN) of the instance profile.\n  Name: '' # The name of the instance profile.\nInstanceId: '' # [REQUIRED] The ID of the instance.\n",
        ),
        (
            "replace-iam-instance-profile-association",
            "{\n    \"IamInstanceProfile\": {\n        \"Arn\": \"\",\n        \"Name\": \"\"\n    },\n    \"AssociationId\": \"\"\n}\n",
            "IamInstanceProfile:  # [REQUIRED] The IAM instance profile.\n  Arn: ''  # The Amazon Resource Name (ARN) of the instance profile.\n  Name: '' # The name of the instance profile.\nAssociationId: '' # [REQUIRED] The ID of the existing IAM instance profile association.\n",
        ),
        (
            DESCRIBE,
            "{\n    \"AssociationIds\": [\n        \"\"\n    ],\n    \"Filters\": [\n        {\n            \"Name\": \"\",\n            \"Values\": [\n                \"\"\n            ]\n        }\n    ],\n    \"MaxResults\": 0,\n    \"NextToken\": \"\"\n}\n",
            "AssociationIds:  # The IAM instance profile associations.\n- ''\nFilters: # The filters.\n- Name: ''  # The name of the filter.\n  Values: # The filter values.\n  - ''\nMaxResults: 0 # The maximum number of items to return for this request.\nNextToken: '' # The token returned from a previous paginated request.\n",
        ),
    ];
    let wire = Loopback::tripwire();
    for (command, json, yaml) in cases {
        for (args, want) in [
            (vec![command, "--generate-cli-skeleton"], json),
            (vec![command, "--generate-cli-skeleton", "input"], json),
            (vec![command, "--generate-cli-skeleton", "yaml-input"], yaml),
        ] {
            // No credentials, no region: a skeleton needs neither.
            let mut all = vec!["--endpoint-url", wire.endpoint.as_str()];
            all.extend(args.iter().copied());
            let out = run(&all, &[]);
            assert_exit(&out, 0);
            assert_eq!(stdout(&out), want, "{args:?}");
            assert_eq!(stderr(&out), "");
        }
    }
    // As in v2, only the option written out alone lifts the required options
    // (`override_required_args` looks for the exact word).
    assert_refused_offline(
        &["disassociate-iam-instance-profile", "--generate-cli-skeleton=input"],
        "the following arguments are required: --association-id",
    );
    assert_refused_offline(
        &["disassociate-iam-instance-profile", "--generate-cli-skeleton", "output"],
        "the following arguments are required: --association-id",
    );
    // `output` goes through a stubbed client: a region is needed, credentials are not, nothing is sent.
    let out =
        run(&["disassociate-iam-instance-profile", "--generate-cli-skeleton", "output", "--association-id", "x"], &[]);
    assert_exit(&out, CONFIG);
    assert!(stderr(&out).contains("(NoRegion)"), "{}", stderr(&out));
    let out = run(
        &[
            "--endpoint-url",
            &wire.endpoint,
            "disassociate-iam-instance-profile",
            "--generate-cli-skeleton",
            "output",
            "--association-id",
            "x",
        ],
        &[("AWS_REGION", "us-east-1")],
    );
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("\"AssociationId\": \"AssociationId\""), "{}", stdout(&out));
    assert_eq!(wire.connections(), 0);
}

/// `awscli/paramfile.py` and `awscli/customizations/cliinput.py`: their
/// errors, word for word, and nothing sent.
#[test]
fn input_files_and_documents_fail_as_v2_fails() {
    let deep = config_file("deep.json", &("[".repeat(20_000) + &"]".repeat(20_000)));
    let not_utf8 = config_file("latin1.txt", "");
    std::fs::write(&not_utf8, b"caf\xe9").unwrap();
    let d = "disassociate-iam-instance-profile";
    for (args, want) in [
        (
            vec![d, "--association-id", "file://no/such/file"],
            "Error parsing parameter '--association-id': Unable to load paramfile file://no/such/file: [Errno 2] No such file or directory: 'no/such/file'",
        ),
        (
            vec![d, "--cli-input-json", "file://no/such/file"],
            "Error parsing parameter '--cli-input-json': Unable to load paramfile file://no/such/file",
        ),
        (
            vec![d, "--association-id", &format!("file://{not_utf8}")],
            "text contents could not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.",
        ),
        (
            vec![d, "--association-id", &format!("fileb://{not_utf8}")],
            "Invalid type for parameter AssociationId, value: b'caf\\xe9', type: <class 'bytes'>, valid types: <class 'str'>",
        ),
        (
            vec![d, "--cli-input-json", "{\"AssociationId\": "],
            "Error parsing parameter 'cli-input-json': Invalid JSON received.",
        ),
        (vec![d, "--cli-input-yaml", "a: [1"], "Error parsing parameter 'cli-input-yaml': Invalid YAML received."),
        (
            vec![d, "--cli-input-json", "[1]"],
            "Error parsing parameter '--cli-input-json': Invalid type: expecting map, received <class 'list'>",
        ),
        (
            vec![d, "--cli-input-json", "{}", "--cli-input-yaml", "{}"],
            "Only one --cli-input- parameter may be specified.",
        ),
        (
            vec![d, "--cli-input-json", "{}"],
            "Parameter validation failed:\nMissing required parameter in input: \"AssociationId\"",
        ),
        (
            vec![d, "--cli-input-json", "{\"AssociationId\": 5, \"Force\": true}"],
            "Parameter validation failed:\nInvalid type for parameter AssociationId, value: 5, type: <class 'int'>, valid types: <class 'str'>\nUnknown parameter in input: \"Force\", must be one of: AssociationId",
        ),
        (
            vec![DESCRIBE, "--cli-input-yaml", "Filters:\n- Name: state\n  Valeus: [associated]\n"],
            "Unknown parameter in Filters[0]: \"Valeus\", must be one of: Name, Values",
        ),
        // Nesting: refused, never a stack overflow.
        (
            vec![d, "--cli-input-json", &format!("file://{deep}")],
            "Error parsing parameter 'cli-input-json': Invalid JSON received.",
        ),
        (
            vec![d, "--cli-input-yaml", &format!("file://{deep}")],
            "Error parsing parameter 'cli-input-yaml': Invalid YAML received.",
        ),
        (vec![DESCRIBE, "--filters", &format!("file://{deep}")], "nested deeper than 128 levels"),
    ] {
        assert_refused_offline(&args, want);
    }
    // Without the input document, argparse's check of required options stays.
    assert_refused_offline(&[d, "--cli-input-json={}"], "the following arguments are required: --association-id");
}

/// Every option of a command, in its help, with its meaning in one aligned
/// column; reached by `X help`, `X --help` and `--help X`.
#[test]
fn help_lists_every_option_of_every_command_aligned() {
    let globals = [
        "--debug",
        "--endpoint-url",
        "--no-verify-ssl",
        "--no-paginate",
        "--output",
        "--query",
        "--profile",
        "--region",
        "--version",
        "--color",
        "--no-sign-request",
        "--ca-bundle",
        "--cli-read-timeout",
        "--cli-connect-timeout",
        "--cli-binary-format",
        "--no-cli-pager",
        "--cli-auto-prompt",
        "--no-cli-auto-prompt",
        "--cli-error-format",
    ];
    let input = ["--cli-input-json", "--cli-input-yaml", "--generate-cli-skeleton"];
    let wait = ["--association-id", "--instance-id", "--delay", "--timeout"];
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["associate-iam-instance-profile"], [&["--iam-instance-profile", "--instance-id"][..], &input].concat()),
        (
            vec![DESCRIBE],
            [
                &["--association-ids", "--filters", "--max-results", "--next-token"][..],
                &input,
                &["--starting-token", "--page-size", "--max-items"],
            ]
            .concat(),
        ),
        (vec!["disassociate-iam-instance-profile"], [&["--association-id"][..], &input].concat()),
        (
            vec!["replace-iam-instance-profile-association"],
            [&["--iam-instance-profile", "--association-id"][..], &input].concat(),
        ),
        (vec!["wait", "iam-instance-profile-associated"], wait.to_vec()),
        (vec!["wait", "iam-instance-profile-disassociated"], wait.to_vec()),
    ];
    for (command, options) in cases {
        let mut texts = Vec::new();
        for how in [["help"], ["--help"]] {
            let mut args = command.clone();
            args.extend(how);
            texts.push(run(&args, &[]));
        }
        let mut args = vec!["--help"];
        args.extend(command.iter().copied());
        texts.push(run(&args, &[]));
        for out in &texts {
            assert_exit(out, 0);
            assert_eq!(stdout(out), stdout(&texts[0]), "{command:?}: every way to ask prints the same");
        }
        let text = stdout(&texts[0]);
        let section = text.split("\nOPTIONS\n").nth(1).and_then(|s| s.split("\n\n").next()).unwrap_or_default();
        let lines: Vec<&str> = section.lines().collect();
        assert_eq!(lines.len(), options.len(), "{command:?}:\n{text}");
        let mut column = None;
        for (line, option) in lines.iter().zip(&options) {
            assert!(line.starts_with(&format!("  {option} ")), "{command:?}: {line:?} is not {option}");
            // The meaning starts after the widest option, at the same column on every line.
            let at = line.find("  ").and_then(|_| line[2..].find("  ").map(|i| i + 2)).unwrap();
            let meaning_at = at + line[at..].len() - line[at..].trim_start().len();
            assert!(line.len() > meaning_at + 10, "{command:?}: {option} has no meaning: {line:?}");
            assert_eq!(*column.get_or_insert(meaning_at), meaning_at, "{command:?}: not aligned:\n{section}");
        }
        for global in globals {
            assert!(text.contains(&format!("\n  {global} ")), "{command:?} help lacks {global}");
        }
        if command[0] == "wait" {
            assert!(text.contains("[extension]"), "wait is marked as an extension:\n{text}");
        }
    }
    // `wait help` lists the waiters; help says the tool never pages nor prompts.
    for args in [&["wait", "help"][..], &["wait", "--help"], &["--help", "wait"]] {
        let out = run(args, &[]);
        assert_exit(&out, 0);
        assert!(stdout(&out).contains("iam-instance-profile-disassociated"), "{args:?}");
    }
    let general = stdout(&run(&["help"], &[]));
    assert!(general.contains("never paged") && general.contains("never prompted"), "{general}");
    // `help` with more words is v2's Unknown options.
    assert_refused_offline(&["help", "me"], "Unknown options: me");
}

/// Completes `line` with the bash script `ec2-lite completion bash` printed,
/// sourced into a real bash: what the shell would offer.
fn bash_completes(script: &str, line: &str) -> Vec<String> {
    let probe = format!(
        "{script}\nread -ra COMP_WORDS <<< \"$LINE\"\n[[ \"$LINE\" == *' ' ]] && COMP_WORDS+=('')\n\
         COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n_ec2_lite\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    );
    let out = Command::new("bash").arg("-c").arg(probe).env("LINE", line).output().expect("run bash");
    assert!(out.status.success(), "bash failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

#[test]
fn completion_scripts_parse_and_complete() {
    let out = run(&["completion", "bash"], &[]);
    assert_exit(&out, 0);
    let script = stdout(&out);
    let check =
        Command::new("bash").arg("-n").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut check = check.expect("bash is needed for this test");
    check.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    let result = check.wait_with_output().unwrap();
    assert!(result.status.success(), "bash -n refused the script: {}", String::from_utf8_lossy(&result.stderr));

    for (line, want) in [
        ("ec2-lite disa", vec!["disassociate-iam-instance-profile"]),
        ("ec2-lite --region us-east-1 des", vec![DESCRIBE]),
        ("ec2-lite disassociate-iam-instance-profile --as", vec!["--association-id"]),
        (&format!("ec2-lite {DESCRIBE} --max-"), vec!["--max-results", "--max-items"]),
        ("ec2-lite --output ya", vec!["yaml", "yaml-stream"]),
        ("ec2-lite wait ", vec!["iam-instance-profile-associated", "iam-instance-profile-disassociated"]),
        ("ec2-lite --profile p wait iam-instance-profile-associated --ins", vec!["--instance-id"]),
        ("ec2-lite completion ", vec!["bash", "zsh", "fish"]),
    ] {
        assert_eq!(bash_completes(&script, line), want, "{line:?}");
    }

    // zsh runs the same function through bashcompinit; fish gets its own lines.
    let zsh = stdout(&run(&["completion", "zsh"], &[]));
    assert!(
        zsh.starts_with("#compdef ec2-lite\nautoload -U +X bashcompinit && bashcompinit\n") && zsh.ends_with(&script)
    );
    let fish = stdout(&run(&["completion", "fish"], &[]));
    assert!(fish.contains("complete -c ec2-lite -n '__fish_use_subcommand' -a disassociate-iam-instance-profile"));
    assert!(fish.contains("complete -c ec2-lite -l output -x -a 'json text table yaml yaml-stream off'"), "{fish}");
    assert!(fish.contains("-n '__fish_seen_subcommand_from disassociate-iam-instance-profile' -l association-id -r"));
    for shell in ["zsh", "fish"] {
        if let Ok(status) = Command::new(shell).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status()
            && status.success()
        {
            let script = if shell == "zsh" { &zsh } else { &fish };
            let out = Command::new(shell).arg("-n").arg("-c").arg(script).output().unwrap();
            assert!(out.status.success(), "{shell} -n: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    assert_refused_offline(&["completion", "tcsh"], "argument shell: Found invalid choice 'tcsh'");
    assert_refused_offline(&["completion"], "the following arguments are required: shell");
}
