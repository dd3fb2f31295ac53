//! The library's ensure against moto with signature checking on: each transition twice (the second run must change nothing), a profile
//! that appears while ensure retries, and a fleet of 500 instances. A
//! counting proxy between the client and moto records every request that
//! reached the server, so the tests assert which calls were made, not only
//! the end state.
//!
//! Needs the test venv: ignored by plain `cargo test`, run by `scripts/test`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::support::moto::Moto;
use crate::support::moto_fleet::{
    ASSOCIATE, CountingProxy, DESCRIBE, DISASSOCIATE, REPLACE, associated_instances, bare_instances, client, options,
    profile_of, strings,
};
use ec2_lite::{
    Client, Credentials, EnsureAction, EnsureOptions, IamInstanceProfileAssociationState,
    IamInstanceProfileSpecification, WaitOptions,
};

/// An instance id moto never hands out.
const UNKNOWN_INSTANCE: &str = "i-00000000000000000";

#[test]
#[ignore = "needs scripts/venv"]
fn library_each_transition_twice() {
    let moto = Moto::shared();
    let proxy = CountingProxy::start(&moto.endpoint);
    let c = client(moto, &proxy.url);
    let by_name = IamInstanceProfileSpecification::name(&moto.profile.name);
    let by_arn_b = IamInstanceProfileSpecification::arn(&moto.profile_b.arn);
    let bare = bare_instances(moto, 2);
    let with_a = associated_instances(moto, 3, &moto.profile.name);
    proxy.take();

    // (instance, wanted, first action, first run's calls, final profile)
    type Case<'a> =
        (&'a str, Option<&'a IamInstanceProfileSpecification>, EnsureAction, &'a [&'a str], Option<&'a str>);
    let cases: [Case<'_>; 5] = [
        (&bare[0], Some(&by_name), EnsureAction::Associated, &[DESCRIBE, ASSOCIATE, DESCRIBE], Some(&moto.profile.arn)),
        (&with_a[0], Some(&by_name), EnsureAction::Unchanged, &[DESCRIBE], Some(&moto.profile.arn)),
        (
            &with_a[1],
            Some(&by_arn_b),
            EnsureAction::Replaced,
            &[DESCRIBE, REPLACE, DESCRIBE],
            Some(&moto.profile_b.arn),
        ),
        (&with_a[2], None, EnsureAction::Disassociated, &[DESCRIBE, DISASSOCIATE, DESCRIBE], None),
        (&bare[1], None, EnsureAction::Unchanged, &[DESCRIBE], None),
    ];
    for (instance, wanted, action, calls, profile) in cases {
        let first = c.ensure_instance_profile(instance, wanted, &options()).unwrap();
        assert_eq!(first.action, action, "{instance}");
        assert_eq!(proxy.take(), strings(calls), "{instance}: {action}");
        assert_eq!(profile_of(moto, instance).as_deref(), profile, "{instance}");
        match profile {
            Some(arn) => {
                let a = first.association.expect("the final association");
                assert_eq!(
                    (a.iam_instance_profile.arn.as_str(), a.state),
                    (arn, IamInstanceProfileAssociationState::Associated)
                );
                assert_eq!(a.instance_id, instance);
            }
            None => assert!(first.association.is_none(), "{first:?}"),
        }
        let writes = calls.len().saturating_sub(2) as u32;
        assert_eq!(first.attempts, writes.min(1));
        assert!(!first.request_ids.is_empty());

        let second = c.ensure_instance_profile(instance, wanted, &options()).unwrap();
        assert_eq!(second.action, EnsureAction::Unchanged, "{instance}: the second run changes nothing");
        assert_eq!(proxy.take(), [DESCRIBE], "{instance}: one describe, no write");
        assert_eq!(second.attempts, 0);
        assert_eq!(profile_of(moto, instance).as_deref(), profile);
    }
    proxy.take();

    // Without waiting: the answer of the write, and no describe after it.
    let bare = bare_instances(moto, 1);
    let o = c.ensure_instance_profile(&bare[0], Some(&by_name), &options().without_wait()).unwrap();
    assert_eq!(o.action, EnsureAction::Associated);
    assert_eq!(
        o.association.unwrap().state,
        IamInstanceProfileAssociationState::Associating,
        "moto answers associating"
    );
    assert_eq!(proxy.take(), [DESCRIBE, ASSOCIATE]);
}

