//! The floor of a Describe call: one hand-signed EC2
//! `DescribeIamInstanceProfileAssociations` POST with ureq for a page of N
//! items, the answer parsed with roxmltree into nothing more than a count of
//! its associations. scripts/bench compares it with ec2-lite's typed pages.
//!
//! Usage: `floor-describe http://127.0.0.1:PORT/ ITEMS [calls]`, with
//! `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` set. Prints the status and
//! the count of the last call.

mod sign;

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("usage: floor-describe URL ITEMS [calls]");
    let items: u32 = args.next().expect("usage: floor-describe URL ITEMS [calls]").parse().expect("ITEMS: a number");
    let calls: u32 = args.next().map_or(1, |n| n.parse().expect("calls: a number"));
    let key_id = std::env::var("AWS_ACCESS_KEY_ID").expect("AWS_ACCESS_KEY_ID");
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").expect("AWS_SECRET_ACCESS_KEY");
    let host = url.split("://").nth(1).expect("scheme://host").split('/').next().unwrap_or_default();
    let body = format!("Action=DescribeIamInstanceProfileAssociations&MaxResults={items}&Version=2016-11-15");
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut last = String::new();
    for _ in 0..calls {
        let (date, authorization) = sign::sign(&key_id, &secret, host, &body);
        let response = agent
            .post(&url)
            .header("content-type", sign::CONTENT_TYPE)
            .header("x-amz-date", &date)
            .header("authorization", &authorization)
            .send(&body)
            .expect("request");
        let status = response.status().as_u16();
        // The bytes as they come (read_to_string would run ureq's charset decoder
        // over them), then one UTF-8 check, as ec2-lite reads a page.
        let bytes = response.into_body().read_to_vec().expect("body");
        let doc = roxmltree::Document::parse(std::str::from_utf8(&bytes).expect("UTF-8")).expect("XML");
        let count = doc
            .descendants()
            .find(|n| n.has_tag_name("iamInstanceProfileAssociationSet"))
            .map_or(0, |set| set.children().filter(|n| n.has_tag_name("item")).count());
        last = format!("{status}\n{count} associations");
    }
    println!("{last}");
}
