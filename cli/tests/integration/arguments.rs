//! The command line itself: argparse's forms (`=` values, prefixes, negative numbers, the last
//! of a repeated option), the global options in every position and how their values are
//! checked, the choices of `--output` and the other enumerated options, unknown options and
//! stray words (usage errors, exit 252, nothing sent), missing required options, and help,
//! usage, `--version` and the completion scripts.
//!
//! Helpers: `support::offline` (a loopback listener that proves nothing was sent, or answers
//! with a canned body to show what was), and for the rows compared with the AWS CLI,
//! `support::scenarios` (the scenario tables' harness), `support::differential` and
//! `support::listing`.
//!
//! The tests that run moto or the AWS CLI need the test venv: they are ignored by plain
//! `cargo test` and run by `scripts/test` (or `--include-ignored` with `EC2_LITE_VENV` set).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::cli::{
    self, ASSOCIATE, DESCRIBE, DISASSOCIATE, OTHER, REPLACE, USAGE, assert_exit, run, stderr, stdout,
};
use crate::support::differential::{assert_success, v1_to_v2_refusal};
use crate::support::listing::{aws, lite};
use crate::support::moto::Moto;
use crate::support::offline::{
    ASSOC, DISASSOCIATE_RESPONSE, INSTANCE, Loopback, assert_refused_offline, configured, run_at,
};
use crate::support::scenarios::{
    ArgParse, CREDENTIALS_OTHER, General, NO_ENV_ENDPOINT, NO_ENV_REGION, OK, OTHER_REGION, PROFILE_OTHER,
    ParamValidation, Service, Unknown, s, world,
};
use crate::support::twin::{Scenario, State};

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

/// Command lines both tools refuse, with the state untouched: the same
/// refusal (exit codes mapped, the AWS CLI's line after removing v2's prefix).
#[test]
#[ignore = "needs scripts/venv"]
fn refused_command_lines_match_and_change_nothing() {
    let moto = Moto::shared();
    let seeded = moto.seed_association();
    let id = seeded.association_id.as_str();
    let d = "disassociate-iam-instance-profile";
    for (args, last_line) in [
        (vec![d, "--association-id", id, "-h"], "Unknown options: -h"),
        (vec![d, "--association-id", id, "-h", "junk"], "Unknown options: -h, junk"),
        (vec![d, "--association-id", id, "junk"], "Unknown options: junk"),
        (vec![d, "--association-id", id, "--max-results", "5"], "Unknown options: --max-results, 5"),
        (vec![d, "--association-id", id, "--force"], "Unknown options: --force"),
        (vec![d, "--association-id"], "argument --association-id: expected one argument"),
        (vec![d, "--association-id", "-x"], "argument --association-id: expected one argument"),
        (vec![d], "the following arguments are required: --association-id"),
        (vec![DESCRIBE, "--max-results", "4"], "Invalid value for parameter MaxResults, value: 4, valid min value: 5"),
    ] {
        let ours = lite(moto, &args);
        let theirs = aws(moto, &args);
        assert_eq!(ours.status.code(), Some(252), "ec2-lite {args:?}: {}", stderr(&ours));
        assert_eq!(v1_to_v2_refusal(theirs.status.code()), Some(252), "aws {args:?}: {}", stderr(&theirs));
        assert_eq!(stdout(&ours), "");
        let our_text = cli::without_v2_prefix(&stderr(&ours)).replace("An error occurred (ParamValidation): ", "");
        for (who, text) in [("ec2-lite", our_text.as_str()), ("aws", &stderr(&theirs))] {
            assert!(text.contains(last_line), "{who} {args:?}: {text}");
        }
    }
    // Still there: nothing above was sent.
    let listed = lite(moto, &[DESCRIBE, "--association-ids", id]);
    assert_success("ec2-lite", &[DESCRIBE], &listed);
    assert!(stdout(&listed).contains("\"State\": \"associated\""), "{}", stdout(&listed));
}