#[test]
#[ignore = "needs scripts/venv"]
fn library_waits_out_iam_propagation_of_a_profile_created_meanwhile() {
    let moto = Moto::shared();
    let proxy = CountingProxy::start(&moto.endpoint);
    let c = client(moto, &proxy.url);
    let bare = bare_instances(moto, 1);
    proxy.take();
    let name = "ensure-late-profile";
    // The profile appears a second after ensure starts; until then moto
    // answers NoSuchEntity, as EC2 answers InvalidParameterValue.
    let creator = thread::spawn(move || {
        thread::sleep(Duration::from_secs(1));
        moto.aws_cli(&["iam", "create-instance-profile", "--instance-profile-name", name])
    });
    let mut o = options();
    o.propagation_delay = Duration::from_millis(200);
    o.propagation_max_delay = Duration::from_millis(400);
    o.propagation_timeout = Duration::from_secs(60);
    let outcome = c.ensure_instance_profile(&bare[0], Some(&IamInstanceProfileSpecification::name(name)), &o).unwrap();
    let created = creator.join().unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));

    assert_eq!(outcome.action, EnsureAction::Associated);
    assert!(outcome.attempts >= 2, "refused at least once before the profile existed: {outcome:?}");
    assert!(outcome.association.unwrap().iam_instance_profile.arn.ends_with("/ensure-late-profile"));
    let calls = proxy.take();
    assert_eq!(calls.iter().filter(|a| *a == ASSOCIATE).count() as u32, outcome.attempts);
    assert_eq!(calls.first().map(String::as_str), Some(DESCRIBE));
    assert_eq!(calls.last().map(String::as_str), Some(DESCRIBE));

    // A profile that never comes: the deadline ends it with moto's error.
    let bare = bare_instances(moto, 1);
    o.propagation_timeout = Duration::from_millis(700);
    let start = std::time::Instant::now();
    let err = c
        .ensure_instance_profile(&bare[0], Some(&IamInstanceProfileSpecification::name("never-created")), &o)
        .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchEntity"));
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
}

#[test]
#[ignore = "needs scripts/venv"]
fn library_fleet_shares_one_client() {
    let moto = Moto::shared();
    let proxy = CountingProxy::start(&moto.endpoint);
    let c = client(moto, &proxy.url);
    let mut ids = associated_instances(moto, 30, &moto.profile.name);
    ids.insert(7, UNKNOWN_INSTANCE.to_owned());
    proxy.take();
    let mut o = options();
    o.max_concurrency = 16;
    let results = c.ensure_instance_profiles(&ids, None, &o);
    assert_eq!(results.iter().map(|(id, _)| id).collect::<Vec<_>>(), ids.iter().collect::<Vec<_>>());
    for (id, r) in &results {
        let outcome = r.as_ref().unwrap();
        let want = if id == UNKNOWN_INSTANCE { EnsureAction::Unchanged } else { EnsureAction::Disassociated };
        assert_eq!(outcome.action, want, "{id}");
        assert_eq!(profile_of(moto, id), None);
    }
    let counts = proxy.take_counts();
    assert_eq!(counts.get(DISASSOCIATE), Some(&30));
    // One describe for the 31, then batched polls (every 100 ms here): not
    // a describe and a waiter per instance (61 calls).
    let describes = counts.get(DESCRIBE).copied().unwrap_or(0);
    eprintln!("a fleet of 31: {describes} describes");
    assert!((2..=20).contains(&describes), "{counts:?}");
}

