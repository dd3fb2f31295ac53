//! Helper programs for scripts/bench (not a benchmark of its own):
//!
//! - `loopback serve [PORT]`: the canned EC2 of `support/canned.rs` as its own
//!   process, printing the port it listens on, so that callgrind and
//!   `/usr/bin/time` see only the client.
//! - `loopback serve-tls [PORT]`: the same over TLS, for `https://localhost:PORT` with
//!   `AWS_CA_BUNDLE=benches/support/tls/ca.pem` (an RSA-2048 chain).
//! - `loopback calls URL N [OPERATION]`: N calls on one reused `Client`
//!   (`disassociate`, the default, `describe`, or `describe-10`, `describe-100` and
//!   `describe-1000` for the generated pages of that many items). Run under
//!   callgrind with N and 2N calls, the difference is the cost of N calls on a
//!   warm client, start-up and the first connection excluded.
//!
//! `cargo bench` runs it with `--bench` only; it then does nothing.

#[path = "support/canned.rs"]
mod canned;

use std::io::Write;
use std::process::ExitCode;

use ec2_lite::{Client, Credentials, DescribeIamInstanceProfileAssociations, RateLimits};

const USAGE: &str = "usage: loopback serve[-tls] [PORT] | loopback calls URL N [disassociate|describe|describe-10|describe-100|describe-1000]";

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

fn fail(message: &str) -> ExitCode {
    eprintln!("loopback: {message}");
    ExitCode::FAILURE
}
