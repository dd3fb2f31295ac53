//! The library against moto with signature checking on: every operation, the
//! page iterator, find-by-instance, the waiters and `call`, with the errors a
//! caller has to tell apart.
//!
//! One moto server per test binary. Tests do not look at global listings:
//! each works on associations of its own, taken from a pool seeded once, and
//! Describe calls filter by those instances.
//!
//! Needs the test venv: ignored by plain `cargo test`, run by `scripts/test`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::loopback::closed_port_url;
use crate::support::moto::{Moto, SeedPool, Seeded};
use ec2_lite::{
    Client, Credentials, DescribeIamInstanceProfileAssociations, Error, IamInstanceProfileAssociation,
    IamInstanceProfileAssociationState as State, IamInstanceProfileSpecification, WaitOptions, WaitTarget,
};

/// How many associations Describe pages are made of here: more than moto's
/// fixed page of 100.
const PAGED: usize = 105;
/// Associations set aside for the tests that change them.
const POOL: usize = 24;

/// An id that moto never hands out (its ids are random hex).
const UNKNOWN_ASSOC: &str = "iip-assoc-00000000000000000";
const UNKNOWN_INSTANCE: &str = "i-00000000000000000";

/// The shared server and its seeds.
fn moto() -> (&'static Moto, &'static SeedPool) {
    Moto::shared_with_seeds(PAGED, POOL)
}

/// What this module adds to the shared seed pool.
trait LibrarySeeds {
    fn bare_instance(&self, moto: &Moto) -> String;
    fn paged_instance_ids(&self) -> Vec<&str>;
    fn paged_association_ids(&self) -> BTreeSet<String>;
}

impl LibrarySeeds for SeedPool {
    /// A fresh instance with no association, for this test alone.
    fn bare_instance(&self, moto: &Moto) -> String {
        let seeded = self.association(moto);
        client(moto)
            .disassociate_iam_instance_profile(&seeded.association_id)
            .expect("disassociate to get a bare instance");
        seeded.instance_id
    }

    fn paged_instance_ids(&self) -> Vec<&str> {
        self.paged.iter().map(|s| s.instance_id.as_str()).collect()
    }

    fn paged_association_ids(&self) -> BTreeSet<String> {
        self.paged.iter().map(|s| s.association_id.clone()).collect()
    }
}

/// What `association_for_instance` finds for the instance.
fn association_of(client: &Client, instance_id: &str) -> Option<IamInstanceProfileAssociation> {
    client.association_for_instance(instance_id).expect("association_for_instance").iam_instance_profile_association
}

fn client(moto: &Moto) -> Client {
    client_with(moto, Credentials::new(&moto.access_key_id, &moto.secret_access_key, None))
}

fn client_with(moto: &Moto, credentials: Credentials) -> Client {
    Client::builder()
        .region(&moto.region)
        .endpoint_url(&moto.endpoint)
        .credentials(credentials)
        .build()
        .expect("a client for moto")
}

