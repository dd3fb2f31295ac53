//! Properties of the query encoder and the canonical request, over generated
//! inputs: round trips and invariants. Agreement with botocore's signer is
//! `sigv4_botocore`'s.

use ec2_lite::Credentials;
use ec2_lite::query::QueryBody;
use ec2_lite::sigv4::{self, SignableRequest, Signer, SigningOutput, SigningParams, percent_decode};
use proptest::prelude::*;
use proptest::test_runner::Config;
use time::OffsetDateTime;

/// Any text, with a bias toward the characters encoders get wrong.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![".*", "[ +=&%/:,~*'()!@#$;?\\[\\]]{0,8}", "[a-zA-Z0-9 +%=&._~-]{0,16}", "\\PC{0,12}",]
}

/// Splits a form body back into decoded pairs.
fn decode_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("every pair has a '='");
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn query_bodies_round_trip(pairs in prop::collection::vec((text(), text()), 0..8)) {
        let mut body = QueryBody::new("SomeAction", "2016-11-15");
        for (k, v) in &pairs {
            body.push(k, v);
        }
        let decoded = decode_form(body.as_str());
        prop_assert_eq!(&decoded[..2], &[("Action".into(), "SomeAction".into()), ("Version".into(), "2016-11-15".into())]);
        prop_assert_eq!(&decoded[2..], &pairs[..]);
        // RFC 3986 only: no '+', no space, nothing outside the unreserved set
        // but the escapes and the separators.
        prop_assert!(body.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%=&".contains(&b)));
    }

    #[test]
    fn lists_and_filters_are_numbered_from_one(
        ids in prop::collection::vec(text(), 0..6),
        filters in prop::collection::vec((text(), prop::collection::vec(text(), 1..4)), 0..4),
    ) {
        let mut body = QueryBody::new("A", "1");
        body.push_list("AssociationId", &ids);
        body.push_filters(&filters);
        let decoded = decode_form(body.as_str());
        let mut want = vec![("Action".to_owned(), "A".to_owned()), ("Version".to_owned(), "1".to_owned())];
        for (i, id) in ids.iter().enumerate() {
            want.push((format!("AssociationId.{}", i + 1), id.clone()));
        }
        for (i, (name, values)) in filters.iter().enumerate() {
            want.push((format!("Filter.{}.Name", i + 1), name.clone()));
            for (j, v) in values.iter().enumerate() {
                want.push((format!("Filter.{}.Value.{}", i + 1, j + 1), v.clone()));
            }
        }
        prop_assert_eq!(decoded, want);
    }

    #[test]
    fn canonical_requests_are_well_formed_and_order_free(req in request()) {
        let c = req.credentials();
        let params = SigningParams::new(&c, "us-east-1", "ec2", req.time);
        let out = req.sign(&params);
        let creq = out.canonical_request();
        let lines: Vec<&str> = creq.split('\n').collect();
        let signed = lines[lines.len() - 2];
        let names: Vec<&str> = signed.split(';').collect();
        // Sorted, unique, lowercase, always with host and x-amz-date.
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        prop_assert_eq!(&names, &sorted);
        prop_assert!(names.iter().all(|n| n.bytes().all(|b| !b.is_ascii_uppercase())));
        prop_assert!(names.contains(&"host") && names.contains(&"x-amz-date"));
        prop_assert_eq!(names.contains(&"x-amz-security-token"), req.token.is_some());
        // The canonical query is sorted by encoded name, then value.
        let pairs: Vec<(&str, &str)> =
            lines[2].split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect();
        prop_assert!(pairs.windows(2).all(|w| w[0] <= w[1]), "{}", lines[2]);
        // Reordering the query, or headers of different names, changes nothing.
        let mut reversed = req.clone();
        reversed.query.reverse();
        reversed.headers = reorder_keeping_repeats(&req.headers);
        let again = reversed.sign(&params);
        prop_assert_eq!(again.signature(), out.signature());
        // A cached signing key signs the same.
        let signer = Signer::new();
        for _ in 0..2 {
            let cached = req.sign_with(&signer, &params);
            prop_assert_eq!(cached.signature(), out.signature());
        }
    }
}

/// Headers in reverse order of first appearance of their name, repeated names
/// kept in their own order (which does matter: their values are joined).
fn reorder_keeping_repeats(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut names: Vec<String> = Vec::new();
    for (n, _) in headers {
        let l = n.to_ascii_lowercase();
        if !names.contains(&l) {
            names.push(l);
        }
    }
    names.reverse();
    names.iter().flat_map(|n| headers.iter().filter(move |(h, _)| h.to_ascii_lowercase() == *n).cloned()).collect()
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    token: Option<String>,
    time: OffsetDateTime,
}

impl Req {
    fn credentials(&self) -> Credentials {
        Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", self.token.clone())
    }

    fn sign(&self, params: &SigningParams<'_>) -> SigningOutput {
        self.with_request(|r| sigv4::sign(r, params))
    }

    fn sign_with(&self, signer: &Signer, params: &SigningParams<'_>) -> SigningOutput {
        self.with_request(|r| signer.sign(r, params))
    }

    fn with_request<T>(&self, f: impl FnOnce(&SignableRequest<'_>) -> T) -> T {
        let query: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let request = SignableRequest::new(&self.method, "ec2.us-east-1.amazonaws.com", &self.path)
            .query(&query)
            .headers(&headers)
            .body(&self.body);
        f(&request)
    }
}

fn request() -> impl Strategy<Value = Req> {
    let header_name = prop_oneof![
        Just("Content-Type".to_owned()),
        Just("X-Custom".to_owned()),
        Just("x-custom".to_owned()),
        Just("X-Amz-Meta-A".to_owned()),
        Just("User-Agent".to_owned()),
        "[A-Za-z][A-Za-z0-9-]{0,10}",
    ];
    // Header values as HTTP carries them: visible ASCII, spaces and tabs,
    // folded lines.
    let header_value = "[ \t]{0,2}[!-~]{0,10}([ \t\n]{1,3}[!-~]{1,8}){0,2}[ \t]{0,2}";
    let path = prop_oneof![
        Just("/".to_owned()),
        "(/[a-zA-Z0-9._~%:@!$&'()*+,;=-]{0,6}){1,4}/?",
        "(/(\\.|\\.\\.|[a-z]{1,3})){1,5}",
    ];
    (
        prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE")],
        path,
        prop::collection::vec((text(), text()), 0..5),
        prop::collection::vec((header_name, header_value), 0..6),
        prop::collection::vec(any::<u8>(), 0..64),
        prop::option::of("[A-Za-z0-9+/=]{1,40}"),
        0i64..4_000_000_000,
    )
        .prop_map(|(method, path, query, headers, body, token, secs)| Req {
            method: method.to_owned(),
            path,
            query,
            headers: headers.into_iter().filter(|(n, _)| !n.eq_ignore_ascii_case("date")).collect(),
            body,
            token,
            time: OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        })
}
