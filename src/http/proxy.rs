//! Proxies: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, chosen per request.
//! <https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-proxy.html>

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use super::Url;
use crate::Error;
use crate::env::Env;

/// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, as curl and botocore read them:
/// the lowercase name first, a proxy per scheme, `ALL_PROXY` for either.
///
/// ureq reads these variables by itself, but with one proxy for both schemes (`ALL_PROXY`,
/// then `HTTPS_PROXY`, then `HTTP_PROXY`), so an `HTTPS_PROXY` would carry plain-HTTP
/// instance metadata requests too. This crate sets the proxy of every request itself.
#[derive(Clone, Default)]
pub(crate) struct ProxySettings {
    http: Option<ProxyTarget>,
    https: Option<ProxyTarget>,
    no_proxy: Vec<NoProxyRule>,
}

#[derive(Clone)]
struct ProxyTarget {
    proxy: ureq::Proxy,
    /// `http://host:port`, without any user name or password.
    shown: String,
}

impl fmt::Debug for ProxySettings {
    // Proxy URLs may hold a password: show hosts only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxySettings")
            .field("http", &self.http.as_ref().map(|p| &p.shown))
            .field("https", &self.https.as_ref().map(|p| &p.shown))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxySettings {
    /// The proxies the environment names. A proxy URL ureq cannot use is an error naming the
    /// variable, not a silent direct connection.
    pub(crate) fn from_env(env: &Env) -> Result<Self, Error> {
        fn first<'e>(env: &'e Env, names: &[&'static str]) -> Option<(&'static str, &'e str)> {
            names.iter().find_map(|n| env.get(n).map(|v| (*n, v.trim())))
        }
        let all = first(env, &["all_proxy", "ALL_PROXY"]);
        let target = |names: &[&'static str]| -> Result<Option<ProxyTarget>, Error> {
            let Some((var, url)) = first(env, names).or(all) else { return Ok(None) };
            let bad = |why: &str| Error::config(format!("{var}: {why}"));
            let proxy = ureq::Proxy::new(url).map_err(|_| bad("not a proxy URL"))?;
            if !matches!(proxy.protocol(), ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https) {
                return Err(bad("only http:// and https:// proxies are supported"));
            }
            let scheme = if proxy.protocol() == ureq::ProxyProtocol::Https { "https" } else { "http" };
            let shown = format!("{scheme}://{}:{}", proxy.host(), proxy.port());
            Ok(Some(ProxyTarget { proxy, shown }))
        };
        let no_proxy = first(env, &["no_proxy", "NO_PROXY"]).map(|(_, v)| parse_no_proxy(v)).unwrap_or_default();
        Ok(ProxySettings {
            http: target(&["http_proxy", "HTTP_PROXY"])?,
            https: target(&["https_proxy", "HTTPS_PROXY"])?,
            no_proxy,
        })
    }

    /// The proxy for a request to `scheme://host:port`, if any. Loopback and link-local
    /// addresses (instance metadata, the container endpoints) never go through a proxy: a
    /// proxy on another machine would reach its own metadata, not this one's.
    pub(crate) fn for_target(&self, scheme: &str, host: &str, port: u16) -> Option<&ureq::Proxy> {
        let target = if scheme.eq_ignore_ascii_case("https") { &self.https } else { &self.http };
        let target = target.as_ref()?;
        if is_local(host) || self.no_proxy.iter().any(|r| r.matches(host, port)) {
            return None;
        }
        Some(&target.proxy)
    }

    /// [`ProxySettings::for_target`] for a URL.
    pub(crate) fn for_url(&self, url: &str) -> Option<&ureq::Proxy> {
        let parsed = Url::parse(url).ok()?;
        self.for_target(parsed.scheme, &parsed.host, parsed.port)
    }
}

/// Loopback, link-local, and the IPv6 addresses of instance metadata and EKS Pod Identity.
fn is_local(host: &str) -> bool {
    if super::url::is_loopback_host(host) {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => {
            let aws_local =
                [Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254), Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)];
            ip.is_loopback() || (ip.segments()[0] & 0xffc0) == 0xfe80 || aws_local.contains(&ip)
        }
        Err(_) => false,
    }
}

/// One `NO_PROXY` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NoProxyRule {
    /// `*`: no proxy at all.
    All,
    /// `example.com`, `.example.com`, `*.example.com`: the domain and every name under it, as
    /// curl and Python's `urllib` match it; with `:port`, only that port.
    Domain { name: String, port: Option<u16> },
    /// `10.0.0.0/8`, `::1`: addresses, as Python's `requests` matches them.
    Network { ip: IpAddr, prefix: u8 },
}

