//! A canned EC2 on 127.0.0.1: HTTP/1.1 with keep-alive, one thread per
//! connection, answering each Query action with a fixed document. Shared by the
//! divan benches (started in-process) and by the `loopback` helper that
//! scripts/bench runs as a separate process.
//!
//! Answers by `Action`: the recorded AWS samples from `tests/fixtures/`, and a
//! generated page of N associations for a Describe call with `MaxResults=N`,
//! for each N of [`PAGE_ITEMS`]. Anything else gets an EC2 error document (HTTP 400).
//! Signatures are not checked: this stands in for the network, not for EC2.

#![allow(dead_code)] // each bench uses a different part of it

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread;

pub(crate) const DISASSOCIATE: &str = include_str!("../../tests/fixtures/disassociate_iam_instance_profile.aws.xml");
pub(crate) const ASSOCIATE: &str = include_str!("../../tests/fixtures/associate_iam_instance_profile.aws.xml");
pub(crate) const REPLACE: &str = include_str!("../../tests/fixtures/replace_iam_instance_profile_association.aws.xml");
pub(crate) const DESCRIBE: &str =
    include_str!("../../tests/fixtures/describe_iam_instance_profile_associations.aws.xml");
pub(crate) const DESCRIBE_MOTO: &str =
    include_str!("../../tests/fixtures/describe_iam_instance_profile_associations.moto-page1.xml");

/// Items on the generated Describe page (EC2's largest page).
pub(crate) const BIG_PAGE_ITEMS: usize = 1000;

/// The sizes of the generated Describe pages, each served for `MaxResults` of the same value.
pub(crate) const PAGE_ITEMS: [usize; 3] = [10, 100, BIG_PAGE_ITEMS];

/// An EC2 error document, as moto writes it.
pub(crate) const NOT_FOUND: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\"><Errors><Error><Code>InvalidAssociationID.NotFound</Code><Message>An invalid association-id of 'iip-assoc-00000000000000000' was given</Message></Error></Errors><RequestID>request-id</RequestID></Response>";

const ERROR: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidAction</Code>\
<Message>The action is not valid for this web service.</Message></Error></Errors>\
<RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>";

/// A Describe page of `n` associations as EC2 writes it (indented, with
/// timestamps), and a next token.
pub(crate) fn describe_page(n: usize) -> String {
    let mut s = String::with_capacity(200 + n * 480);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str("<DescribeIamInstanceProfileAssociationsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n");
    s.push_str("    <requestId>84c2d2a6-12dc-491f-a9ee-0123456789ab</requestId>\n");
    s.push_str("    <iamInstanceProfileAssociationSet>\n");
    for i in 0..n {
        s.push_str(&format!(
            "        <item>\n\
             \x20           <associationId>iip-assoc-{i:017x}</associationId>\n\
             \x20           <instanceId>i-{:017x}</instanceId>\n\
             \x20           <iamInstanceProfile>\n\
             \x20               <arn>arn:aws:iam::123456789012:instance-profile/profile-{}</arn>\n\
             \x20               <id>AIPAJVQN4F5WVLGC{i:05}</id>\n\
             \x20           </iamInstanceProfile>\n\
             \x20           <state>{}</state>\n\
             \x20           <timestamp>2016-11-26T12:{:02}:{:02}.000Z</timestamp>\n\
             \x20       </item>\n",
            i * 7919,
            i % 37,
            if i % 10 == 0 { "associating" } else { "associated" },
            (i / 60) % 60,
            i % 60,
        ));
    }
    s.push_str("    </iamInstanceProfileAssociationSet>\n");
    s.push_str("    <nextToken>eyJ2IjoxLCJjIjoiMTAwMCJ9</nextToken>\n");
    s.push_str("</DescribeIamInstanceProfileAssociationsResponse>\n");
    s
}

/// The canned documents, built once.
#[derive(Debug)]
pub(crate) struct Canned {
    /// `(MaxResults=N, the N-item page)` for each of [`PAGE_ITEMS`].
    pages: Vec<(String, String)>,
}

