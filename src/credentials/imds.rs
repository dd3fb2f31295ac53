//! EC2 instance metadata (IMDSv2 only): a session token, then the instance role's credentials
//! or the instance's region.
//! <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html>

use std::sync::PoisonError;
use std::time::{Duration, SystemTime};

use super::imds_client::ImdsClient;
use super::json::{self, JsonCredentials};
use super::{Context, Credentials, Load};
use crate::Error;
use crate::error::TransportErrorKind;
use crate::http::Request;
use crate::retry::{Attempt, RetryConfig, RetryKind};

const TOKEN_PATH: &str = "/latest/api/token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";
const REGION_PATH: &str = "/latest/meta-data/placement/region";
/// Six hours, the most IMDS grants and what the SDKs ask for.
const TOKEN_TTL_HEADER: &str = "21600";
const TOKEN_TTL: Duration = Duration::from_secs(21_600);
/// A token is renewed this long before it expires, as in the Rust SDK.
const TOKEN_REFRESH_BEFORE: Duration = Duration::from_secs(120);
/// Fail fast off EC2: nothing answers at the link-local address there.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const READ_TIMEOUT: Duration = Duration::from_secs(1);
/// The whole of one IMDS request: headers or a body sent a byte at a time end here (the
/// region lookup of a client without a region runs outside the credential load timeout).
const TOTAL_TIMEOUT: Duration = Duration::from_secs(2);
/// The Rust SDK's IMDS retry policy: four attempts on 5xx and 401, 1 s base backoff.
const POLICY: RetryConfig = RetryConfig::transient_only(4, Duration::from_secs(1));
/// Expired credentials from IMDS (during an outage IMDS keeps serving the last ones) are used
/// for this long plus up to five minutes more, as in the Rust SDK.
const STALE_EXTENSION: Duration = Duration::from_secs(10 * 60);
/// After a failed refresh, the last credentials are used this long plus up to five minutes
/// more before IMDS is asked again.
const FAILED_REFRESH_EXTENSION: Duration = Duration::from_secs(5 * 60);
const EXTENSION_JITTER_SECONDS: u64 = 300;

/// How an IMDS request failed.
#[derive(Debug)]
enum ImdsError {
    /// Nothing answered: not on EC2 (or a container without a route to it).
    Unreachable(String),
    /// IMDS answered `status` to `path`.
    Status { status: u16, path: String },
    /// A configured IMDS that misbehaved.
    Failed(String),
}

impl ImdsError {
    fn message(&self, endpoint: &str) -> String {
        match self {
            ImdsError::Unreachable(why) => format!("no instance metadata service at {endpoint} ({why})"),
            ImdsError::Status { status: 403, path } if path == TOKEN_PATH => {
                "request forbidden: IMDS is disabled or the caller has insufficient permissions (403 for a token)"
                    .to_owned()
            }
            ImdsError::Status { status: 400, path } if path == TOKEN_PATH => {
                "invalid parameters for an IMDS token request (400)".to_owned()
            }
            ImdsError::Status { status, path } => format!("instance metadata answered {status} for {path}"),
            ImdsError::Failed(why) => why.clone(),
        }
    }
}

impl ImdsClient {
    /// The instance role's credentials. Not configured when IMDS is disabled, unreachable, or
    /// the instance has no role. When a refresh fails after an earlier success, the earlier
    /// credentials are returned, good for a few more minutes.
    pub(crate) fn load_credentials(&self, ctx: &Context) -> Result<Load, Error> {
        if let Some(why) = &self.disabled {
            return Ok(Load::NotConfigured(why.clone()));
        }
        let fetched = self.fetch_credentials(ctx);
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        match fetched {
            Ok(credentials) => {
                let credentials = extend_if_expired(credentials, ctx.now(), (ctx.rand)());
                *last = Some(credentials.clone());
                Ok(Load::Loaded(credentials))
            }
            Err(e) => {
                if let Some(previous) = last.clone() {
                    let until = ctx.now() + FAILED_REFRESH_EXTENSION + jitter((ctx.rand)());
                    let keep = previous.expiry().is_some_and(|t| t > until);
                    let previous = if keep { previous } else { previous.set_expiry(Some(until)) };
                    *last = Some(previous.clone());
                    return Ok(Load::Loaded(previous));
                }
                match e {
                    ImdsError::Unreachable(_) => Ok(Load::NotConfigured(e.message(&self.endpoint))),
                    ImdsError::Status { status: 404, ref path } if path == CREDENTIALS_PATH => Ok(Load::NotConfigured(
                        "the instance has no IAM role (404 for iam/security-credentials/)".into(),
                    )),
                    e => Err(Error::credentials("instance metadata", e.message(&self.endpoint), None)),
                }
            }
        }
    }