/// Every global option, in every position, `=` forms, repeated options.
pub(crate) const GLOBAL: &[Scenario] = &[
    s(
        "globals-before-the-command",
        &["--output", "text", "--region", "{REGION}", "ec2", DESCRIBE, "--max-items", "2"],
        OK,
    )
    .env(NO_ENV_REGION),
    s("globals-between-service-and-command", &["ec2", "--output", "text", DESCRIBE, "--max-items", "2"], OK),
    s(
        "globals-after-the-command",
        &["ec2", DESCRIBE, "--max-items", "2", "--output", "text", "--region", "{REGION}"],
        OK,
    )
    .env(NO_ENV_REGION),
    s(
        "globals-interleaved",
        &[
            "ec2",
            DESCRIBE,
            "--output",
            "text",
            "--max-items",
            "2",
            "--region",
            "{REGION}",
            "--query",
            "IamInstanceProfileAssociations[].AssociationId",
        ],
        OK,
    )
    .env(NO_ENV_REGION),
    s(
        "equals-forms",
        &["--output=text", "ec2", DESCRIBE, "--max-items=2", "--query=IamInstanceProfileAssociations[].AssociationId"],
        OK,
    ),
    s("equals-form-shorthand", &["ec2", DESCRIBE, "--filters=Name=instance-id,Values={I0}"], OK),
    s("endpoint-url-option", &["ec2", DESCRIBE, "--max-items", "1", "--endpoint-url", "{ENDPOINT}"], OK)
        .env(NO_ENV_ENDPOINT),
    s("endpoint-url-equals-before", &["--endpoint-url={ENDPOINT}", "ec2", DESCRIBE, "--max-items", "1"], OK)
        .env(NO_ENV_ENDPOINT),
    s("region-option-beats-environment", &["ec2", DESCRIBE, "--max-items", "1", "--region", "{REGION}"], OK)
        .env(OTHER_REGION),
    s("region-from-environment", &["ec2", DESCRIBE], OK).env(OTHER_REGION),
    s("profile-option", &["ec2", DESCRIBE, "--max-items", "1", "--profile", "other", "--output", "json"], OK)
        .config(PROFILE_OTHER)
        .credentials(CREDENTIALS_OTHER)
        .env(&[("AWS_ACCESS_KEY_ID", None), ("AWS_SECRET_ACCESS_KEY", None), ("AWS_DEFAULT_REGION", None)]),
    s("profile-from-environment", &["ec2", DESCRIBE, "--max-items", "1"], OK)
        .config(PROFILE_OTHER)
        .credentials(CREDENTIALS_OTHER)
        .env(&[
            ("AWS_PROFILE", Some("other")),
            ("AWS_ACCESS_KEY_ID", None),
            ("AWS_SECRET_ACCESS_KEY", None),
            ("AWS_DEFAULT_REGION", None),
        ]),
    s(
        "timeouts",
        &["--cli-read-timeout", "30", "--cli-connect-timeout", "10", "ec2", DESCRIBE, "--max-items", "1"],
        OK,
    ),
    s(
        "timeout-zero-is-none",
        &["ec2", DESCRIBE, "--max-items", "1", "--cli-connect-timeout", "0", "--cli-read-timeout", "0"],
        OK,
    ),
    s("timeout-not-a-number", &["ec2", DESCRIBE, "--cli-read-timeout", "x"], General),
    s("timeout-not-an-integer", &["ec2", DESCRIBE, "--cli-connect-timeout", "1.5"], General),
    s("no-verify-ssl-over-http", &["--no-verify-ssl", "ec2", DESCRIBE, "--max-items", "1"], OK),
    s("ca-bundle-over-http", &["ec2", DESCRIBE, "--max-items", "1", "--ca-bundle", "{DIR}/no-such-bundle.pem"], OK),
    s("no-cli-pager", &["--no-cli-pager", "ec2", DESCRIBE, "--max-items", "1"], OK),
    s("no-cli-auto-prompt", &["ec2", DESCRIBE, "--max-items", "1", "--no-cli-auto-prompt"], OK),
    s("cli-binary-format", &["ec2", DESCRIBE, "--cli-binary-format", "raw-in-base64-out", "--max-items", "1"], OK),
    s("cli-error-format-legacy", &["--cli-error-format", "legacy", "ec2", DISASSOCIATE], ArgParse).legacy_errors(),
    s("cli-error-format-legacy-config", &["ec2", DESCRIBE, "--max-results", "1", "--no-paginate"], ParamValidation)
        .config("[default]\ncli_error_format = legacy\n")
        .legacy_errors(),
    s("debug", &["--debug", "ec2", DESCRIBE, "--max-items", "1"], OK)
        .stderr_ignored("each tool's own log lines, not an interface"),
    s("no-paginate", &["ec2", DESCRIBE, "--no-paginate", "--query", "length(IamInstanceProfileAssociations)"], OK),
    s("no-paginate-text", &["ec2", "--no-paginate", DESCRIBE, "--output", "text", "--max-results", "5"], OK),
    s("page-size", &["ec2", DESCRIBE, "--page-size", "10", "--max-items", "15", "--output", "text"], OK),
    s("repeated-option-last-wins", &["ec2", DESCRIBE, "--max-items", "1", "--max-items", "2"], OK),
    s("repeated-global-last-wins", &["--output", "text", "ec2", DESCRIBE, "--max-items", "1", "--output", "json"], OK),
    s(
        "repeated-id-last-wins",
        &[
            "ec2",
            DISASSOCIATE,
            "--association-id",
            "iip-assoc-0000000000000000a",
            "--association-id",
            "iip-assoc-0000000000000000b",
        ],
        Service,
    ),
];

#[test]
#[ignore = "needs scripts/venv"]
fn global_options_match() {
    let w = world();
    w.check("global options", GLOBAL);
}

