//! The waiters' state machine and `association_for_instance`'s choice, offline:
//! a scripted loopback server answers each Describe poll with the page the test
//! wants, so every transition (not found yet, associating, associated,
//! disassociating, gone, throttled, refused) is exercised without moto. The
//! client runs on a fake clock, so each test pins the waits between polls
//! exactly, and waits for none of them.

use std::time::Duration;

use crate::support::clock::FakeClock;
use crate::support::fault::{DISASSOCIATE_OK, FaultServer, Recorded, Reply};
use ec2_lite::{Client, Credentials, Error, IamInstanceProfileAssociationState as State, WaitOptions, WaitTarget};

const A: &str = "iip-assoc-0000000000000000a";
const B: &str = "iip-assoc-0000000000000000b";
const C: &str = "iip-assoc-0000000000000000c";
const INSTANCE: &str = "i-0123456789abcdef0";

/// One attempt per call: a throttled poll reaches the waiter at once. On `clock`:
/// the waiter's sleeps are the clock's.
fn client(server: &FaultServer, clock: &FakeClock) -> Client {
    clock
        .install(Client::builder())
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
        .endpoint_url(&server.url)
        .max_attempts(1)
        .read_timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

/// A poll every 2 s, for a minute.
fn every_2s() -> WaitOptions {
    WaitOptions::new(secs(2), secs(60))
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn millis(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `(association id, state)` pairs.
type Items<'a> = &'a [(&'a str, &'a str)];

/// A Describe page holding these items of [`INSTANCE`].
fn page(items: Items<'_>, next_token: Option<&str>, request_id: &str) -> Reply {
    let items: String = items
        .iter()
        .map(|(id, state)| {
            format!(
                "<item><associationId>{id}</associationId><instanceId>{INSTANCE}</instanceId><iamInstanceProfile>\
                 <arn>arn:aws:iam::123456789012:instance-profile/p</arn><id>AIPAEXAMPLE</id></iamInstanceProfile>\
                 <state>{state}</state></item>"
            )
        })
        .collect();
    let next = next_token.map(|t| format!("<nextToken>{t}</nextToken>")).unwrap_or_default();
    Reply::status(
        200,
        &format!(
            "<DescribeIamInstanceProfileAssociationsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
             <requestId>{request_id}</requestId><iamInstanceProfileAssociationSet>{items}\
             </iamInstanceProfileAssociationSet>{next}</DescribeIamInstanceProfileAssociationsResponse>"
        ),
    )
}

fn body(r: &Recorded) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// Whether it timed out, what it last saw, and how long it waited.
fn wait_failed(result: Result<impl std::fmt::Debug, Error>) -> (bool, String, Duration) {
    match result {
        Err(Error::WaitFailed { timed_out, last_seen, waited, .. }) => (timed_out, last_seen, waited),
        other => panic!("expected WaitFailed, got {other:?}"),
    }
}

#[test]
fn associated_after_not_found_then_associating() {
    let server = FaultServer::start(
        vec![
            Reply::ec2_error(400, "InvalidAssociationID.NotFound", "not yet"),
            page(&[(A, "associating")], None, "r-2"),
        ],
        page(&[(A, "associated")], None, "r-3"),
    );
    let clock = FakeClock::new();
    let out = client(&server, &clock)
        .wait_until_associated(&WaitTarget::AssociationId(A.to_owned()), &every_2s())
        .expect("wait");
    assert_eq!(out.iam_instance_profile_association.association_id, A);
    assert_eq!(out.iam_instance_profile_association.state, State::Associated);
    assert_eq!(out.request_id.as_deref(), Some("r-3"), "the request id of the poll that saw it");
    assert_eq!(clock.sleeps(), [secs(2); 2], "one delay between two polls");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| body(r).contains(&format!("AssociationId.1={A}"))), "{:?}", body(&requests[0]));
}

#[test]
fn associated_ends_at_once_on_a_state_that_will_not_become_associated() {
    for state in ["disassociating", "disassociated"] {
        let server = FaultServer::start(vec![], page(&[(A, state)], None, "r-1"));
        let clock = FakeClock::new();
        let (timed_out, seen, waited) = wait_failed(
            client(&server, &clock).wait_until_associated(&WaitTarget::AssociationId(A.to_owned()), &every_2s()),
        );
        assert!(!timed_out);
        assert_eq!(seen, format!("association {A} is {state}"));
        assert_eq!(waited, Duration::ZERO);
        assert!(clock.sleeps().is_empty(), "no wait after {state}");
        assert_eq!(server.count(), 1, "no second poll after {state}");
    }
}

#[test]
fn associated_for_an_instance_waits_for_its_associated_one() {
    let server = FaultServer::start(
        vec![
            page(&[], None, "r-1"),
            page(&[(A, "disassociating"), (B, "associating")], None, "r-2"),
            page(&[(A, "disassociated"), (B, "associating")], None, "r-3"),
        ],
        page(&[(B, "associated")], None, "r-4"),
    );
    let clock = FakeClock::new();
    let out = client(&server, &clock)
        .wait_until_associated(&WaitTarget::InstanceId(INSTANCE.to_owned()), &every_2s())
        .expect("wait");
    assert_eq!(out.iam_instance_profile_association.association_id, B);
    assert_eq!(out.request_id.as_deref(), Some("r-4"));
    assert_eq!(clock.sleeps(), [secs(2); 3]);
    assert_eq!(server.count(), 4);
    let first = body(&server.requests()[0]);
    assert!(first.contains(&format!("Filter.1.Name=instance-id&Filter.1.Value.1={INSTANCE}")), "{first}");
}

#[test]
fn throttled_and_transient_polls_are_polled_through() {
    let server = FaultServer::start(
        vec![
            Reply::ec2_error(503, "RequestLimitExceeded", "slow down"),
            Reply::ec2_error(500, "InternalError", "oops"),
        ],
        page(&[(A, "associated")], None, "r-3"),
    );
    let clock = FakeClock::new();
    let out = client(&server, &clock)
        .wait_until_associated(&WaitTarget::AssociationId(A.to_owned()), &every_2s())
        .expect("wait");
    assert_eq!(out.iam_instance_profile_association.state, State::Associated);
    assert_eq!(clock.sleeps(), [secs(2); 2], "a failed poll waits the delay, as any other");
    assert_eq!(server.count(), 3);
}

#[test]
fn an_error_that_is_not_transient_ends_the_wait_as_itself() {
    let server = FaultServer::start(vec![], Reply::ec2_error(401, "AuthFailure", "no"));
    let clock = FakeClock::new();
    let e = client(&server, &clock)
        .wait_until_associated(&WaitTarget::AssociationId(A.to_owned()), &every_2s())
        .unwrap_err();
    assert!(e.is_auth(), "{e:?}");
    assert!(clock.sleeps().is_empty());
    assert_eq!(server.count(), 1);
}

#[test]
fn a_wait_times_out_saying_what_it_last_saw() {
    let server = FaultServer::start(vec![], page(&[(A, "associating")], None, "r"));
    let clock = FakeClock::new();
    let options = WaitOptions::new(secs(4), secs(10));
    let (timed_out, seen, waited) =
        wait_failed(client(&server, &clock).wait_until_associated(&WaitTarget::AssociationId(A.to_owned()), &options));
    assert!(timed_out);
    assert_eq!(seen, format!("association {A} in state associating"));
    // Polls at 0, 4, 8 and 10 s: the last delay is cut to the deadline, which gets a poll too.
    assert_eq!(clock.sleeps(), [secs(4), secs(4), secs(2)]);
    assert_eq!((server.count(), waited), (4, secs(10)));
}

#[test]
fn a_delay_below_100_ms_polls_every_100_ms() {
    for delay in [Duration::ZERO, millis(20)] {
        let server = FaultServer::start(vec![], page(&[(A, "associating")], None, "r"));
        let clock = FakeClock::new();
        let options = WaitOptions::new(delay, millis(250));
        let (timed_out, _, waited) = wait_failed(
            client(&server, &clock).wait_until_associated(&WaitTarget::AssociationId(A.to_owned()), &options),
        );
        assert!(timed_out);
        assert_eq!(clock.sleeps(), [millis(100), millis(100), millis(50)], "delay {delay:?}");
        assert_eq!((server.count(), waited), (4, millis(250)), "delay {delay:?}");
    }
}

#[test]
fn disassociated_once_gone_or_disassociated() {
    // Gone: nothing left to return.
    let server = FaultServer::start(
        vec![page(&[(A, "associated")], None, "r-1"), page(&[(A, "disassociating")], None, "r-2")],
        page(&[], None, "r-3"),
    );
    let clock = FakeClock::new();
    let out = client(&server, &clock)
        .wait_until_disassociated(&WaitTarget::AssociationId(A.to_owned()), &every_2s())
        .expect("wait");
    assert_eq!(out.iam_instance_profile_association, None);
    assert_eq!(out.request_id.as_deref(), Some("r-3"));
    assert_eq!(clock.sleeps(), [secs(2); 2]);
    assert_eq!(server.count(), 3);

    // Listed as disassociated: returned.
    let server = FaultServer::start(vec![], page(&[(A, "disassociated")], None, "r-1"));
    let clock = FakeClock::new();
    let out = client(&server, &clock)
        .wait_until_disassociated(&WaitTarget::AssociationId(A.to_owned()), &every_2s())
        .expect("wait");
    assert_eq!(out.iam_instance_profile_association.map(|a| a.state), Some(State::Disassociated));
    assert_eq!((clock.sleeps(), server.count()), (vec![], 1));

    // Not found: gone, with the error's request id.
    let server = FaultServer::start(vec![], Reply::ec2_error(400, "InvalidAssociationID.NotFound", "gone"));
    let clock = FakeClock::new();
    let out = client(&server, &clock)
        .wait_until_disassociated(&WaitTarget::AssociationId(A.to_owned()), &every_2s())
        .expect("wait");
    assert_eq!(out.iam_instance_profile_association, None);
    assert_eq!(out.request_id.as_deref(), Some("req-InvalidAssociationID.NotFound"));
    assert_eq!((clock.sleeps(), server.count()), (vec![], 1));
}

#[test]
fn disassociated_for_an_instance_waits_until_none_is_active() {
    let server = FaultServer::start(
        vec![
            page(&[(A, "disassociating"), (B, "associating")], None, "r-1"),
            page(&[(A, "disassociated"), (B, "associated")], None, "r-2"),
        ],
        page(&[(A, "disassociated"), (B, "disassociated")], None, "r-3"),
    );
    let clock = FakeClock::new();
    let out = client(&server, &clock)
        .wait_until_disassociated(&WaitTarget::InstanceId(INSTANCE.to_owned()), &every_2s())
        .expect("wait");
    assert_eq!(out.iam_instance_profile_association.map(|a| a.association_id), Some(A.to_owned()));
    assert_eq!(clock.sleeps(), [secs(2); 2]);
    assert_eq!(server.count(), 3);

    let server = FaultServer::start(vec![], page(&[(A, "associated")], None, "r"));
    let clock = FakeClock::new();
    let options = WaitOptions::new(secs(5), secs(5));
    let (timed_out, seen, waited) = wait_failed(
        client(&server, &clock).wait_until_disassociated(&WaitTarget::InstanceId(INSTANCE.to_owned()), &options),
    );
    assert!(timed_out);
    assert_eq!(seen, format!("instance {INSTANCE}: {A} in state associated"));
    assert_eq!((clock.sleeps(), server.count(), waited), (vec![secs(5)], 2, secs(5)));
}

#[test]
fn association_for_instance_prefers_associated_then_associating() {
    let cases: [(Items, Option<&str>); 5] = [
        (&[(A, "disassociating"), (B, "associating"), (C, "associated")], Some(C)),
        (&[(A, "associated"), (B, "associating")], Some(A)),
        (&[(A, "disassociating"), (B, "associating")], Some(B)),
        (&[(A, "disassociating"), (B, "disassociated")], None),
        (&[], None),
    ];
    for (items, want) in cases {
        let server = FaultServer::start(vec![], page(items, None, "r-1"));
        let out = client(&server, &FakeClock::new()).association_for_instance(INSTANCE).expect("describe");
        assert_eq!(out.iam_instance_profile_association.map(|a| a.association_id).as_deref(), want, "{items:?}");
        assert_eq!(out.request_id.as_deref(), Some("r-1"));
        assert_eq!(server.count(), 1);
    }
}

#[test]
fn association_for_instance_reads_every_page() {
    // An associating one on the first page does not win over an associated one on the second.
    let server = FaultServer::start(
        vec![page(&[(A, "associating")], Some("tok-1"), "r-1")],
        page(&[(B, "associated")], None, "r-2"),
    );
    let out = client(&server, &FakeClock::new()).association_for_instance(INSTANCE).expect("describe");
    assert_eq!(out.iam_instance_profile_association.map(|a| a.association_id).as_deref(), Some(B));
    assert_eq!(out.request_id.as_deref(), Some("r-2"), "the request id of the last page");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(body(&requests[1]).contains("NextToken=tok-1"), "{}", body(&requests[1]));
}

#[test]
fn disassociate_instance_removes_the_current_one_or_does_nothing() {
    let server = FaultServer::start(
        vec![page(&[(A, "disassociating"), (B, "associated")], None, "r-1")],
        Reply::status(200, &DISASSOCIATE_OK.replace("iip-assoc-0123456789abcdef0", B)),
    );
    let out = client(&server, &FakeClock::new())
        .disassociate_instance(INSTANCE)
        .expect("disassociate")
        .expect("something removed");
    assert_eq!(out.iam_instance_profile_association.association_id, B);
    assert_eq!(out.request_id.as_deref(), Some("req-ok"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        body(&requests[1])
            .contains(&format!("Action=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId={B}"))
    );

    let server = FaultServer::start(vec![], page(&[(A, "disassociating")], None, "r-1"));
    assert_eq!(client(&server, &FakeClock::new()).disassociate_instance(INSTANCE).expect("nothing to do"), None);
    assert_eq!(server.count(), 1, "no Disassociate call when nothing is current");
}
