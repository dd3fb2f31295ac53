//! The fleet pipeline against a small stateful EC2 stand-in on loopback: it
//! keeps one association per instance, answers the four association calls
//! as EC2 does (an Associate on an instance that has one is
//! `IncorrectState`), and counts the calls per action. Each test asserts
//! what a caller sees (results, their order, the end state) and how many
//! calls it cost.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::clock::FakeClock;
use crate::support::loopback::{Loopback, respond};
use ec2_lite::{
    Client, Credentials, EnsureAction, EnsureOptions, Error, IamInstanceProfileAssociationState,
    IamInstanceProfileSpecification as Profile, WaitOptions,
};

const DESCRIBE: &str = "DescribeIamInstanceProfileAssociations";
const ASSOCIATE: &str = "AssociateIamInstanceProfile";
const REPLACE: &str = "ReplaceIamInstanceProfileAssociation";
const DISASSOCIATE: &str = "DisassociateIamInstanceProfile";

fn arn(name: &str) -> String {
    format!("arn:aws:iam::123456789012:instance-profile/{name}")
}

/// One instance's association: id and profile name.
type Association = (String, String);

#[derive(Default)]
struct World {
    associations: HashMap<String, Association>,
    calls: BTreeMap<String, usize>,
    next_id: u64,
}

/// The stand-in. `cancel_after` sets a flag once that many writes were
/// accepted, as an interrupt arriving mid-run would.
struct Ec2 {
    url: String,
    world: Arc<Mutex<World>>,
    _server: Loopback,
}

impl Ec2 {
    fn start(cancel_after: Option<(usize, Arc<AtomicBool>)>) -> Ec2 {
        let world = Arc::new(Mutex::new(World::default()));
        let shared = world.clone();
        let accepted = AtomicUsize::new(0);
        let server = Loopback::serve_requests(move |req, out| {
            let body = String::from_utf8_lossy(&req.body).into_owned();
            let (status, text, write_ok) = answer(&mut shared.lock().unwrap(), &body);
            if write_ok
                && let Some((n, flag)) = &cancel_after
                && accepted.fetch_add(1, Ordering::SeqCst) + 1 == *n
            {
                flag.store(true, Ordering::SeqCst);
            }
            respond(out, status, &[], text.as_bytes()).is_ok()
        });
        Ec2 { url: server.url.clone(), world, _server: server }
    }

    /// Instances with the profile of that name already associated.
    fn seed(&self, ids: &[String], profile: &str) {
        let mut w = self.world.lock().unwrap();
        for id in ids {
            w.next_id += 1;
            let assoc = format!("iip-assoc-{:017x}", w.next_id);
            w.associations.insert(id.clone(), (assoc, profile.to_owned()));
        }
    }

    fn profile_of(&self, id: &str) -> Option<String> {
        self.world.lock().unwrap().associations.get(id).map(|(_, p)| p.clone())
    }

    /// The calls made since the last time, per action.
    fn take_calls(&self) -> BTreeMap<String, usize> {
        std::mem::take(&mut self.world.lock().unwrap().calls)
    }

    /// A client of the stand-in on `clock`, which only the client's sleeps (ensure's
    /// included) move.
    fn client(&self, clock: &FakeClock) -> Client {
        clock
            .install(Client::builder())
            .region("us-east-1")
            .endpoint_url(&self.url)
            .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
            .max_attempts(1)
            // The calls are counted, not paced: the limiter's sleeps would move the
            // clock between the poller's rounds.
            .rate_limits(ec2_lite::RateLimits::none())
            .build()
            .unwrap()
    }
}

fn param<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

fn item(instance: &str, (assoc, profile): &Association, state: &str) -> String {
    format!(
        "<associationId>{assoc}</associationId><instanceId>{instance}</instanceId><iamInstanceProfile><arn>{}</arn><id>AIPAEXAMPLE</id></iamInstanceProfile><state>{state}</state>",
        arn(profile)
    )
}

