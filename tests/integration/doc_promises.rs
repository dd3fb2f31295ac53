//! Behaviour the API docs promise, checked without a network: `Pages` and
//! `Items` end after an error, and building a client does not look up the
//! credentials (the first call does).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::loopback::closed_port_url;
use ec2_lite::{
    Client, ConfigError, ConfigErrorKind, Credentials, DescribeIamInstanceProfileAssociations, Error,
    ProvideCredentials,
};

/// A client whose endpoint nothing listens on.
fn offline_client() -> Client {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .endpoint_url(closed_port_url())
        .max_attempts(1)
        .build()
        .expect("a client")
}

#[test]
fn pages_and_items_end_after_an_error() {
    let client = offline_client();
    // Refused before any request: MaxResults must be 5..=1000.
    let request = DescribeIamInstanceProfileAssociations::new().max_results(4);

    let mut pages = client.describe_iam_instance_profile_associations_pages(&request);
    assert!(matches!(pages.next(), Some(Err(Error::InvalidInput(_)))));
    for _ in 0..3 {
        assert!(pages.next().is_none(), "Pages goes on after its error");
    }

    let mut items = client.describe_iam_instance_profile_associations_pages(&request).items();
    assert!(matches!(items.next(), Some(Err(Error::InvalidInput(_)))));
    for _ in 0..3 {
        assert!(items.next().is_none(), "Items goes on after its error");
    }

    // A transport failure ends them the same way.
    let mut items =
        client.describe_iam_instance_profile_associations_pages(&DescribeIamInstanceProfileAssociations::new()).items();
    assert!(matches!(items.next(), Some(Err(Error::Transport(_)))));
    assert!(items.next().is_none());

    fn fused<I: std::iter::FusedIterator>(_: &I) {}
    fused(&items);
}

#[derive(Debug, Default, Clone)]
struct Counting(Arc<AtomicUsize>);

impl ProvideCredentials for Counting {
    fn provide_credentials(&self) -> Result<Credentials, Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(ConfigError::new(ConfigErrorKind::NoCredentials, "no credentials here").into())
    }
}

#[test]
fn credentials_are_looked_up_at_the_first_call_not_when_building() {
    let provider = Counting::default();
    let client = Client::builder()
        .region("us-east-1")
        .credentials_provider(provider.clone())
        .endpoint_url(closed_port_url())
        .build()
        .expect("building needs no credentials");
    assert_eq!(provider.0.load(Ordering::SeqCst), 0, "build() asked for credentials");
    let err = client.disassociate_iam_instance_profile("iip-assoc-0123456789abcdef0").expect_err("no credentials");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(provider.0.load(Ordering::SeqCst) >= 1, "the call did not ask for credentials");
}
