//! The trust anchors of HTTPS: the bundled Mozilla roots, or the PEM file named by
//! `AWS_CA_BUNDLE` or the profile's `ca_bundle`, read when the first TLS connection needs them.
//!
//! Many machines set `AWS_CA_BUNDLE` to the system's bundle (about 140 certificates) for every
//! program; reading it eagerly made a plain-HTTP call (instance metadata, a local endpoint) ten
//! times dearer. It is read once, on the first HTTPS connection of any agent built from the same
//! settings (EC2, STS, SSO), and a bad bundle fails that request with a configuration error.
//!
//! The PEM and the few DER fields needed are read here rather than by `rustls-pki-types`: with
//! its reader and ureq's public TLS configuration, HTTPS with the system bundle cost 9 M
//! instructions more than with one certificate, against a goal of 1 M (BENCHMARKS.md, "Trust
//! roots"), since every certificate was decoded and parsed up front; here each is decoded only
//! as far as its subject, and whole only when a chain names it as an issuer.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, CipherSuite, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::Error;
use crate::env::Fs;

/// Where the trust anchors come from; clones share the loaded configuration.
#[derive(Clone, Default)]
pub(crate) struct TrustRoots(Arc<Inner>);

#[derive(Default)]
struct Inner {
    /// `None`: the bundled roots.
    file: Option<BundleFile>,
    /// No certificate is checked (the AWS CLI's `--no-verify-ssl`).
    unverified: bool,
    config: OnceLock<Arc<ClientConfig>>,
}

struct BundleFile {
    path: String,
    /// The setting that named the file, for the error message: `AWS_CA_BUNDLE`, or
    /// ``ca_bundle of profile `dev` ``.
    source: String,
    fs: Fs,
}

impl fmt::Debug for TrustRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.file {
            None if self.0.unverified => f.write_str("TrustRoots(unverified)"),
            None => f.write_str("TrustRoots(bundled)"),
            Some(b) => f.debug_struct("TrustRoots").field("bundle", &b.path).field("source", &b.source).finish(),
        }
    }
}

impl TrustRoots {
    /// The PEM file at `path`, named by `source`; nothing is read yet.
    pub(crate) fn bundle(fs: &Fs, path: &str, source: String) -> Self {
        TrustRoots(Arc::new(Inner {
            file: Some(BundleFile { path: path.to_owned(), source, fs: fs.clone() }),
            unverified: false,
            config: OnceLock::new(),
        }))
    }

    /// No trust anchors at all: any certificate is accepted (the handshake's signatures are
    /// still checked). Anyone on the path can then read and change the traffic.
    pub(crate) fn unverified() -> Self {
        TrustRoots(Arc::new(Inner { file: None, unverified: true, config: OnceLock::new() }))
    }

    /// The TLS client configuration, built on first use. A bundle that cannot be read or holds
    /// no certificate is an [`Error::Config`] naming the setting and the file; it is not
    /// remembered, so a corrected file is read on the next request.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, Error> {
        if let Some(config) = self.0.config.get() {
            return Ok(Arc::clone(config));
        }
        let config = match &self.0.file {
            None if self.0.unverified => {
                let provider = provider()?;
                let verifier = Verifier { chain: Chain::Unchecked, provider: Arc::clone(&provider) };
                Arc::new(client_config(provider, Arc::new(verifier))?)
            }
            None => bundled()?,
            Some(file) => {
                let provider = provider()?;
                let verifier = Verifier { chain: Chain::Bundle(file.read()?), provider: Arc::clone(&provider) };
                Arc::new(client_config(provider, Arc::new(verifier))?)
            }
        };
        // Two threads may race to build it; the first one's is kept.
        Ok(Arc::clone(self.0.config.get_or_init(|| config)))
    }
}