/// What the AWS CLI refuses before anything is sent. Destructive commands run
/// on an association of each tool's own, which must still be there.
pub(crate) const USAGE_ERRORS: &[Scenario] = &[
    s("dash-h-describe", &["ec2", DESCRIBE, "-h"], Unknown),
    s("dash-h-disassociate-changes-nothing", &["ec2", DISASSOCIATE, "--association-id", "{A}", "-h"], Unknown)
        .state(State::Pair),
    s("stray-word", &["ec2", DESCRIBE, "junk"], Unknown),
    s("stray-word-disassociate-changes-nothing", &["ec2", DISASSOCIATE, "--association-id", "{A}", "junk"], Unknown)
        .state(State::Pair),
    s("short-option-and-word", &["ec2", DESCRIBE, "-x", "junk"], Unknown),
    s("unknown-option", &["ec2", DESCRIBE, "--bogus"], Unknown),
    s("unknown-option-equals", &["ec2", DESCRIBE, "--bogus=1", "--max-items", "1"], Unknown),
    s("option-of-another-command", &["ec2", DESCRIBE, "--instance-id", "i-00000000000000000"], Unknown),
    // argparse takes an unambiguous prefix of an option (`allow_abbrev`).
    s("option-prefix-is-the-option", &["ec2", DESCRIBE, "--association-id", "{A0}"], OK),
    s("global-option-prefix", &["ec2", DESCRIBE, "--max-item", "1", "--out", "text"], OK),
    s(
        "unknown-option-replace-changes-nothing",
        &["ec2", REPLACE, "--association-id", "{A}", "--iam-instance-profile", "Name=crate-profile-b", "--force"],
        Unknown,
    )
    .state(State::Pair),
    s("misspelt-command", &["ec2", "describe-iam-instance-profile-assocations"], ArgParse),
    s("unknown-command", &["ec2", "frobnicate"], ArgParse),
    s("no-command", &["ec2"], ArgParse),
    s("missing-required-option", &["ec2", DISASSOCIATE], ArgParse),
    s("missing-required-options", &["ec2", ASSOCIATE], ArgParse),
    s("missing-value-at-end", &["ec2", DISASSOCIATE, "--association-id"], ArgParse),
    s("missing-value-before-option", &["ec2", DISASSOCIATE, "--association-id", "--output", "text"], ArgParse),
    s("missing-value-of-global", &["ec2", DESCRIBE, "--region"], ArgParse),
    s("missing-value-of-query", &["ec2", DESCRIBE, "--query"], ArgParse),
    s("output-close-to-a-choice", &["ec2", DESCRIBE, "--output", "jsn"], ArgParse),
    s("output-invalid-choice", &["--output", "bogus", "ec2", DESCRIBE], ArgParse),
    s("color-invalid-choice", &["ec2", DESCRIBE, "--color", "bogus"], ArgParse),
    s("max-items-not-an-integer", &["ec2", DESCRIBE, "--max-items", "x"], ArgParse),
    s(
        "max-results-below-the-model-minimum",
        &["ec2", DESCRIBE, "--max-results", "1", "--no-paginate"],
        ParamValidation,
    ),
    s("no-paginate-with-max-items", &["ec2", DESCRIBE, "--no-paginate", "--max-items", "1"], ParamValidation),
    s("shorthand-key-without-value", &["ec2", DESCRIBE, "--filters", "Name=instance-id,Values"], ParamValidation),
    s("shorthand-unknown-key", &["ec2", DESCRIBE, "--filters", "Foo=bar"], ParamValidation),
    s("shorthand-unclosed-list", &["ec2", DESCRIBE, "--filters", "Name=state,Values=[associated"], ParamValidation),
    s(
        "shorthand-unknown-member",
        &["ec2", ASSOCIATE, "--iam-instance-profile", "Nme=crate-profile", "--instance-id", "i-00000000000000000"],
        ParamValidation,
    ),
    s("endpoint-url-without-scheme", &["ec2", DESCRIBE, "--endpoint-url", "nohost"], ParamValidation),
    // `localhost` is the scheme there: botocore refuses it later, as a plain error.
    s("endpoint-url-invalid", &["ec2", DESCRIBE, "--endpoint-url", "localhost:1"], General),
    s("usage-error-before-missing-region", &["ec2", DISASSOCIATE, "--association-id"], ArgParse).env(NO_ENV_REGION),
    s("usage-error-before-missing-credentials", &["ec2", DESCRIBE, "--bogus"], Unknown)
        .env(&[("AWS_ACCESS_KEY_ID", None), ("AWS_SECRET_ACCESS_KEY", None)]),
    s(
        "association-ids-without-values",
        &["ec2", DESCRIBE, "--association-ids", "--query", "length(IamInstanceProfileAssociations)"],
        OK,
    ),
];

#[test]
#[ignore = "needs scripts/venv"]
fn usage_errors_match() {
    let w = world();
    w.check("usage errors", USAGE_ERRORS);
}