    /// The instance's region (`placement/region`), or `None` when IMDS cannot tell.
    pub(crate) fn region(&self, ctx: &Context) -> Option<String> {
        if self.disabled.is_some() {
            return None;
        }
        let region = self.get(ctx, REGION_PATH).ok()?;
        let region = region.trim().to_owned();
        crate::config::validate_region(&region).ok().map(|()| region)
    }

    fn fetch_credentials(&self, ctx: &Context) -> Result<Credentials, ImdsError> {
        // The role name is fetched every time, as in both SDKs: a replaced instance profile
        // has another role.
        let role = self.get(ctx, CREDENTIALS_PATH)?;
        let role = role.trim();
        if role.is_empty() || role.contains(['/', '?', '#']) || role.chars().any(char::is_control) {
            return Err(ImdsError::Failed(format!("instance metadata gave an unusable role name {role:?}")));
        }
        let text = self.get(ctx, &format!("{CREDENTIALS_PATH}{role}"))?;
        match json::parse_credentials(&text) {
            Ok(JsonCredentials::Credentials(c)) => Ok(c),
            Ok(JsonCredentials::Error { code, message }) if code == "AssumeRoleUnauthorizedAccess" => {
                Err(ImdsError::Failed(format!(
                    "incorrect IMDS/IAM configuration: [{code}] {message}; does role `{role}` have a trust \
                     relationship with EC2?"
                )))
            }
            Ok(JsonCredentials::Error { code, message }) => {
                Err(ImdsError::Failed(format!("error retrieving credentials from IMDS: [{code}] {message}")))
            }
            Err(why) => Err(ImdsError::Failed(format!("the credentials of role `{role}` are unreadable: {why}"))),
        }
    }

    /// `GET path` with a session token, retried on 5xx and, with a new token, on 401.
    fn get(&self, ctx: &Context, path: &str) -> Result<String, ImdsError> {
        let url = format!("{}{path}", self.endpoint);
        let status = |status| ImdsError::Status { status, path: path.to_owned() };
        ctx.retry(&POLICY, |_| {
            let token = match self.token(ctx) {
                Ok(t) => t,
                Err(e) => return Attempt::Fail(e),
            };
            let request = Request::new("GET", &url)
                .header("x-aws-ec2-metadata-token", token)
                .timeouts(CONNECT_TIMEOUT, READ_TIMEOUT)
                .total_timeout(TOTAL_TIMEOUT);
            let response = match ctx.http.send(&request) {
                Ok(r) => r,
                Err(e) => return Attempt::Fail(unreachable_or_failed(e)),
            };
            match response.status {
                200 => match String::from_utf8(response.body) {
                    Ok(text) => Attempt::Done(text),
                    Err(_) => Attempt::Fail(ImdsError::Failed(format!(
                        "instance metadata sent bytes that are not UTF-8 for {path}"
                    ))),
                },
                401 => {
                    self.forget_token();
                    retry_status(status(401))
                }
                s if s >= 500 => retry_status(status(s)),
                s => Attempt::Fail(status(s)),
            }
        })
        .map_err(|e| e.error)
    }

