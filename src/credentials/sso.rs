//! IAM Identity Center (SSO): the access token the AWS CLI cached at `aws sso login`, exchanged
//! at the portal for a role's credentials (`GetRoleCredentials`). No login flow here.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-sso-credentials.html>

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tinyjson::JsonValue;

use super::json;
use super::{Context, Credentials, sts};
use crate::http::{Request, Response};
use crate::profile::{self, Platform, Sso};
use crate::retry::{self, Attempt, RetryConfig};
use crate::sigv4::percent::encode_into;
use crate::timestamp::{format_timestamp, parse_timestamp};
use crate::{ConfigErrorKind, Error};

const PROVIDER: &str = "sso";

/// What to ask the portal for, and with which cached token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoRole<'a> {
    pub(crate) profile: &'a str,
    pub(crate) sso: &'a Sso,
    pub(crate) account_id: &'a str,
    pub(crate) role_name: &'a str,
}

/// The profile's role credentials from the portal. A profile with SSO settings but no
/// account and role is for an access token (Builder ID tools), not credentials: an error.
pub(crate) fn load(ctx: &Context, profile: &str, sso: &Sso) -> Result<Credentials, Error> {
    let (Some(account_id), Some(role_name)) = (sso.sso_account_id.as_deref(), sso.sso_role_name.as_deref()) else {
        return Err(Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!(
                "profile `{profile}` has SSO settings without sso_account_id and sso_role_name: the selected profile \
                 will resolve an access token instead of credentials"
            ),
        ));
    };
    let role = SsoRole { profile, sso, account_id, role_name };
    let token = cached_token(ctx, &role)?;
    get_role_credentials(ctx, &role, &token)
}

/// `~/.aws/sso/cache/<sha1>.json`, where the AWS CLI keeps the token of a session: the SHA-1
/// of the `sso_session` name, or of the start URL for the older profile-only settings.
pub(crate) fn cache_file(home: &str, sso: &Sso) -> PathBuf {
    let key = sso.sso_session.as_deref().unwrap_or(&sso.sso_start_url);
    let name = format!("{}.json", hex::encode(sha1(key.as_bytes())));
    // Built with `/` so that a test root maps it; std accepts `/` on Windows too.
    PathBuf::from(format!("{}/.aws/sso/cache/{name}", home.trim_end_matches(['/', '\\'])))
}

/// The access token, checked not to have expired.
fn cached_token(ctx: &Context, role: &SsoRole<'_>) -> Result<String, Error> {
    let login = format!("aws sso login --profile {}", role.profile);
    let home = profile::home_dir(&ctx.env, Platform::current()).ok_or_else(|| {
        Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("no home directory (HOME) to find the cached SSO token in; run `{login}`"),
        )
    })?;
    let path = cache_file(&home, role.sso);
    let text = ctx.fs.read_to_string(&path).map_err(|e| {
        Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("could not read the cached SSO token `{}`: {e}; run `{login}`", path.display()),
        )
    })?;
    parse_cached_token(&text, ctx.now()).map_err(|why| {
        Error::configuration(
            ConfigErrorKind::CredentialSource,
            format!("the cached SSO token `{}` {why}; run `{login}`", path.display()),
        )
    })
}

/// `accessToken` of a cache file, if `expiresAt` is still ahead.
pub(crate) fn parse_cached_token(text: &str, now: SystemTime) -> Result<String, String> {
    let object = json::parse_object(text).map_err(|e| format!("is unreadable: {e}"))?;
    let token = json::string(&object, "accessToken").ok_or("has no accessToken")?;
    let expires = json::string(&object, "expiresAt").ok_or("has no expiresAt")?;
    let expires = parse_timestamp(expires).ok_or("has an unreadable expiresAt")?;
    if SystemTime::from(expires) <= now {
        return Err(format!("expired at {}", format_timestamp(expires)));
    }
    Ok(token.to_owned())
}

/// `GET /federation/credentials?account_id=..&role_name=..` with the token in
/// `x-amz-sso_bearer_token`; retried like the SDKs' standard mode.
fn get_role_credentials(ctx: &Context, role: &SsoRole<'_>, token: &str) -> Result<Credentials, Error> {
    let endpoint = sts::service_endpoint(ctx, "SSO", "portal.sso", &role.sso.sso_region)?;
    let mut url = endpoint.url().trim_end_matches('/').to_owned();
    url.push_str("/federation/credentials?account_id=");
    encode_into(&mut url, role.account_id, false);
    url.push_str("&role_name=");
    encode_into(&mut url, role.role_name, false);
    let policy = RetryConfig::default();
    let refused = |response: &Response| {
        let context = format!(
            "sso GetRoleCredentials refused the cached token for role {} in account {} ({}); run `aws sso login \
             --profile {}`",
            role.role_name,
            role.account_id,
            error_detail(&response.text(), response.status),
            role.profile
        );
        Error::credentials(PROVIDER, context, None)
    };
    ctx.retry(&policy, |_| {
        let request = Request::new("GET", &url).header("x-amz-sso_bearer_token", token);
        match ctx.http.send(&request) {
            Ok(response) if response.is_success() => {
                Attempt::Done(parse_role_credentials(&response.text(), role.account_id).map_err(|why| {
                    Error::credentials(PROVIDER, format!("sso GetRoleCredentials: unreadable response ({why})"), None)
                }))
            }
            Ok(response) if matches!(response.status, 401 | 403) => Attempt::Done(Err(refused(&response))),
            Ok(response) => retry::retry_if_retryable(
                Error::unexpected(response.status, &error_detail(&response.text(), response.status), b"", None),
                None,
            ),
            Err(e) => retry::retry_if_retryable(e, None),
        }
    })
    .unwrap_or_else(|e| {
        let err = e.error.with_attempts(e.attempts);
        Err(Error::credentials(PROVIDER, format!("sso GetRoleCredentials at {url} failed"), Some(err)))
    })
}

