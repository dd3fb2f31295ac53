//! The client-side rate limiter against a loopback EC2 that throttles: 503
//! `RequestLimitExceeded` is backed off from and counted, EC2's buckets are kept,
//! and adaptive mode (from `AWS_RETRY_MODE`) slows an action down after a throttle.
//! The client runs on a fake time that only its waits move.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::support::fault::{FaultServer, Reply};
use ec2_lite::{Client, ClientBuilder, Credentials, Env, RateLimit, RateLimits, RetryMode};

const ID: &str = "iip-assoc-0123456789abcdef0";
const DISASSOCIATE: &str = "DisassociateIamInstanceProfile";

/// EC2's answer from an empty bucket, as EC2 writes it.
fn throttled() -> Reply {
    Reply::status(
        503,
        "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>\
         </Error></Errors><RequestID>x</RequestID></Response>",
    )
}

/// The time since the client started, moved only by its waits, and those waits.
#[derive(Clone, Default)]
struct FakeTime {
    now: Arc<Mutex<Duration>>,
    waits: Arc<Mutex<Vec<Duration>>>,
}

impl FakeTime {
    /// The waits since the last call.
    fn waits(&self) -> Vec<Duration> {
        std::mem::take(&mut *self.waits.lock().unwrap())
    }

    /// A builder for `server` on this time, reading only `env`, with jitter fixed at one half.
    fn builder(&self, server: &FaultServer, env: &[(&str, &str)]) -> ClientBuilder {
        let (wall, sleep, monotonic) = (self.clone(), self.clone(), self.clone());
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_608_000);
        let mut vars = env.to_vec();
        vars.push(("AWS_EC2_METADATA_DISABLED", "true"));
        Client::builder()
            .env(Env::from_pairs(vars))
            .region("us-east-1")
            .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
            .endpoint_url(&server.url)
            .clock(move || start + *wall.now.lock().unwrap())
            .monotonic_clock(move || *monotonic.now.lock().unwrap())
            .sleep(move |d| {
                *sleep.now.lock().unwrap() += d;
                sleep.waits.lock().unwrap().push(d);
            })
            .random(|| 0.5)
    }
}

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[test]
fn request_limit_exceeded_is_backed_off_and_counted() {
    let server = FaultServer::start(vec![throttled(), throttled()], Reply::disassociated());
    let time = FakeTime::default();
    let client = time.builder(&server, &[]).build().expect("client");
    assert_eq!(client.retry_mode(), RetryMode::Standard);
    let out = client.clone().disassociate_iam_instance_profile(ID).expect("the third attempt succeeds");
    assert_eq!(out.iam_instance_profile_association.association_id, ID);
    assert_eq!(server.count(), 3);
    // The throttling backoff (1 s base, jitter one half), and no wait for a token: Disassociate's
    // bucket holds 100.
    assert_eq!(time.waits(), [ms(500), ms(1000)]);
    assert_eq!(client.throttled_responses(), 2, "shared by clones");
    // Throttled past the attempts: the error says so, and the counter counts every answer.
    let server = FaultServer::start(vec![], throttled());
    let client = time.builder(&server, &[]).build().expect("client");
    let err = client.disassociate_iam_instance_profile(ID).unwrap_err();
    assert!(err.is_throttling() && err.attempts() == 3, "{err}");
    assert_eq!(client.throttled_responses(), 3);
}

#[test]
fn requests_are_paced_to_the_bucket_before_they_are_sent() {
    let server = FaultServer::start(vec![], Reply::disassociated());
    let time = FakeTime::default();
    // Disassociate's bucket, refilled 20 times faster as a time-scaled stand-in would.
    let limits = RateLimits::ec2_documented().scaled(20.0);
    assert_eq!(limits.get(DISASSOCIATE), Some(RateLimit::new(100, 100.0)));
    let client = time.builder(&server, &[]).rate_limits(limits).build().expect("client");
    for _ in 0..103 {
        client.disassociate_iam_instance_profile(ID).expect("disassociated");
    }
    // The burst of 100, then one every 10 ms.
    assert_eq!(time.waits(), [ms(10), ms(10), ms(10)]);
    assert_eq!((server.count(), client.throttled_responses()), (103, 0));
}

#[test]
fn adaptive_mode_from_the_environment_slows_down_after_a_throttle() {
    let server = FaultServer::start(vec![throttled()], Reply::disassociated());
    let time = FakeTime::default();
    let client = time
        .builder(&server, &[("AWS_RETRY_MODE", "adaptive")])
        .rate_limits(RateLimits::none())
        .build()
        .expect("client");
    assert_eq!(client.retry_mode(), RetryMode::Adaptive);
    client.disassociate_iam_instance_profile(ID).expect("the retry succeeds");
    client.disassociate_iam_instance_profile(ID).expect("disassociated");
    // The throttle at 0 s, with nothing measured yet, sets botocore's floor: 0.5/s from an
    // empty bucket of 1. The retry backs off 500 ms, then waits for its token at 2 s. Its
    // success measures 2 calls in 2 s (smoothed: 0.8/s): the rate is min(CUBIC's 3.2, twice
    // 0.8) = 1.6/s, and the next call waits its token 625 ms. The adaptive bucket books no
    // slot ahead: a caller waiting for it asks again at least every 250 ms.
    let waits = time.waits();
    assert_eq!(waits.first(), Some(&ms(500)), "{waits:?}");
    assert!(waits[1..].iter().all(|w| *w <= ms(250)), "{waits:?}");
    let sums: Vec<Duration> = waits[1..]
        .iter()
        .scan(Duration::ZERO, |t, w| {
            *t += *w;
            Some(*t)
        })
        .collect();
    assert!(sums.contains(&ms(1500)), "the retry's token at 2 s: {waits:?}");
    assert_eq!(sums.last(), Some(&ms(1500 + 625)), "then the next call's: {waits:?}");
    assert_eq!(client.throttled_responses(), 1);
    // The same client in standard mode never waits for a token here.
    let server = FaultServer::start(vec![throttled()], Reply::disassociated());
    let client = time
        .builder(&server, &[("AWS_RETRY_MODE", "adaptive")])
        .retry_mode(RetryMode::Standard)
        .rate_limits(RateLimits::none())
        .build()
        .expect("client");
    client.disassociate_iam_instance_profile(ID).expect("the retry succeeds");
    client.disassociate_iam_instance_profile(ID).expect("disassociated");
    assert_eq!(time.waits(), [ms(500)]);
}
