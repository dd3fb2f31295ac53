//! Micro-benchmarks (divan): SigV4 signing, Query body encoding, and whole calls
//! on a reused `Client` against a canned EC2 on 127.0.0.1 started here.
//!
//! ```text
//! cargo bench --bench ec2_lite                 # everything
//! cargo bench --bench ec2_lite -- sign         # a subset, by name
//! ```
//!
//! `parse::*` runs each operation's response parser alone (`ec2_lite::wire`);
//! `call::*` is one whole call (sign, POST on a kept-alive
//! connection, read, parse); `call::raw_*` is the same exchange through
//! `Client::call`, which stops before the operation's parser; and
//! `transport::tcp_roundtrip_*` is the same bytes on a bare `TcpStream`, with no
//! HTTP client at all. The differences between the three isolate parsing and
//! the client's own overhead from the loopback's cost. (`call::x - call::raw_x`
//! is the operation's parser only while the typed calls and `Client::call`
//! share everything up to the parser, the request-id lookup included.)

#[path = "support/canned.rs"]
mod canned;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::LazyLock;

use divan::{Bencher, black_box};
use ec2_lite::query::{EC2_API_VERSION, QueryBody};
use ec2_lite::sigv4::{self, SignableRequest, Signer, SigningParams};
use ec2_lite::{
    Client, Credentials, DescribeIamInstanceProfileAssociations, IamInstanceProfileSpecification, RateLimits,
};

fn main() {
    divan::main();
}

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
const ASSOCIATION_ID: &str = "iip-assoc-0123456789abcdef0";
const INSTANCE_ID: &str = "i-1234567890abcdef0";
const PROFILE_ARN: &str = "arn:aws:iam::123456789012:instance-profile/AdminProfile";

fn credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)
}

fn session_credentials() -> Credentials {
    // A session token as long as a real STS one (about 1 KB).
    Credentials::new("ASIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Some("IQoJb3JpZ2luX2Vj".repeat(64)))
}

fn time() -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(1_440_938_160).expect("valid") // 2015-08-30T12:36:00Z
}

fn disassociate_body() -> String {
    let mut b = QueryBody::new("DisassociateIamInstanceProfile", EC2_API_VERSION);
    b.push("AssociationId", ASSOCIATION_ID);
    b.into_string()
}

mod sign {
    use super::*;

    /// `sigv4::sign`: the signing key derived from the secret (four more HMACs).
    #[divan::bench]
    fn cold_key(bencher: Bencher) {
        let (c, body) = (credentials(), disassociate_body());
        let headers = [("content-type", FORM)];
        bencher.bench_local(|| {
            let req = SignableRequest::new("POST", "ec2.us-east-1.amazonaws.com", "/")
                .headers(headers)
                .body(black_box(body.as_bytes()));
            sigv4::sign(&req, &SigningParams::new(&c, "us-east-1", "ec2", time()))
        });
    }

    /// `Signer::sign` with the key cached, as `Client` signs every call.
    #[divan::bench]
    fn cached_key(bencher: Bencher) {
        cached(bencher, credentials());
    }

    /// The same, with temporary credentials (a signed 1 KB session token).
    #[divan::bench]
    fn cached_key_session_token(bencher: Bencher) {
        cached(bencher, session_credentials());
    }

    fn cached(bencher: Bencher, c: Credentials) {
        let body = disassociate_body();
        let headers = [("content-type", FORM)];
        let signer = Signer::new();
        let params = SigningParams::new(&c, "us-east-1", "ec2", time());
        let req =
            SignableRequest::new("POST", "ec2.us-east-1.amazonaws.com", "/").headers(headers).body(body.as_bytes());
        signer.sign(&req, &params);
        bencher.bench_local(|| signer.sign(black_box(&req), &params));
    }
}

mod body {
    use super::*;

    /// `DisassociateIamInstanceProfile`: action, version, one id.
    #[divan::bench]
    fn disassociate() -> String {
        let mut b = QueryBody::new("DisassociateIamInstanceProfile", EC2_API_VERSION);
        b.push("AssociationId", black_box(ASSOCIATION_ID));
        b.into_string()
    }