/// `[Code] message` of a JSON error, else the status.
fn error_detail(text: &str, status: u16) -> String {
    let Ok(object) = json::parse_object(text) else { return format!("http {status}") };
    let message = json::string(&object, "message").unwrap_or_default();
    match json::string(&object, "__type").or_else(|| json::string(&object, "code")) {
        Some(code) => format!("http {status}, {code}: {message}"),
        None => format!("http {status}: {message}"),
    }
}

/// `{"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken", "expiration"}}`,
/// the expiration in milliseconds since the epoch.
pub(crate) fn parse_role_credentials(text: &str, account_id: &str) -> Result<Credentials, String> {
    let object = json::parse_object(text)?;
    let Some(JsonValue::Object(creds)) = json::member(&object, "roleCredentials") else {
        return Err("no roleCredentials".into());
    };
    let required = |name: &str| json::string(creds, name).ok_or_else(|| format!("no {name}"));
    let expiration = match json::member(creds, "expiration") {
        Some(JsonValue::Number(ms)) if ms.is_finite() && *ms >= 0.0 => *ms,
        _ => return Err("no expiration".into()),
    };
    let expiry =
        UNIX_EPOCH.checked_add(Duration::from_millis(expiration as u64)).ok_or("the expiration is out of range")?;
    Ok(Credentials::new(
        required("accessKeyId")?,
        required("secretAccessKey")?,
        json::string(creds, "sessionToken").map(str::to_owned),
    )
    .with_expiry(expiry)
    .with_account_id(account_id))
}

/// SHA-1 (FIPS 180-4), for the cache file names only: they are the AWS CLI's, and SHA-1 is
/// what it uses. Not for anything that needs a secure hash.
pub(crate) fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
    let mut message = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a.rotate_left(5).wrapping_add(f).wrapping_add(e).wrapping_add(k).wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (s, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_vectors() {
        let hex = |s: &[u8]| hex::encode(sha1(s));
        assert_eq!(hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(hex(&[b'a'; 1_000_000]), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    }

    #[test]
    fn cache_file_names_are_the_aws_clis() {
        let legacy = Sso {
            sso_session: None,
            sso_region: "us-east-2".into(),
            sso_start_url: "https://ssotest.awsapps.com/start".into(),
            sso_account_id: None,
            sso_role_name: None,
        };
        assert_eq!(
            cache_file("/home/", &legacy),
            PathBuf::from("/home/.aws/sso/cache/dace00cba5f8355ec9d274ceb2bcebdfbeed0e12.json")
        );
        let session = Sso { sso_session: Some("dev".into()), ..legacy };
        assert_eq!(
            cache_file("/home", &session),
            PathBuf::from("/home/.aws/sso/cache/34c6fceca75e456f25e7e99531e2425c6c1de443.json")
        );
    }

    #[test]
    fn cached_tokens() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let text = r#"{"accessToken": "tok", "expiresAt": "2080-10-16T03:56:45Z", "startUrl": "https://x"}"#;
        assert_eq!(parse_cached_token(text, now).unwrap(), "tok");
        let old = r#"{"accessToken": "tok", "expiresAt": "2021-01-01T00:00:00Z"}"#;
        assert_eq!(parse_cached_token(old, now).unwrap_err(), "expired at 2021-01-01T00:00:00.000Z");
        assert_eq!(parse_cached_token(r#"{"expiresAt": "x"}"#, now).unwrap_err(), "has no accessToken");
        assert!(parse_cached_token("{", now).unwrap_err().starts_with("is unreadable"));
    }

    #[test]
    fn role_credentials() {
        let text = r#"{"roleCredentials":{"accessKeyId":"ASIARCORRECT","secretAccessKey":"secretkeycorrect","sessionToken":"tokencorrect","expiration":1234567890000}}"#;
        let c = parse_role_credentials(text, "123456789").unwrap();
        assert_eq!(
            (c.access_key_id(), c.session_token(), c.account_id()),
            ("ASIARCORRECT", Some("tokencorrect"), Some("123456789"))
        );
        assert_eq!(c.expiry(), Some(UNIX_EPOCH + Duration::from_secs(1_234_567_890)));
        assert_eq!(parse_role_credentials("{}", "1").unwrap_err(), "no roleCredentials");
        assert_eq!(
            error_detail(r#"{"message":"Session token not found or invalid","__type":"UnauthorizedException"}"#, 401),
            "http 401, UnauthorizedException: Session token not found or invalid"
        );
        assert_eq!(error_detail("", 503), "http 503");
    }
}
