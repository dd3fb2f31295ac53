//! Tells the kinds of failure apart: what to retry, what to report, what to
//! ignore.
//!
//! ```sh
//! cargo run --example errors -- iip-assoc-0123456789abcdef0
//! ```

use ec2_lite::{Client, Error};

fn main() {
    let association_id = std::env::args().nth(1).unwrap_or_else(|| "iip-assoc-0123456789abcdef0".to_owned());
    let code = match run(&association_id) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: {err}");
            // A message does not repeat its cause: the cause is the error's source.
            let mut cause = std::error::Error::source(&err);
            while let Some(c) = cause {
                eprintln!("  caused by: {c}");
                cause = c.source();
            }
            explain(&err)
        }
    };
    std::process::exit(code);
}

fn run(association_id: &str) -> Result<(), Error> {
    let client = Client::from_env()?;
    match client.disassociate_iam_instance_profile(association_id) {
        Ok(out) => {
            let assoc = out.iam_instance_profile_association;
            println!("{} is {}", assoc.association_id, assoc.state);
        }
        // Already gone: for a clean-up job, that is success.
        Err(e) if e.is_not_found() => println!("{association_id} does not exist (any more)"),
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Says what went wrong and returns an exit code for it.
fn explain(err: &Error) -> i32 {
    // The predicates answer the usual questions whatever the variant.
    if err.is_auth() {
        eprintln!("the credentials were refused: check the keys, the session token and the clock");
    } else if err.is_access_denied() {
        eprintln!("the credentials lack permission for this action");
    } else if err.is_no_region() {
        eprintln!("no region: set AWS_REGION, or `region` in the profile");
    } else if err.is_no_credentials() {
        eprintln!("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile");
    } else if err.is_throttling() {
        eprintln!("throttled even after {} attempts: try again later", err.attempts());
    }
    match err {
        // EC2 said no: code, message and request id, as AWS support asks.
        Error::Service(service) => {
            eprintln!("{} ({}), request id {:?}", service.code, service.status, service.request_id);
            4
        }
        // No region, no credentials, a bad config file or variable.
        Error::Config(_) => 3,
        // Rejected before any request was sent.
        Error::InvalidInput(_) => 2,
        // Network, TLS, timeouts: is_retryable() says whether trying again may help.
        Error::Transport(transport) => {
            eprintln!("transport failure ({:?}); retryable: {}", transport.kind(), err.is_retryable());
            5
        }
        // Not EC2's XML: a proxy's page, a truncated body.
        Error::UnexpectedResponse { status, .. } => {
            eprintln!("unexpected answer with HTTP status {status}");
            5
        }
        Error::WaitFailed { .. } => 6,
        // `Error` is non-exhaustive: new kinds may come.
        _ => 1,
    }
}
