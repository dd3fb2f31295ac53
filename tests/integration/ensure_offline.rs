//! `ensure_instance_profile` against a scripted loopback EC2: IAM propagation
//! errors retried with backoff up to the deadline, other errors returned at
//! once, associations in flight waited out, and races with another writer
//! resolved by describing again. The server answers in script order, so each
//! test also pins the exact sequence of calls made.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::fault::{FaultServer, Recorded, Reply};
use ec2_lite::{
    Client, Credentials, EnsureAction, EnsureOptions, Error, IamInstanceProfileAssociationState,
    IamInstanceProfileSpecification, WaitOptions,
};

const INSTANCE: &str = "i-0123456789abcdef0";
const ARN_WEB: &str = "arn:aws:iam::123456789012:instance-profile/team/web";
const ARN_OLD: &str = "arn:aws:iam::123456789012:instance-profile/old";

fn client(server: &FaultServer) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(&server.url)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .max_attempts(1)
        .build()
        .expect("a client for the loopback server")
}

fn item(association_id: &str, arn: &str, state: &str) -> String {
    format!(
        "<associationId>{association_id}</associationId><instanceId>{INSTANCE}</instanceId><iamInstanceProfile><arn>{arn}</arn><id>AIPAEXAMPLE</id></iamInstanceProfile><state>{state}</state>"
    )
}

/// A Describe answer listing these `(association id, profile arn, state)`.
fn describe(items: &[(&str, &str, &str)]) -> Reply {
    let items: String = items.iter().map(|(id, arn, state)| format!("<item>{}</item>", item(id, arn, state))).collect();
    Reply::status(
        200,
        &format!(
            "<DescribeIamInstanceProfileAssociationsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-describe</requestId><iamInstanceProfileAssociationSet>{items}</iamInstanceProfileAssociationSet></DescribeIamInstanceProfileAssociationsResponse>"
        ),
    )
}

/// An Associate, Replace or Disassociate answer.
fn written(action: &str, association_id: &str, arn: &str, state: &str) -> Reply {
    Reply::status(
        200,
        &format!(
            "<{action}Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-{action}</requestId><iamInstanceProfileAssociation>{}</iamInstanceProfileAssociation></{action}Response>",
            item(association_id, arn, state)
        ),
    )
}

fn action(r: &Recorded) -> String {
    let body = String::from_utf8_lossy(&r.body);
    body.split('&').find_map(|kv| kv.strip_prefix("Action=")).unwrap_or("?").to_owned()
}

fn actions(server: &FaultServer) -> Vec<String> {
    server.requests().iter().map(action).collect()
}

/// A clock that only moves when ensure sleeps, and remembers each sleep.
#[derive(Clone)]
struct FakeClock {
    start: Instant,
    sleeps: Arc<Mutex<Vec<Duration>>>,
}

impl FakeClock {
    fn new() -> Self {
        FakeClock { start: Instant::now(), sleeps: Arc::default() }
    }

    fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }

    fn elapsed(&self) -> Duration {
        self.sleeps().iter().sum()
    }

    /// `options` with this clock, fast waiters and the given propagation timing.
    fn options(&self, timeout: Duration, delay: Duration, max_delay: Duration) -> EnsureOptions {
        let (now, sleep) = (self.clone(), self.clone());
        let mut o = EnsureOptions::default()
            .with_clock(move || now.start + now.elapsed(), move |d| sleep.sleeps.lock().unwrap().push(d));
        o.wait_options = WaitOptions::new(Duration::from_millis(5), Duration::from_secs(10));
        o.propagation_timeout = timeout;
        o.propagation_delay = delay;
        o.propagation_max_delay = max_delay;
        o
    }
}

fn web() -> IamInstanceProfileSpecification {
    IamInstanceProfileSpecification::name("web")
}

