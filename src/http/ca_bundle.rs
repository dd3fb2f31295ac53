//! The trust anchors of HTTPS: the bundled Mozilla roots, or the PEM file named by
//! `AWS_CA_BUNDLE` or the profile's `ca_bundle`, read when the first TLS connection needs them.
//!
//! Many machines set `AWS_CA_BUNDLE` to the system's bundle (about 140 certificates) for every
//! program; reading it eagerly made a plain-HTTP call (instance metadata, a local endpoint) ten
//! times dearer. It is read once, on the first HTTPS connection of any agent built from the same
//! settings (EC2, STS, SSO), and a bad bundle fails that request with a configuration error.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::Error;
use crate::env::Fs;

/// Where the trust anchors come from; clones share the loaded configuration.
#[derive(Clone, Default)]
pub(crate) struct TrustRoots(Arc<Inner>);

#[derive(Default)]
struct Inner {
    /// `None`: the bundled roots.
    bundle: Option<Bundle>,
    config: OnceLock<Arc<ClientConfig>>,
}

struct Bundle {
    path: String,
    /// The setting that named the file, for the error message: `AWS_CA_BUNDLE`, or
    /// ``ca_bundle of profile `dev` ``.
    source: String,
    fs: Fs,
}

impl fmt::Debug for TrustRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.bundle {
            None => f.write_str("TrustRoots(bundled)"),
            Some(b) => f.debug_struct("TrustRoots").field("bundle", &b.path).field("source", &b.source).finish(),
        }
    }
}

impl TrustRoots {
    /// The PEM file at `path`, named by `source`; nothing is read yet.
    pub(crate) fn bundle(fs: &Fs, path: &str, source: String) -> Self {
        TrustRoots(Arc::new(Inner {
            bundle: Some(Bundle { path: path.to_owned(), source, fs: fs.clone() }),
            config: OnceLock::new(),
        }))
    }

    /// The TLS client configuration, built on first use. A bundle that cannot be read or holds
    /// no certificate is an [`Error::Config`] naming the setting and the file; it is not
    /// remembered, so a corrected file is read on the next request.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, Error> {
        if let Some(config) = self.0.config.get() {
            return Ok(Arc::clone(config));
        }
        let config = match &self.0.bundle {
            None => bundled(),
            Some(bundle) => Arc::new(rustls_config(bundle.read()?)),
        };
        // Two threads may race to build it; the first one's is kept.
        Ok(Arc::clone(self.0.config.get_or_init(|| config)))
    }
}

/// The configuration with the bundled roots: one per process, whatever the agent.
fn bundled() -> Arc<ClientConfig> {
    static BUNDLED: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let config = BUNDLED
        .get_or_init(|| Arc::new(rustls_config(RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() })));
    Arc::clone(config)
}

impl Bundle {
    fn read(&self) -> Result<RootCertStore, Error> {
        let (path, source) = (&self.path, &self.source);
        let bytes = self
            .fs
            .read(Path::new(path))
            .map_err(|e| Error::config(format!("{source}: could not read the CA bundle {path}: {e}")))?;
        let certs =
            parse_ca_bundle(&bytes).map_err(|why| Error::config(format!("{source}: the CA bundle {path} {why}")))?;
        let mut roots = RootCertStore::empty();
        // As before: certificates webpki cannot use as anchors are skipped.
        roots.add_parsable_certificates(certs);
        Ok(roots)
    }
}

/// The certificates of PEM text (RFC 7468); keys, other sections and text between them are
/// skipped. A bundle with none is an error: trusting nothing would fail every HTTPS request
/// with a less helpful message.
///
/// Certificates are public, so the base64 is decoded with a table rather than in constant
/// time: a bundle of 140 certificates costs a fraction of one TLS handshake.
pub(crate) fn parse_ca_bundle(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let mut certs = Vec::new();
    let mut rest = pem;
    while let Some(at) = find(rest, BEGIN) {
        let after = rest.get(at + BEGIN.len()..).unwrap_or_default();
        let line_end = after.iter().position(|&b| b == b'\n').unwrap_or(after.len());
        let line = trim_end(after.get(..line_end).unwrap_or_default());
        let label =
            line.strip_suffix(b"-----").ok_or_else(|| "is not valid PEM (a BEGIN line is cut short)".to_owned())?;
        let body = after.get(line_end..).unwrap_or_default();
        let end = [b"-----END ".as_slice(), label, b"-----"].concat();
        let body_len = find(body, &end)
            .ok_or_else(|| format!("is not valid PEM (no END line for {})", String::from_utf8_lossy(label)))?;
        if label == b"CERTIFICATE" {
            let der = decode_base64(body.get(..body_len).unwrap_or_default())
                .ok_or_else(|| format!("is not valid PEM (certificate {} is not base64)", certs.len() + 1))?;
            certs.push(CertificateDer::from(der));
        }
        rest = body.get(body_len + end.len()..).unwrap_or_default();
    }
    if certs.is_empty() { Err("holds no PEM certificates".to_owned()) } else { Ok(certs) }
}