/// The configuration with the bundled roots: one per process, whatever the agent.
fn bundled() -> Result<Arc<ClientConfig>, Error> {
    static BUNDLED: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(config) = BUNDLED.get() {
        return Ok(Arc::clone(config));
    }
    let provider = provider()?;
    let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
        .build()
        .map_err(|e| Error::config(format!("tls configuration: {e}")))?;
    let config = Arc::new(client_config(provider, verifier)?);
    Ok(Arc::clone(BUNDLED.get_or_init(|| config)))
}

/// The cryptography of every HTTPS connection: the process's rustls provider (one the
/// application installed, else the one rustls's features name: ring, the only one this crate
/// enables), as rustls asks of libraries; naming ring's own (`ring::default_provider`) is
/// deprecated since rustls 0.23.48. Its suites are offered AES-128-GCM first (as Go's TLS and
/// most browsers do) rather than rustls's AES-256-GCM first: the handshake's key schedule then
/// runs on SHA-256, not SHA-384, a tenth of a fresh process's HTTPS work (`scripts/bench`).
/// Every suite and key exchange of the provider's stays on offer, for TLS 1.3 and 1.2 alike:
/// TLS-inspecting proxies still negotiate TLS 1.2.
///
/// Without an installed provider, rustls installs the one its features name as the process's
/// (so an application's later `install_default` is refused, as after any library's
/// `ClientConfig::builder()`), and panics when its features name two; where panics unwind,
/// that panic is a configuration error here.
pub(crate) fn provider() -> Result<Arc<CryptoProvider>, Error> {
    let process = match CryptoProvider::get_default() {
        Some(installed) => Arc::clone(installed),
        None => std::panic::catch_unwind(|| Arc::clone(ClientConfig::builder().crypto_provider())).map_err(|_| {
            Error::config(
                "tls configuration: rustls names no single crypto provider; \
                 install one with rustls::crypto::CryptoProvider::install_default",
            )
        })?,
    };
    let mut provider = CryptoProvider::clone(&process);
    // A stable sort: suites not named here keep the provider's order, after these.
    provider.cipher_suites.sort_by_key(|s| PREFERRED_SUITES.iter().position(|&p| p == s.suite()).unwrap_or(usize::MAX));
    Ok(Arc::new(provider))
}

/// The order suites are offered in: AES-128-GCM, then AES-256-GCM, then ChaCha20-Poly1305, for
/// TLS 1.3 and then TLS 1.2.
const PREFERRED_SUITES: [CipherSuite; 9] = [
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

/// The rustls configuration of every HTTPS connection: TLS 1.3 and 1.2, this verifier.
pub(crate) fn client_config(
    provider: Arc<CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
) -> Result<ClientConfig, Error> {
    let versions = [&rustls::version::TLS13, &rustls::version::TLS12];
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| Error::config(format!("tls configuration: {e}")))?;
    Ok(builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth())
}

impl BundleFile {
    fn read(&self) -> Result<CaBundle, Error> {
        let (path, source) = (&self.path, &self.source);
        let bytes = self
            .fs
            .read(Path::new(path))
            .map_err(|e| Error::config(format!("{source}: could not read the CA bundle {path}: {e}")))?;
        CaBundle::parse(bytes).map_err(|why| Error::config(format!("{source}: the CA bundle {path} {why}")))
    }
}

/// The certificates of a PEM bundle, each known by its subject and decoded whole only when a
/// server's chain names that subject as an issuer.
///
/// Decoding and parsing every certificate of a system bundle costs more than a handshake; a
/// server needs one or two of them. The index reads only the start of each certificate, up to
/// its subject.
pub(crate) struct CaBundle {
    pem: Vec<u8>,
    /// Every subject (the DER contents of the `Name`), one after another.
    subjects: Vec<u8>,
    /// A certificate's subject in `subjects`, and its base64 body in `pem`.
    certs: Vec<(Range<usize>, Range<usize>)>,
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaBundle").field("certificates", &self.certs.len()).finish()
    }
}

