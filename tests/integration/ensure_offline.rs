//! `ensure_instance_profile` against a scripted loopback EC2: IAM propagation
//! errors retried with backoff up to the deadline, other errors returned at
//! once, associations in flight waited out, and races with another writer
//! resolved by describing again. The server answers in script order, so each
//! test also pins the exact sequence of calls made.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::clock::FakeClock;
use crate::support::fault::{FaultServer, Recorded, Reply};
use ec2_lite::{
    Client, Credentials, EnsureAction, EnsureOptions, Error, IamInstanceProfileAssociationState,
    IamInstanceProfileSpecification, WaitOptions,
};

const INSTANCE: &str = "i-0123456789abcdef0";
const ARN_WEB: &str = "arn:aws:iam::123456789012:instance-profile/team/web";
const ARN_OLD: &str = "arn:aws:iam::123456789012:instance-profile/old";

/// A client of the scripted server on `clock`: ensure's pauses, the waiters' and the
/// client's own go through it.
fn client(server: &FaultServer, clock: &FakeClock) -> Client {
    clock
        .install(Client::builder())
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

/// Options with fast waiters and the given propagation timing.
fn timing(timeout: Duration, delay: Duration, max_delay: Duration) -> EnsureOptions {
    let mut o = EnsureOptions::default();
    o.wait_options = WaitOptions::new(Duration::from_millis(5), Duration::from_secs(10));
    o.propagation_timeout = timeout;
    o.propagation_delay = delay;
    o.propagation_max_delay = max_delay;
    o
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
        let options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));

        let outcome = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();

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
    let options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));

    let outcome = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();

    assert_eq!(outcome.action, EnsureAction::Replaced);
    assert_eq!(outcome.previous_association_id.as_deref(), Some("iip-assoc-0000000000000000b"));
    assert_eq!(outcome.association.unwrap().association_id, "iip-assoc-0000000000000000c");
    assert_eq!(outcome.attempts, 2);
    // One propagation backoff, then the poller's: polled at once after the
    // write, again one delay later (5 ms asked, 100 ms at least), on the
    // same clock.
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2, "{sleeps:?}");
    assert_eq!(sleeps[1], Duration::from_millis(100));
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    // The poller asks by instance, the way it asks for a whole fleet, and
    // looks for the id the replace returned.
    for wait_poll in &requests[3..] {
        let body = String::from_utf8_lossy(&wait_poll.body);
        assert!(body.contains(&format!("Filter.1.Name=instance-id&Filter.1.Value.1={INSTANCE}")), "{body}");
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
        let options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));

        let err = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap_err();

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
    let options = timing(timeout, Duration::from_secs(1), Duration::from_secs(4));

    let err = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap_err();

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
    let mut options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));
    options.wait_options = WaitOptions::new(Duration::from_secs(3), Duration::from_secs(60));

    let outcome = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();

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
    let outcome = client(&server, &clock)
        .ensure_instance_profile(INSTANCE, Some(&web()), &options.clone().without_wait())
        .unwrap();
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
    let mut options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));
    options.wait_options = WaitOptions::new(Duration::from_secs(4), Duration::from_secs(10));
    let err = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap_err();
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
    let clock = FakeClock::new();
    let options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));
    let outcome = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();
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
    let outcome = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();
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
    let err = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap_err();
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
    let clock = FakeClock::new();
    let options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));
    let outcome = client(&server, &clock).ensure_instance_profile(INSTANCE, None, &options).unwrap();
    assert_eq!(outcome.action, EnsureAction::Unchanged);
    assert!(outcome.association.is_none());
    assert_eq!(server.count(), 3);
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let server = FaultServer::start(vec![], Reply::status(500, "no request expected"));
    let options = EnsureOptions::default();
    let c = client(&server, &FakeClock::new());
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
    let server = crate::support::fleet::Server::start(bad.clone());
    let clock = FakeClock::new();
    let client = clock
        .install(Client::builder())
        .region("us-east-1")
        .endpoint_url(&server.url)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .max_attempts(1)
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let mut options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10))
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

#[test]
fn throttling_is_waited_out_and_fails_the_instance_only_past_the_deadline() {
    let throttled = Reply::ec2_error(503, "RequestLimitExceeded", "Request limit exceeded.");
    let script = vec![
        describe(&[]),
        throttled.clone(),
        throttled.clone(),
        written("AssociateIamInstanceProfile", "iip-assoc-00000000000000020", ARN_WEB, "associating"),
        describe(&[("iip-assoc-00000000000000020", ARN_WEB, "associated")]),
    ];
    let server = FaultServer::start(script, Reply::status(500, "script ran out"));
    let clock = FakeClock::new();
    let options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));

    let outcome = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap();

    assert_eq!(outcome.action, EnsureAction::Associated);
    assert_eq!(outcome.attempts, 3, "two throttled writes, then the accepted one");
    // Backoff 1 s then 2 s, each jittered down by at most half.
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2, "{sleeps:?}");
    for (slept, full) in sleeps.iter().zip([1u64, 2]) {
        let full = Duration::from_secs(full);
        assert!(*slept <= full && *slept >= full / 2, "{sleeps:?}");
    }

    // Throttled for good: tried again until the deadline, whose error it is.
    let server = FaultServer::start(vec![describe(&[])], throttled);
    let clock = FakeClock::new();
    let mut options = timing(Duration::from_secs(120), Duration::from_secs(1), Duration::from_secs(10));
    options.deadline = Some(Duration::from_secs(30));
    let err = client(&server, &clock).ensure_instance_profile(INSTANCE, Some(&web()), &options).unwrap_err();
    assert!(err.is_throttling(), "{err}");
    assert_eq!(clock.elapsed(), Duration::from_secs(30), "the last backoff ends at the deadline: {:?}", clock.sleeps());
    let writes = actions(&server).iter().filter(|a| *a == "AssociateIamInstanceProfile").count();
    assert_eq!(writes, clock.sleeps().len() + 1);
}
