//! Container credentials: the ECS task role and EKS Pod Identity endpoints.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html>

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::Duration;

use super::context::Resolve;
use super::json::{self, JsonCredentials};
use super::{Context, Load};
use crate::env::Env;
use crate::http::Request;
use crate::http::Url;
use crate::retry::{Attempt, RetryConfig, RetryKind};
use crate::{ConfigErrorKind, CredentialsError, Error};

const RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
const FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
const TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
const TOKEN_FILE: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// Where a relative URI points: the ECS agent.
const ECS_HOST: &str = "http://169.254.170.2";
/// The Rust SDK's timeouts and botocore's attempts and pause.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole of one request, so that an answer trickled a byte at a time ends.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(5);
const ATTEMPTS: u32 = 3;
const PROVIDER: &str = "container";
const POLICY: RetryConfig = RetryConfig::transient_only(ATTEMPTS, Duration::from_secs(1));

/// The addresses a plain-HTTP full URI may point to besides loopback: the ECS agent and EKS
/// Pod Identity, IPv4 and IPv6.
const ALLOWED: [IpAddr; 3] = [
    IpAddr::V4(Ipv4Addr::new(169, 254, 170, 2)),
    IpAddr::V4(Ipv4Addr::new(169, 254, 170, 23)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)),
];

/// The URL to ask, from the environment: the relative URI (under the ECS agent) wins over the
/// full URI. `Ok(None)` when neither is set. A full URI over plain HTTP must point to this
/// machine or to the ECS or EKS agents, every resolved address of it, as in the Rust SDK:
/// credentials must not be fetched in the clear from elsewhere.
pub(crate) fn uri(env: &Env, resolve: &Resolve) -> Result<Option<String>, Error> {
    if let Some(relative) = env.get(RELATIVE_URI) {
        let relative = relative.trim();
        if !relative.starts_with('/') {
            return Err(Error::config(format!("{RELATIVE_URI} must be a path starting with `/`, not {relative:?}")));
        }
        return Ok(Some(format!("{ECS_HOST}{relative}")));
    }
    let Some(full) = env.get(FULL_URI) else { return Ok(None) };
    let full = full.trim();
    let bad = |why: String| Error::config(format!("{FULL_URI} {full:?}: {why}"));
    if !full.contains("://") {
        return Err(bad("the URI did not specify a host".into()));
    }
    let url = Url::parse(full).map_err(bad)?;
    // `localhost` by name; any other name must resolve to allowed addresses.
    if url.scheme == "https" || url.host.eq_ignore_ascii_case("localhost") {
        return Ok(Some(full.to_owned()));
    }
    let addresses = match url.ip() {
        Some(ip) => vec![ip],
        // `127.1`, `0x7f.0.0.1`, `2130706433`: an address in a spelling the resolver reads as
        // one (inet_aton), which botocore refuses. Refused before any lookup, whatever it names.
        None if looks_like_ipv4(&url.host) => {
            return Err(bad(format!(
                "{} is an address not written as four decimal numbers; plain http is allowed only to a \
                 loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23, written out; use https",
                url.host
            )));
        }
        None => resolve(&url.host, url.port).map_err(|e| bad(format!("could not resolve {}: {e}", url.host)))?,
    };
    let allowed = |ip: &IpAddr| is_loopback(ip) || ALLOWED.contains(ip);
    if addresses.is_empty() || !addresses.iter().all(allowed) {
        return Err(bad(format!(
            "plain http is allowed only to a loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23, \
             and {} is not one; use https",
            url.host
        )));
    }
    Ok(Some(full.to_owned()))
}

/// A loopback address as botocore's `ContainerMetadataFetcher` sees one (`botocore/utils.py`,
/// `_is_loopback_address`: Python's `ip_address(host).is_loopback`): 127.0.0.0/8, or `::1`.
/// Not the IPv4-mapped `::ffff:127.0.0.1` (also written `::ffff:7f00:1`), nor `::127.0.0.1`:
/// botocore and the Rust SDK (`IpAddr::is_loopback`) refuse them for container credentials,
/// though other uses in this crate count a mapped loopback address as this machine.
fn is_loopback(ip: &IpAddr) -> bool {
    ip.is_loopback()
}