impl CaBundle {
    /// Indexes PEM text (RFC 7468); keys, other sections and text between them are skipped. A
    /// bundle with no certificate is an error: trusting nothing would fail every HTTPS request
    /// with a less helpful message. So is a section without its END line, or base64 that is
    /// not (as far as the subject: the rest of a certificate is read when it is used).
    ///
    /// Certificates are public, so the base64 is decoded with a table rather than in constant
    /// time.
    pub(crate) fn parse(pem: Vec<u8>) -> Result<Self, String> {
        const BEGIN: &[u8] = b"-----BEGIN ";
        let mut subjects = Vec::new();
        let mut certs = Vec::new();
        let mut sections = 0;
        let mut at = 0;
        // One buffer for every certificate's first bytes.
        let mut decoder = Decoder { group: Group::default(), out: Vec::with_capacity(1024) };
        while let Some(found) = pem.get(at..).and_then(|rest| find(rest, BEGIN)) {
            let label_at = at + found + BEGIN.len();
            let (label, body_at) = line(&pem, label_at);
            let label = trim_end(label)
                .strip_suffix(b"-----")
                .ok_or_else(|| "is not valid PEM (a BEGIN line is cut short)".to_owned())?;
            let no_end = || format!("is not valid PEM (no END line for {})", String::from_utf8_lossy(label));
            let is_cert = label == b"CERTIFICATE";
            sections += usize::from(is_cert);
            // The body, line by line; a certificate's lines are decoded until its subject is.
            decoder.group = Group::default();
            decoder.out.clear();
            let mut decoding = is_cert;
            // How many bytes the subject needs at least, as far as the headers read tell.
            let mut need = 0;
            let mut subject = None;
            let mut pos = body_at;
            let body_end = loop {
                let rest = pem.get(pos..).unwrap_or_default();
                if let Some((chars, after)) = full_line(rest)
                    && chars.first() != Some(&b'-')
                {
                    if decoding {
                        decoder.line64(chars).ok_or_else(|| not_base64(sections))?;
                    }
                    pos = pem.len() - after.len();
                } else {
                    let (text, next) = line(&pem, pos);
                    if text.starts_with(b"-----") {
                        let end_label =
                            text.strip_prefix(b"-----END ").and_then(|t| trim_end(t).strip_suffix(b"-----"));
                        if end_label != Some(label) {
                            return Err(no_end());
                        }
                        at = next;
                        break pos;
                    }
                    if next == pos {
                        return Err(no_end());
                    }
                    if decoding {
                        decoder.text(text).ok_or_else(|| not_base64(sections))?;
                    }
                    pos = next;
                }
                if decoding && decoder.out.len() >= need {
                    match names(&decoder.out) {
                        Ok(names) => {
                            subject = Some(names.subject.to_owned());
                            decoding = false;
                        }
                        Err(more) => need = more,
                    }
                }
            };
            if decoding {
                // Decoded whole without reaching a subject: checked, then skipped, as a
                // certificate webpki cannot use was before.
                decoder.group.finish(&mut decoder.out).ok_or_else(|| not_base64(sections))?;
                subject = names(&decoder.out).ok().map(|n| n.subject.to_owned());
            }
            if let Some(subject) = subject {
                let start = subjects.len();
                subjects.extend_from_slice(&subject);
                certs.push((start..subjects.len(), body_at..body_end));
            }
        }
        if sections == 0 {
            return Err("holds no PEM certificates".to_owned());
        }
        Ok(CaBundle { pem, subjects, certs })
    }

