//! One hand-signed EC2 `DisassociateIamInstanceProfile` POST with ureq, and
//! nothing else: no parsing, no configuration chain, no retries. The floor
//! that scripts/bench compares the ec2-lite CLI with.
//!
//! Usage: `floor http://127.0.0.1:PORT/ [calls]`, with `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY` set. Prints the status and the body of the last call.

mod sign;

const BODY: &str = "Action=DisassociateIamInstanceProfile&AssociationId=iip-assoc-0123456789abcdef0&Version=2016-11-15";

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("usage: floor URL [calls]");
    let calls: u32 = args.next().map_or(1, |n| n.parse().expect("calls: a number"));
    let key_id = std::env::var("AWS_ACCESS_KEY_ID").expect("AWS_ACCESS_KEY_ID");
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").expect("AWS_SECRET_ACCESS_KEY");
    let host = url.split("://").nth(1).expect("scheme://host").split('/').next().unwrap_or_default();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut last = String::new();
    for _ in 0..calls {
        let (date, authorization) = sign::sign(&key_id, &secret, host, BODY);
        let response = agent
            .post(&url)
            .header("content-type", sign::CONTENT_TYPE)
            .header("x-amz-date", &date)
            .header("authorization", &authorization)
            .send(BODY)
            .expect("request");
        let status = response.status().as_u16();
        last = format!("{status}\n{}", response.into_body().read_to_string().expect("body"));
    }
    println!("{last}");
}