fn error(code: &str) -> (u16, String, bool) {
    (
        400,
        format!(
            "<Response><Errors><Error><Code>{code}</Code><Message>refused</Message></Error></Errors><RequestID>r-err</RequestID></Response>"
        ),
        false,
    )
}

/// The answer to one request, and whether it was an accepted write.
fn answer(w: &mut World, body: &str) -> (u16, String, bool) {
    let action = param(body, "Action").unwrap_or("?").to_owned();
    *w.calls.entry(action.clone()).or_default() += 1;
    let written = |action: &str, instance: &str, a: &Association, state: &str| {
        let text = format!(
            "<{action}Response><requestId>r-{action}-{instance}</requestId><iamInstanceProfileAssociation>{}</iamInstanceProfileAssociation></{action}Response>",
            item(instance, a, state)
        );
        (200, text, true)
    };
    let by_association = |w: &World, id: &str| {
        w.associations.iter().find(|(_, (a, _))| a == id).map(|(instance, a)| (instance.clone(), a.clone()))
    };
    match action.as_str() {
        DESCRIBE => {
            let wanted: Vec<&str> = (1..).map_while(|n| param(body, &format!("Filter.1.Value.{n}"))).collect();
            assert!(wanted.len() <= 200, "EC2 refuses more than 200 filter values: FilterLimitExceeded");
            let items: String = wanted
                .iter()
                .filter_map(|id| w.associations.get(*id).map(|a| format!("<item>{}</item>", item(id, a, "associated"))))
                .collect();
            let id = format!("r-describe-{}", w.calls.get(DESCRIBE).copied().unwrap_or(0));
            (
                200,
                format!(
                    "<DescribeIamInstanceProfileAssociationsResponse><requestId>{id}</requestId><iamInstanceProfileAssociationSet>{items}</iamInstanceProfileAssociationSet></DescribeIamInstanceProfileAssociationsResponse>"
                ),
                false,
            )
        }
        ASSOCIATE => {
            let (Some(instance), Some(name)) = (param(body, "InstanceId"), param(body, "IamInstanceProfile.Name"))
            else {
                return error("MissingParameter");
            };
            if w.associations.contains_key(instance) {
                return error("IncorrectState");
            }
            w.next_id += 1;
            let a = (format!("iip-assoc-{:017x}", w.next_id), name.to_owned());
            w.associations.insert(instance.to_owned(), a.clone());
            written(ASSOCIATE, instance, &a, "associating")
        }
        REPLACE => {
            let (Some(id), Some(name)) = (param(body, "AssociationId"), param(body, "IamInstanceProfile.Name")) else {
                return error("MissingParameter");
            };
            let Some((instance, _)) = by_association(w, id) else { return error("InvalidAssociationID.NotFound") };
            let a = (id.to_owned(), name.to_owned());
            w.associations.insert(instance.clone(), a.clone());
            written(REPLACE, &instance, &a, "associating")
        }
        DISASSOCIATE => {
            let Some(id) = param(body, "AssociationId") else { return error("MissingParameter") };
            let Some((instance, a)) = by_association(w, id) else { return error("InvalidAssociationID.NotFound") };
            w.associations.remove(&instance);
            written(DISASSOCIATE, &instance, &a, "disassociating")
        }
        _ => error("InvalidAction"),
    }
}

fn ids(range: std::ops::Range<u64>) -> Vec<String> {
    range.map(|n| format!("i-{n:017x}")).collect()
}

/// Options with the fleet's poll delay.
fn fleet_options() -> EnsureOptions {
    let mut o = EnsureOptions::default();
    o.wait_options = WaitOptions::new(Duration::from_secs(2), Duration::from_secs(600));
    o
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().filter(|(_, n)| *n > 0).map(|(a, n)| (a.to_string(), *n)).collect()
}

