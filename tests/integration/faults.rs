//! What a call does when the network or the service misbehaves: each test
//! scripts a loopback server, then checks the outcome, how many requests the
//! server saw, and the backoff the client waited. The client runs on a fake
//! clock: its waits are recorded and move the clock, and take no time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::support::fault::{FaultServer, Reply};
use ec2_lite::{Client, ClientBuilder, Credentials, Error, TransportErrorKind};

const ID: &str = "iip-assoc-0123456789abcdef0";

/// The standard mode's bases, 50 ms (transient) and 1 s (throttling), and a
/// fixed jitter of one half: the waits are known to the millisecond.
const TRANSIENT_WAITS: [Duration; 2] = [Duration::from_millis(25), Duration::from_millis(50)];
const THROTTLING_WAITS: [Duration; 2] = [Duration::from_millis(500), Duration::from_millis(1000)];

/// The time the fake clock starts at: 2026-11-25T12:00:00Z.
const T0: u64 = 1_795_608_000;

/// A clock that only the client's waits move.
#[derive(Clone)]
struct FakeTime {
    now: Arc<Mutex<SystemTime>>,
    waits: Arc<Mutex<Vec<Duration>>>,
}

impl FakeTime {
    fn new() -> Self {
        FakeTime { now: Arc::new(Mutex::new(SystemTime::UNIX_EPOCH + Duration::from_secs(T0))), waits: Arc::default() }
    }

    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::from(*self.now.lock().unwrap())
    }

    /// The waits between attempts so far.
    fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap().clone()
    }

    /// A builder for `server` on this clock.
    fn builder(&self, server: &FaultServer) -> ClientBuilder {
        let (clock, sleep) = (self.clone(), self.clone());
        Client::builder()
            .region("us-east-1")
            .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
            .endpoint_url(&server.url)
            .read_timeout(Duration::from_millis(500))
            .clock(move || *clock.now.lock().unwrap())
            .sleep(move |d| {
                *sleep.now.lock().unwrap() += d;
                sleep.waits.lock().unwrap().push(d);
            })
            .random(|| 0.5)
    }

    fn client(&self, server: &FaultServer) -> Client {
        self.builder(server).build().expect("client")
    }
}

fn client(server: &FaultServer) -> Client {
    FakeTime::new().client(server)
}

#[test]
fn server_errors_are_retried_until_success() {
    let server = FaultServer::start(
        vec![Reply::ec2_error(500, "InternalError", "oops"), Reply::status(502, "<html>bad gateway</html>")],
        Reply::disassociated(),
    );
    let time = FakeTime::new();
    let out = time.client(&server).disassociate_iam_instance_profile(ID).expect("third attempt succeeds");
    assert_eq!(out.iam_instance_profile_association.association_id, ID);
    assert_eq!(server.count(), 3);
    assert_eq!(time.waits(), TRANSIENT_WAITS);
    // Every attempt carries the same invocation id and says which attempt it is.
    let reqs = server.requests();
    let ids: Vec<_> = reqs.iter().map(|r| r.header("amz-sdk-invocation-id").unwrap_or("").to_owned()).collect();
    assert!(!ids[0].is_empty() && ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    let attempts: Vec<_> = reqs.iter().map(|r| r.header("amz-sdk-request").unwrap_or("").to_owned()).collect();
    assert_eq!(attempts, ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]);
}