    fn forget_token(&self) {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The session token, cached until two minutes before it expires.
    fn token(&self, ctx: &Context) -> Result<String, ImdsError> {
        let mut cached = self.token.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((token, expires)) = cached.as_ref()
            && ctx.now() + TOKEN_REFRESH_BEFORE < *expires
        {
            return Ok(token.clone());
        }
        let url = format!("{}{TOKEN_PATH}", self.endpoint);
        let response = ctx
            .retry(&POLICY, |_| {
                let request = Request::new("PUT", &url)
                    .header("x-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL_HEADER)
                    .body(&[])
                    .timeouts(CONNECT_TIMEOUT, READ_TIMEOUT)
                    .total_timeout(TOTAL_TIMEOUT);
                match ctx.http.send(&request) {
                    Ok(response) if response.status < 500 => Attempt::Done(response),
                    Ok(response) => {
                        retry_status(ImdsError::Status { status: response.status, path: TOKEN_PATH.to_owned() })
                    }
                    Err(e) => Attempt::Fail(unreachable_or_failed(e)),
                }
            })
            .map_err(|e| e.error)?;
        if response.status != 200 {
            return Err(ImdsError::Status { status: response.status, path: TOKEN_PATH.to_owned() });
        }
        // Real IMDS always sends the TTL; emulators often do not, and botocore goes on with the
        // TTL it asked for: so does this crate. A TTL is never trusted beyond what was asked
        // for (an absurd one must not overflow the expiry).
        let ttl = response
            .header("x-aws-ec2-metadata-token-ttl-seconds")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(TOKEN_TTL, |s| Duration::from_secs(s).min(TOKEN_TTL));
        let token = String::from_utf8(response.body)
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| ImdsError::Failed("the IMDS token response is not a token".into()))?;
        *cached = Some((token.clone(), ctx.now() + ttl));
        Ok(token)
    }
}

/// A failure to connect (or a timeout, which is how a missing route looks) means there is no
/// IMDS here; anything else is a broken one.
fn unreachable_or_failed(e: Error) -> ImdsError {
    match &e {
        Error::Transport(t) if matches!(t.kind(), TransportErrorKind::Connect | TransportErrorKind::Timeout) => {
            ImdsError::Unreachable(e.to_string())
        }
        _ => ImdsError::Failed(format!("instance metadata request failed: {}", super::reason(&e))),
    }
}

/// A failure IMDS may not repeat: retried after a backoff.
fn retry_status<T>(error: ImdsError) -> Attempt<T, ImdsError> {
    Attempt::Retry { error, kind: RetryKind::Transient, retry_after: None }
}

/// Credentials IMDS gave already expired are still served during an IMDS outage; use them a
/// while rather than failing every call, as the Rust SDK does.
fn extend_if_expired(credentials: Credentials, now: SystemTime, rand: f64) -> Credentials {
    match credentials.expiry() {
        Some(expiry) if expiry <= now => credentials.set_expiry(Some(now + STALE_EXTENSION + jitter(rand))),
        _ => credentials,
    }
}

/// Up to five minutes, `rand` in [0, 1).
fn jitter(rand: f64) -> Duration {
    Duration::from_secs((rand * EXTENSION_JITTER_SECONDS as f64) as u64)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::super::replay::{self, Answer, ReplayServer, answer};
    use super::*;

    const T0: u64 = 1_700_000_000;
    const CREDS: &str = r#"{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t","Expiration":"2023-11-14T23:13:20Z"}"#;

    fn token(t: &str) -> Answer {
        answer(200, &[("x-aws-ec2-metadata-token-ttl-seconds", "21600")], t)
    }

    fn clock() -> (Arc<AtomicU64>, crate::timestamp::Clock) {
        let now = Arc::new(AtomicU64::new(T0));
        let n = Arc::clone(&now);
        (now, Arc::new(move || SystemTime::UNIX_EPOCH + Duration::from_secs(n.load(Ordering::SeqCst))))
    }

    fn loaded(load: Result<Load, Error>) -> Credentials {
        match load {
            Ok(Load::Loaded(c)) => c,
            other => panic!("expected credentials, got {other:?}"),
        }
    }

    #[test]
    fn a_failed_refresh_keeps_the_last_credentials_a_while() {
        // 2023-11-14T23:13:20Z is T0 + 1 h.
        let mut answers = vec![token("A"), answer(200, &[], "role"), answer(200, &[], CREDS)];
        answers.extend((0..8).map(|_| answer(500, &[], "")));
        let server = ReplayServer::start(answers, false);
        let (now, clock) = clock();
        let ctx = replay::context(&[], &server, None, clock);
        let first = loaded(ctx.imds.load_credentials(&ctx));
        assert_eq!(first.expiry(), Some(SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + 3600)));
        // IMDS fails (four attempts): the same credentials, still valid for an hour, as they are.
        assert_eq!(loaded(ctx.imds.load_credentials(&ctx)), first);
        // Past their expiry, IMDS still failing: the same keys, good for five to ten more minutes.
        now.store(T0 + 3601, Ordering::SeqCst);
        let stale = loaded(ctx.imds.load_credentials(&ctx));
        assert_eq!(stale.access_key_id(), "ASIA1");
        let left =
            stale.expiry().unwrap().duration_since(SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + 3601)).unwrap();
        assert!(
            left >= FAILED_REFRESH_EXTENSION && left <= FAILED_REFRESH_EXTENSION + Duration::from_secs(300),
            "{left:?}"
        );
        assert_eq!(server.received().len(), 3 + 8);
    }

    #[test]
    fn an_expired_token_is_replaced_once() {
        let answers =
            vec![token("A"), answer(401, &[], ""), token("B"), answer(200, &[], "role"), answer(200, &[], CREDS)];
        let server = ReplayServer::start(answers, false);
        let ctx = replay::context(&[], &server, None, clock().1);
        assert_eq!(loaded(ctx.imds.load_credentials(&ctx)).access_key_id(), "ASIA1");
        let sent: Vec<(String, Option<String>)> = server
            .received()
            .iter()
            .map(|r| (format!("{} {}", r.method, r.uri), r.header("x-aws-ec2-metadata-token").map(str::to_owned)))
            .collect();
        let t = |s: &str| Some(s.to_owned());
        assert_eq!(
            sent,
            [
                ("PUT http://169.254.169.254/latest/api/token".to_owned(), None),
                ("GET http://169.254.169.254/latest/meta-data/iam/security-credentials/".to_owned(), t("A")),
                ("PUT http://169.254.169.254/latest/api/token".to_owned(), None),
                ("GET http://169.254.169.254/latest/meta-data/iam/security-credentials/".to_owned(), t("B")),
                ("GET http://169.254.169.254/latest/meta-data/iam/security-credentials/role".to_owned(), t("B")),
            ]
        );
    }

    #[test]
    fn broken_answers_are_errors_not_a_silent_fallback() {
        for (answers, want) in [
            (vec![answer(400, &[], "")], "invalid parameters"),
            (
                vec![
                    token("A"),
                    answer(200, &[], "role"),
                    answer(200, &[], r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"m"}"#),
                ],
                "trust relationship with EC2",
            ),
            (vec![token("A"), answer(200, &[], "role"), answer(200, &[], "{not json")], "unreadable"),
        ] {
            let server = ReplayServer::start(answers, false);
            let ctx = replay::context(&[], &server, None, clock().1);
            let err = ctx.imds.load_credentials(&ctx).unwrap_err().to_string();
            assert!(err.contains(want), "{want}: {err}");
        }
        // IPv6 mode asks the IPv6 address.
        let server = ReplayServer::start(vec![token("A"), answer(200, &[], "eu-south-2")], false);
        let ctx = replay::context(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")], &server, None, clock().1);
        assert_eq!(ctx.imds.region(&ctx).as_deref(), Some("eu-south-2"));
        assert_eq!(server.received()[1].uri, "http://[fd00:ec2::254]/latest/meta-data/placement/region");
    }

    #[test]
    fn expired_credentials_are_extended_fresh_ones_kept() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let fresh = Credentials::new("a", "b", None).with_expiry(now + Duration::from_secs(60));
        assert_eq!(extend_if_expired(fresh.clone(), now, 0.5), fresh);
        let stale = Credentials::new("a", "b", None).with_expiry(now - Duration::from_secs(60));
        let extended = extend_if_expired(stale, now, crate::retry::random_fraction()).expiry().unwrap();
        assert!(extended >= now + STALE_EXTENSION && extended <= now + STALE_EXTENSION + Duration::from_secs(300));
    }
}