/// 400 instances: 200 without a profile, 160 with `old`, 40 with `web`.
fn mixed_fleet(ec2: &Ec2) -> Vec<String> {
    let fleet = ids(0x100..0x100 + 400);
    ec2.seed(&fleet[200..360], "old");
    ec2.seed(&fleet[360..], "web");
    fleet
}

#[test]
fn a_mixed_fleet_of_400_costs_two_describes_one_write_each_and_batched_polls() {
    let ec2 = Ec2::start(None);
    let fleet = mixed_fleet(&ec2);
    let clock = FakeClock::new();
    let results = ec2.client(&clock).ensure_instance_profiles(&fleet, Some(&Profile::name("web")), &fleet_options());

    assert_eq!(results.iter().map(|(id, _)| id).collect::<Vec<_>>(), fleet.iter().collect::<Vec<_>>());
    for (n, (id, r)) in results.iter().enumerate() {
        let o = r.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
        let want = match n {
            0..200 => EnsureAction::Associated,
            200..360 => EnsureAction::Replaced,
            _ => EnsureAction::Unchanged,
        };
        assert_eq!(o.action, want, "{id}");
        let a = o.association.as_ref().expect("an association");
        assert_eq!(
            (a.iam_instance_profile.arn.as_str(), &a.state),
            (arn("web").as_str(), &IamInstanceProfileAssociationState::Associated)
        );
        assert!(!o.dry_run);
        assert_eq!(ec2.profile_of(id).as_deref(), Some("web"));
    }
    let calls = ec2.take_calls();
    // Every poll round (the first one, and one after each sleep of the
    // poller) is one call while no more than 200 writes are in flight.
    let rounds = clock.sleeps().len() + 1;
    let describes = calls.get(DESCRIBE).copied().unwrap_or(0);
    eprintln!("400 instances: {calls:?}, {rounds} poll rounds at most");
    assert!(describes > 2, "two initial describes and at least one poll: {calls:?}");
    assert!(describes <= 400 / 100 + rounds, "{describes} describes for {rounds} poll rounds");
    assert_eq!(calls.get(ASSOCIATE), Some(&200));
    assert_eq!(calls.get(REPLACE), Some(&160));
    assert_eq!(calls.get(DISASSOCIATE), None);
    // The batched describe's id is shared by the instances it listed; the
    // write's id is the instance's own.
    let Ok(first) = &results[0].1 else { unreachable!() };
    assert_eq!(first.request_ids.first().map(String::as_str), Some("r-describe-1"));
    assert!(first.request_ids.contains(&format!("r-{ASSOCIATE}-{}", fleet[0])), "{:?}", first.request_ids);

    // Again: nothing to do, and it costs the two describes alone.
    let again = ec2.client(&clock).ensure_instance_profiles(&fleet, Some(&Profile::name("web")), &fleet_options());
    assert!(
        again.iter().all(|(_, r)| r.as_ref().is_ok_and(|o| o.action == EnsureAction::Unchanged && o.attempts == 0))
    );
    assert_eq!(ec2.take_calls(), counts(&[(DESCRIBE, 2)]));
}

#[test]
fn a_dry_run_describes_decides_and_writes_nothing() {
    let ec2 = Ec2::start(None);
    let fleet = mixed_fleet(&ec2);
    let mut options = fleet_options();
    options.dry_run = true;
    let results = ec2.client(&FakeClock::new()).ensure_instance_profiles(&fleet, Some(&Profile::name("web")), &options);

    assert_eq!(ec2.take_calls(), counts(&[(DESCRIBE, 2)]), "describes only");
    for (n, (id, r)) in results.iter().enumerate() {
        let o = r.as_ref().unwrap();
        assert!(o.dry_run && o.attempts == 0, "{id}");
        let current = o.association.as_ref().map(|a| a.iam_instance_profile.arn.clone());
        match n {
            0..200 => {
                assert_eq!((o.action, current, &o.previous_association_id), (EnsureAction::Associated, None, &None))
            }
            200..360 => {
                assert_eq!((o.action, current), (EnsureAction::Replaced, Some(arn("old"))), "{id}");
                assert_eq!(o.previous_association_id, o.association.as_ref().map(|a| a.association_id.clone()));
            }
            _ => assert_eq!((o.action, current), (EnsureAction::Unchanged, Some(arn("web")))),
        }
        assert_eq!(
            ec2.profile_of(id).as_deref(),
            [None, Some("old"), Some("web")][(n >= 200) as usize + (n >= 360) as usize]
        );
    }
}

