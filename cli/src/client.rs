//! The client, built from the command line, the environment and the profile
//! as the AWS CLI resolves them; botocore's own checks of an endpoint URL.

use std::io::Write;
use std::time::Duration;

use ec2_lite::{Client, Error, ProfileSettings};

use crate::args::Parsed;
use crate::error::{CliError, eprint};
use crate::settings::Settings;

/// `--operation-timeout`, else `EC2_LITE_OPERATION_TIMEOUT`: seconds, `0` for none.
fn operation_timeout(parsed: &Parsed) -> Result<Option<Duration>, CliError> {
    let from_env = || match std::env::var_os("EC2_LITE_OPERATION_TIMEOUT") {
        None => Ok(None),
        Some(v) => v
            .into_string()
            .map(Some)
            .map_err(|_| CliError::configuration("EC2_LITE_OPERATION_TIMEOUT is not valid UTF-8")),
    };
    let (v, name) = match parsed.one("operation-timeout") {
        Some(v) => (v.to_owned(), "argument --operation-timeout"),
        None => match from_env()? {
            Some(v) => (v, "EC2_LITE_OPERATION_TIMEOUT"),
            None => return Ok(None),
        },
    };
    match v.trim().parse::<f64>() {
        Ok(0.0) => Ok(None),
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(Some(Duration::from_secs_f64(s))),
        _ => Err(CliError::param(format!("{name}: expected a number of seconds, got {v:?}"))),
    }
}

/// botocore's `is_valid_endpoint_url` (`awscli/botocore/utils.py`): `urlsplit`
/// finds a host name made of DNS labels (or an IPv6 literal).
fn botocore_valid_endpoint(url: &str) -> bool {
    if url.contains(['\t', '\n', '\r']) {
        return false;
    }
    let after_scheme = match url.split_once(':') {
        Some((scheme, rest))
            if scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            rest
        }
        _ => url,
    };
    let Some(rest) = after_scheme.strip_prefix("//") else { return false };
    let netloc = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    if host_port.starts_with('[') {
        return true;
    }
    let host = host_port.split(':').next().unwrap_or_default();
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 255
        && host.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The client, from the environment and files as `profile` read them (`--profile` included).
fn build_client(
    parsed: &Parsed,
    profile: &ProfileSettings,
    s: &Settings,
    operation: Option<Duration>,
) -> Result<Client, Error> {
    let mut builder = profile.client_builder();
    if let Some(region) = parsed.one("region") {
        builder = builder.region(region);
    }
    if let Some(url) = parsed.one("endpoint-url") {
        builder = builder.endpoint_url(url);
    }
    // 0 is "no limit": kept finite here, a day.
    const DAY: Duration = Duration::from_secs(86_400);
    if let Some(t) = s.connect_timeout {
        builder = builder.connect_timeout(t.unwrap_or(DAY));
    }
    if let Some(t) = s.read_timeout {
        builder = builder.read_timeout(t.unwrap_or(DAY));
    }
    if let Some(t) = operation {
        builder = builder.operation_timeout(t);
    }
    if let Some(bundle) = &s.ca_bundle {
        builder = builder.ca_bundle(bundle);
    }
    if !s.verify_ssl {
        builder = builder.verify_tls(false);
    }
    if !s.sign_request {
        builder = builder.sign_requests(false);
    }
    if let Some(limits) = &s.rate_limits {
        builder = builder.rate_limits(limits.clone());
    }
    if s.debug {
        builder = builder.on_debug(|line| {
            let _ = writeln!(std::io::stderr(), "debug: {}", ec2_lite::escape(line.as_bytes()));
        });
    }
    builder.build()
}

/// The client for `operation`, with the AWS CLI's words for what stops it
/// being built, and urllib3's warning when TLS is not verified.
pub(crate) fn build(
    parsed: &Parsed,
    profile: &ProfileSettings,
    settings: &Settings,
    operation: &str,
) -> Result<Client, CliError> {
    let timeout = operation_timeout(parsed)?;
    let client =
        build_client(parsed, profile, settings, timeout).map_err(|e| match (&e, parsed.one("endpoint-url")) {
            // botocore's `ValueError` for a URL without a host (`awscli/botocore/endpoint.py`),
            // which v2 prints plain, exit 255.
            (Error::Config(c), Some(url))
                if c.kind() == ec2_lite::ConfigErrorKind::InvalidEndpoint && !botocore_valid_endpoint(url) =>
            {
                CliError::general(format!("Invalid endpoint: {url}"))
            }
            _ => CliError::from_error(&e, operation, ""),
        })?;
    if !settings.verify_ssl
        && let Some(rest) = client.endpoint_url().strip_prefix("https://")
    {
        // What Python's `warnings` prints for urllib3 in the AWS CLI.
        let host = rest.split(['/', ':']).next().unwrap_or(rest);
        eprint(&format!(
            "urllib3/connectionpool.py:1129: InsecureRequestWarning: Unverified HTTPS request is being made to host \
             '{host}'. Adding certificate verification is strongly advised. See: \
             https://urllib3.readthedocs.io/en/latest/advanced-usage.html#tls-warnings\n  warnings.warn(\n"
        ));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_botocore_refuses() {
        for bad in ["localhost:1", "localhost", "http://", "http:///x", "http://-a.b", "http://a b", "http://a\tb"] {
            assert!(!botocore_valid_endpoint(bad), "{bad}");
        }
        for good in [
            "http://localhost:1",
            "https://ec2.us-east-1.amazonaws.com/",
            "ftp://127.0.0.1",
            "http://u@h.",
            "http://[::1]:5",
        ] {
            assert!(botocore_valid_endpoint(good), "{good}");
        }
    }
}