#[test]
fn each_propagation_error_is_retried_with_backoff_until_the_write_succeeds() {
    let refusals = [
        Reply::ec2_error(
            400,
            "InvalidParameterValue",
            "Value (web) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name",
        ),
        Reply::ec2_error(
            400,
            "InvalidParameterValue",
            "IAM Instance Profile &quot;arn:aws:iam::123456789012:instance-profile/team/web&quot; has no associated IAM Roles",
        ),
        Reply::ec2_error(404, "NoSuchEntity", "Instance profile web not found"),
    ];
    for refusal in refusals {
        let mut script = vec![describe(&[])];
        script.extend(std::iter::repeat_n(refusal.clone(), 3));
        script.push(written("AssociateIamInstanceProfile", "iip-assoc-0000000000000000a", ARN_WEB, "associating"));
        script.push(describe(&[("iip-assoc-0000000000000000a", ARN_WEB, "associated")]));
        let server = FaultServer::start(script, Reply::status(500, "script ran out"));
        let clock = FakeClock::new();
        let options = clock.options(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));

        let outcome = client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();

        assert_eq!(outcome.action, EnsureAction::Associated);
        assert_eq!(outcome.attempts, 4, "three refusals, then success");
        let a = outcome.association.expect("the final association");
        assert_eq!(
            (a.association_id.as_str(), a.state),
            ("iip-assoc-0000000000000000a", IamInstanceProfileAssociationState::Associated)
        );
        assert_eq!(
            actions(&server),
            [
                "DescribeIamInstanceProfileAssociations",
                "AssociateIamInstanceProfile",
                "AssociateIamInstanceProfile",
                "AssociateIamInstanceProfile",
                "AssociateIamInstanceProfile",
                "DescribeIamInstanceProfileAssociations"
            ]
        );
        // Backoff: 1 s, 2 s, 4 s, each jittered down by at most half.
        let sleeps = clock.sleeps();
        assert_eq!(sleeps.len(), 3, "{sleeps:?}");
        for (slept, full) in sleeps.iter().zip([1u64, 2, 4]) {
            let full = Duration::from_secs(full);
            assert!(*slept <= full && *slept >= full / 2, "{sleeps:?}");
        }
        assert!(clock.elapsed() < options.propagation_timeout);
        assert!(
            outcome.request_ids.contains(&"req-AssociateIamInstanceProfile".to_owned()),
            "{:?}",
            outcome.request_ids
        );
    }
}

#[test]
fn replace_is_retried_through_propagation_too_and_waits_on_the_new_association_id() {
    let script = vec![
        describe(&[("iip-assoc-0000000000000000b", ARN_OLD, "associated")]),
        Reply::ec2_error(
            400,
            "InvalidParameterValue",
            "Value (web) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name",
        ),
        // Real EC2 answers a replace with a new association id.
        written("ReplaceIamInstanceProfileAssociation", "iip-assoc-0000000000000000c", ARN_WEB, "associating"),
        describe(&[("iip-assoc-0000000000000000c", ARN_WEB, "associating")]),
        describe(&[("iip-assoc-0000000000000000c", ARN_WEB, "associated")]),
    ];
    let server = FaultServer::start(script, Reply::status(500, "script ran out"));
    let clock = FakeClock::new();
    let options = clock.options(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));

    let outcome = client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();

    assert_eq!(outcome.action, EnsureAction::Replaced);
    assert_eq!(outcome.previous_association_id.as_deref(), Some("iip-assoc-0000000000000000b"));
    assert_eq!(outcome.association.unwrap().association_id, "iip-assoc-0000000000000000c");
    assert_eq!(outcome.attempts, 2);
    assert_eq!(clock.sleeps().len(), 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    for wait_poll in &requests[3..] {
        let body = String::from_utf8_lossy(&wait_poll.body);
        assert!(body.contains("AssociationId.1=iip-assoc-0000000000000000c"), "{body}");
    }
}

#[test]
fn other_errors_are_returned_at_once() {
    for (status, code) in [
        (400, "InvalidInstanceID.NotFound"),
        (403, "UnauthorizedOperation"),
        (400, "InvalidParameterValue"),
        (400, "MissingParameter"),
    ] {
        let script = vec![describe(&[]), Reply::ec2_error(status, code, "refused for good")];
        let server = FaultServer::start(script, Reply::status(500, "script ran out"));
        let clock = FakeClock::new();
        let options = clock.options(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));

        let err = client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap_err();

        assert_eq!(err.code(), Some(code));
        assert_eq!(actions(&server), ["DescribeIamInstanceProfileAssociations", "AssociateIamInstanceProfile"]);
        assert!(clock.sleeps().is_empty(), "{code}: no backoff for an error that will not go away");
    }
}