#[test]
fn each_instance_gets_the_profile_given_beside_it() {
    let ec2 = Ec2::start(None);
    let fleet = ids(0x900..0x906);
    ec2.seed(&fleet[3..], "old");
    let desired = vec![
        (fleet[0].as_str(), Some(Profile::name("web"))),
        (fleet[1].as_str(), Some(Profile::name("batch"))),
        (fleet[2].as_str(), None),
        (fleet[3].as_str(), Some(Profile::name("batch"))),
        (fleet[4].as_str(), None),
        (fleet[5].as_str(), Some(Profile::arn(arn("old")))),
    ];
    // Without waiting, so the calls are exactly the describe and the writes.
    let results = ec2.client(&FakeClock::new()).ensure_desired_profiles(&desired, &fleet_options().without_wait());
    let actions: Vec<EnsureAction> = results.iter().map(|(_, r)| r.as_ref().unwrap().action).collect();
    use EnsureAction::*;
    assert_eq!(actions, [Associated, Associated, Unchanged, Replaced, Disassociated, Unchanged]);
    let end: Vec<Option<String>> = fleet.iter().map(|id| ec2.profile_of(id)).collect();
    let want = [Some("web"), Some("batch"), None, Some("batch"), None, Some("old")];
    assert_eq!(end, want.map(|p| p.map(str::to_owned)));
    assert_eq!(ec2.take_calls(), counts(&[(DESCRIBE, 1), (ASSOCIATE, 2), (REPLACE, 1), (DISASSOCIATE, 1)]));
}

#[test]
fn an_instance_listed_twice_is_ensured_once_or_refused_when_the_lists_disagree() {
    let ec2 = Ec2::start(None);
    let fleet = ids(0xa00..0xa03);
    let desired = vec![
        (fleet[0].as_str(), Some(Profile::name("web"))),
        (fleet[1].as_str(), Some(Profile::name("web"))),
        ("i-nothex", Some(Profile::name("web"))),
        (fleet[0].as_str(), Some(Profile::name("web"))),
        (fleet[1].as_str(), Some(Profile::name("batch"))),
        (fleet[2].as_str(), Some(Profile::default())),
        (fleet[2].as_str(), None),
    ];
    let seen = Arc::new(Mutex::new(Vec::new()));
    let heard = seen.clone();
    let options =
        fleet_options().without_wait().on_result(move |id, r| heard.lock().unwrap().push((id.to_owned(), r.is_ok())));
    let results = ec2.client(&FakeClock::new()).ensure_desired_profiles(&desired, &options);

    let ids: Vec<&str> = results.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, desired.iter().map(|(id, _)| *id).collect::<Vec<_>>(), "one result per entry, in order");
    let (first, again) = (results[0].1.as_ref().unwrap(), results[3].1.as_ref().unwrap());
    assert_eq!(first, again, "the same profile twice: one decision, reported at both places");
    assert_eq!(first.action, EnsureAction::Associated);
    for n in [1, 4] {
        let err = results[n].1.as_ref().unwrap_err();
        assert!(matches!(err, Error::InvalidInput(m) if m.contains("different instance profiles")), "{err}");
    }
    assert!(matches!(results[2].1, Err(Error::InvalidInput(_))), "a malformed id fails only itself");
    assert!(matches!(results[5].1, Err(Error::InvalidInput(_))), "a profile with neither arn nor name");
    assert_eq!(results[6].1.as_ref().unwrap().action, EnsureAction::Unchanged, "its bad twin was set aside");
    assert_eq!(ec2.take_calls(), counts(&[(DESCRIBE, 1), (ASSOCIATE, 1)]), "nothing for the refused instance");
    assert_eq!(ec2.profile_of(&fleet[1]), None);
    assert_eq!(seen.lock().unwrap().len(), desired.len(), "the callback hears of every entry");
}