    /// The number of certificates indexed.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.certs.len()
    }

    /// Certificate `i`, decoded whole; `None` if its base64 is broken past the subject.
    pub(crate) fn certificate(&self, i: usize) -> Option<CertificateDer<'static>> {
        let (_, body) = self.certs.get(i)?;
        decode_base64(self.pem.get(body.clone())?).map(CertificateDer::from)
    }

    /// The anchors whose subject is one of `issuers`.
    fn anchors_for(&self, issuers: &[&[u8]]) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        for (i, (subject, _)) in self.certs.iter().enumerate() {
            let subject = self.subjects.get(subject.clone()).unwrap_or_default();
            if issuers.contains(&subject)
                && let Some(cert) = self.certificate(i)
            {
                roots.add_parsable_certificates([cert]);
            }
        }
        roots
    }
}

fn not_base64(n: usize) -> String {
    format!("is not valid PEM (certificate {n} is not base64)")
}

/// The line at `at` without its line break, and where the next one starts.
fn line(text: &[u8], at: usize) -> (&[u8], usize) {
    let rest = text.get(at..).unwrap_or_default();
    match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (rest.get(..i).unwrap_or_default(), at + i + 1),
        None => (rest, text.len()),
    }
}

/// How a server's certificate chain is checked; the handshake's signatures are checked in
/// every case, so the connection is a working TLS connection even unchecked.
#[derive(Debug)]
enum Chain {
    /// Against the bundle's certificates, decoding only the ones the chain names as issuers:
    /// rustls's own WebPKI verifier with those as its roots.
    Bundle(CaBundle),
    /// `--no-verify-ssl`: neither the chain nor the name.
    Unchecked,
}

/// The verifier of a bundle's configuration, or of `--no-verify-ssl`'s.
#[derive(Debug)]
struct Verifier {
    chain: Chain,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let bundle = match &self.chain {
            Chain::Unchecked => return Ok(ServerCertVerified::assertion()),
            Chain::Bundle(bundle) => bundle,
        };
        // A path ends at an anchor whose subject is the issuer of a certificate in the chain.
        let issuers: Vec<&[u8]> =
            std::iter::once(end_entity).chain(intermediates).filter_map(|c| Some(names(c).ok()?.issuer)).collect();
        let roots = bundle.anchors_for(&issuers);
        if roots.is_empty() {
            return Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer));
        }
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&self.provider))
            .build()
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        verifier.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// The issuer and subject of a certificate: the DER contents of each `Name`.
struct Names<'a> {
    issuer: &'a [u8],
    subject: &'a [u8],
}

/// Reads `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
/// serialNumber, signature, issuer, validity, subject, ... } ... }` (RFC 5280 §4.1) as far as
/// the subject. `der` may stop anywhere: if the subject is not all there, the error is how many
/// bytes to read before trying again (more than there are when the DER is not a certificate).
fn names(der: &[u8]) -> Result<Names<'_>, usize> {
    const SEQUENCE: u8 = 0x30;
    let mut r = Reader { der, pos: 0 };
    // The certificate and the TBS certificate: stepped into, their ends not needed.
    r.header(SEQUENCE)?;
    r.header(SEQUENCE)?;
    if r.der.get(r.pos) == Some(&0xa0) {
        r.element(0xa0)?; // version
    }
    r.element(0x02)?; // serialNumber
    r.element(SEQUENCE)?; // signature
    let issuer = r.element(SEQUENCE)?;
    r.element(SEQUENCE)?; // validity
    let subject = r.element(SEQUENCE)?;
    Ok(Names { issuer, subject })
}

/// DER, read from the start of a buffer that may hold only the first bytes.
struct Reader<'a> {
    der: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A tag and a definite length: the length. `Err`: the bytes needed to go on.
    fn header(&mut self, tag: u8) -> Result<usize, usize> {
        let short = self.pos + 2;
        let (t, first) = match self.der.get(self.pos..short) {
            Some(&[t, first]) => (t, first),
            _ => return Err(short),
        };
        if t != tag {
            return Err(usize::MAX);
        }
        self.pos = short;
        let extra = match first {
            0..=0x7f => return Ok(usize::from(first)),
            0x81..=0x84 => usize::from(first & 0x7f),
            _ => return Err(usize::MAX),
        };
        let bytes = self.der.get(self.pos..self.pos + extra).ok_or(self.pos + extra)?;
        self.pos += extra;
        Ok(bytes.iter().fold(0, |len, &b| len << 8 | usize::from(b)))
    }

    /// A whole element's contents.
    fn element(&mut self, tag: u8) -> Result<&'a [u8], usize> {
        let len = self.header(tag)?;
        let end = self.pos.checked_add(len).ok_or(usize::MAX)?;
        let contents = self.der.get(self.pos..end).ok_or(end)?;
        self.pos = end;
        Ok(contents)
    }
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