#[test]
fn the_propagation_deadline_is_honoured() {
    let refusal = Reply::ec2_error(404, "NoSuchEntity", "Instance profile web not found");
    let server = FaultServer::start(vec![describe(&[])], refusal);
    let clock = FakeClock::new();
    let timeout = Duration::from_secs(10);
    let options = clock.options(timeout, Duration::from_secs(1), Duration::from_secs(4));

    let err = client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap_err();

    assert_eq!(err.code(), Some("NoSuchEntity"), "the last refusal is returned: {err}");
    // The last sleep is cut to end at the deadline, one last attempt is made
    // there, and nothing after.
    assert_eq!(clock.elapsed(), timeout, "{:?}", clock.sleeps());
    let sleeps = clock.sleeps();
    assert!(sleeps.iter().all(|d| *d <= Duration::from_secs(4)), "{sleeps:?}");
    let writes = actions(&server).iter().filter(|a| *a == "AssociateIamInstanceProfile").count();
    assert_eq!(writes, sleeps.len() + 1);
    // 1 + 2 + 4 + 4 ... jittered by half at most: between 4 and 10 sleeps fit.
    assert!((4..=10).contains(&sleeps.len()), "{sleeps:?}");
}

#[test]
fn an_association_in_flight_is_waited_out_before_deciding() {
    let script = vec![
        describe(&[("iip-assoc-0000000000000000d", ARN_WEB, "associating")]),
        describe(&[("iip-assoc-0000000000000000d", ARN_WEB, "associating")]),
        describe(&[("iip-assoc-0000000000000000d", ARN_WEB, "associated")]),
    ];
    let server = FaultServer::start(script, Reply::status(500, "script ran out"));
    let clock = FakeClock::new();
    let mut options = clock.options(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));
    options.wait_options = WaitOptions::new(Duration::from_secs(3), Duration::from_secs(60));

    let outcome = client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();

    assert_eq!(outcome.action, EnsureAction::Unchanged, "the other writer's association took");
    assert_eq!(outcome.attempts, 0);
    assert_eq!(outcome.association.unwrap().state, IamInstanceProfileAssociationState::Associated);
    assert!(actions(&server).iter().all(|a| a == "DescribeIamInstanceProfileAssociations"), "{:?}", actions(&server));
    assert_eq!(server.count(), 3);
    assert_eq!(clock.sleeps(), [Duration::from_secs(3); 2], "polled at the waiters' delay");

    // Disassociating, then gone: then the instance has none, and gets one.
    let script = vec![
        describe(&[("iip-assoc-0000000000000000e", ARN_OLD, "disassociating")]),
        describe(&[]),
        written("AssociateIamInstanceProfile", "iip-assoc-0000000000000000f", ARN_WEB, "associating"),
    ];
    let server = FaultServer::start(script, Reply::status(500, "script ran out"));
    let outcome =
        client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options.clone().without_wait()).unwrap();
    assert_eq!(outcome.action, EnsureAction::Associated);
    assert_eq!(
        outcome.association.unwrap().state,
        IamInstanceProfileAssociationState::Associating,
        "no wait: as the write returned it"
    );
    assert_eq!(server.count(), 3);

    // One that never settles: the waiters' deadline ends it.
    let stuck = describe(&[("iip-assoc-0000000000000000e", ARN_OLD, "disassociating")]);
    let server = FaultServer::start(vec![], stuck);
    let clock = FakeClock::new();
    let mut options = clock.options(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));
    options.wait_options = WaitOptions::new(Duration::from_secs(4), Duration::from_secs(10));
    let err = client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap_err();
    assert!(matches!(err, Error::WaitFailed { timed_out: true, .. }), "{err}");
    assert!(err.to_string().contains("disassociating"), "{err}");
    assert_eq!(clock.elapsed(), Duration::from_secs(10));
    assert_eq!(server.count(), 4, "polls at 0, 4, 8 and 10 s");
}