#[test]
#[ignore = "needs scripts/venv"]
fn library_concurrent_writers_on_one_instance_agree() {
    let moto = Moto::shared();
    let proxy = CountingProxy::start(&moto.endpoint);
    let c = client(moto, &proxy.url);
    let bare = bare_instances(moto, 1);
    proxy.take();
    // Eight writers on the same instance at once, each its own ensure (one
    // run lists an instance once): whoever associates first wins, the others
    // are refused with IncorrectState, describe again and find nothing left
    // to do.
    let profile = IamInstanceProfileSpecification::name(&moto.profile.name);
    let results: Vec<_> = thread::scope(|s| {
        let writers: Vec<_> =
            (0..8).map(|_| s.spawn(|| c.ensure_instance_profile(&bare[0], Some(&profile), &options()))).collect();
        writers.into_iter().map(|w| ((), w.join().unwrap())).collect()
    });
    let outcomes: Vec<_> = results.into_iter().map(|(_, r)| r.unwrap()).collect();
    let associated = outcomes.iter().filter(|o| o.action == EnsureAction::Associated).count();
    assert_eq!(associated, 1, "{outcomes:#?}");
    assert!(outcomes.iter().all(|o| matches!(o.action, EnsureAction::Associated | EnsureAction::Unchanged)));
    assert!(outcomes.iter().all(|o| o.attempts <= 1), "no write is repeated: {outcomes:#?}");
    let calls = proxy.take_all();
    let accepted = calls.iter().filter(|(a, status)| a == ASSOCIATE && *status == 200).count();
    let refused = calls.iter().filter(|(a, status)| a == ASSOCIATE && *status == 400).count();
    assert_eq!(accepted, 1);
    let writes: u32 = outcomes.iter().map(|o| o.attempts).sum();
    assert_eq!(writes as usize, accepted + refused, "every associate sent is one ensure's single attempt");
    assert_eq!(profile_of(moto, &bare[0]).as_deref(), Some(moto.profile.arn.as_str()));
    eprintln!("{refused} of 8 writers raced and were refused with IncorrectState");
}

#[test]
#[ignore = "needs scripts/venv"]
fn library_fleet_of_400_costs_batched_describes_and_one_write_each() {
    let moto = Moto::shared();
    // 50% without a profile, 40% with crate-profile, 10% already with
    // crate-profile-b, interleaved; all should end with crate-profile-b.
    let bare = bare_instances(moto, 200);
    let other = associated_instances(moto, 160, &moto.profile.name);
    let right = associated_instances(moto, 40, &moto.profile_b.name);
    let mut ids = Vec::with_capacity(400);
    for i in 0..40 {
        ids.extend(bare[i * 5..i * 5 + 5].iter().cloned());
        ids.extend(other[i * 4..i * 4 + 4].iter().cloned());
        ids.push(right[i].clone());
    }
    let proxy = CountingProxy::start(&moto.endpoint);
    // The real clock, with the poller's sleeps counted: each is one round. The
    // poller is this thread; the workers' waits (the rate limiter's) are on theirs.
    let poller = thread::current().id();
    let sleeps = Arc::new(Mutex::new(0usize));
    let counted = sleeps.clone();
    let c = Client::builder()
        .region(&moto.region)
        .endpoint_url(&proxy.url)
        .credentials(Credentials::new(&moto.access_key_id, &moto.secret_access_key, None))
        .sleep(move |d| {
            if thread::current().id() == poller {
                *counted.lock().unwrap() += 1;
            }
            thread::sleep(d)
        })
        .build()
        .expect("a client for moto");
    let mut o = EnsureOptions::default();
    o.wait_options = WaitOptions::new(Duration::from_millis(500), Duration::from_secs(120));
    let want = IamInstanceProfileSpecification::name(&moto.profile_b.name);

    let results = c.ensure_instance_profiles(&ids, Some(&want), &o);

    for (id, r) in &results {
        let outcome = r.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
        let expected = if bare.contains(id) {
            EnsureAction::Associated
        } else if other.contains(id) {
            EnsureAction::Replaced
        } else {
            EnsureAction::Unchanged
        };
        assert_eq!(outcome.action, expected, "{id}");
        assert_eq!(
            outcome.association.as_ref().map(|a| a.state.clone()),
            Some(IamInstanceProfileAssociationState::Associated)
        );
    }
    let mut counts = proxy.take_counts();
    let describes = counts.remove(DESCRIBE).unwrap_or(0);
    assert_eq!(
        counts,
        BTreeMap::from([(ASSOCIATE.to_owned(), 200), (REPLACE.to_owned(), 160)]),
        "one write per instance that needs one"
    );
    let rounds = *sleeps.lock().unwrap() + 1;
    eprintln!("400 instances on moto: {describes} describes, {rounds} poll rounds at most");
    // The initial describes are two batches of 200 (moto pages each by
    // 100: four calls at most); every later call is a poll round's. With the
    // writes paced to EC2's buckets, up to 150 (the Associate and Replace
    // bursts) are in flight in one round, which moto answers in two pages
    // where EC2 answers up to 1,000 in one; the stand-in's tests pin EC2's one.
    assert!(describes <= 400 / 100 + 2 * rounds, "{describes} describes for {rounds} rounds");
    let converged = ids.iter().filter(|id| profile_of(moto, id).as_deref() == Some(&moto.profile_b.arn)).count();
    assert_eq!(converged, 400);

    // A dry run now plans nothing and writes nothing.
    let mut plan = o.clone();
    plan.dry_run = true;
    let planned = c.ensure_instance_profiles(&ids, Some(&want), &plan);
    assert!(planned.iter().all(|(_, r)| r.as_ref().is_ok_and(|p| p.dry_run && p.action == EnsureAction::Unchanged)));
    let counts = proxy.take_counts();
    assert_eq!(counts.keys().collect::<Vec<_>>(), [DESCRIBE], "{counts:?}");
}

