//! The JSON credential documents of instance metadata, the container endpoints and
//! `credential_process`, read with `tinyjson`.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>

use std::collections::HashMap;
use std::time::SystemTime;

use tinyjson::JsonValue;

use super::Credentials;

/// Deeper nesting than any credential document has. `tinyjson` parses recursively, so a
/// hostile `[[[[...` from a misconfigured endpoint is refused before it can exhaust the stack.
const MAX_DEPTH: usize = 32;

/// An object of a JSON document.
pub(crate) type Object = HashMap<String, JsonValue>;

/// Parses `text` as a JSON object.
pub(crate) fn parse_object(text: &str) -> Result<Object, String> {
    check_depth(text)?;
    match text.trim().parse::<JsonValue>() {
        Ok(JsonValue::Object(o)) => Ok(o),
        Ok(_) => Err("expected a JSON object".to_owned()),
        // The parser's own message quotes the input, which may hold a secret: position only.
        Err(e) => Err(format!("invalid JSON (line {}, column {})", e.line(), e.column())),
    }
}

fn check_depth(text: &str) -> Result<(), String> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in text.bytes() {
        match (in_string, b) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') => in_string = false,
            (true, _) => {}
            (false, b'"') => in_string = true,
            (false, b'[' | b'{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err("invalid JSON (nested too deeply)".to_owned());
                }
            }
            (false, b']' | b'}') => depth = depth.saturating_sub(1),
            (false, _) => {}
        }
    }
    Ok(())
}

/// The member `name`, matched in any case as the Rust SDK does (`AccessKeyId`, `accessKeyId`).
pub(crate) fn member<'a>(object: &'a Object, name: &str) -> Option<&'a JsonValue> {
    object.get(name).or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// A string member; an empty string counts as absent.
pub(crate) fn string<'a>(object: &'a Object, name: &str) -> Option<&'a str> {
    match member(object, name)? {
        JsonValue::String(s) if !s.trim().is_empty() => Some(s.as_str()),
        _ => None,
    }
}

/// A timestamp member in RFC 3339 (`2021-09-21T04:16:53Z`, `...+00:00`).
pub(crate) fn timestamp(object: &Object, name: &str) -> Result<Option<SystemTime>, String> {
    match string(object, name) {
        None => Ok(None),
        Some(s) => crate::timestamp::parse_timestamp(s)
            .map(|t| Some(SystemTime::from(t)))
            .ok_or_else(|| format!("`{name}` is not an RFC 3339 timestamp: {s:?}")),
    }
}

/// What an instance metadata or container endpoint answered.
#[derive(Debug)]
pub(crate) enum JsonCredentials {
    Credentials(Credentials),
    /// `{"Code": "...", "Message": "..."}` with a code other than `Success`, or the
    /// container endpoints' `{"code", "message"}`.
    Error {
        code: String,
        message: String,
    },
}

/// Reads temporary credentials: `AccessKeyId`, `SecretAccessKey`, `Token` (or `SessionToken`),
/// `Expiration` (or `ExpiresAt`), `AccountId`; a `Code` other than `Success` is an error
/// document. Messages never quote the values.
pub(crate) fn parse_credentials(text: &str) -> Result<JsonCredentials, String> {
    let object = parse_object(text)?;
    let code = string(&object, "Code");
    if let Some(code) = code.filter(|c| *c != "Success") {
        let message = string(&object, "Message").unwrap_or_default().to_owned();
        return Ok(JsonCredentials::Error { code: code.to_owned(), message });
    }
    let required = |name: &str| string(&object, name).ok_or_else(|| format!("no `{name}` in the response"));
    let access_key_id = match required("AccessKeyId") {
        Ok(id) => id,
        // `{"code": "...", "message": "..."}` is how the container endpoints refuse.
        Err(e) => {
            return match (string(&object, "code"), string(&object, "message")) {
                (Some(code), message) => Ok(JsonCredentials::Error {
                    code: code.to_owned(),
                    message: message.unwrap_or_default().to_owned(),
                }),
                _ => Err(e),
            };
        }
    };
    let secret = required("SecretAccessKey")?;
    let token =
        string(&object, "Token").or_else(|| string(&object, "SessionToken")).ok_or("no `Token` in the response")?;
    let expiry = match timestamp(&object, "Expiration")? {
        Some(t) => t,
        None => timestamp(&object, "ExpiresAt")?.ok_or("no `Expiration` in the response")?,
    };
    let mut credentials = Credentials::new(access_key_id, secret, Some(token.to_owned())).with_expiry(expiry);
    if let Some(account) = string(&object, "AccountId") {
        credentials = credentials.with_account_id(account);
    }
    Ok(JsonCredentials::Credentials(credentials))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn instance_metadata_document() {
        let text = "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2021-09-20T21:42:26Z\",\n  \"Type\" : \"AWS-HMAC\",\n  \
                    \"AccessKeyId\" : \"ASIARTEST\",\n  \"SecretAccessKey\" : \"testsecret\",\n  \"Token\" : \"testtoken\",\n  \
                    \"Expiration\" : \"2021-09-21T04:16:53Z\"\n}";
        let JsonCredentials::Credentials(c) = parse_credentials(text).unwrap() else { panic!() };
        assert_eq!(
            (c.access_key_id(), c.secret_access_key(), c.session_token()),
            ("ASIARTEST", "testsecret", Some("testtoken"))
        );
        assert_eq!(c.expiry(), Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_632_197_813)));
        assert_eq!(c.account_id(), None);
    }

    #[test]
    fn any_case_and_alternative_names() {
        let text = r#"{"accesskeyid":"A","SECRETACCESSKEY":"S","SessionToken":"T","ExpiresAt":"2009-02-13T23:31:30+00:00","accountId":"012345678901"}"#;
        let JsonCredentials::Credentials(c) = parse_credentials(text).unwrap() else { panic!() };
        assert_eq!((c.access_key_id(), c.session_token(), c.account_id()), ("A", Some("T"), Some("012345678901")));
        assert_eq!(c.expiry(), Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_234_567_890)));
    }

    #[test]
    fn error_documents_and_bad_input() {
        let e = parse_credentials(r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"no trust"}"#).unwrap();
        assert!(
            matches!(e, JsonCredentials::Error { ref code, ref message } if code == "AssumeRoleUnauthorizedAccess" && message == "no trust")
        );
        let e = parse_credentials(r#"{"code":"AccessDenied","message":"nope"}"#).unwrap();
        assert!(matches!(e, JsonCredentials::Error { ref code, .. } if code == "AccessDenied"));
        assert_eq!(parse_credentials("not json").unwrap_err().split(" (").next(), Some("invalid JSON"));
        assert_eq!(parse_credentials("[1]").unwrap_err(), "expected a JSON object");
        let secret = r#"{"AccessKeyId":"A","SecretAccessKey":"hunter2","Token":"T"}"#;
        let err = parse_credentials(secret).unwrap_err();
        assert_eq!(err, "no `Expiration` in the response");
        let bad_time = r#"{"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"soon"}"#;
        assert!(parse_credentials(bad_time).unwrap_err().contains("not an RFC 3339 timestamp"));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse_object(&deep).unwrap_err(), "invalid JSON (nested too deeply)");
        let brackets_in_strings = format!("{{\"a\":\"{}\"}}", "[".repeat(100));
        assert!(parse_object(&brackets_in_strings).is_ok());
    }
}
