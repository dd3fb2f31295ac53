//! Calls EC2 without ec2-lite's transport: the request is built with `wire`,
//! signed with `sigv4`, sent over a plain `std::net::TcpStream`, and the
//! answer parsed with `wire`. Any HTTP stack (async, another TLS library)
//! fits the same way.
//!
//! Plain TCP speaks no TLS, so this runs against a local endpoint such as
//! moto (`scripts/demo` starts one):
//!
//! ```sh
//! AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=us-east-1 \
//! AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... cargo run --example sign_request
//! ```

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::SystemTime;

use ec2_lite::sigv4::{self, SignableRequest, SigningParams};
use ec2_lite::{Credentials, DescribeIamInstanceProfileAssociations, wire};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let url = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5000/".to_owned());
    let region = var("AWS_REGION")?;
    let credentials = Credentials::new(
        var("AWS_ACCESS_KEY_ID")?,
        var("AWS_SECRET_ACCESS_KEY")?,
        std::env::var("AWS_SESSION_TOKEN").ok(),
    );

    // Where to connect, and the path for the request line.
    let rest = url.strip_prefix("http://").ok_or("this example speaks plain http only")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let address = if authority.ends_with(']') || !authority.contains(':') {
        format!("{authority}:80")
    } else {
        authority.to_owned()
    };

    // 1. The body: EC2 Query parameters, form-encoded (RFC 3986, spaces as %20).
    let body = wire::describe_iam_instance_profile_associations_body(&DescribeIamInstanceProfileAssociations::new())?;

    // 2. Sign it as it will be sent: the same URL, the same headers, the same bytes.
    let request =
        SignableRequest::from_url("POST", &url)?.header("Content-Type", wire::CONTENT_TYPE).body(body.as_bytes());
    let signed = sigv4::sign(&request, &SigningParams::new(&credentials, &region, "ec2", SystemTime::now()));

    // 3. Send it. `host_header` gives the Host value that was signed. HTTP/1.0,
    //    so the answer comes whole (not chunked) and the connection then closes.
    let mut head = format!(
        "POST {path} HTTP/1.0\r\nHost: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        sigv4::host_header(&url)?,
        wire::CONTENT_TYPE,
        body.len()
    );
    for (name, value) in signed.headers() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(&address)?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;

    // 4. Split the answer into status and body, and parse the body.
    let answer = String::from_utf8_lossy(&answer);
    let (head, text) = answer.split_once("\r\n\r\n").ok_or("no end of headers in the answer")?;
    let status: u16 = head.split_whitespace().nth(1).ok_or("no status line")?.parse()?;
    let page = wire::parse_describe_iam_instance_profile_associations(status, text)?;
    for assoc in &page.iam_instance_profile_associations {
        println!("{}\t{}\t{}", assoc.association_id, assoc.instance_id, assoc.state);
    }
    println!(
        "{} associations; more pages: {}",
        page.iam_instance_profile_associations.len(),
        page.next_token.is_some()
    );
    Ok(())
}
