//! STS over the Query protocol: `AssumeRole`, signed with the source credentials, and
//! `AssumeRoleWithWebIdentity`, unsigned. Bodies and responses are pure functions.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html>

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

use super::{Context, Credentials};
use crate::config::{self, EndpointOptions};
use crate::http::Request;
use crate::http::Url;
use crate::query::{FORM_CONTENT_TYPE, QueryBody};
use crate::retry::{self, Attempt, RetryConfig};
use crate::sigv4::{self, SignableRequest, SigningParams};
use crate::{ConfigErrorKind, Error, xml};

/// The STS API version of both actions.
pub(crate) const STS_API_VERSION: &str = "2011-06-15";

/// One `AssumeRole` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AssumeRole<'a> {
    pub(crate) role_arn: &'a str,
    pub(crate) session_name: &'a str,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) duration_seconds: Option<u32>,
}

/// The form body of an `AssumeRole` call.
pub(crate) fn assume_role_body(call: &AssumeRole<'_>) -> String {
    let mut body = QueryBody::new("AssumeRole", STS_API_VERSION);
    body.push("RoleArn", call.role_arn).push("RoleSessionName", call.session_name);
    if let Some(id) = call.external_id {
        body.push("ExternalId", id);
    }
    if let Some(d) = call.duration_seconds {
        body.push("DurationSeconds", &d.to_string());
    }
    body.into_string()
}

/// The form body of an `AssumeRoleWithWebIdentity` call.
pub(crate) fn web_identity_body(role_arn: &str, session_name: &str, token: &str) -> String {
    let mut body = QueryBody::new("AssumeRoleWithWebIdentity", STS_API_VERSION);
    body.push("RoleArn", role_arn).push("RoleSessionName", session_name).push("WebIdentityToken", token);
    body.into_string()
}

/// A session name made of `base` and the time in milliseconds, as the Rust SDK makes them
/// (`assume-role-from-profile-1632246085998`).
pub(crate) fn default_session_name(base: &str, now: SystemTime) -> String {
    format!("{base}-{}", now.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis())
}

/// The credentials in a successful `{action}Response`, with the account from the assumed
/// role's ARN.
pub(crate) fn parse_response(action: &str, text: &str) -> Result<Credentials, String> {
    let doc = xml::parse(text)?;
    let root = xml::root(&doc, &format!("{action}Response"))?;
    let result_name = format!("{action}Result");
    let result = xml::child(root, &result_name).ok_or_else(|| format!("missing <{result_name}>"))?;
    let creds = xml::child(result, "Credentials").ok_or("missing <Credentials>")?;
    let expiration = xml::required_text(creds, "Expiration")?;
    let expiry = crate::timestamp::parse_timestamp(expiration.trim())
        .ok_or_else(|| format!("<Expiration> is not a timestamp: {expiration:?}"))?;
    let mut credentials = Credentials::new(
        xml::required_text(creds, "AccessKeyId")?.trim(),
        xml::required_text(creds, "SecretAccessKey")?.trim(),
        Some(xml::required_text(creds, "SessionToken")?.trim().to_owned()),
    )
    .with_expiry(SystemTime::from(expiry));
    // arn:aws:sts::123456789012:assumed-role/name/session
    let arn = xml::child(result, "AssumedRoleUser").and_then(|u| xml::child_text(u, "Arn"));
    if let Some(account) = arn.as_deref().and_then(|a| a.trim().split(':').nth(4)) {
        credentials = credentials.with_account_id(account);
    }
    Ok(credentials)
}

/// Where STS calls go: the endpoint configured for `STS` (`AWS_ENDPOINT_URL_STS`,
/// `AWS_ENDPOINT_URL`, the profile's), else the regional endpoint of the partition, with the
/// FIPS and dual-stack settings. Plain HTTP only to this machine, unless allowed.
pub(crate) fn endpoint(ctx: &Context, region: &str) -> Result<Url, Error> {
    service_endpoint(ctx, "STS", "sts", region)
}

/// [`endpoint`] for any service of the credential sources (STS, the SSO portal).
pub(crate) fn service_endpoint(ctx: &Context, service_id: &str, host_prefix: &str, region: &str) -> Result<Url, Error> {
    match config::configured_endpoint(service_id, &ctx.env, &ctx.profiles)? {
        Some(configured) => {
            let endpoint = configured.parse()?;
            if endpoint.scheme == "http" && !endpoint.is_loopback() && !ctx.allow_insecure_http {
                return Err(Error::configuration(
                    ConfigErrorKind::InsecureEndpoint,
                    format!(
                        "{}: refusing to send credentials over plain http to {}; use https or a loopback endpoint",
                        configured.source, endpoint.authority
                    ),
                ));
            }
            Ok(endpoint)
        }
        None => {
            config::validate_region(region)?;
            let fips = config::use_fips(&ctx.env, &ctx.profiles)?;
            let dual_stack = config::use_dual_stack(&ctx.env, &ctx.profiles)?;
            let options = EndpointOptions::default().fips(fips).dual_stack(dual_stack);
            Url::endpoint(&format!("{}/", config::default_endpoint(host_prefix, region, options)))
        }
    }
}