    /// `AssociateIamInstanceProfile` by ARN (every `:` and `/` escaped).
    #[divan::bench]
    fn associate_by_arn() -> String {
        let mut b = QueryBody::new("AssociateIamInstanceProfile", EC2_API_VERSION);
        b.push("IamInstanceProfile.Arn", black_box(PROFILE_ARN));
        b.push("InstanceId", black_box(INSTANCE_ID));
        b.into_string()
    }

    /// Describe with ids, two filters and a page size: list flattening.
    #[divan::bench]
    fn describe_with_filters() -> String {
        let mut b = QueryBody::new("DescribeIamInstanceProfileAssociations", EC2_API_VERSION);
        b.push_list("AssociationId", black_box(&[ASSOCIATION_ID, "iip-assoc-0fedcba9876543210"]));
        b.push_filters(black_box(&[
            ("instance-id", vec![INSTANCE_ID, "i-0fedcba9876543210"]),
            ("state", vec!["associating", "associated"]),
        ]));
        b.push("MaxResults", "100");
        b.into_string()
    }
}

/// The canned server and clients pointed at it, started on first use.
struct Loopback {
    addr: SocketAddr,
    /// For the small documents.
    client: Client,
    /// For the generated pages, one per size of `canned::PAGE_ITEMS`, each on a
    /// connection of its own: after a 400 KB response, small exchanges on the
    /// same kept-alive connection were seen to take several times longer
    /// (kernel-side: the instructions do not change), which would make the
    /// figures depend on the order benches run in.
    page_clients: Vec<Client>,
}

static LOOPBACK: LazyLock<Loopback> = LazyLock::new(|| {
    let addr = canned::spawn(0).expect("bind a loopback port");
    let client = || {
        Client::builder()
            .region("us-east-1")
            .credentials(credentials())
            .endpoint_url(format!("http://{addr}"))
            // EC2's buckets, refilled so fast that a loopback never waits: the limiter's cost is
            // measured, not its pace.
            .rate_limits(RateLimits::ec2_documented().scaled(1e6))
            .build()
            .expect("client")
    };
    Loopback { addr, client: client(), page_clients: canned::PAGE_ITEMS.iter().map(|_| client()).collect() }
});

mod call {
    use super::*;

    fn client() -> &'static Client {
        &LOOPBACK.client
    }

    /// The client for the generated page of `items` associations.
    fn page_client(items: usize) -> &'static Client {
        let i = canned::PAGE_ITEMS.iter().position(|&n| n == items).expect("a generated page size");
        &LOOPBACK.page_clients[i]
    }

    /// One Describe call answered with the generated page of `items` associations.
    fn describe_page(items: usize) {
        let req = DescribeIamInstanceProfileAssociations::new().max_results(items as u32);
        let page = page_client(items).describe_iam_instance_profile_associations(&req).expect("call");
        assert_eq!(page.iam_instance_profile_associations.len(), items);
        black_box(page);
    }

    #[divan::bench]
    fn disassociate() {
        let out = client().disassociate_iam_instance_profile(ASSOCIATION_ID).expect("call");
        black_box(out);
    }

    #[divan::bench]
    fn associate() {
        let profile = IamInstanceProfileSpecification::arn(PROFILE_ARN);
        black_box(client().associate_iam_instance_profile(INSTANCE_ID, &profile).expect("call"));
    }

    #[divan::bench]
    fn replace() {
        let profile = IamInstanceProfileSpecification::arn(PROFILE_ARN);
        black_box(client().replace_iam_instance_profile_association(ASSOCIATION_ID, &profile).expect("call"));
    }

    /// The one-item AWS sample page.
    #[divan::bench]
    fn describe() {
        let req = DescribeIamInstanceProfileAssociations::new();
        black_box(client().describe_iam_instance_profile_associations(&req).expect("call"));
    }

    /// A generated page of 10 associations (about 5 KB of XML).
    #[divan::bench]
    fn describe_10_items() {
        describe_page(10);
    }

    /// A generated page of 100 associations (about 46 KB of XML).
    #[divan::bench]
    fn describe_100_items() {
        describe_page(100);
    }

    /// A generated page of 1,000 associations (about 450 KB of XML).
    #[divan::bench(sample_count = 200)]
    fn describe_1000_items() {
        describe_page(canned::BIG_PAGE_ITEMS);
    }

    /// `Client::call`: the same exchange as `disassociate`, without the
    /// operation's parser.
    #[divan::bench]
    fn raw_disassociate() {
        black_box(client().call("DisassociateIamInstanceProfile", &[("AssociationId", ASSOCIATION_ID)]).expect("call"));
    }

    /// `Client::call` on the 1,000-item page: `describe_1000_items` minus this
    /// is the cost of the operation's parser.
    #[divan::bench(sample_count = 200)]
    fn raw_describe_1000_items() {
        let raw = page_client(canned::BIG_PAGE_ITEMS)
            .call("DescribeIamInstanceProfileAssociations", &[("MaxResults", "1000")]);
        black_box(raw.expect("call"));
    }
}

