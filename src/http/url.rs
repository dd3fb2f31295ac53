//! The one URL type: endpoints (EC2's, STS's, the SSO portal's, instance metadata's) and the
//! URLs the credential sources are given (a container URI may carry a query).

use std::net::IpAddr;

use crate::{ConfigErrorKind, Error};

/// An `http(s)://` URL, parsed into what decides where a request goes and the `Host` it is
/// signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    /// `https` or `http`.
    pub(crate) scheme: &'static str,
    /// Host name or address, lowercase, IPv6 in brackets.
    pub(crate) host: String,
    /// The port, the scheme's default when the URL names none.
    pub(crate) port: u16,
    /// The `Host` header: the host, plus `:port` when not the scheme's default.
    pub(crate) authority: String,
    /// The path, `/` when the URL has none.
    pub(crate) path: String,
    /// What follows `?`, if anything did.
    pub(crate) query: Option<String>,
}

impl Url {
    /// An endpoint: `scheme://host[:port][/path]`. Query, fragment and user info are refused:
    /// they have no meaning for an AWS endpoint.
    pub(crate) fn endpoint(url: &str) -> Result<Self, Error> {
        parse(url, false).map_err(|why| {
            Error::configuration(ConfigErrorKind::InvalidEndpoint, format!("invalid endpoint url {url:?}: {why}"))
        })
    }

    /// `scheme://host[:port][/path][?query]`; user info and fragments are refused.
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        parse(url, true).map_err(str::to_owned)
    }

    /// The URL requests are sent to, with a default port left out so that the `Host` the
    /// HTTP client sends is the one that was signed.
    pub(crate) fn url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.path_and_query())
    }

    /// The path and the query.
    pub(crate) fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The host as an address, when it is one.
    pub(crate) fn ip(&self) -> Option<IpAddr> {
        self.host.trim_start_matches('[').trim_end_matches(']').parse().ok()
    }

    /// Whether the host is this machine: see [`is_loopback_host`].
    pub(crate) fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }
}

/// Whether `host` (a name, an address, an IPv6 address in brackets) is this machine: a loopback
/// address written out (127.0.0.0/8, `::1`, `::ffff:127.0.0.1`), or the name `localhost`
/// itself. The one rule for plain HTTP with credentials and for proxies; the container
/// endpoints follow botocore's stricter one (no IPv4-mapped address).
/// Not `*.localhost`: such names go to the system resolver, and a hostile resolver would
/// receive a signed request and its session token in clear text.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(is_loopback_ip)
}

/// A loopback address, an IPv4-mapped one included.
pub(crate) fn is_loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

fn parse(url: &str, allow_query: bool) -> Result<Url, &'static str> {
    let (scheme, rest) = url.split_once("://").ok_or("expected scheme://host")?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "https" => "https",
        "http" => "http",
        _ => return Err("the scheme must be http or https"),
    };
    if rest.contains('#') || (!allow_query && rest.contains('?')) {
        return Err(if allow_query { "a fragment is not allowed" } else { "query and fragment are not allowed" });
    }
    let (authority, path_and_query) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned())),
        None => (path_and_query, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    if authority.contains('@') {
        return Err("user info is not allowed");
    }
    if path_and_query.chars().any(|c| c.is_control() || c == ' ') {
        return Err("the path has spaces or control characters");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or("unclosed [")?;
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("bad IPv6 address");
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("junk after ]")?),
        };
        (format!("[{}]", addr.to_ascii_lowercase()), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    if host.is_empty() || host.trim_matches(['[', ']']).is_empty() {
        return Err("no host");
    }
    if !host.starts_with('[') && !host.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_')) {
        return Err("the host has characters a host name cannot have");
    }
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().map_err(|_| "the port must be a number from 0 to 65535")?),
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    let authority = match port {
        Some(p) if p != default_port => format!("{host}:{p}"),
        _ => host.clone(),
    };
    Ok(Url { scheme, host, port: port.unwrap_or(default_port), authority, path: path.to_owned(), query })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = Url::endpoint("http://127.0.0.1:5055").unwrap();
        assert_eq!(
            (e.authority.as_str(), e.path.as_str(), e.url().as_str()),
            ("127.0.0.1:5055", "/", "http://127.0.0.1:5055/")
        );
        assert!(e.is_loopback());
        let e = Url::endpoint("HTTPS://EC2.us-east-1.amazonaws.com:443/").unwrap();
        assert_eq!(
            (e.authority.as_str(), e.url().as_str()),
            ("ec2.us-east-1.amazonaws.com", "https://ec2.us-east-1.amazonaws.com/")
        );
        assert!(!e.is_loopback());
        let e = Url::endpoint("http://[::1]:8080/prefix").unwrap();
        assert_eq!((e.authority.as_str(), e.path.as_str()), ("[::1]:8080", "/prefix"));
        assert!(e.is_loopback());
        assert!(Url::endpoint("http://localhost:1").unwrap().is_loopback());
        for bad in [
            "",
            "ec2.amazonaws.com",
            "ftp://x",
            "http://",
            "http://:80",
            "http://h:99999",
            "http://u@h",
            "http://h/?q",
            "http://h?q",
            "http://h h/",
            "http://[::1",
            "http://h:x",
        ] {
            assert!(Url::endpoint(bad).is_err(), "{bad}");
        }
        let e = Url::endpoint("http://h/?q").unwrap_err().to_string();
        assert!(e.contains("invalid endpoint url \"http://h/?q\": query and fragment are not allowed"), "{e}");
    }

    #[test]
    fn urls_with_a_query() {
        let u = Url::parse("http://169.254.170.2/credentials?a=1").unwrap();
        assert_eq!(
            (u.scheme, u.host.as_str(), u.port, u.path_and_query().as_str()),
            ("http", "169.254.170.2", 80, "/credentials?a=1")
        );
        assert_eq!(u.url(), "http://169.254.170.2/credentials?a=1");
        let u = Url::parse("https://[FD00:EC2::23]:8443").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path_and_query().as_str()), ("[fd00:ec2::23]", 8443, "/"));
        assert_eq!(Url::parse("http://h?x=1").unwrap().path_and_query(), "/?x=1");
        assert!(Url::parse("http://localhost:1/x").unwrap().is_loopback());
        assert!(Url::parse("http://127.0.0.2/").unwrap().is_loopback());
        for bad in ["/credentials", "ftp://a/", "http://", "http://u@h/", "http://h/#f", "http://h/a b"] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }
}
