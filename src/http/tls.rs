//! TLS for ureq with rustls, its configuration taken from [`TrustRoots`] when a connection
//! first needs it rather than when the agent is built.
//!
//! ureq's own rustls connector fixes the roots in the agent's configuration: the bundle would
//! have to be decoded before knowing whether any request uses HTTPS, and ureq builds (and
//! hashes the roots for) a rustls configuration for every agent. This connector does the same
//! TLS wrapping with one configuration per process for the bundled roots, one per settings for
//! a bundle.

use std::fmt;
use std::io::{Read, Write};

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, TcpConnector,
    Transport, TransportAdapter,
};

use super::ca_bundle::TrustRoots;
use crate::{Error, TlsReason};

/// An agent with this configuration whose HTTPS connections trust `roots`: ureq's connector
/// chain (a CONNECT proxy, TCP) with this module's TLS at the end.
pub(crate) fn agent(config: ureq::config::Config, roots: &TrustRoots) -> ureq::Agent {
    let connector =
        ().chain(ConnectProxyConnector::default())
            .chain(TcpConnector::default())
            .chain(TlsConnector { roots: roots.clone() });
    ureq::Agent::with_parts(config, connector, super::agent::LiteralFirst::default())
}

/// Wraps a connection in TLS when the URL is `https`.
#[derive(Debug)]
pub(crate) struct TlsConnector {
    roots: TrustRoots,
}

/// A configuration error (the CA bundle), carried through ureq to [`config_error`].
#[derive(Debug)]
struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The configuration error behind a failed request, if that is why it failed.
pub(crate) fn config_error(e: &ureq::Error) -> Option<Error> {
    match e {
        ureq::Error::Other(inner) => inner.downcast_ref::<ConfigError>().map(|c| Error::config(c.0.clone())),
        _ => None,
    }
}

/// Why the TLS layer refused a connection, if that is why `e` failed. rustls's error comes
/// typed from the handshake's verifier (this crate's, or rustls's WebPKI one for the bundled
/// roots) and reaches ureq inside the I/O error of the handshake's `complete_io`, or as ureq's
/// own variant from `ClientConnection::new`.
pub(crate) fn reason(e: &ureq::Error) -> Option<TlsReason> {
    let tls = match e {
        ureq::Error::Rustls(r) => r,
        ureq::Error::Tls(_) => return Some(TlsReason::Other),
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>()?,
        _ => return None,
    };
    use rustls::{AlertDescription as Alert, CertificateError as Cert, Error as E, PeerIncompatible};
    Some(match tls {
        E::InvalidCertificate(Cert::UnknownIssuer) => TlsReason::UnknownIssuer,
        E::InvalidCertificate(Cert::Expired | Cert::ExpiredContext { .. }) => TlsReason::Expired,
        E::InvalidCertificate(Cert::NotValidYet | Cert::NotValidYetContext { .. }) => TlsReason::NotValidYet,
        E::InvalidCertificate(Cert::NotValidForName | Cert::NotValidForNameContext { .. }) => TlsReason::NameMismatch,
        E::AlertReceived(Alert::ProtocolVersion)
        | E::PeerIncompatible(
            PeerIncompatible::ServerDoesNotSupportTls12Or13 | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig,
        ) => TlsReason::ProtocolVersion,
        _ => TlsReason::Other,
    })
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else { return Ok(None) };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let config = self.roots.client_config().map_err(|e| {
            let message = match e {
                Error::Config(c) => c.message().to_owned(),
                other => other.to_string(),
            };
            ureq::Error::Other(Box::new(ConfigError(message)))
        })?;
        let host = details.uri.host().ok_or(ureq::Error::Tls("no host to verify"))?;
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        let name = ServerName::try_from(host.to_owned()).map_err(|_| ureq::Error::Tls("invalid dns name"))?;
        let mut conn = ClientConnection::new(config, name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(details.config.input_buffer_size(), details.config.output_buffer_size());
        Ok(Some(Either::B(TlsTransport { buffers, stream: StreamOwned { conn, sock } })))
    }
}

/// A TLS connection for ureq.
pub(crate) struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").field("chained", &self.stream.sock.inner()).finish()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = self.buffers.output().get(..amount).ok_or(ureq::Error::Tls("output beyond the buffer"))?;
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let amount = self.stream.read(self.buffers.input_append_buf())?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustls's refusals, as ureq hands them over (inside an I/O error from the handshake, or
    /// as its own variant), each with its reason.
    #[test]
    fn handshake_failures_are_told_apart() {
        use rustls::{AlertDescription, CertificateError as Cert, Error as E, PeerIncompatible};
        let io = |e: E| ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
        for (e, want) in [
            (E::InvalidCertificate(Cert::UnknownIssuer), TlsReason::UnknownIssuer),
            (E::InvalidCertificate(Cert::Expired), TlsReason::Expired),
            (E::InvalidCertificate(Cert::NotValidYet), TlsReason::NotValidYet),
            (E::InvalidCertificate(Cert::NotValidForName), TlsReason::NameMismatch),
            (E::AlertReceived(AlertDescription::ProtocolVersion), TlsReason::ProtocolVersion),
            (E::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13), TlsReason::ProtocolVersion),
            (E::InvalidCertificate(Cert::BadSignature), TlsReason::Other),
            (E::AlertReceived(AlertDescription::HandshakeFailure), TlsReason::Other),
        ] {
            assert_eq!(reason(&io(e.clone())), Some(want), "{e:?}");
            assert_eq!(reason(&ureq::Error::Rustls(e.clone())), Some(want), "{e:?}");
        }
        // Not TLS at all.
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(reason(&ureq::Error::Io(refused)), None);
        assert_eq!(reason(&ureq::Error::HostNotFound), None);
        // What the transport makes of it: a kind, a reason, lowercase words.
        let Error::Transport(t) = super::super::transport_error(io(E::InvalidCertificate(Cert::UnknownIssuer))) else {
            panic!()
        };
        assert_eq!(t.kind(), crate::TransportErrorKind::Tls(TlsReason::UnknownIssuer));
        assert_eq!(t.tls_reason(), Some(TlsReason::UnknownIssuer));
        assert_eq!(t.to_string(), "tls handshake failed: the certificate's issuer is not trusted");
    }
}