#[test]
fn incorrect_state_from_another_writer_is_resolved_by_describing_again() {
    let conflict =
        Reply::ec2_error(400, "IncorrectState", &format!("There is an existing association for instance {INSTANCE}"));
    // The other writer associated the same profile: nothing left to do.
    let script =
        vec![describe(&[]), conflict.clone(), describe(&[("iip-assoc-00000000000000010", ARN_WEB, "associated")])];
    let server = FaultServer::start(script, Reply::status(500, "script ran out"));
    let options = FakeClock::new().options(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));
    let outcome = client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();
    assert_eq!(outcome.action, EnsureAction::Unchanged);
    assert_eq!(outcome.association.unwrap().association_id, "iip-assoc-00000000000000010");
    assert_eq!(
        actions(&server),
        [
            "DescribeIamInstanceProfileAssociations",
            "AssociateIamInstanceProfile",
            "DescribeIamInstanceProfileAssociations"
        ]
    );

    // It associated another profile: replace that one, once.
    let script = vec![
        describe(&[]),
        conflict.clone(),
        describe(&[("iip-assoc-00000000000000011", ARN_OLD, "associated")]),
        written("ReplaceIamInstanceProfileAssociation", "iip-assoc-00000000000000011", ARN_WEB, "associating"),
        describe(&[("iip-assoc-00000000000000011", ARN_WEB, "associated")]),
    ];
    let server = FaultServer::start(script, Reply::status(500, "script ran out"));
    let outcome = client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();
    assert_eq!(outcome.action, EnsureAction::Replaced);
    assert_eq!(outcome.attempts, 2, "one associate refused, one replace");
    assert_eq!(
        actions(&server),
        [
            "DescribeIamInstanceProfileAssociations",
            "AssociateIamInstanceProfile",
            "DescribeIamInstanceProfileAssociations",
            "ReplaceIamInstanceProfileAssociation",
            "DescribeIamInstanceProfileAssociations"
        ]
    );

    // Describing again shows nothing changed: not a race; the error stands
    // and the refused call is not made again.
    let script = vec![describe(&[]), conflict, describe(&[])];
    let server = FaultServer::start(script, Reply::status(500, "script ran out"));
    let err = client(&server).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap_err();
    assert_eq!(err.code(), Some("IncorrectState"));
    assert_eq!(server.count(), 3);
}

#[test]
fn a_disassociation_raced_away_ends_unchanged() {
    let script = vec![
        describe(&[("iip-assoc-00000000000000012", ARN_OLD, "associated")]),
        Reply::ec2_error(
            400,
            "InvalidAssociationID.NotFound",
            "An invalid association-id of 'iip-assoc-00000000000000012' was given",
        ),
        describe(&[]),
    ];
    let server = FaultServer::start(script, Reply::status(500, "script ran out"));
    let options = FakeClock::new().options(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));
    let outcome = client(&server).ensure_instance_profile(INSTANCE, None, &options).unwrap();
    assert_eq!(outcome.action, EnsureAction::Unchanged);
    assert!(outcome.association.is_none());
    assert_eq!(server.count(), 3);
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let server = FaultServer::start(vec![], Reply::status(500, "no request expected"));
    let options = EnsureOptions::default();
    let c = client(&server);
    assert!(matches!(c.ensure_instance_profile("i-xyz", Some(&web()), &options), Err(Error::InvalidInput(_))));
    let empty = IamInstanceProfileSpecification::default();
    assert!(matches!(c.ensure_instance_profile(INSTANCE, Some(&empty), &options), Err(Error::InvalidInput(_))));
    assert_eq!(server.count(), 0);
}

#[test]
fn a_fleet_keeps_input_order_and_one_failure_does_not_stop_the_others() {
    // Every Describe says "none", every Associate succeeds, but the
    // instance ending in 0bad is unknown to EC2.
    let ids: Vec<String> = (0..40).map(|n| format!("i-{n:016x}")).collect();
    let bad = "i-0000000000000bad".to_owned();
    let mut all = ids.clone();
    all.insert(17, bad.clone());
    let server = support_fleet::Server::start(bad.clone());
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(&server.url)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .max_attempts(1)
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let mut options = FakeClock::new()
        .options(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10))
        .without_wait()
        .on_result(move |id, r| seen2.lock().unwrap().push((id.to_owned(), r.is_ok())));
    options.max_concurrency = 4;

    let results = client.ensure_instance_profiles(&all, Some(&web()), &options);

    let order: Vec<&str> = results.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, all.iter().map(String::as_str).collect::<Vec<_>>());
    for (id, r) in &results {
        if *id == bad {
            assert_eq!(r.as_ref().unwrap_err().code(), Some("InvalidInstanceID.NotFound"));
        } else {
            assert_eq!(r.as_ref().unwrap().action, EnsureAction::Associated, "{id}");
        }
    }
    assert_eq!(seen.lock().unwrap().len(), all.len(), "the callback hears of each instance once");
    assert_eq!(server.max_in_flight(), 4, "bounded by max_concurrency, and used");
}