/// A client that counts the requests it sends (from its debug trace).
fn counting_client(moto: &Moto) -> (Client, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let client = Client::builder()
        .region(&moto.region)
        .endpoint_url(&moto.endpoint)
        .credentials(Credentials::new(&moto.access_key_id, &moto.secret_access_key, None))
        .on_debug(move |line| {
            if line.starts_with("request: POST ") {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .expect("a client for moto");
    (client, count)
}

fn by_instance(instance_ids: &[&str]) -> DescribeIamInstanceProfileAssociations {
    DescribeIamInstanceProfileAssociations::new().filter("instance-id", instance_ids.iter().copied())
}

fn ids(associations: &[IamInstanceProfileAssociation]) -> BTreeSet<String> {
    associations.iter().map(|a| a.association_id.clone()).collect()
}

fn set<const N: usize>(items: [&str; N]) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}

/// The service error inside `e`, or a failure naming what came instead.
#[track_caller]
fn service_error(e: &Error) -> &ec2_lite::ServiceError {
    match e {
        Error::Service(s) => s,
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[track_caller]
fn assert_matches_seed(a: &IamInstanceProfileAssociation, seeded: &Seeded) {
    assert_eq!(a.association_id, seeded.association_id);
    assert_eq!(a.instance_id, seeded.instance_id);
    assert_eq!(a.iam_instance_profile.arn, seeded.profile_arn);
    assert_eq!(a.iam_instance_profile.id, seeded.profile_id);
    assert_eq!(a.timestamp, None, "moto sends no timestamp");
}

// ---------------------------------------------------------------- Disassociate

#[test]
#[ignore = "needs scripts/venv"]
fn disassociate_returns_the_association_being_removed() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let client = client(moto);

    let out = client.disassociate_iam_instance_profile(&seeded.association_id).expect("disassociate");
    assert!(out.request_id.as_deref().is_some_and(|id| !id.is_empty()), "no request id on success");
    let out = out.iam_instance_profile_association;
    assert_matches_seed(&out, &seeded);
    assert_eq!(out.state, State::Disassociating);

    assert_eq!(association_of(&client, &seeded.instance_id), None, "still associated");
}

#[test]
#[ignore = "needs scripts/venv"]
fn disassociating_an_unknown_or_removed_association_is_not_found() {
    let (moto, seeds) = moto();
    let client = client(moto);
    let e = client.disassociate_iam_instance_profile(UNKNOWN_ASSOC).expect_err("an unknown id");
    assert!(e.is_not_found(), "{e:?}");
    assert!(!e.is_auth() && !e.is_retryable() && !e.is_throttling(), "{e:?}");
    assert_eq!(e.code(), Some("InvalidAssociationID.NotFound"));
    assert_eq!(e.status(), Some(400));
    assert!(e.request_id().is_some(), "no request id on an error: {e:?}");
    assert_eq!(e.attempts(), 1, "a not-found error is not retried");
    assert_eq!(service_error(&e).message, format!("An invalid association-id of '{UNKNOWN_ASSOC}' was given"));

    let seeded = seeds.association(moto);
    client.disassociate_iam_instance_profile(&seeded.association_id).expect("first disassociate");
    let e = client.disassociate_iam_instance_profile(&seeded.association_id).expect_err("second disassociate");
    assert!(e.is_not_found(), "{e:?}");
}

#[test]
#[ignore = "needs scripts/venv"]
fn wrong_secret_or_unknown_key_is_a_401_auth_failure() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let wrong_secret = format!("{}x", moto.secret_access_key);
    for credentials in [
        Credentials::new(&moto.access_key_id, &wrong_secret, None),
        Credentials::new("AKIAIOSFODNN7EXAMPLE", &moto.secret_access_key, None),
    ] {
        let e = client_with(moto, credentials)
            .disassociate_iam_instance_profile(&seeded.association_id)
            .expect_err("refused credentials");
        assert!(e.is_auth(), "{e:?}");
        assert!(!e.is_not_found() && !e.is_retryable(), "{e:?}");
        assert_eq!(e.code(), Some("AuthFailure"));
        assert_eq!(e.status(), Some(401));
        assert_eq!(e.attempts(), 1, "an auth failure is not retried");
        assert!(e.request_id().is_some(), "moto sends the request id in a header: {e:?}");
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(&wrong_secret) && !shown.contains(&moto.secret_access_key), "{shown}");
    }
    // Nothing was removed.
    let still = association_of(&client(moto), &seeded.instance_id);
    assert_eq!(still.map(|a| a.association_id), Some(seeded.association_id));
}

#[test]
#[ignore = "needs scripts/venv"]
fn assumed_role_session_credentials_work_and_need_their_token() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let (akid, secret, token) = moto.assume_role();
    assert!(akid.starts_with("ASIA"), "{akid}");

    let without = client_with(moto, Credentials::new(&akid, &secret, None));
    let e = without.association_for_instance(&seeded.instance_id).expect_err("no token");
    assert!(e.is_auth(), "{e:?}");
    let wrong = client_with(moto, Credentials::new(&akid, &secret, Some("not-the-token".to_owned())));
    assert!(wrong.association_for_instance(&seeded.instance_id).expect_err("wrong token").is_auth());

    let session = client_with(moto, Credentials::new(&akid, &secret, Some(token.clone())));
    let found = association_of(&session, &seeded.instance_id);
    assert_eq!(found.map(|a| a.association_id), Some(seeded.association_id.clone()));
    let out = session.disassociate_iam_instance_profile(&seeded.association_id).expect("disassociate");
    assert_eq!(out.iam_instance_profile_association.state, State::Disassociating);
    assert!(!format!("{session:?}").contains(&token), "Debug of the client shows the token");
}