/// Standard base64 with optional `=` padding, whitespace anywhere ignored, fed a line (or
/// any text) at a time.
///
/// The lines of 64 characters that PEM writers produce are decoded 48 bytes at a time;
/// anything else goes through the general path, one character at a time.
#[derive(Default)]
struct Decoder {
    group: Group,
    out: Vec<u8>,
}

impl Decoder {
    /// A line of 64 characters, without its line break.
    fn line64(&mut self, chars: &[u8; 64]) -> Option<()> {
        if self.group.filled == 0
            && !self.group.padded
            && let Some(bytes) = decode_line(chars)
        {
            self.out.extend_from_slice(&bytes);
            return Some(());
        }
        self.text(chars)
    }

    /// Any text.
    fn text(&mut self, text: &[u8]) -> Option<()> {
        for &byte in text {
            self.group.push(SEXTETS[usize::from(byte)], &mut self.out)?;
        }
        Some(())
    }

    /// The bytes, once the text is complete.
    fn finish(mut self) -> Option<Vec<u8>> {
        self.group.finish(&mut self.out)?;
        Some(self.out)
    }
}

/// Base64 text, its lines of 64 characters decoded 48 bytes at a time.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let mut d = Decoder::default();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some((chars, after)) = full_line(rest) {
            d.line64(chars)?;
            rest = after;
        } else {
            let end = rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |i| i + 1);
            let (line, after) = rest.split_at(end);
            d.text(line)?;
            rest = after;
        }
    }
    d.finish()
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
///
/// Written as three passes over fixed-size arrays, which compilers turn into vector
/// instructions: each character's value, four values into 24 bits, then the bytes.
fn decode_line(line: &[u8; 64]) -> Option<[u8; 48]> {
    let mut values = [0u8; 64];
    let mut flags = 0u8;
    for (v, &c) in values.iter_mut().zip(line) {
        *v = sextet(c);
        flags |= *v;
    }
    if flags & BAD != 0 {
        return None;
    }
    // Each group of four values, v0 in the low byte, into its three bytes in memory order:
    // v0 << 2 | v1 >> 4, (v1 & 15) << 4 | v2 >> 2, (v2 & 3) << 6 | v3, 0.
    let mut groups = [0u32; 16];
    for (g, v) in groups.iter_mut().zip(values.as_chunks::<4>().0) {
        let x = u32::from_le_bytes(*v);
        *g = (x << 2 & 0xfc)
            | (x >> 12 & 0x3)
            | (x & 0xf00) << 4
            | (x >> 10 & 0xf00)
            | (x & 0x3_0000) << 6
            | (x >> 8 & 0x3f_0000);
    }
    // Four bytes written for every three kept, in order, so each write's fourth (zero) byte
    // is overwritten by the next.
    let mut bytes = [0u8; 52];
    for (q, g) in groups.iter().enumerate() {
        if let Some(out) = bytes.get_mut(3 * q..3 * q + 4) {
            out.copy_from_slice(&g.to_le_bytes());
        }
    }
    let mut line_bytes = [0u8; 48];
    line_bytes.copy_from_slice(bytes.get(..48)?);
    Some(line_bytes)
}