#[test]
fn a_run_cancelled_before_it_starts_changes_nothing() {
    let ec2 = Ec2::start(None);
    let fleet = mixed_fleet(&ec2);
    let flag = Arc::new(AtomicBool::new(true));
    let options = fleet_options().cancel_on(flag);
    let results = ec2.client(&FakeClock::new()).ensure_instance_profiles(&fleet, Some(&Profile::name("web")), &options);
    assert_eq!(results.len(), 400);
    for (id, r) in &results {
        let err = r.as_ref().unwrap_err();
        assert!(matches!(err, Error::Cancelled { instance_id } if instance_id == id), "{err}");
        assert!(err.is_retryable());
        assert_eq!(
            err.to_string(),
            format!("interrupted before any change was made to instance {id}; run again to finish")
        );
    }
    let calls = ec2.take_calls();
    assert!([ASSOCIATE, REPLACE, DISASSOCIATE].iter().all(|a| !calls.contains_key(*a)), "{calls:?}");
}

#[test]
fn a_run_cancelled_midway_lists_every_instance_and_a_second_run_finishes() {
    let flag = Arc::new(AtomicBool::new(false));
    let ec2 = Ec2::start(Some((25, flag.clone())));
    let fleet = mixed_fleet(&ec2);
    let mut options = fleet_options().cancel_on(flag.clone());
    options.max_concurrency = 2;
    let started = Instant::now();
    let results = ec2.client(&FakeClock::new()).ensure_instance_profiles(&fleet, Some(&Profile::name("web")), &options);
    assert!(started.elapsed() < Duration::from_secs(10), "returns promptly: {:?}", started.elapsed());

    assert_eq!(results.iter().map(|(id, _)| id).collect::<Vec<_>>(), fleet.iter().collect::<Vec<_>>());
    let (mut changed, mut cancelled) = (0, 0);
    for (id, r) in &results {
        match r {
            Ok(o) if o.action == EnsureAction::Unchanged => assert_eq!(ec2.profile_of(id).as_deref(), Some("web")),
            // Accepted before the interrupt: changed, whether or not a poll
            // saw it take.
            Ok(o) => {
                changed += 1;
                assert_eq!(o.association.as_ref().unwrap().iam_instance_profile.arn, arn("web"), "{id}");
                assert_eq!(ec2.profile_of(id).as_deref(), Some("web"), "{id}");
            }
            Err(Error::Cancelled { .. }) => {
                cancelled += 1;
                assert_ne!(ec2.profile_of(id).as_deref(), Some("web"), "{id}: not started, not changed");
            }
            Err(e) => panic!("{id}: {e}"),
        }
    }
    let calls = ec2.take_calls();
    let writes = calls.get(ASSOCIATE).unwrap_or(&0) + calls.get(REPLACE).unwrap_or(&0);
    assert_eq!(changed, writes, "every write sent is reported as a change: {calls:?}");
    // Two workers per action may each have had one write on the wire.
    assert!((25..=25 + 4).contains(&writes), "no new write after the interrupt: {calls:?}");
    assert_eq!(changed + cancelled + 40, 400);

    let rerun = fleet_options();
    let results = ec2.client(&FakeClock::new()).ensure_instance_profiles(&fleet, Some(&Profile::name("web")), &rerun);
    assert!(results.iter().all(|(_, r)| r.is_ok()));
    assert!(fleet.iter().all(|id| ec2.profile_of(id).as_deref() == Some("web")), "converged");
    let calls = ec2.take_calls();
    assert_eq!(calls.get(ASSOCIATE).unwrap_or(&0) + calls.get(REPLACE).unwrap_or(&0), cancelled);
}