/// A loopback EC2 that answers by action, for many instances at once: no
/// association anywhere, Associate succeeds except for one unknown instance.
mod support_fleet {
    use std::io::{BufReader, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Duration;

    pub(crate) struct Server {
        pub(crate) url: String,
        max: Arc<AtomicUsize>,
    }

    impl Server {
        pub(crate) fn start(unknown_instance: String) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let now = Arc::new(AtomicUsize::new(0));
            let max = Arc::new(AtomicUsize::new(0));
            let (now2, max2) = (now.clone(), max.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { return };
                    let (now, max, unknown) = (now2.clone(), max2.clone(), unknown_instance.clone());
                    thread::spawn(move || {
                        let mut out = stream.try_clone().unwrap();
                        let mut reader = BufReader::new(stream);
                        while let Some(req) = crate::support::http1::read_request(&mut reader) {
                            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                            max.fetch_max(n, Ordering::SeqCst);
                            // Long enough for the others to arrive.
                            thread::sleep(Duration::from_millis(20));
                            let body = String::from_utf8_lossy(&req.body).into_owned();
                            let instance = body
                                .split('&')
                                .find_map(|kv| {
                                    kv.strip_prefix("InstanceId=").or_else(|| kv.strip_prefix("Filter.1.Value.1="))
                                })
                                .unwrap_or("")
                                .to_owned();
                            let (status, text) = if body.contains("Action=DescribeIamInstanceProfileAssociations") {
                                (200, "<DescribeIamInstanceProfileAssociationsResponse><requestId>r</requestId><iamInstanceProfileAssociationSet/></DescribeIamInstanceProfileAssociationsResponse>".to_owned())
                            } else if instance == unknown {
                                (
                                    400,
                                    format!(
                                        "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID '{instance}' does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>"
                                    ),
                                )
                            } else {
                                (
                                    200,
                                    format!(
                                        "<AssociateIamInstanceProfileResponse><requestId>r</requestId><iamInstanceProfileAssociation><associationId>iip-assoc-{}</associationId><instanceId>{instance}</instanceId><iamInstanceProfile><arn>{}</arn><id>AIPA</id></iamInstanceProfile><state>associating</state></iamInstanceProfileAssociation></AssociateIamInstanceProfileResponse>",
                                        &instance[2..],
                                        super::ARN_WEB
                                    ),
                                )
                            };
                            now.fetch_sub(1, Ordering::SeqCst);
                            let head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n\r\n", text.len());
                            if out.write_all(head.as_bytes()).and_then(|()| out.write_all(text.as_bytes())).is_err() {
                                return;
                            }
                        }
                    });
                }
            });
            Server { url, max }
        }

        pub(crate) fn max_in_flight(&self) -> usize {
            self.max.load(Ordering::SeqCst)
        }
    }
}

/// The CLI against the fleet stand-in: exit codes, output, progress.
mod cli_offline {
    use super::support_fleet;
    use crate::support::cli::{self, assert_exit, stderr, stdout};

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
        assert!(line.contains("extension, not an AWS CLI command"), "{}", stdout(&out));
        let out = cli::run(&[ENSURE, "help"], &[]);
        assert!(stdout(&out).contains("--no-iam-instance-profile") && stdout(&out).contains("--max-concurrency"));
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
        assert_eq!(r[0]["IamInstanceProfile"]["Arn"], super::ARN_WEB);
        assert_eq!(r[1]["InstanceId"], BAD);
        assert_eq!(r[1]["Error"]["Code"], "InvalidInstanceID.NotFound");
        assert_eq!(r[1]["Error"]["Message"], format!("The instance ID '{BAD}' does not exist"));
        assert!(r[1].get("Action").is_none());
        assert_eq!(r[2]["Action"], "Associated");
        assert_eq!(stderr(&out), "", "no progress line when stderr is not a terminal");
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
        let command = format!(
            "{} {ENSURE} --instance-ids i-0000000000000001 i-0000000000000002 {BAD} --iam-instance-profile Name=web --no-wait >/dev/null",
            cli::EXE
        );
        // `script` gives the command a terminal; stdout goes to /dev/null, so
        // all that comes back is what was written to the terminal's stderr.
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"]).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("HOME", env!("CARGO_TARGET_TMPDIR"))
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in env(&server.url) {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run script(1)");
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
                    super::ARN_WEB
                ),
            ),
        );
        let command = format!(
            "{} {ENSURE} --instance-ids i-0000000000000001 --iam-instance-profile Name=web --no-wait >/dev/null",
            cli::EXE
        );
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"]).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("HOME", env!("CARGO_TARGET_TMPDIR"))
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in env(&server.url) {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run script(1)");
        let terminal = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{terminal}");
        assert!(terminal.contains("1/1 done, 0 failed, 1 throttled, "), "{terminal:?}");
        assert_eq!(server.count(), 3);
    }
}
