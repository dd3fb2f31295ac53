//! The parts of a URL the signer needs, and the `Host` header the SDKs derive
//! from it (botocore's `_host_from_url`, smithy-rs's `insert_host_header`).
//! <https://www.rfc-editor.org/rfc/rfc3986#section-3>
//!
//! Errors never quote the URL: it may carry a password in its userinfo.

use crate::Error;

/// `scheme://authority/path?query#fragment`, split without decoding anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    pub(crate) scheme: &'a str,
    pub(crate) authority: &'a str,
    /// As on the wire; empty when the URL has none (send `/`).
    pub(crate) path: &'a str,
    /// After the `?`, before any `#`; `None` without a `?`.
    pub(crate) query: Option<&'a str>,
}

pub(crate) fn split_url(url: &str) -> Result<UrlParts<'_>, Error> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| Error::invalid_input("url has no scheme"))?;
    let valid_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid_scheme {
        return Err(Error::invalid_input("url has a malformed scheme"));
    }
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (rest, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    Ok(UrlParts { scheme, authority, path, query })
}

/// The `Host` header for a request to `url`, as the AWS SDKs derive it: the
/// host name lowercased, IPv6 literals in brackets, any userinfo dropped, and
/// `:port` only when the port is not the scheme's default (80 for `http`,
/// 443 for `https`).
///
/// ```
/// use ec2_lite::sigv4::host_header;
/// assert_eq!(host_header("https://EC2.us-east-1.amazonaws.com:443/")?, "ec2.us-east-1.amazonaws.com");
/// assert_eq!(host_header("http://127.0.0.1:5000/?Action=x")?, "127.0.0.1:5000");
/// assert_eq!(host_header("https://[::1]:8443")?, "[::1]:8443");
/// assert_eq!(host_header("http://user:pass@[FE80::1]:80/path")?, "[fe80::1]");
/// assert!(host_header("ec2.us-east-1.amazonaws.com").is_err()); // no scheme
/// # Ok::<(), ec2_lite::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] when `url` has no `scheme://`, no host, or a port
/// that is not a number from 0 to 65535.
pub fn host_header(url: &str) -> Result<String, Error> {
    let parts = split_url(url)?;
    let authority = parts.authority.rsplit_once('@').map_or(parts.authority, |(_, host)| host);
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (inside, after) =
            bracketed.split_once(']').ok_or_else(|| Error::invalid_input("url has an unclosed `[` in its host"))?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(|| Error::invalid_input("url has junk after `]`"))?),
        };
        (format!("[{}]", inside.to_lowercase()), port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host.to_lowercase(), Some(port)),
            None => (authority.to_lowercase(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err(Error::invalid_input("url has no host"));
    }
    // `host:` with nothing after the colon is no port, as for Python's urlsplit.
    let port = match port.filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(Error::invalid_input("url has a port that is not a number from 0 to 65535")),
        },
    };
    let default_port = match parts.scheme.to_ascii_lowercase().as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    };
    Ok(match port {
        Some(p) if Some(p) != default_port => format!("{host}:{p}"),
        _ => host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_their_raw_parts() {
        let p = split_url("https://h:1/a%20b/c?x=%FF&y#frag?").unwrap();
        assert_eq!(p, UrlParts { scheme: "https", authority: "h:1", path: "/a%20b/c", query: Some("x=%FF&y") });
        let p = split_url("http://h?q=/x").unwrap();
        assert_eq!((p.authority, p.path, p.query), ("h", "", Some("q=/x")));
        assert!(split_url("h/x").is_err());
        assert!(split_url("1http://h").is_err());
    }

    #[test]
    fn host_follows_botocore() {
        for (url, host) in [
            ("https://Example.COM", "example.com"),
            ("https://example.com:443", "example.com"),
            ("http://example.com:443", "example.com:443"),
            ("https://example.com:80", "example.com:80"),
            ("http://example.com:80/x", "example.com"),
            ("http://example.com:08080", "example.com:8080"),
            ("https://example.com:", "example.com"),
            ("https://u@example.com:9000", "example.com:9000"),
            ("https://u:p@w@example.com", "example.com"),
            ("https://[2001:DB8::1]", "[2001:db8::1]"),
            ("https://[2001:db8::1]:443", "[2001:db8::1]"),
            ("HTTPS://h:443", "h"),
            ("ftp://h:21", "h:21"),
        ] {
            assert_eq!(host_header(url).unwrap(), host, "{url}");
        }
    }

    #[test]
    fn bad_hosts_are_errors_that_do_not_quote_the_url() {
        for url in [
            "https://",
            "https://:443",
            "https://h:65536",
            "https://h:-1",
            "https://h:+1",
            "https://[::1",
            "https://[]",
        ] {
            let err = host_header(url).unwrap_err();
            assert!(matches!(err, Error::InvalidInput(_)), "{url}");
        }
        let err = host_header("https://user:hunter2@h:99999/").unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