#[test]
fn malformed_ids_and_bad_arguments_are_refused_before_any_request() {
    // Nothing listens on this port: a request would be a transport error.
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(closed_port_url())
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .build()
        .unwrap();
    let profile = IamInstanceProfileSpecification::name("p");
    let bad_association_ids = ["", "iip-assoc-", "i-0123456789abcdef0", "iip-assoc-xyz", "iip-assoc-0&Action=Run"];
    let bad_instance_ids = ["", "i-", "iip-assoc-0123456789abcdef0", "i-xyz", "i-01 23"];
    let mut refused: Vec<(String, Result<(), Error>)> = Vec::new();
    for id in bad_association_ids {
        let target = WaitTarget::AssociationId(id.to_owned());
        let fast = WaitOptions::new(Duration::ZERO, Duration::from_secs(5));
        refused.extend([
            (format!("disassociate {id:?}"), client.disassociate_iam_instance_profile(id).map(drop)),
            (format!("replace {id:?}"), client.replace_iam_instance_profile_association(id, &profile).map(drop)),
            (
                format!("describe {id:?}"),
                client
                    .describe_iam_instance_profile_associations(
                        &DescribeIamInstanceProfileAssociations::new().association_ids([id]),
                    )
                    .map(drop),
            ),
            (format!("wait associated {id:?}"), client.wait_until_associated(&target, &fast).map(drop)),
        ]);
    }
    for id in bad_instance_ids {
        let target = WaitTarget::InstanceId(id.to_owned());
        let fast = WaitOptions::new(Duration::ZERO, Duration::from_secs(5));
        refused.extend([
            (format!("associate {id:?}"), client.associate_iam_instance_profile(id, &profile).map(drop)),
            (format!("association_for_instance {id:?}"), client.association_for_instance(id).map(drop)),
            (format!("disassociate_instance {id:?}"), client.disassociate_instance(id).map(drop)),
            (format!("wait disassociated {id:?}"), client.wait_until_disassociated(&target, &fast).map(drop)),
        ]);
    }
    for n in [0, 4, 1001] {
        let request = DescribeIamInstanceProfileAssociations::new().max_results(n);
        refused
            .push((format!("max_results {n}"), client.describe_iam_instance_profile_associations(&request).map(drop)));
        let first = client.describe_iam_instance_profile_associations_pages(&request).next();
        refused.push((format!("pages with max_results {n}"), first.expect("one item").map(drop)));
    }
    let no_profile = IamInstanceProfileSpecification::default();
    refused.extend([
        (
            "associate without profile".to_owned(),
            client.associate_iam_instance_profile("i-0123", &no_profile).map(drop),
        ),
        (
            "associate with a blank name".to_owned(),
            client.associate_iam_instance_profile("i-0123", &IamInstanceProfileSpecification::name(" ")).map(drop),
        ),
        (
            "replace without profile".to_owned(),
            client.replace_iam_instance_profile_association("iip-assoc-0123", &no_profile).map(drop),
        ),
        (
            "filter without values".to_owned(),
            client
                .describe_iam_instance_profile_associations(
                    &DescribeIamInstanceProfileAssociations::new().filter("state", Vec::<String>::new()),
                )
                .map(drop),
        ),
        ("call with a bad action".to_owned(), client.call("Describe&Action=Run", &[]).map(drop)),
        ("call with no action".to_owned(), client.call("", &[]).map(drop)),
    ]);
    for (what, result) in refused {
        match result {
            Err(Error::InvalidInput(_)) => {}
            other => panic!("{what}: expected InvalidInput before any request, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- Describe

#[test]
#[ignore = "needs scripts/venv"]
fn describe_finds_an_association_by_id_and_by_instance() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let client = client(moto);

    let by_id = DescribeIamInstanceProfileAssociations::new().association_ids([seeded.association_id.as_str()]);
    let page = client.describe_iam_instance_profile_associations(&by_id).expect("describe by id");
    let [a] = page.iam_instance_profile_associations.as_slice() else {
        panic!("expected one association, got {page:?}")
    };
    assert_matches_seed(a, &seeded);
    assert_eq!(a.state, State::Associated);
    assert_eq!(page.next_token, None);
    assert!(page.request_id.is_some(), "no request id on a page");

    let page =
        client.describe_iam_instance_profile_associations(&by_instance(&[&seeded.instance_id])).expect("by instance");
    assert_eq!(ids(&page.iam_instance_profile_associations), set([seeded.association_id.as_str()]));
}

#[test]
#[ignore = "needs scripts/venv"]
fn filter_values_are_ored_and_filters_are_anded() {
    let (moto, seeds) = moto();
    let (a, b) = (seeds.association(moto), seeds.association(moto));
    let client = client(moto);
    let both = set([a.association_id.as_str(), b.association_id.as_str()]);
    let describe = |r: DescribeIamInstanceProfileAssociations| {
        ids(&client.describe_iam_instance_profile_associations(&r).expect("describe").iam_instance_profile_associations)
    };
    let instances = [a.instance_id.as_str(), b.instance_id.as_str()];

    assert_eq!(describe(by_instance(&instances)), both);
    assert_eq!(describe(by_instance(&instances).filter("state", ["associated"])), both);
    assert_eq!(describe(by_instance(&instances).filter("state", ["associating", "associated"])), both);
    assert_eq!(describe(by_instance(&instances).filter("state", ["associating"])), BTreeSet::new());
    assert_eq!(
        describe(by_instance(&[&a.instance_id]).filter("state", ["disassociating", "associated"])),
        set([a.association_id.as_str()])
    );
    assert_eq!(
        describe(DescribeIamInstanceProfileAssociations::new().association_ids([&a.association_id, &b.association_id])),
        both
    );
    // An id and a filter that exclude each other.
    assert_eq!(
        describe(
            DescribeIamInstanceProfileAssociations::new()
                .association_ids([&a.association_id])
                .filter("instance-id", [&b.instance_id])
        ),
        BTreeSet::new()
    );
}

#[test]
#[ignore = "needs scripts/venv"]
fn filters_matching_nothing_give_one_empty_page() {
    let (moto, _) = moto();
    let client = client(moto);
    for request in [
        by_instance(&[UNKNOWN_INSTANCE]),
        DescribeIamInstanceProfileAssociations::new().association_ids([UNKNOWN_ASSOC]),
        DescribeIamInstanceProfileAssociations::new().filter("state", ["no-such-state"]),
    ] {
        let page = client.describe_iam_instance_profile_associations(&request).expect("describe");
        assert!(page.iam_instance_profile_associations.is_empty(), "{request:?} matched {page:?}");
        assert_eq!(page.next_token, None);
        let pages: Vec<_> = client.describe_iam_instance_profile_associations_pages(&request).collect();
        assert_eq!(pages.len(), 1, "one page, then the iterator stops: {pages:?}");
        assert_eq!(client.describe_iam_instance_profile_associations_pages(&request).items().count(), 0);
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn more_than_100_associations_come_in_several_pages() {
    let (moto, seeds) = moto();
    let client = client(moto);
    let request = by_instance(&seeds.paged_instance_ids());

    let first = client.describe_iam_instance_profile_associations(&request).expect("page 1");
    assert_eq!(first.iam_instance_profile_associations.len(), 100, "moto's page size");
    let token = first.next_token.clone().expect("a next token after a full page");
    let second = client.describe_iam_instance_profile_associations(&request.clone().next_token(token)).expect("page 2");
    assert_eq!(second.iam_instance_profile_associations.len(), PAGED - 100);
    assert_eq!(second.next_token, None, "the last page has no token");

    let mut listed = ids(&first.iam_instance_profile_associations);
    listed.extend(ids(&second.iam_instance_profile_associations));
    assert_eq!(listed, seeds.paged_association_ids());
}

#[test]
#[ignore = "needs scripts/venv"]
fn page_iterator_walks_every_page_lazily() {
    let (moto, seeds) = moto();
    let (client, requests) = counting_client(moto);
    let request = by_instance(&seeds.paged_instance_ids());

    let pages: Vec<_> = client
        .describe_iam_instance_profile_associations_pages(&request)
        .collect::<Result<_, _>>()
        .expect("every page");
    assert_eq!(pages.iter().map(|p| p.iam_instance_profile_associations.len()).collect::<Vec<_>>(), [100, PAGED - 100]);
    assert!(pages[0].next_token.is_some() && pages[1].next_token.is_none());
    assert_eq!(requests.swap(0, Ordering::SeqCst), 2);

    let items: Vec<_> = client
        .describe_iam_instance_profile_associations_pages(&request)
        .items()
        .collect::<Result<_, _>>()
        .expect("every item");
    assert_eq!(items.len(), PAGED, "no item twice");
    assert_eq!(ids(&items), seeds.paged_association_ids());
    assert!(items.iter().all(|a| a.state == State::Associated));
    assert_eq!(requests.swap(0, Ordering::SeqCst), 2);

    let few: Vec<_> = client.describe_iam_instance_profile_associations_pages(&request).items().take(3).collect();
    assert_eq!(few.len(), 3);
    assert_eq!(requests.swap(0, Ordering::SeqCst), 1, "three items need only the first page");
    let _unused = client.describe_iam_instance_profile_associations_pages(&request);
    assert_eq!(requests.load(Ordering::SeqCst), 0, "an iterator not advanced sends nothing");
}

#[test]
#[ignore = "needs scripts/venv"]
fn page_iterator_starts_at_the_given_token_and_max_results_is_sent() {
    let (moto, seeds) = moto();
    let client = client(moto);
    let request = by_instance(&seeds.paged_instance_ids());
    let first = client.describe_iam_instance_profile_associations(&request).expect("page 1");
    let token = first.next_token.clone().expect("a token");

    let rest: Vec<_> = client
        .describe_iam_instance_profile_associations_pages(&request.clone().next_token(token))
        .items()
        .collect::<Result<_, _>>()
        .expect("from the token on");
    assert_eq!(rest.len(), PAGED - 100);
    let mut all = ids(&first.iam_instance_profile_associations);
    all.extend(ids(&rest));
    assert_eq!(all, seeds.paged_association_ids());

    // moto ignores MaxResults (real EC2 honours it); in range, it is sent and the walk still ends.
    let items = client
        .describe_iam_instance_profile_associations_pages(&request.clone().max_results(5))
        .items()
        .collect::<Result<Vec<_>, _>>()
        .expect("with max_results");
    assert_eq!(ids(&items), seeds.paged_association_ids());
}

// ---------------------------------------------------------------- Associate

#[test]
#[ignore = "needs scripts/venv"]
fn associate_by_name_and_by_arn() {
    let (moto, seeds) = moto();
    let client = client(moto);
    let instance = seeds.bare_instance(moto);

    let out = client
        .associate_iam_instance_profile(&instance, &IamInstanceProfileSpecification::name(&moto.profile.name))
        .expect("associate by name");
    assert!(out.request_id.is_some());
    let out = out.iam_instance_profile_association;
    assert!(out.association_id.starts_with("iip-assoc-"), "{out:?}");
    assert_eq!(out.instance_id, instance);
    assert_eq!(out.iam_instance_profile.arn, moto.profile.arn);
    assert_eq!(out.iam_instance_profile.id, moto.profile.id);
    assert_eq!(out.state, State::Associating);
    let current = association_of(&client, &instance).expect("an association");
    assert_eq!(current.association_id, out.association_id);

    client.disassociate_iam_instance_profile(&out.association_id).expect("disassociate");
    let out = client
        .associate_iam_instance_profile(&instance, &IamInstanceProfileSpecification::arn(&moto.profile_b.arn))
        .expect("associate by ARN")
        .iam_instance_profile_association;
    assert_eq!(out.iam_instance_profile.arn, moto.profile_b.arn);
    assert_eq!(out.iam_instance_profile.id, moto.profile_b.id);
    assert_eq!(out.state, State::Associating);
    let current = association_of(&client, &instance).expect("an association");
    assert_eq!(current.iam_instance_profile.arn, moto.profile_b.arn);
}

#[test]
#[ignore = "needs scripts/venv"]
fn associating_an_instance_that_has_a_profile_is_incorrect_state() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let e = client(moto)
        .associate_iam_instance_profile(
            &seeded.instance_id,
            &IamInstanceProfileSpecification::name(&moto.profile_b.name),
        )
        .expect_err("already associated");
    assert_eq!(e.code(), Some("IncorrectState"));
    assert_eq!(e.status(), Some(400));
    assert!(!e.is_not_found() && !e.is_auth() && !e.is_retryable(), "{e:?}");
    assert_eq!(
        service_error(&e).message,
        format!("There is an existing association for instance {}", seeded.instance_id)
    );
    let current = association_of(&client(moto), &seeded.instance_id).unwrap();
    assert_eq!(current.iam_instance_profile.arn, moto.profile.arn, "the old profile stays");
}

#[test]
#[ignore = "needs scripts/venv"]
fn associating_an_unknown_profile_is_a_clean_service_error() {
    let (moto, seeds) = moto();
    let client = client(moto);
    let instance = seeds.bare_instance(moto);
    let unknown_arn = format!("arn:aws:iam::{}:instance-profile/no-such-profile", moto.account_id);
    for (profile, named) in [
        (IamInstanceProfileSpecification::name("no-such-profile"), "no-such-profile"),
        (IamInstanceProfileSpecification::arn(&unknown_arn), unknown_arn.as_str()),
    ] {
        let e = client.associate_iam_instance_profile(&instance, &profile).expect_err("unknown profile");
        // moto answers IAM's 404 NoSuchEntity inside EC2's envelope; real EC2
        // a 400 InvalidParameterValue. Either way: a service error, code and message intact.
        let s = service_error(&e);
        assert_eq!((s.code.as_str(), s.status), ("NoSuchEntity", 404), "{e:?}");
        assert_eq!(s.message, format!("Instance profile {named} not found"));
        assert!(e.is_not_found() && !e.is_retryable(), "{e:?}");
    }
    assert_eq!(association_of(&client, &instance), None);
}

#[test]
#[ignore = "needs scripts/venv"]
fn associating_with_an_unknown_instance_is_not_found() {
    let (moto, _) = moto();
    let e = client(moto)
        .associate_iam_instance_profile(UNKNOWN_INSTANCE, &IamInstanceProfileSpecification::name(&moto.profile.name))
        .expect_err("unknown instance");
    assert_eq!(e.code(), Some("InvalidInstanceID.NotFound"));
    assert!(e.is_not_found());
    assert_eq!(service_error(&e).message, format!("The instance ID '{UNKNOWN_INSTANCE}' does not exist"));
}

// ---------------------------------------------------------------- Replace

#[test]
#[ignore = "needs scripts/venv"]
fn replace_swaps_the_profile_and_returns_the_association_to_use() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let client = client(moto);

    let out = client
        .replace_iam_instance_profile_association(
            &seeded.association_id,
            &IamInstanceProfileSpecification::name(&moto.profile_b.name),
        )
        .expect("replace");
    assert!(out.request_id.is_some());
    let out = out.iam_instance_profile_association;
    assert_eq!(out.instance_id, seeded.instance_id);
    assert_eq!(out.iam_instance_profile.arn, moto.profile_b.arn);
    assert_eq!(out.iam_instance_profile.id, moto.profile_b.id);
    assert_eq!(out.state, State::Associating);

    // Real EC2 returns a new id here (moto keeps the old one): wait on the returned one.
    let options = WaitOptions::new(Duration::from_millis(100), Duration::from_secs(20));
    let done =
        client.wait_until_associated(&WaitTarget::AssociationId(out.association_id.clone()), &options).expect("wait");
    assert!(done.request_id.is_some());
    let done = done.iam_instance_profile_association;
    assert_eq!(done.iam_instance_profile.arn, moto.profile_b.arn);
    assert_eq!(done.state, State::Associated);

    let back = client
        .replace_iam_instance_profile_association(
            &out.association_id,
            &IamInstanceProfileSpecification::arn(&moto.profile.arn),
        )
        .expect("replace back by ARN");
    assert_eq!(back.iam_instance_profile_association.iam_instance_profile.arn, moto.profile.arn);
}

#[test]
#[ignore = "needs scripts/venv"]
fn replacing_an_unknown_association_is_not_found() {
    let (moto, _) = moto();
    let e = client(moto)
        .replace_iam_instance_profile_association(
            UNKNOWN_ASSOC,
            &IamInstanceProfileSpecification::name(&moto.profile.name),
        )
        .expect_err("unknown association");
    assert!(e.is_not_found(), "{e:?}");
    assert_eq!(e.code(), Some("InvalidAssociationID.NotFound"));
}

// ---------------------------------------------------------------- By instance

#[test]
#[ignore = "needs scripts/venv"]
fn association_for_instance_is_the_current_one_or_none() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let bare = seeds.bare_instance(moto);
    let client = client(moto);

    let out = client.association_for_instance(&seeded.instance_id).expect("describe");
    assert!(out.request_id.is_some(), "no request id");
    let found = out.iam_instance_profile_association.expect("an association");
    assert_matches_seed(&found, &seeded);
    assert_eq!(found.state, State::Associated);
    assert_eq!(association_of(&client, &bare), None);
    assert_eq!(association_of(&client, UNKNOWN_INSTANCE), None);
}

#[test]
#[ignore = "needs scripts/venv"]
fn disassociate_instance_removes_whatever_is_there_and_can_run_twice() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let client = client(moto);

    let removed = client.disassociate_instance(&seeded.instance_id).expect("disassociate").expect("something removed");
    assert!(removed.request_id.is_some());
    let removed = removed.iam_instance_profile_association;
    assert_matches_seed(&removed, &seeded);
    assert_eq!(removed.state, State::Disassociating);
    assert_eq!(association_of(&client, &seeded.instance_id), None);
    assert_eq!(client.disassociate_instance(&seeded.instance_id).expect("second run"), None);
}

// ---------------------------------------------------------------- Waiters

#[test]
#[ignore = "needs scripts/venv"]
fn waiting_for_an_association_that_is_already_there_returns_at_once() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let client = client(moto);
    // A long delay: a second poll would be noticed.
    let options = WaitOptions::new(Duration::from_secs(30), Duration::from_secs(60));
    for target in
        [WaitTarget::AssociationId(seeded.association_id.clone()), WaitTarget::InstanceId(seeded.instance_id.clone())]
    {
        let start = Instant::now();
        let a = client.wait_until_associated(&target, &options).expect("wait");
        assert!(a.request_id.is_some());
        let a = a.iam_instance_profile_association;
        assert!(start.elapsed() < Duration::from_secs(10), "{target:?} polled more than once");
        assert_matches_seed(&a, &seeded);
        assert_eq!(a.state, State::Associated);
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn waiting_for_disassociation_ends_once_the_association_is_gone() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let client = client(moto);
    client.disassociate_iam_instance_profile(&seeded.association_id).expect("disassociate");
    let options = WaitOptions::new(Duration::from_secs(30), Duration::from_secs(60));
    for target in
        [WaitTarget::AssociationId(seeded.association_id.clone()), WaitTarget::InstanceId(seeded.instance_id.clone())]
    {
        let start = Instant::now();
        // moto forgets a removed association at once: nothing is left to return.
        let out = client.wait_until_disassociated(&target, &options).expect("wait");
        assert_eq!(out.iam_instance_profile_association, None, "{target:?}");
        assert!(out.request_id.is_some());
        assert!(start.elapsed() < Duration::from_secs(10), "{target:?} polled more than once");
    }
}

#[test]
#[ignore = "needs scripts/venv"]
fn a_wait_that_times_out_says_what_it_last_saw() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let bare = seeds.bare_instance(moto);
    let (client, requests) = counting_client(moto);
    let options = WaitOptions::new(Duration::from_millis(150), Duration::from_millis(700));

    let cases = [
        (
            client
                .wait_until_disassociated(&WaitTarget::AssociationId(seeded.association_id.clone()), &options)
                .map(drop),
            "IamInstanceProfileDisassociated",
            format!("{} in state associated", seeded.association_id),
        ),
        (
            client.wait_until_disassociated(&WaitTarget::InstanceId(seeded.instance_id.clone()), &options).map(drop),
            "IamInstanceProfileDisassociated",
            format!("instance {}: {} in state associated", seeded.instance_id, seeded.association_id),
        ),
        (
            client.wait_until_associated(&WaitTarget::InstanceId(bare.clone()), &options).map(drop),
            "IamInstanceProfileAssociated",
            format!("instance {bare}: no association"),
        ),
        (
            client.wait_until_associated(&WaitTarget::AssociationId(UNKNOWN_ASSOC.to_owned()), &options).map(drop),
            "IamInstanceProfileAssociated",
            format!("association {UNKNOWN_ASSOC} not found"),
        ),
    ];
    for (result, name, seen) in cases {
        match result {
            Err(ref e @ Error::WaitFailed { waiter, timed_out, ref last_seen, waited }) => {
                assert_eq!(waiter, name);
                assert!(timed_out, "{e:?}");
                assert_eq!(last_seen, &seen);
                assert!(waited >= Duration::from_millis(500) && waited < Duration::from_secs(10), "{waited:?}");
                let shown = e.to_string();
                assert!(shown.contains("timed out") && shown.contains(&seen), "{shown}");
                assert!(!e.is_retryable());
            }
            other => panic!("expected {name} to time out, got {other:?}"),
        }
    }
    let polls = requests.load(Ordering::SeqCst);
    assert!((4 * 3..=4 * 7).contains(&polls), "about 5 polls per wait, not {polls}");
}