#[test]
#[ignore = "needs scripts/venv"]
fn describe_instances_selects_a_fleet_by_tag() {
    let moto = Moto::shared();
    let c = client(moto, &moto.endpoint);
    // A tag value of this run alone, so other tests' instances do not match.
    let role = format!("web-{}", std::process::id());
    let tagged = |n: usize, value: &str| {
        let count = n.to_string();
        let raw = c
            .call(
                "RunInstances",
                &[
                    ("ImageId", "ami-12c6146b"),
                    ("InstanceType", "t3.micro"),
                    ("MinCount", &count),
                    ("MaxCount", &count),
                    ("TagSpecification.1.ResourceType", "instance"),
                    ("TagSpecification.1.Tag.1.Key", "Role"),
                    ("TagSpecification.1.Tag.1.Value", value),
                ],
            )
            .expect("RunInstances");
        let mut ids: Vec<String> =
            raw.body.split("<instanceId>").skip(1).filter_map(|s| s.split('<').next()).map(str::to_owned).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let web = tagged(3, &role);
    let _db = tagged(2, &format!("db-{}", std::process::id()));
    let with_profile = web[0].clone();
    c.associate_iam_instance_profile(&with_profile, &IamInstanceProfileSpecification::name(&moto.profile.name))
        .expect("associate");

    let request = ec2_lite::DescribeInstances::new().filter("tag:Role", [role.as_str()]).max_results(5);
    let found: Vec<ec2_lite::Instance> =
        c.describe_instances_pages(&request).items().collect::<Result<_, _>>().expect("describe instances");
    let mut got: Vec<&str> = found.iter().map(|i| i.instance_id.as_str()).collect();
    got.sort();
    assert_eq!(got, web.iter().map(String::as_str).collect::<Vec<_>>(), "the tagged instances, and only them");
    assert!(found.iter().all(|i| i.state == "running" || i.state == "pending"), "{found:?}");
    let profile = found.iter().find(|i| i.instance_id == with_profile).and_then(|i| i.iam_instance_profile.clone());
    assert_eq!(profile.map(|p| p.arn), Some(moto.profile.arn.clone()));

    // By id, one page.
    let page = c
        .describe_instances(&ec2_lite::DescribeInstances::new().instance_ids([web[1].as_str()]))
        .expect("describe by id");
    assert_eq!(page.instances.len(), 1);
    assert_eq!(page.instances[0].iam_instance_profile, None);
    assert!(page.request_id.is_some());
}
