//! Helper programs for scripts/bench (not a benchmark of its own):
//!
//! - `loopback serve [PORT]`: the canned EC2 of `support/canned.rs` as its own
//!   process, printing the port it listens on, so that callgrind and
//!   `/usr/bin/time` see only the client.
//! - `loopback serve-tls [PORT]`: the same over TLS, for `https://localhost:PORT` with
//!   `AWS_CA_BUNDLE=benches/support/tls/ca.pem` (an RSA-2048 chain).
//! - `loopback serve-fleet [--instances N] [--time-scale F] [--neighbour F] [--delay SECS]
//!   [--profile NAME[=SECS]]... [--port PORT]`: the throttling stand-in EC2 of
//!   `tests/integration/support/standin.rs` (EC2's per-action token buckets, the association
//!   lifecycle) seeded with a mixed fleet of N instances (default 2000: half without a profile,
//!   40% with `other`, 10% with `web`). The first stdout line is its endpoint URL; it serves until
//!   stdin closes, then prints its stats as one line of JSON and exits. `GET /__stats` answers the same JSON at any time. std cannot catch
//!   SIGTERM without unsafe code, which this crate forbids: a SIGTERM ends it without stats.
//! - `loopback calls URL N [OPERATION]`: N calls on one reused `Client`
//!   (`disassociate`, the default, `describe`, or `describe-10`, `describe-100` and
//!   `describe-1000` for the generated pages of that many items). Run under
//!   callgrind with N and 2N calls, the difference is the cost of N calls on a
//!   warm client, start-up and the first connection excluded.
//!
//! `cargo bench` runs it with `--bench` only; it then does nothing.

#[path = "support/canned.rs"]
mod canned;
// The stand-in's HTTP reader, as the integration tests include it.
#[path = "../tests/unit/credentials/replay/http1.rs"]
#[allow(dead_code, unreachable_pub)]
mod http1;
// The stand-in's server, as the integration tests include it.
#[path = "../tests/integration/support/loopback.rs"]
#[allow(dead_code, unreachable_pub)]
mod loopback;
#[path = "../tests/integration/support/standin.rs"]
#[allow(dead_code, unreachable_pub)]
mod standin;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use ec2_lite::{Client, Credentials, DescribeIamInstanceProfileAssociations, RateLimits};

const USAGE: &str = "usage: loopback serve[-tls] [PORT] | loopback calls URL N [disassociate|describe|describe-10|describe-100|describe-1000]\n       loopback serve-fleet [--instances N] [--time-scale F] [--neighbour F] [--delay SECS] [--profile NAME[=SECS]]... [--port PORT]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => {
            println!("loopback: a helper for scripts/bench; nothing to measure here.\n{USAGE}");
            ExitCode::SUCCESS
        }
        [mode @ ("serve" | "serve-tls"), rest @ ..] => {
            let port = match rest.first().map(|p| p.parse::<u16>()) {
                None => 0,
                Some(Ok(p)) => p,
                Some(Err(_)) => return fail("PORT: a number"),
            };
            let spawned = if *mode == "serve" { canned::spawn(port) } else { canned::spawn_tls(port) };
            let addr = match spawned {
                Ok(a) => a,
                Err(e) => return fail(&format!("bind 127.0.0.1:{port}: {e}")),
            };
            println!("{}", addr.port());
            let _ = std::io::stdout().flush();
            loop {
                std::thread::park();
            }
        }
        ["serve-fleet", rest @ ..] => serve_fleet(rest),
        ["calls", url, n, rest @ ..] => {
            let Ok(n) = n.parse::<u32>() else { return fail("N: a number") };
            let op = rest.first().copied().unwrap_or("disassociate");
            calls(url, n, op)
        }
        _ => fail(USAGE),
    }
}

fn calls(url: &str, n: u32, op: &str) -> ExitCode {
    let client = match Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None))
        .endpoint_url(url)
        // EC2's buckets, refilled so fast that a loopback never waits: the limiter's cost is
        // measured, not its pace.
        .rate_limits(RateLimits::ec2_documented().scaled(1e6))
        .build()
    {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    let describe = match (op, op.strip_prefix("describe-").and_then(|n| n.parse::<usize>().ok())) {
        ("disassociate" | "describe", _) => DescribeIamInstanceProfileAssociations::new(),
        // A generated page: n is one of PAGE_ITEMS, at most 1,000.
        (_, Some(n)) if canned::PAGE_ITEMS.contains(&n) => {
            DescribeIamInstanceProfileAssociations::new().max_results(n as u32)
        }
        _ => return fail(USAGE),
    };
    let mut items = 0usize;
    for _ in 0..n {
        let result = match op {
            "disassociate" => client.disassociate_iam_instance_profile("iip-assoc-0123456789abcdef0").map(|_| 1),
            _ => client
                .describe_iam_instance_profile_associations(&describe)
                .map(|p| p.iam_instance_profile_associations.len()),
        };
        match result {
            Ok(k) => items += k,
            Err(e) => return fail(&e.to_string()),
        }
    }
    println!("{n} calls, {items} associations");
    ExitCode::SUCCESS
}

/// `serve-fleet`: see the module docs.
fn serve_fleet(args: &[&str]) -> ExitCode {
    let mut config = standin::Config::default();
    let (mut instances, mut port) = (2000usize, 0u16);
    let mut args = args.iter();
    while let Some(&flag) = args.next() {
        let Some(&value) = args.next() else { return fail(&format!("{flag}: a value\n{USAGE}")) };
        let number = value.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
        match (flag, number) {
            ("--instances", _) => match value.parse() {
                Ok(n) => instances = n,
                Err(_) => return fail("--instances: a count"),
            },
            ("--port", _) => match value.parse() {
                Ok(p) => port = p,
                Err(_) => return fail("--port: a port number"),
            },
            ("--time-scale", Some(f)) if f > 0.0 => config = config.time_scale(f),
            ("--neighbour", Some(f)) if f <= 1.0 => config = config.neighbour(f),
            ("--delay", Some(d)) => config = config.state_delay(Duration::from_secs_f64(d)),
            ("--profile", _) => {
                let (name, after) = value.split_once('=').unwrap_or((value, "0"));
                match after.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0) {
                    Some(d) if !name.is_empty() => config = config.profile(name, Duration::from_secs_f64(d)),
                    _ => return fail("--profile: NAME or NAME=SECONDS"),
                }
            }
            _ => return fail(&format!("{flag} {value}: not understood\n{USAGE}")),
        }
    }
    let server = match standin::Standin::bind(("127.0.0.1", port), config) {
        Ok(s) => s,
        Err(e) => return fail(&format!("bind 127.0.0.1:{port}: {e}")),
    };
    server.seed_fleet(instances);
    println!("{}", server.url);
    let _ = std::io::stdout().flush();
    // Until stdin closes (its reader's end of file), whatever it carries.
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
    println!("{}", server.stats().to_json());
    let _ = std::io::stdout().flush();
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("loopback: {message}");
    ExitCode::FAILURE
}