fn parse_no_proxy(value: &str) -> Vec<NoProxyRule> {
    value
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .filter_map(|entry| {
            if entry == "*" {
                return Some(NoProxyRule::All);
            }
            let (addr, prefix) = match entry.split_once('/') {
                Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
                None => (entry, None),
            };
            if let Ok(ip) = addr.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                return Some(NoProxyRule::Network { ip, prefix: prefix.unwrap_or(max).min(max) });
            }
            let name = entry.trim_start_matches('*').trim_start_matches('.').to_ascii_lowercase();
            let (name, port) = match name.rsplit_once(':') {
                Some((n, p)) => (n.to_owned(), Some(p.parse::<u16>().ok()?)),
                None => (name, None),
            };
            (!name.is_empty()).then_some(NoProxyRule::Domain { name, port })
        })
        .collect()
}

impl NoProxyRule {
    fn matches(&self, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        match self {
            NoProxyRule::All => true,
            NoProxyRule::Domain { name, port: want } => {
                want.is_none_or(|p| p == port)
                    && (host == *name || host.strip_suffix(name.as_str()).is_some_and(|rest| rest.ends_with('.')))
            }
            NoProxyRule::Network { ip, prefix } => host.parse::<IpAddr>().is_ok_and(|h| in_network(h, *ip, *prefix)),
        }
    }
}

fn in_network(host: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (host, net) {
        (IpAddr::V4(h), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(h) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(h), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(h) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(pairs: &[(&str, &str)]) -> ProxySettings {
        ProxySettings::from_env(&Env::from_pairs(pairs.iter().copied())).unwrap()
    }

    fn via(p: &ProxySettings, url: &str) -> Option<String> {
        p.for_url(url).map(|p| format!("{}:{}", p.host(), p.port()))
    }

    #[test]
    fn a_proxy_per_scheme_and_lowercase_first() {
        let p = proxies(&[("HTTPS_PROXY", "http://secure:3128"), ("http_proxy", "plain:8080"), ("HTTP_PROXY", "x:1")]);
        assert_eq!(via(&p, "https://ec2.us-east-1.amazonaws.com/").as_deref(), Some("secure:3128"));
        assert_eq!(via(&p, "http://ec2.example.com/").as_deref(), Some("plain:8080"));
        let p = proxies(&[("ALL_PROXY", "http://all:1"), ("https_proxy", "http://s:2")]);
        assert_eq!(via(&p, "https://a/").as_deref(), Some("s:2"));
        assert_eq!(via(&p, "http://a/").as_deref(), Some("all:1"));
        assert_eq!(via(&proxies(&[]), "https://a/"), None);
        let err = ProxySettings::from_env(&Env::from_pairs([("HTTPS_PROXY", "socks5://s:1080")])).unwrap_err();
        assert!(err.to_string().contains("HTTPS_PROXY: only http:// and https:// proxies"), "{err}");
    }

    #[test]
    fn metadata_and_loopback_never_go_through_a_proxy() {
        let p = proxies(&[("ALL_PROXY", "http://all:1")]);
        for url in [
            "http://169.254.169.254/latest/api/token",
            "http://169.254.170.2/v2/credentials",
            "http://[fd00:ec2::254]/latest/api/token",
            "http://[fd00:ec2::23]/v1/credentials",
            "http://127.0.0.1:8080/",
            "http://localhost/",
            "http://[::1]/",
        ] {
            assert_eq!(via(&p, url), None, "{url}");
        }
    }

    #[test]
    fn no_proxy_rules() {
        let p = proxies(&[
            ("HTTPS_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                "example.com, .corp.internal,*.wild.test, 10.0.0.0/8, 192.168.1.7, ec2.eu-west-1.amazonaws.com:8443",
            ),
        ]);
        for (url, bypass) in [
            ("https://example.com/", true),
            ("https://a.example.com/", true),
            ("https://notexample.com/", false),
            ("https://x.corp.internal/", true),
            ("https://corp.internal/", true),
            ("https://a.b.wild.test/", true),
            ("https://10.1.2.3/", true),
            ("https://11.1.2.3/", false),
            ("https://192.168.1.7/", true),
            ("https://ec2.eu-west-1.amazonaws.com:8443/", true),
            ("https://ec2.eu-west-1.amazonaws.com/", false),
        ] {
            assert_eq!(via(&p, url).is_none(), bypass, "{url}");
        }
        assert_eq!(via(&proxies(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]), "https://a/"), None);
        assert_eq!(
            parse_no_proxy("::1/128, [fd00::1]"),
            vec![
                NoProxyRule::Network { ip: "::1".parse().unwrap(), prefix: 128 },
                NoProxyRule::Network { ip: "fd00::1".parse().unwrap(), prefix: 128 },
            ]
        );
    }

    #[test]
    fn debug_hides_proxy_passwords() {
        let p = proxies(&[("HTTPS_PROXY", "http://user:hunter2@proxy.corp:3128")]);
        let shown = format!("{p:?}");
        assert!(shown.contains("http://proxy.corp:3128") && !shown.contains("hunter2"), "{shown}");
        assert_eq!(p.for_url("https://a/").and_then(|p| p.password()), Some("hunter2"));
    }
}