/// A base64 character's value, or [`BAD`] for anything else (padding and whitespace too),
/// without a table or a branch.
fn sextet(c: u8) -> u8 {
    let upper = c.wrapping_sub(b'A') < 26;
    let lower = c.wrapping_sub(b'a') < 26;
    let digit = c.wrapping_sub(b'0') < 10;
    let mut v = BAD;
    v = if upper { c.wrapping_sub(b'A') } else { v };
    v = if lower { c.wrapping_sub(b'a' - 26) } else { v };
    v = if digit { c.wrapping_add(52 - b'0') } else { v };
    v = if c == b'+' { 62 } else { v };
    if c == b'/' { 63 } else { v }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_128_gcm_is_offered_first_and_every_ring_suite_still_is() {
        let offered: Vec<_> = provider().unwrap().cipher_suites.iter().map(|s| s.suite()).collect();
        assert_eq!(offered.first(), Some(&rustls::CipherSuite::TLS13_AES_128_GCM_SHA256));
        let mut all: Vec<_> = rustls::crypto::ring::ALL_CIPHER_SUITES.iter().map(|s| s.suite()).collect();
        let mut sorted = offered.clone();
        all.sort_by_key(|s| u16::from(*s));
        sorted.sort_by_key(|s| u16::from(*s));
        assert_eq!(sorted, all);
        assert!(offered.iter().any(|s| format!("{s:?}").starts_with("TLS_ECDHE_RSA")), "TLS 1.2 stays");
        assert_eq!(offered, PREFERRED_SUITES, "the order named before rustls 0.23.48");
    }

    fn parse_ca_bundle(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
        let bundle = CaBundle::parse(pem.to_vec())?;
        Ok((0..bundle.len()).map(|i| bundle.certificate(i).unwrap()).collect())
    }

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

    /// Every length and alignment, lines of 64 as PEM writers make them, against a plain encoder.
    #[test]
    fn base64_lines() {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        fn encode(bytes: &[u8]) -> String {
            let mut chars = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
                for i in 0..=chunk.len() {
                    chars.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
                }
                chars.extend(std::iter::repeat_n('=', 3 - chunk.len()));
            }
            chars.as_bytes().chunks(64).map(|l| format!("{}\n", String::from_utf8_lossy(l))).collect()
        }
        let mut seed = 0x9e37_79b9_u32;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    seed as u8
                })
                .collect();
            let text = encode(&bytes);
            assert_eq!(decode_base64(text.as_bytes()).as_deref(), Some(bytes.as_slice()), "{len}");
            assert_eq!(decode_base64(text.replace('\n', "\r\n").as_bytes()).as_deref(), Some(bytes.as_slice()));
        }
        let line = "A".repeat(63) + "!\n";
        assert_eq!(decode_base64(line.as_bytes()), None);
    }

    /// Only the certificates a chain names as issuers are decoded and trusted.
    #[test]
    fn anchors_are_picked_by_subject() {
        let ca = include_bytes!("../../tests/fixtures/tls/ca.pem");
        let leaf = include_bytes!("../../tests/fixtures/tls/localhost.pem");
        let bundle = CaBundle::parse([leaf.as_slice(), ca].concat()).unwrap();
        assert_eq!(bundle.len(), 2);
        let leaf_der = bundle.certificate(0).unwrap();
        let ca_der = bundle.certificate(1).unwrap();
        let issuer = names(&leaf_der).unwrap().issuer;
        assert_eq!(issuer, names(&ca_der).unwrap().subject);
        assert_eq!(bundle.anchors_for(&[issuer]).len(), 1);
        assert!(bundle.anchors_for(&[b"nobody".as_slice()]).is_empty());
        // A first part of a certificate says how much more to read.
        assert!(matches!(names(&ca_der[..40]), Err(n) if n > 40 && n <= ca_der.len()));
        assert!(matches!(names(b"not der"), Err(usize::MAX)));
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
        assert!(Arc::ptr_eq(&TrustRoots::default().client_config().unwrap(), &bundled().unwrap()));
    }
}