#[test]
fn every_transient_status_is_retried_and_the_last_error_counts_attempts() {
    for status in [500u16, 502, 503, 504] {
        let server = FaultServer::start(vec![], Reply::ec2_error(status, "Unavailable", "down"));
        let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
        assert_eq!(server.count(), 3, "status {status}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.attempts(), 3);
        assert!(err.to_string().contains("after 3 attempts"), "{err}");
        assert!(err.is_retryable());
    }
}

#[test]
fn throttling_is_retried_with_the_longer_base() {
    let server = FaultServer::start(vec![], Reply::ec2_error(503, "RequestLimitExceeded", "Request limit exceeded."));
    let time = FakeTime::new();
    let err = time.client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(err.is_throttling(), "{err}");
    assert_eq!(err.code(), Some("RequestLimitExceeded"));
    assert_eq!(server.count(), 3);
    assert_eq!(time.waits(), THROTTLING_WAITS);

    let server = FaultServer::start(vec![Reply::status(429, "slow down")], Reply::disassociated());
    client(&server).disassociate_iam_instance_profile(ID).expect("429 then success");
    assert_eq!(server.count(), 2);
}

#[test]
fn retry_after_header_is_honoured() {
    let server = FaultServer::start(
        vec![Reply::ec2_error(503, "RequestLimitExceeded", "slow").header("x-amz-retry-after", "2000")],
        Reply::disassociated(),
    );
    let time = FakeTime::new();
    time.client(&server).disassociate_iam_instance_profile(ID).expect("second attempt succeeds");
    assert_eq!(server.count(), 2);
    // 2 s rather than the computed 500 ms: within [computed, computed + 5 s].
    assert_eq!(time.waits(), [Duration::from_millis(2000)]);
}

#[test]
fn auth_validation_and_not_found_errors_are_not_retried() {
    for (status, code) in [
        (401, "AuthFailure"),
        (400, "InvalidParameterValue"),
        (400, "InvalidAssociationID.NotFound"),
        (403, "UnauthorizedOperation"),
        (400, "IncorrectState"),
    ] {
        let server = FaultServer::start(vec![], Reply::ec2_error(status, code, "no"));
        let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
        assert_eq!(server.count(), 1, "{code} must not be retried");
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.attempts(), 1);
        assert!(!err.is_retryable());
    }
}

#[test]
fn connection_reset_before_and_during_the_body_is_retried() {
    let server = FaultServer::start(vec![Reply::Reset], Reply::disassociated());
    client(&server).disassociate_iam_instance_profile(ID).expect("reset then success");
    assert_eq!(server.count(), 2);

    let partial = Reply::ResetDuringBody { status: 200, declared: 900, partial: b"<?xml version=".to_vec() };
    let server = FaultServer::start(vec![partial], Reply::disassociated());
    client(&server).disassociate_iam_instance_profile(ID).expect("cut body then success");
    assert_eq!(server.count(), 2);

    let server = FaultServer::start(vec![], Reply::Reset);
    let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(matches!(&err, Error::Transport(_)), "{err:?}");
    assert_eq!(server.count(), 3);
    assert_eq!(err.attempts(), 3);
}

#[test]
fn bodies_that_are_not_the_expected_xml_are_clear_errors() {
    // A truncated document, an empty 200 and an HTML page: no panic, the
    // status and the start of the body are kept, and a 200 is not retried.
    let truncated = &crate::support::fault::DISASSOCIATE_OK[..120];
    for (reply, status, retried) in [
        (Reply::status(200, truncated), 200, false),
        (Reply::status(200, ""), 200, false),
        (Reply::status(200, "<html><body>maintenance</body></html>"), 200, false),
        (Reply::status(502, "<html><body>Bad Gateway</body></html>"), 502, true),
    ] {
        let server = FaultServer::start(vec![], reply);
        let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
        // A 2xx that does not parse is a parse error; an error status with a foreign body
        // is an unexpected response.
        match &err {
            Error::MalformedResponse { status: s, .. } if status == 200 => assert_eq!(*s, status),
            Error::UnexpectedResponse { status: s, .. } if status != 200 => assert_eq!(*s, status),
            other => panic!("expected a parse or unexpected-response error for {status}, got {other:?}"),
        }
        assert_eq!(server.count(), if retried { 3 } else { 1 });
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn a_stalled_server_times_out_within_the_limit() {
    let server = FaultServer::start(vec![], Reply::Stall { hold: Duration::from_secs(20) });
    let time = FakeTime::new();
    let start = Instant::now();
    let err = time.client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    let elapsed = start.elapsed();
    assert!(matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Timeout), "{err:?}");
    assert_eq!(server.count(), 3);
    assert_eq!(time.waits(), TRANSIENT_WAITS);
    // Three real read timeouts of 0.5 s (slack for a loaded machine), never the 20 s hold.
    assert!(elapsed < Duration::from_millis(1500 + 1500), "{elapsed:?}");
}

#[test]
fn a_body_that_never_finishes_times_out() {
    let server = FaultServer::start(
        vec![],
        Reply::StallDuringBody { partial: b"<?xml version=\"1.0\"?><Disassoc".to_vec(), hold: Duration::from_secs(20) },
    );
    let start = Instant::now();
    let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Timeout), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}

#[test]
fn a_huge_body_is_refused_not_read_into_memory() {
    let server = FaultServer::start(vec![], Reply::Huge { size: 50 * 1024 * 1024 });
    let err = client(&server).disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::BodyTooLarge), "{err:?}");
    assert_eq!(server.count(), 1, "a body over the cap is not retried");
}

