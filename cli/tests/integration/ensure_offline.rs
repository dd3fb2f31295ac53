//! The CLI's ensure against a loopback EC2 that answers by action: exit codes,
//! output and progress.

/// The CLI against the fleet stand-in: exit codes, output, progress.
mod cli_offline {
    use crate::support::cli::{self, assert_exit, stderr, stdout};
    use crate::support::fleet::{self as support_fleet, ARN_WEB};

    const ENSURE: &str = "ensure-iam-instance-profile";
    const BAD: &str = "i-0000000000000bad";

    fn env(url: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "secret".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ENDPOINT_URL", url.to_owned()),
        ]
    }

    fn run(args: &[&str], env: &[(&'static str, String)]) -> std::process::Output {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        cli::run(args, &env)
    }

    #[test]
    fn command_lines_it_does_not_fully_understand_are_refused_before_any_request() {
        let server = support_fleet::Server::start(BAD.to_owned());
        let env = env(&server.url);
        let missing = format!("file://{}/no-such-file", env!("CARGO_TARGET_TMPDIR"));
        let empty = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ensure-empty.txt");
        std::fs::write(&empty, "# nothing\n\n").unwrap();
        let empty = format!("file://{}", empty.display());
        for (args, says) in [
            (vec![ENSURE, "--instance-ids", "i-1"], "exactly one of"),
            (
                vec![ENSURE, "--instance-ids", "i-1", "--no-iam-instance-profile", "--iam-instance-profile", "Name=a"],
                "exactly one of",
            ),
            (vec![ENSURE, "--instance-ids", "i-1", "i-nothex", "--no-iam-instance-profile"], "i-nothex"),
            (
                vec![ENSURE, "--instance-ids", "i-1", "--no-iam-instance-profile", "--max-concurrency", "0"],
                "--max-concurrency",
            ),
            (
                vec![ENSURE, "--instance-ids", "i-1", "--no-iam-instance-profile", "--propagation-timeout", "soon"],
                "--propagation-timeout",
            ),
            (vec![ENSURE, "--instance-ids", "i-1", "--iam-instance-profile", "Role=x"], "Role"),
            (vec![ENSURE, "--instance-ids", &missing, "--no-iam-instance-profile"], "Unable to load paramfile"),
            (vec![ENSURE, "--instance-ids", &empty, "--no-iam-instance-profile"], "no instance IDs"),
            (vec![ENSURE, "--no-iam-instance-profile"], "--instance-ids"),
        ] {
            let out = run(&args, &env);
            assert_exit(&out, 252);
            assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
            assert_eq!(stdout(&out), "");
        }
        assert_eq!(server.max_in_flight(), 0, "no request was made");
    }

    #[test]
    fn help_marks_it_as_an_extension() {
        let out = cli::run(&["help"], &[]);
        assert_exit(&out, 0);
        let line = stdout(&out).lines().find(|l| l.contains(ENSURE)).map(str::to_owned).unwrap_or_default();
        assert!(line.ends_with("[extension]"), "{}", stdout(&out));
        let out = cli::run(&[ENSURE, "help"], &[]);
        assert!(stdout(&out).contains("--no-iam-instance-profile") && stdout(&out).contains("--max-concurrency"));
        // No EC2 operation of that name: help says what it is built on.
        assert!(!stdout(&out).contains("EnsureIamInstanceProfile operation"), "{}", stdout(&out));
        assert!(stdout(&out).contains("An extension of this tool, not an EC2 operation"), "{}", stdout(&out));
    }

    #[test]
    fn one_failure_exits_254_and_the_output_says_which() {
        let server = support_fleet::Server::start(BAD.to_owned());
        let args = [
            ENSURE,
            "--instance-ids",
            "i-0000000000000001",
            BAD,
            "i-0000000000000002",
            "--iam-instance-profile",
            "Name=web",
            "--no-wait",
            "--max-concurrency",
            "3",
        ];
        let out = run(&args, &env(&server.url));
        assert_exit(&out, 254);
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let r = v["Results"].as_array().unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0]["InstanceId"], "i-0000000000000001");
        assert_eq!(r[0]["Action"], "Associated");
        assert_eq!(r[0]["State"], "associating");
        assert_eq!(r[0]["IamInstanceProfile"]["Arn"], ARN_WEB);
        assert_eq!(r[1]["InstanceId"], BAD);
        assert_eq!(r[1]["Error"]["Code"], "InvalidInstanceID.NotFound");
        assert_eq!(r[1]["Error"]["Message"], format!("The instance ID '{BAD}' does not exist"));
        assert!(r[1].get("Action").is_none());
        assert_eq!(r[2]["Action"], "Associated");
        // No progress line when stderr is not a terminal: the summary alone.
        assert_eq!(
            stderr(&out).lines().map(|l| l.split_once(" in ").map_or(l, |(a, _)| a)).collect::<Vec<_>>(),
            ["ec2-lite: 3 instances"],
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).ends_with(": 2 associated, 0 replaced, 0 disassociated, 0 unchanged, 1 failed\n"));
    }

    #[test]
    fn missing_credentials_exit_253() {
        let server = support_fleet::Server::start(BAD.to_owned());
        let env: Vec<_> = env(&server.url).into_iter().filter(|(k, _)| !k.starts_with("AWS_ACCESS")).collect();
        let out = run(&[ENSURE, "--instance-ids", "i-0000000000000001", "--no-iam-instance-profile"], &env);
        assert_exit(&out, 253);
        assert_eq!(stdout(&out), "");
    }

    #[test]
    fn on_a_terminal_a_progress_line_goes_to_stderr() {
        let server = support_fleet::Server::start(BAD.to_owned());
        let args = format!(
            "{ENSURE} --instance-ids i-0000000000000001 i-0000000000000002 {BAD} --iam-instance-profile Name=web --no-wait"
        );
        let env = env(&server.url);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = cli::on_a_terminal(&args, &env).output().expect("run script(1)");
        assert_eq!(out.status.code(), Some(254), "{}", String::from_utf8_lossy(&out.stdout));
        let terminal = String::from_utf8_lossy(&out.stdout);
        assert!(terminal.contains("3/3 done, 1 failed, "), "{terminal:?}");
        assert!(terminal.contains("1/3 done, "), "{terminal:?}");
        assert!(!terminal.contains("throttled"), "no throttle, no count: {terminal:?}");
    }

    #[test]
    fn the_progress_line_counts_throttles() {
        use crate::support::fault::{FaultServer, Reply};
        // The describe throttled once, then answered; then the write.
        let server = FaultServer::start(
            vec![
                Reply::ec2_error(503, "RequestLimitExceeded", "Request limit exceeded."),
                Reply::status(
                    200,
                    "<DescribeIamInstanceProfileAssociationsResponse><requestId>r</requestId>\
                     <iamInstanceProfileAssociationSet/></DescribeIamInstanceProfileAssociationsResponse>",
                ),
            ],
            Reply::status(
                200,
                &format!(
                    "<AssociateIamInstanceProfileResponse><requestId>r</requestId><iamInstanceProfileAssociation>\
                     <associationId>iip-assoc-1</associationId><instanceId>i-0000000000000001</instanceId>\
                     <iamInstanceProfile><arn>{}</arn><id>AIPA</id></iamInstanceProfile><state>associating</state>\
                     </iamInstanceProfileAssociation></AssociateIamInstanceProfileResponse>",
                    ARN_WEB
                ),
            ),
        );
        let args = format!("{ENSURE} --instance-ids i-0000000000000001 --iam-instance-profile Name=web --no-wait");
        let env = env(&server.url);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = cli::on_a_terminal(&args, &env).output().expect("run script(1)");
        let terminal = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{terminal}");
        assert!(terminal.contains("1/1 done, 0 failed, 1 throttled, "), "{terminal:?}");
        assert_eq!(server.count(), 3);
    }
}