// ---------------------------------------------------------------- call()

#[test]
#[ignore = "needs scripts/venv"]
fn call_sends_any_action_signed_and_returns_the_xml() {
    let (moto, seeds) = moto();
    let seeded = seeds.association(moto);
    let client = client(moto);
    let raw = client
        .call(
            "DescribeIamInstanceProfileAssociations",
            &[("Filter.1.Name", "instance-id"), ("Filter.1.Value.1", &seeded.instance_id)],
        )
        .expect("call");
    assert_eq!(raw.status, 200);
    assert!(raw.body.contains("<DescribeIamInstanceProfileAssociationsResponse"), "{}", raw.body);
    assert!(raw.body.contains(&format!("<associationId>{}</associationId>", seeded.association_id)), "{}", raw.body);
    assert_eq!(raw.body.matches("<item>").count(), 1, "the filter was applied: {}", raw.body);
    assert!(raw.request_id.is_some());

    // Values are encoded, so one holding `&` and `=` is one value.
    let raw = client
        .call("DescribeIamInstanceProfileAssociations", &[("AssociationId.1", "iip-assoc-0&Action=RunInstances")])
        .expect("call");
    assert!(!raw.body.contains("<item>"), "{}", raw.body);
}

#[test]
#[ignore = "needs scripts/venv"]
fn call_returns_ec2_errors_parsed() {
    let (moto, _) = moto();
    let e = client(moto)
        .call("DisassociateIamInstanceProfile", &[("AssociationId", UNKNOWN_ASSOC)])
        .expect_err("an unknown association");
    assert!(e.is_not_found(), "{e:?}");
    assert_eq!(e.status(), Some(400));
    assert!(service_error(&e).message.contains(UNKNOWN_ASSOC));

    let wrong = client_with(moto, Credentials::new(&moto.access_key_id, "wrong", None));
    let e = wrong.call("DescribeIamInstanceProfileAssociations", &[]).expect_err("wrong secret");
    assert!(e.is_auth(), "{e:?}");

    // moto answers an action it does not know with an HTML 500 page (EC2: 400
    // InvalidAction): an error holding the status and the start of the body.
    match client(moto).call("NoSuchActionAnywhere", &[]) {
        Err(Error::UnexpectedResponse { status: 500, body_start, .. }) => {
            assert!(body_start.to_ascii_lowercase().contains("<html"), "{body_start}");
        }
        other => panic!("expected an unexpected-response error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- Client

#[test]
#[ignore = "needs scripts/venv"]
fn clones_of_one_client_work_from_several_threads() {
    let (moto, seeds) = moto();
    let client = client(moto);
    let seeded: Vec<Seeded> = (0..4).map(|_| seeds.association(moto)).collect();
    std::thread::scope(|s| {
        for one in &seeded {
            let client = client.clone();
            s.spawn(move || {
                let found = association_of(&client, &one.instance_id).expect("found");
                assert_eq!(found.association_id, one.association_id);
                let out = client.disassociate_iam_instance_profile(&one.association_id).expect("disassociate");
                assert_eq!(out.iam_instance_profile_association.state, State::Disassociating);
            });
        }
    });
    for one in &seeded {
        assert_eq!(association_of(&client, &one.instance_id), None);
    }
}
