//! The floor's call through the AWS SDK for Rust: one EC2
//! `DisassociateIamInstanceProfile` (or N calls on one reused client, or N
//! Describe calls for pages of 10, 100 or 1,000 items) with aws-sdk-ec2, the
//! configuration coming from aws-config's default chain (credentials and
//! region from the environment). scripts/bench measures it beside the ec2-lite
//! CLI and the floor.
//!
//! Usage: `sdk URL [N [disassociate|describe-10|describe-100|describe-1000]]`,
//! with `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_REGION` set.
//! With `AWS_CA_BUNDLE` set, HTTPS trusts the certificates of that file alone
//! (the SDK for Rust does not read the variable itself; this is how a program
//! built on it honours it). Prints what the last call returned.

use std::error::Error;
use std::process::ExitCode;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore, rustls_provider::CryptoMode};

const USAGE: &str = "usage: sdk URL [N [disassociate|describe-10|describe-100|describe-1000]]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, calls, op) = match args.as_slice() {
        [url] => (url.as_str(), 1, "disassociate"),
        [url, n] => (url.as_str(), n.parse().unwrap_or(0), "disassociate"),
        [url, n, op] => (url.as_str(), n.parse().unwrap_or(0), op.as_str()),
        _ => ("", 0, ""),
    };
    let page = match op {
        "disassociate" => None,
        "describe-10" => Some(10),
        "describe-100" => Some(100),
        "describe-1000" => Some(1000),
        _ => None,
    };
    if url.is_empty() || calls == 0 || (page.is_none() && op != "disassociate") {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    // The SDK's async runtime, as small as it goes: one thread.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sdk: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(url, calls, page)) {
        Ok(last) => {
            println!("{last}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sdk: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(url: &str, calls: u32, page: Option<i32>) -> Result<String, Box<dyn Error>> {
    // No retries and no stalled-stream protection: a retry would repeat the
    // call being measured, and the protection's throughput timers add work to
    // every call that ec2-lite and the floor do not do (both have a plain
    // socket timeout). Everything else is the SDK's default.
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .retry_config(RetryConfig::disabled())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    if let Some(path) = std::env::var_os("AWS_CA_BUNDLE") {
        let pem = std::fs::read(&path).map_err(|e| format!("AWS_CA_BUNDLE {}: {e}", path.to_string_lossy()))?;
        let tls = TlsContext::builder().with_trust_store(TrustStore::empty().with_pem_certificate(pem)).build()?;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(tls)
            .build_https();
        loader = loader.http_client(http);
    }
    let config = loader.load().await;
    let client = aws_sdk_ec2::Client::new(&config);
    let mut last = String::new();
    for _ in 0..calls {
        last = match page {
            None => {
                let out = client
                    .disassociate_iam_instance_profile()
                    .association_id("iip-assoc-0123456789abcdef0")
                    .send()
                    .await?;
                let association = out.iam_instance_profile_association();
                format!(
                    "{} {}",
                    association.and_then(|a| a.association_id()).unwrap_or("-"),
                    association.and_then(|a| a.state()).map_or("-", |s| s.as_str())
                )
            }
            Some(n) => {
                let out = client.describe_iam_instance_profile_associations().max_results(n).send().await?;
                format!("{} associations", out.iam_instance_profile_associations().len())
            }
        };
    }
    Ok(last)
}