/// Whether `host` is a number or dotted numbers (decimal, octal or `0x` hex: its last label is
/// one), which URL parsers and `inet_aton` read as an IPv4 address, not as a name to look up.
fn looks_like_ipv4(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or(host);
    let hex = last.strip_prefix("0x").or_else(|| last.strip_prefix("0X"));
    match hex {
        Some(digits) => digits.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// The `Authorization` value: the token file (read every time: it is rotated) wins over the
/// token variable. A token with a line break would split the header, and is refused.
fn auth_token(ctx: &Context) -> Result<Option<String>, Error> {
    let token = match ctx.env.get(TOKEN_FILE) {
        Some(path) => {
            let path = path.trim();
            let text = ctx.fs.read_to_string(Path::new(path)).map_err(|e| {
                Error::configuration(ConfigErrorKind::File, format!("could not read {TOKEN_FILE} {path}: {e}"))
            })?;
            Some((text.trim_end().to_owned(), TOKEN_FILE))
        }
        None => ctx.env.get(TOKEN).map(|t| (t.trim_end().to_owned(), TOKEN)),
    };
    match token {
        Some((t, var)) if t.contains(['\r', '\n']) => Err(Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("the token from {var} has a line break, which a header cannot carry"),
        )),
        Some((t, _)) => Ok(Some(t)),
        None => Ok(None),
    }
}

/// Credentials from the container endpoint; not configured when no URI is set.
pub(crate) fn load(ctx: &Context) -> Result<Load, Error> {
    let Some(url) = uri(&ctx.env, &ctx.resolve)? else {
        return Ok(Load::NotConfigured(format!("neither {RELATIVE_URI} nor {FULL_URI} is set")));
    };
    let token = auth_token(ctx)?;
    ctx.retry(&POLICY, |_| {
        let mut request = Request::new("GET", &url)
            .header("accept", "application/json")
            .timeouts(CONNECT_TIMEOUT, READ_TIMEOUT)
            .total_timeout(TOTAL_TIMEOUT);
        if let Some(t) = &token {
            request = request.header("authorization", t.as_str());
        }
        let failure = match ctx.http.send(&request) {
            Ok(response) if response.status == 200 => {
                return Attempt::Done(match json::parse_credentials(&response.text()) {
                    // As botocore: credentials already expired would be refused on every call;
                    // say so once, here.
                    Ok(JsonCredentials::Credentials(c)) if c.expiry().is_some_and(|t| t <= ctx.now()) => {
                        let at = c.expiry().map(|t| crate::format_timestamp(t.into())).unwrap_or_default();
                        Err(Error::credentials(
                            PROVIDER,
                            format!("the credentials {url} returned had already expired (at {at})"),
                            None,
                        ))
                    }
                    Ok(JsonCredentials::Credentials(c)) => Ok(Load::Loaded(c)),
                    Ok(JsonCredentials::Error { code, message }) => {
                        Err(Error::credentials(PROVIDER, format!("{url} refused: [{code}] {message}"), None))
                    }
                    Err(why) => {
                        Err(Error::credentials(PROVIDER, format!("the response of {url} is unreadable: {why}"), None))
                    }
                });
            }
            Ok(response) if response.status < 500 => {
                let detail = match json::parse_credentials(&response.text()) {
                    Ok(JsonCredentials::Error { code, message }) => format!(": [{code}] {message}"),
                    _ => String::new(),
                };
                let context = format!("{url} answered {}{detail}", response.status);
                return Attempt::Done(Err(Error::credentials(PROVIDER, context, None)));
            }
            Ok(response) => {
                let cause = Error::unexpected(response.status, "container endpoint error", &response.body, None);
                (format!("{url} answered {}", response.status), cause)
            }
            Err(e) => (format!("could not reach {url}"), e),
        };
        Attempt::Retry { error: failure, kind: RetryKind::Transient, retry_after: None }
    })
    .unwrap_or_else(|e| {
        let ((context, cause), attempts) = (e.error, e.attempts);
        // The cause, typed, says why and after how many attempts; the context does not repeat it.
        Err(Error::Credentials(CredentialsError {
            provider: PROVIDER,
            message: context,
            source: Some(Box::new(cause.with_attempts(attempts))),
        }))
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::Value;

    use super::*;

    const SUITE: &str = include_str!("../../tests/sdk-test-data/ecs-tests.json");

    fn no_dns() -> Resolve {
        Arc::new(|host, _| Err(std::io::Error::other(format!("no dns in tests ({host})"))))
    }

    /// The Rust SDK's words, where this crate says the same in its own.
    fn our_words(expected: &str) -> &str {
        match expected {
            "No environment variables were set to configure ECS provider" => "<not configured>",
            other => other,
        }
    }

    #[test]
    fn ecs_tests_suite() {
        let suite: Value = serde_json::from_str(SUITE).unwrap();
        let cases = suite["tests"].as_array().unwrap();
        assert_eq!(cases.len(), 11, "the suite changed: review the cases");
        let mut failures = Vec::new();
        for case in cases {
            let docs = case["docs"].as_str().unwrap_or_default();
            let env: Vec<(&str, &str)> =
                case["env"].as_object().unwrap().iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap())).collect();
            let got = match uri(&Env::from_pairs(env), &no_dns()) {
                Ok(Some(u)) => Ok(u),
                Ok(None) => Err("<not configured>".to_owned()),
                Err(e) => Err(e.to_string()),
            };
            let result = &case["result"];
            let ok = match (
                &got,
                result.get("Ok").and_then(Value::as_str),
                result.get("ErrorContains").and_then(Value::as_str),
            ) {
                (Ok(u), Some(want), None) => u == want,
                (Err(e), None, Some(want)) => e.to_lowercase().contains(&our_words(want).to_lowercase()),
                _ => false,
            };
            if !ok {
                failures.push(format!("{docs}: got {got:?}, want {result}"));
            }
        }
        assert!(failures.is_empty(), "ecs-tests.json:\n{}", failures.join("\n"));
    }

    /// botocore 1.44.8 (`botocore/utils.py`, `ContainerMetadataFetcher._validate_allowed_url`,
    /// which accepts `localhost`, its `_ALLOWED_HOSTS` and what `ipaddress.ip_address(host)
    /// .is_loopback` says is loopback) refuses each of these; so does the Rust SDK, which calls
    /// `IpAddr::is_loopback` (false for an IPv4-mapped address).
    #[test]
    fn only_loopback_written_out_is_loopback_for_container_credentials() {
        // A resolver that would say yes to anything: the spellings must be refused before it.
        let anything_is_loopback: Resolve = Arc::new(|_, _| Ok(vec!["127.0.0.1".parse().unwrap()]));
        for refused in [
            "http://[::ffff:127.0.0.1]:1/",
            "http://[::ffff:7f00:1]/creds",
            "http://[::127.0.0.1]/creds",
            "http://127.1/creds",
            "http://0x7f.0.0.1/creds",
            "http://0x7f000001/creds",
            "http://0177.0.0.1/creds",
            "http://127.0.0.01/creds",
            "http://2130706433/creds",
            "http://[::ffff:169.254.170.2]/creds",
        ] {
            let env = Env::from_pairs([(FULL_URI, refused)]);
            let err = uri(&env, &anything_is_loopback).expect_err(refused);
            assert!(err.to_string().contains("plain http is allowed only to a loopback address"), "{refused}: {err}");
        }
        for accepted in [
            "http://127.0.0.1:1/creds",
            "http://127.255.255.254/creds",
            "http://[::1]:8080/creds",
            "http://[0:0:0:0:0:0:0:1]/creds",
            "http://localhost/creds",
            "http://LOCALHOST:1/creds",
            "http://169.254.170.2/v2/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
            "https://[::ffff:10.0.0.1]/creds",
        ] {
            let env = Env::from_pairs([(FULL_URI, accepted)]);
            assert_eq!(uri(&env, &no_dns()).unwrap().as_deref(), Some(accepted));
        }
        // A name that resolves to an IPv4-mapped loopback address is refused too.
        let mapped: Resolve = Arc::new(|_, _| Ok(vec!["::ffff:127.0.0.1".parse().unwrap()]));
        let env = Env::from_pairs([(FULL_URI, "http://creds.internal/")]);
        assert!(uri(&env, &mapped).is_err());
        // Names that merely start or end with digits are names.
        assert!(!looks_like_ipv4("ecs-agent.1a") && !looks_like_ipv4("10.example") && looks_like_ipv4("1.2.3.4."));
    }

    #[test]
    fn host_names_must_resolve_to_allowed_addresses_only() {
        let env = Env::from_pairs([(FULL_URI, "http://pod-identity.internal/v1/credentials")]);
        let to = |ips: Vec<IpAddr>| -> Resolve { Arc::new(move |_, _| Ok(ips.clone())) };
        let eks = to(vec!["169.254.170.23".parse().unwrap(), "fd00:ec2::23".parse().unwrap()]);
        assert!(uri(&env, &eks).unwrap().is_some());
        let mixed = to(vec!["169.254.170.23".parse().unwrap(), "10.0.0.1".parse().unwrap()]);
        let err = uri(&env, &mixed).unwrap_err().to_string();
        assert!(err.contains("plain http is allowed only to a loopback address"), "{err}");
        assert!(uri(&env, &to(vec![])).is_err());
        let err = uri(&env, &no_dns()).unwrap_err().to_string();
        assert!(err.contains("could not resolve pod-identity.internal"), "{err}");
        let outside = Env::from_pairs([(FULL_URI, "http://10.0.0.1/creds")]);
        assert!(uri(&outside, &no_dns()).is_err());
        let relative = Env::from_pairs([(RELATIVE_URI, "credentials")]);
        assert!(uri(&relative, &no_dns()).unwrap_err().to_string().contains("must be a path starting with `/`"));
    }
}