fn http_date(t: time::OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn amz_date(r: &crate::support::fault::Recorded) -> time::OffsetDateTime {
    let v = r.header("x-amz-date").expect("x-amz-date");
    let p = |a: usize, b: usize| v[a..b].parse::<i32>().expect("digits");
    let date =
        time::Date::from_calendar_date(p(0, 4), time::Month::try_from(p(4, 6) as u8).unwrap(), p(6, 8) as u8).unwrap();
    let t = time::Time::from_hms(p(9, 11) as u8, p(11, 13) as u8, p(13, 15) as u8).unwrap();
    time::PrimitiveDateTime::new(date, t).assume_utc()
}

#[test]
fn a_skewed_clock_is_corrected_and_remembered() {
    let time = FakeTime::new();
    let skew = time::Duration::minutes(10);
    let server_now = http_date(time.now() + skew);
    let server = FaultServer::start(
        vec![Reply::ec2_error(400, "RequestExpired", "Request has expired.").header("date", &server_now)],
        Reply::disassociated(),
    );
    let c = time.client(&server);
    c.disassociate_iam_instance_profile(ID).expect("re-signed with the server's time");
    assert_eq!(server.count(), 2);
    assert_eq!(c.clock_offset_ms(), 600_000);
    assert!(time.waits().is_empty(), "a re-signed request does not wait");
    // The retry and every later call are signed with the corrected time.
    c.disassociate_iam_instance_profile(ID).expect("later call");
    let reqs = server.requests();
    assert_eq!(amz_date(&reqs[0]), time.now());
    for r in &reqs[1..] {
        assert_eq!(amz_date(r), time.now() + skew);
    }
}

#[test]
fn skew_correction_needs_a_real_skew_and_can_be_turned_off() {
    let time = FakeTime::new();
    // Within 4 minutes: not skew, and RequestExpired is not retryable.
    let near = http_date(time.now() + time::Duration::minutes(2));
    let server = FaultServer::start(vec![], Reply::ec2_error(400, "RequestExpired", "expired").header("date", &near));
    assert!(time.client(&server).disassociate_iam_instance_profile(ID).is_err());
    assert_eq!(server.count(), 1);

    // A cached response (Age) says nothing about the server's clock now.
    let far = http_date(time.now() + time::Duration::minutes(30));
    let server =
        FaultServer::start(vec![], Reply::ec2_error(401, "AuthFailure", "no").header("date", &far).header("age", "5"));
    assert!(time.client(&server).disassociate_iam_instance_profile(ID).is_err());
    assert_eq!(server.count(), 1);

    let server = FaultServer::start(
        vec![Reply::ec2_error(400, "RequestExpired", "expired").header("date", &far)],
        Reply::disassociated(),
    );
    let c = time.builder(&server).clock_skew_correction(false).build().unwrap();
    let err = c.disassociate_iam_instance_profile(ID).unwrap_err();
    assert_eq!(err.code(), Some("RequestExpired"));
    assert_eq!(server.count(), 1);
    assert_eq!(c.clock_offset_ms(), 0);
}

#[test]
fn the_retry_quota_stops_retries_when_spent_and_is_shared_by_clones() {
    let server = FaultServer::start(vec![], Reply::ec2_error(500, "InternalError", "down"));
    let a = client(&server);
    let b = a.clone();
    assert_eq!(a.retry_quota_tokens(), 500);
    let mut calls = 0;
    // Each failing call spends 14 tokens per retry; 500 tokens buy 35 retries.
    while a.retry_quota_tokens() >= 14 {
        let _ = if calls % 2 == 0 {
            a.disassociate_iam_instance_profile(ID)
        } else {
            b.disassociate_iam_instance_profile(ID)
        };
        calls += 1;
        assert!(calls < 100, "the quota never ran out");
    }
    let seen = server.count();
    assert_eq!(seen, calls + 35, "{calls} calls made 35 retries in all");
    // Now a failing call makes one attempt only.
    let err = b.disassociate_iam_instance_profile(ID).unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.count(), seen + 1);
}

#[test]
fn successes_refill_the_quota() {
    let server = FaultServer::start(vec![Reply::ec2_error(500, "InternalError", "down")], Reply::disassociated());
    let c = client(&server);
    c.disassociate_iam_instance_profile(ID).expect("retry then success");
    // The retry cost 14, its success gave the 14 back.
    assert_eq!(c.retry_quota_tokens(), 500);
}