impl Canned {
    pub(crate) fn new() -> Self {
        Canned { pages: PAGE_ITEMS.iter().map(|&n| (format!("MaxResults={n}"), describe_page(n))).collect() }
    }

    /// Status and body for a form body.
    pub(crate) fn answer(&self, form: &str) -> (u16, &str) {
        let action = form.split('&').find_map(|kv| kv.strip_prefix("Action=")).unwrap_or("");
        let page = || self.pages.iter().find(|(max, _)| form.split('&').any(|kv| kv == max));
        match action {
            "DisassociateIamInstanceProfile" => (200, DISASSOCIATE),
            "AssociateIamInstanceProfile" => (200, ASSOCIATE),
            "ReplaceIamInstanceProfileAssociation" => (200, REPLACE),
            "DescribeIamInstanceProfileAssociations" => (200, page().map_or(DESCRIBE, |(_, doc)| doc)),
            _ => (400, ERROR),
        }
    }
}

/// Binds `127.0.0.1:port` (0: any free port) and serves on a background thread.
pub(crate) fn spawn(port: u16) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let addr = listener.local_addr()?;
    let canned = Arc::new(Canned::new());
    thread::spawn(move || serve(listener, canned));
    Ok(addr)
}

/// The same over TLS, with an RSA-2048 certificate for `localhost` (`support/tls/`, trusted
/// through `ca.pem` there), the kind AWS endpoints present. Its CA's key was not kept.
pub(crate) fn spawn_tls(port: u16) -> io::Result<SocketAddr> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    const CERT: &[u8] = include_bytes!("tls/localhost.pem");
    const KEY: &[u8] = include_bytes!("tls/localhost.key");
    let certs = CertificateDer::pem_slice_iter(CERT).collect::<Result<Vec<_>, _>>().map_err(io::Error::other)?;
    let key = PrivateKeyDer::from_pem_slice(KEY).map_err(io::Error::other)?;
    // The provider rustls's features name: ring, the only one built.
    let config =
        rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(certs, key).map_err(io::Error::other)?;
    let config = Arc::new(config);
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let addr = listener.local_addr()?;
    let canned = Arc::new(Canned::new());
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (canned, config) = (Arc::clone(&canned), Arc::clone(&config));
            thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let Ok(conn) = rustls::ServerConnection::new(config) else { return };
                let _ = connection(rustls::StreamOwned::new(conn, stream), &canned);
            });
        }
    });
    Ok(addr)
}

/// Accepts connections until the process ends.
pub(crate) fn serve(listener: TcpListener, canned: Arc<Canned>) {
    for stream in listener.incoming().flatten() {
        let canned = Arc::clone(&canned);
        thread::spawn(move || {
            let _ = stream.set_nodelay(true);
            let _ = connection(stream, &canned);
        });
    }
}

/// Answers requests on one keep-alive connection until the client closes it.
fn connection(stream: impl Read + Write, canned: &Canned) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut body = Vec::new();
    let mut out = Vec::new();
    loop {
        // Request line and headers.
        let mut content_length = 0usize;
        let mut close = false;
        let mut first = true;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(()); // the client closed the connection
            }
            let l = line.trim_end();
            if l.is_empty() {
                if first {
                    continue; // stray CRLF between requests
                }
                break;
            }
            first = false;
            if let Some((name, value)) = l.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.parse().map_err(|_| io::Error::other("bad content-length"))?;
                } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
                    close = true;
                }
            }
        }
        body.resize(content_length, 0);
        reader.read_exact(&mut body)?;
        let (status, doc) = canned.answer(std::str::from_utf8(&body).unwrap_or(""));
        let reason = if status == 200 { "OK" } else { "Bad Request" };
        out.clear();
        write!(
            out,
            "HTTP/1.1 {status} {reason}\r\ncontent-type: text/xml;charset=UTF-8\r\ncontent-length: {}\r\n\
             x-amzn-requestid: 84c2d2a6-12dc-491f-a9ee-0123456789ab\r\n\r\n",
            doc.len()
        )?;
        out.extend_from_slice(doc.as_bytes());
        reader.get_mut().write_all(&out)?;
        reader.get_mut().flush()?;
        if close {
            return Ok(());
        }
    }
}