/// Each operation's response parser on its own (`ec2_lite::wire`), no I/O.
mod parse {
    use super::*;
    use ec2_lite::wire;

    #[divan::bench]
    fn disassociate() {
        black_box(wire::parse_disassociate_iam_instance_profile(200, black_box(canned::DISASSOCIATE)).expect("parse"));
    }

    #[divan::bench]
    fn associate() {
        black_box(wire::parse_associate_iam_instance_profile(200, black_box(canned::ASSOCIATE)).expect("parse"));
    }

    #[divan::bench]
    fn replace() {
        black_box(
            wire::parse_replace_iam_instance_profile_association(200, black_box(canned::REPLACE)).expect("parse"),
        );
    }

    #[divan::bench]
    fn describe() {
        black_box(
            wire::parse_describe_iam_instance_profile_associations(200, black_box(canned::DESCRIBE)).expect("parse"),
        );
    }

    /// A generated page of `items` associations (indented XML, as EC2 writes it).
    fn describe_page(bencher: Bencher, items: usize) {
        let page = canned::describe_page(items);
        bencher.bench(|| {
            let parsed = wire::parse_describe_iam_instance_profile_associations(200, black_box(&page)).expect("parse");
            assert_eq!(parsed.iam_instance_profile_associations.len(), items);
            parsed
        });
    }

    #[divan::bench]
    fn describe_10_items(bencher: Bencher) {
        describe_page(bencher, 10);
    }

    #[divan::bench]
    fn describe_100_items(bencher: Bencher) {
        describe_page(bencher, 100);
    }

    /// About 450 KB.
    #[divan::bench(sample_count = 200)]
    fn describe_1000_items(bencher: Bencher) {
        describe_page(bencher, canned::BIG_PAGE_ITEMS);
    }

    #[divan::bench]
    fn error() {
        black_box(wire::parse_error(400, black_box(canned::NOT_FOUND)));
    }
}

mod transport {
    use super::*;

    /// One request and response on a bare kept-alive `TcpStream`, no HTTP
    /// client: what the loopback and the canned server cost by themselves.
    fn roundtrip(bencher: Bencher, form: &str, expect_len: usize) {
        let mut stream = TcpStream::connect(LOOPBACK.addr).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let request = format!(
            "POST / HTTP/1.1\r\nhost: {}\r\ncontent-type: {FORM}\r\ncontent-length: {}\r\n\r\n{form}",
            LOOPBACK.addr,
            form.len()
        );
        let mut buf = vec![0u8; expect_len + 4096];
        bencher.bench_local(|| {
            stream.write_all(request.as_bytes()).expect("write");
            // Read until the whole canned body has arrived.
            let (mut got, mut total) = (0, usize::MAX);
            while got < total {
                got += stream.read(&mut buf[got..]).expect("read");
                if total == usize::MAX
                    && let Some(end) = buf[..got].windows(4).position(|w| w == b"\r\n\r\n")
                {
                    total = end + 4 + expect_len;
                }
            }
            got
        });
    }

    #[divan::bench]
    fn tcp_roundtrip_disassociate(bencher: Bencher) {
        roundtrip(bencher, &disassociate_body(), canned::DISASSOCIATE.len());
    }

    #[divan::bench(sample_count = 200)]
    fn tcp_roundtrip_describe_1000_items(bencher: Bencher) {
        let form = format!("Action=DescribeIamInstanceProfileAssociations&Version={EC2_API_VERSION}&MaxResults=1000");
        roundtrip(bencher, &form, canned::describe_page(canned::BIG_PAGE_ITEMS).len());
    }
}
