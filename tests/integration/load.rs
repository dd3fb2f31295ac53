//! Sixteen threads share one client for 10,000 calls against a loopback server
//! that throttles one request in ten: every call must end in a success or a
//! classified error, the retry quota must hold, and memory must not grow.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::fault::{FaultServer, Reply};
use ec2_lite::{Client, Credentials, RateLimits, RetryConfig};

const THREADS: usize = 16;
const CALLS: usize = 10_000;

/// Resident memory of this process, in KiB.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    throttled: AtomicUsize,
    other: AtomicUsize,
}

fn run(client: &Client, calls: usize, tally: &Arc<Tally>) {
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (client, tally) = (client.clone(), tally.clone());
            // The first threads take the remainder, so exactly `calls` are made.
            let mine = calls / THREADS + usize::from(t < calls % THREADS);
            s.spawn(move || {
                for _ in 0..mine {
                    match client.disassociate_iam_instance_profile("iip-assoc-0123456789abcdef0") {
                        Ok(_) => tally.ok.fetch_add(1, Ordering::Relaxed),
                        Err(e) if e.is_throttling() => tally.throttled.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            eprintln!("unexpected error: {e}");
                            tally.other.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            });
        }
    });
}

#[test]
fn sixteen_threads_ten_thousand_calls_ten_percent_throttled() {
    let server = FaultServer::start_with(|n| {
        if n % 10 == 9 {
            Reply::ec2_error(503, "RequestLimitExceeded", "Request limit exceeded.")
        } else {
            Reply::disassociated()
        }
    });
    let client = Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
        .endpoint_url(&server.url)
        // The server throttles by itself; the client's own pace would only slow the test.
        .rate_limits(RateLimits::none())
        .retry_config(RetryConfig::default().backoff(
            Duration::from_millis(2),
            Duration::from_millis(1),
            Duration::from_millis(50),
        ))
        .build()
        .expect("client");

    let tally = Arc::new(Tally::default());
    let start = Instant::now();
    // The first 100 calls put pools and caches in place.
    run(&client, 100, &tally);
    let rss_warm = rss_kib();
    run(&client, CALLS, &tally);
    let rss_after = rss_kib();
    let elapsed = start.elapsed();

    let (ok, throttled, other) = (
        tally.ok.load(Ordering::Relaxed),
        tally.throttled.load(Ordering::Relaxed),
        tally.other.load(Ordering::Relaxed),
    );
    let total = ok + throttled + other;
    let requests = server.count();
    eprintln!(
        "load: {total} calls on {THREADS} threads in {:.2}s: {ok} ok, {throttled} throttled after retries, \
         {other} other; {requests} requests; quota {} tokens; rss {rss_warm:?} KiB -> {rss_after:?} KiB",
        elapsed.as_secs_f64(),
        client.retry_quota_tokens()
    );
    assert_eq!(total, CALLS + 100);
    assert_eq!(other, 0, "every failure is classified");
    // One request in ten is throttled and retried: about 11% more requests
    // than calls, and nearly all calls succeed in the end.
    assert!(requests > total && requests < total * 12 / 10, "{requests} requests for {total} calls");
    assert!(ok >= total * 99 / 100, "{ok} of {total} succeeded");
    // Throttled retries cost 5 and successes give it back: the quota stays
    // far from empty.
    assert!(client.retry_quota_tokens() > 400, "quota {}", client.retry_quota_tokens());
    if let (Some(warm), Some(after)) = (rss_warm, rss_after) {
        assert!(after < warm + 16 * 1024, "resident memory grew from {warm} KiB to {after} KiB");
    }
}