/// Sends an STS call and reads the credentials from its answer; signed with `signing` when
/// given. Retried as the SDKs' standard mode does: three attempts on throttling, 5xx and
/// broken connections.
pub(crate) fn call(
    ctx: &Context,
    action: &str,
    body: &str,
    signing: Option<&Credentials>,
) -> Result<Credentials, Error> {
    let region = ctx.sts_region().to_owned();
    let endpoint = endpoint(ctx, &region)?;
    let url = endpoint.url();
    let policy = RetryConfig::default();
    ctx.retry(&policy, |_| {
        let mut request = Request::new("POST", &url).header("content-type", FORM_CONTENT_TYPE).body(body.as_bytes());
        if let Some(credentials) = signing {
            let headers = [("content-type", FORM_CONTENT_TYPE)];
            let signable = SignableRequest::new("POST", &endpoint.authority, &endpoint.path)
                .headers(headers)
                .body(body.as_bytes());
            let now = OffsetDateTime::from(ctx.now());
            let signed = sigv4::sign(&signable, &SigningParams::new(credentials, &region, "sts", now));
            for (name, value) in signed.headers() {
                request = request.header(name, value.clone());
            }
        }
        match ctx.http.send(&request) {
            // A 2xx that is not UTF-8 or does not parse is a malformed answer, as for EC2.
            Ok(response) if response.is_success() => Attempt::Done(
                std::str::from_utf8(&response.body)
                    .map_err(|_| "the body is not valid UTF-8".to_owned())
                    .and_then(|text| parse_response(action, text))
                    .map_err(|why| {
                        let id = response.request_id().map(str::to_owned);
                        let cause = Error::malformed(response.status, &why, &response.body, id);
                        Error::credentials("sts", format!("sts {action}: unreadable response"), Some(cause))
                    }),
            ),
            Ok(response) => retry::retry_if_retryable(response.to_error(), None),
            Err(e) => retry::retry_if_retryable(e, None),
        }
    })
    .unwrap_or_else(|e| {
        let err = e.error.with_attempts(e.attempts);
        Err(Error::credentials("sts", format!("sts {action} at {url} failed"), Some(err)))
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn bodies() {
        let call = AssumeRole {
            role_arn: "arn:aws:iam::123456789:role/integration-test",
            session_name: "assume-role-from-profile-1632246085998",
            external_id: None,
            duration_seconds: None,
        };
        assert_eq!(
            assume_role_body(&call),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789%3Arole%2Fintegration-test\
             &RoleSessionName=assume-role-from-profile-1632246085998"
        );
        let call = AssumeRole { external_id: Some("x y"), duration_seconds: Some(900), ..call };
        assert!(assume_role_body(&call).ends_with("&ExternalId=x%20y&DurationSeconds=900"));
        assert_eq!(
            web_identity_body("arn:r", "s", "eyJ.a+b/c="),
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Ar&RoleSessionName=s\
             &WebIdentityToken=eyJ.a%2Bb%2Fc%3D"
        );
        let t = UNIX_EPOCH + Duration::from_millis(1_632_246_085_998);
        assert_eq!(default_session_name("assume-role-from-profile", t), "assume-role-from-profile-1632246085998");
    }

    fn endpoint_for(env: &[(&str, &str)], allow_insecure: bool) -> Result<String, String> {
        let server = super::super::replay::ReplayServer::start(Vec::new(), false);
        let mut ctx = super::super::replay::context(env, &server, None, std::sync::Arc::new(SystemTime::now));
        ctx.allow_insecure_http = allow_insecure;
        let region = ctx.sts_region().to_owned();
        endpoint(&ctx, &region).map(|e| e.url()).map_err(|e| e.to_string())
    }

    #[test]
    fn endpoints() {
        assert_eq!(endpoint_for(&[], false).unwrap(), "https://sts.us-east-1.amazonaws.com/");
        assert_eq!(
            endpoint_for(&[("AWS_REGION", "cn-north-1")], false).unwrap(),
            "https://sts.cn-north-1.amazonaws.com.cn/"
        );
        let fips = [("AWS_REGION", "us-gov-east-1"), ("AWS_USE_FIPS_ENDPOINT", "true")];
        assert_eq!(endpoint_for(&fips, false).unwrap(), "https://sts.us-gov-east-1.amazonaws.com/");
        let both =
            [("AWS_REGION", "eu-west-1"), ("AWS_USE_FIPS_ENDPOINT", "true"), ("AWS_USE_DUALSTACK_ENDPOINT", "true")];
        assert_eq!(endpoint_for(&both, false).unwrap(), "https://sts-fips.eu-west-1.api.aws/");
        let local = [("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000"), ("AWS_ENDPOINT_URL", "https://all")];
        assert_eq!(endpoint_for(&local, false).unwrap(), "http://127.0.0.1:5000/");
        let remote = [("AWS_ENDPOINT_URL", "http://sts.corp.example")];
        let err = endpoint_for(&remote, false).unwrap_err();
        assert!(
            err.contains("AWS_ENDPOINT_URL: refusing to send credentials over plain http to sts.corp.example"),
            "{err}"
        );
        assert_eq!(endpoint_for(&remote, true).unwrap(), "http://sts.corp.example/");
        let ignored =
            [("AWS_ENDPOINT_URL_STS", "http://sts.corp.example"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")];
        assert_eq!(endpoint_for(&ignored, false).unwrap(), "https://sts.us-east-1.amazonaws.com/");
    }

    #[test]
    fn a_failure_keeps_its_kind_code_and_attempts() {
        use super::super::replay::{self, ReplayServer, answer};
        let busy = "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>busy</Message>\
                    </Error><RequestId>req-1</RequestId></ErrorResponse>";
        let server = ReplayServer::start(vec![answer(503, &[], busy)], true);
        let ctx = replay::context(&[], &server, None, std::sync::Arc::new(SystemTime::now));
        let signing = Credentials::new("AKIDEXAMPLE", "secret", None);
        let err = call(&ctx, "AssumeRole", "Action=AssumeRole", Some(&signing)).unwrap_err();
        assert_eq!(server.received().len(), 3, "the standard mode's three attempts");
        assert!(err.is_retryable(), "{err}");
        assert_eq!((err.code(), err.status(), err.attempts()), (Some("ServiceUnavailable"), Some(503), 3));
        let Error::Credentials(c) = &err else { panic!("{err:?}") };
        assert_eq!(c.provider(), "sts");
        assert!(matches!(c.cause(), Some(Error::Service(_))));
        assert!(
            crate::error::with_causes(&err)
                .starts_with("sts AssumeRole at https://sts.us-east-1.amazonaws.com/ failed: service error")
        );

        let denied = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>";
        let server = ReplayServer::start(vec![answer(403, &[], denied)], true);
        let ctx = replay::context(&[], &server, None, std::sync::Arc::new(SystemTime::now));
        let err = call(&ctx, "AssumeRole", "Action=AssumeRole", Some(&signing)).unwrap_err();
        assert_eq!(server.received().len(), 1);
        assert!(!err.is_retryable() && err.code() == Some("AccessDenied"), "{err}");
    }

    #[test]
    fn responses() {
        let text = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
            <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>\
            <Arn>arn:aws:sts::130633740322:assumed-role/r/s</Arn></AssumedRoleUser>\
            <Credentials><AccessKeyId>ASIARCORRECT</AccessKeyId><SecretAccessKey>secretkeycorrect</SecretAccessKey>\
            <SessionToken>tokencorrect</SessionToken><Expiration>2021-09-21T18:41:26Z</Expiration></Credentials>\
            </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>";
        let c = parse_response("AssumeRole", text).unwrap();
        assert_eq!(
            (c.access_key_id(), c.secret_access_key(), c.session_token()),
            ("ASIARCORRECT", "secretkeycorrect", Some("tokencorrect"))
        );
        assert_eq!(
            (c.account_id(), c.expiry()),
            (Some("130633740322"), Some(UNIX_EPOCH + Duration::from_secs(1_632_249_686)))
        );
        assert!(
            parse_response("AssumeRoleWithWebIdentity", text)
                .unwrap_err()
                .contains("expected <AssumeRoleWithWebIdentityResponse>")
        );
        let no_token = text.replace("<SessionToken>tokencorrect</SessionToken>", "");
        assert!(parse_response("AssumeRole", &no_token).unwrap_err().contains("missing <SessionToken>"));
        assert!(parse_response("AssumeRole", "<html>").is_err());
    }
}