fn trim_end(mut s: &[u8]) -> &[u8] {
    while let [head @ .., last] = s {
        if !last.is_ascii_whitespace() {
            break;
        }
        s = head;
    }
    s
}

/// The first `needle` in `hay`. PEM bodies hold no `-`, so the scan for the first byte is quick.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.iter().position(|&b| b == first) {
        let at = from + i;
        if hay.get(at..)?.starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Not a base64 character.
const BAD: u8 = 0x80;
/// Skipped: whitespace between lines.
const SPACE: u8 = 0x40;
/// `=`, which may only end the text.
const PAD: u8 = 0x41;

/// Each byte's 6-bit value, or [`BAD`], [`SPACE`] or [`PAD`].
const SEXTETS: [u8; 256] = {
    let mut t = [BAD; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t[b' ' as usize] = SPACE;
    t[b'\t' as usize] = SPACE;
    t[b'\r' as usize] = SPACE;
    t[b'\n' as usize] = SPACE;
    t[b'=' as usize] = PAD;
    t
};

/// Standard base64 with optional `=` padding, whitespace anywhere ignored.
///
/// The lines of 64 characters that PEM writers produce are decoded 48 bytes at a time;
/// anything else goes through the general path, one character at a time.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut group = Group::default();
    let mut rest = text;
    while !rest.is_empty() {
        if group.filled == 0
            && !group.padded
            && let Some((line, after)) = full_line(rest)
            && let Some(bytes) = decode_line(line)
        {
            out.extend_from_slice(&bytes);
            rest = after;
            continue;
        }
        // One line (or what is left) the slow way.
        let end = rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |i| i + 1);
        let (line, after) = rest.split_at(end);
        for &byte in line {
            group.push(SEXTETS[usize::from(byte)], &mut out)?;
        }
        rest = after;
    }
    group.finish(&mut out)?;
    Some(out)
}

/// 64 characters and a line break (`\n` or `\r\n`), and what follows.
fn full_line(text: &[u8]) -> Option<(&[u8; 64], &[u8])> {
    let (line, after) = text.split_first_chunk::<64>()?;
    match after {
        [b'\n', after @ ..] | [b'\r', b'\n', after @ ..] => Some((line, after)),
        _ => None,
    }
}

/// 64 base64 characters without padding or whitespace, else `None`.
fn decode_line(line: &[u8; 64]) -> Option<[u8; 48]> {
    let mut bytes = [0u8; 48];
    let mut flags = 0;
    for (chars, out) in line.chunks_exact(4).zip(bytes.chunks_exact_mut(3)) {
        let mut n = 0u32;
        for &c in chars {
            let v = SEXTETS[usize::from(c)];
            flags |= v;
            n = n << 6 | u32::from(v);
        }
        out.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    (flags & (BAD | SPACE) == 0).then_some(bytes)
}

/// A partial group of four characters.
#[derive(Default)]
struct Group {
    sextets: [u8; 4],
    filled: usize,
    padded: bool,
}

impl Group {
    /// Adds one table value; `None` for a byte that is not base64, or data after `=`.
    fn push(&mut self, v: u8, out: &mut Vec<u8>) -> Option<()> {
        match v {
            SPACE => {}
            PAD => self.padded = true,
            _ if v & BAD != 0 || self.padded => return None,
            _ => {
                *self.sextets.get_mut(self.filled)? = v;
                self.filled += 1;
                if self.filled == 4 {
                    let [a, b, c, d] = self.sextets;
                    out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2, c << 6 | d]);
                    self.filled = 0;
                }
            }
        }
        Some(())
    }

    /// The bytes of a last group of two or three characters.
    fn finish(self, out: &mut Vec<u8>) -> Option<()> {
        let [a, b, c, _] = self.sextets;
        match self.filled {
            0 => {}
            2 => out.push(a << 2 | b >> 4),
            3 => out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2]),
            _ => return None,
        }
        Some(())
    }
}

/// The rustls configuration of every HTTPS connection: TLS 1.3 and 1.2, these roots, ring.
fn rustls_config(roots: RootCertStore) -> ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12]);
    match builder {
        Ok(b) => b.with_root_certificates(roots).with_no_client_auth(),
        // The provider supports both versions; if it ever did not, the safe defaults.
        Err(_) => ClientConfig::builder_with_protocol_versions(rustls::DEFAULT_VERSIONS)
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles() {
        let ca = include_bytes!("../../tests/fixtures/tls/ca.pem");
        assert_eq!(parse_ca_bundle(ca).unwrap().len(), 1);
        let key = include_bytes!("../../tests/fixtures/tls/localhost.key");
        assert_eq!(parse_ca_bundle(key).unwrap_err(), "holds no PEM certificates");
        assert_eq!(parse_ca_bundle(b"").unwrap_err(), "holds no PEM certificates");
        assert_eq!(parse_ca_bundle(b"not a bundle at all\n").unwrap_err(), "holds no PEM certificates");
        let garbage = b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(parse_ca_bundle(garbage).unwrap_err().starts_with("is not valid PEM"));
        let unended = b"-----BEGIN CERTIFICATE-----\nAAAA\n";
        assert!(parse_ca_bundle(unended).unwrap_err().starts_with("is not valid PEM (no END line"));
    }

    /// The same certificates as the reference decoder, whatever the line breaks.
    #[test]
    fn decodes_as_rustls_does() {
        use rustls::pki_types::pem::PemObject;
        let ca = include_bytes!("../../tests/fixtures/tls/ca.pem");
        let leaf = include_bytes!("../../tests/fixtures/tls/localhost.pem");
        let key = include_bytes!("../../tests/fixtures/tls/localhost.key");
        let text = [ca.as_slice(), b"explanatory text\n", key, leaf].concat();
        let want: Vec<_> = CertificateDer::pem_slice_iter(&text).collect::<Result<_, _>>().unwrap();
        assert_eq!(want.len(), 2);
        assert_eq!(parse_ca_bundle(&text).unwrap(), want);
        let crlf = String::from_utf8(text.clone()).unwrap().replace('\n', "\r\n");
        assert_eq!(parse_ca_bundle(crlf.as_bytes()).unwrap(), want);
        // Lines of 76, with spaces: still the same bytes.
        let body: String = String::from_utf8_lossy(ca)
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{} \n", String::from_utf8_lossy(c)))
            .collect();
        let rewrapped = format!("-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n");
        assert_eq!(parse_ca_bundle(rewrapped.as_bytes()).unwrap(), want[..1]);
    }

    #[test]
    fn base64() {
        for (text, want) in [
            ("", Some(&b""[..])),
            ("Zg==", Some(b"f")),
            ("Zm8=", Some(b"fo")),
            ("Zm9v", Some(b"foo")),
            ("Zm9vYg", Some(b"foob")),
            ("Zm9v\nYmE=\n", Some(b"fooba")),
            ("Z m 9 v", Some(b"foo")),
            ("Zm9vY", None),
            ("Zm=9", None),
            ("Zm9v!", None),
        ] {
            assert_eq!(decode_base64(text.as_bytes()).as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn the_bundle_is_read_on_first_use_and_its_errors_name_the_setting() {
        let roots = TrustRoots::bundle(&Fs::real(), "/nope/ca.pem", "AWS_CA_BUNDLE".to_owned());
        let err = roots.client_config().unwrap_err().to_string();
        assert!(err.contains("AWS_CA_BUNDLE: could not read the CA bundle /nope/ca.pem"), "{err}");
        let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls/ca.pem");
        let roots = TrustRoots::bundle(&Fs::real(), ca, "AWS_CA_BUNDLE".to_owned());
        let config = roots.client_config().unwrap();
        assert!(Arc::ptr_eq(&config, &roots.clone().client_config().unwrap()), "clones share one load");
        let key = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls/localhost.key");
        let err = TrustRoots::bundle(&Fs::real(), key, "ca_bundle of profile `dev`".to_owned())
            .client_config()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ca_bundle of profile `dev`: the CA bundle") && err.ends_with("holds no PEM certificates")
        );
        assert!(Arc::ptr_eq(&TrustRoots::default().client_config().unwrap(), &bundled()));
    }
}
