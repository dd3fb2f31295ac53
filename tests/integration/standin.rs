//! The throttling stand-in EC2 (`support/standin.rs`), driven by the library's own client:
//! its buckets, its lifecycle and its answers are what the fleet tests and benches rely on.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use crate::support::standin::{AssociationState, Config, Standin, profile_arn};
use ec2_lite::{
    Client, Credentials, DescribeIamInstanceProfileAssociations, Error, IamInstanceProfileAssociationState as State,
    IamInstanceProfileSpecification as Profile, RateLimits, RetryConfig,
};

/// A well-formed association id that no stand-in ever issues.
const UNKNOWN: &str = "iip-assoc-0000000000000000f";

/// One attempt per call, and no pacing of its own: a throttle comes back as an error instead
/// of being retried or avoided, so the stand-in's buckets are what the tests see.
fn client(standin: &Standin) -> Client {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLEKEY", None))
        .endpoint_url(&standin.url)
        .retry_config(RetryConfig::default().max_attempts(1))
        .rate_limits(RateLimits::none())
        .build()
        .expect("client")
}

fn code(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Service(e)) => e.code,
        other => panic!("expected a service error, got {other:?}"),
    }
}

/// Sends well-formed Disassociate calls for an unknown association until one is throttled;
/// how many were not.
fn drain_disassociate(client: &Client) -> u32 {
    let mut passed = 0;
    loop {
        match client.disassociate_iam_instance_profile(UNKNOWN) {
            Err(Error::Service(e)) if e.code == "RequestLimitExceeded" => return passed,
            Err(Error::Service(e)) if e.code == "InvalidAssociationID.NotFound" => passed += 1,
            other => panic!("unexpected {other:?}"),
        }
        assert!(passed < 10_000, "never throttled");
    }
}

/// Waits (real time) until `done` holds, for at most five seconds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < end, "{what}: not within 5 s");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_full_bucket_takes_its_burst_then_answers_503() {
    // Slow time: the bucket gains nothing while the burst runs.
    let standin = Standin::start(Config::default().time_scale(0.001));
    let client = client(&standin);
    for i in 0..50 {
        assert_eq!(
            code(client.replace_iam_instance_profile_association(UNKNOWN, &Profile::name("web"))),
            "InvalidAssociationID.NotFound",
            "call {i}"
        );
    }
    match client.replace_iam_instance_profile_association(UNKNOWN, &Profile::name("web")) {
        Err(err @ Error::Service(_)) => {
            assert!(err.is_throttling());
            let Error::Service(e) = err else { unreachable!() };
            assert_eq!(
                (e.code.as_str(), e.message.as_str(), e.status),
                ("RequestLimitExceeded", "Request limit exceeded.", 503)
            );
            assert!(e.request_id.is_some());
        }
        other => panic!("expected a throttle, got {other:?}"),
    }
    // Other actions have buckets of their own.
    assert_eq!(drain_disassociate(&client), 100);
    let stats = standin.stats();
    let replace = stats.action("ReplaceIamInstanceProfileAssociation");
    assert_eq!((replace.calls, replace.throttled), (51, 1));
    assert_eq!(replace.errors.get("InvalidAssociationID.NotFound"), Some(&50));
    assert_eq!(stats.throttled(), 2);
}

#[test]
fn buckets_refill_at_the_scaled_rate_less_the_neighbours_share() {
    // Disassociate gains 5 tokens each second: at 20x, every 50 ms real, 100 a real second;
    // half of that with a neighbour taking half of each refill.
    for (neighbour, per_real_second, step) in [(0.0, 100.0, 5.0), (0.5, 50.0, 2.5)] {
        let standin = Standin::start(Config::default().time_scale(20.0).neighbour(neighbour));
        let client = client(&standin);
        assert!(drain_disassociate(&client) >= 100);
        let empty = Instant::now();
        thread::sleep(Duration::from_millis(400));
        let refilled = drain_disassociate(&client);
        let elapsed = empty.elapsed().as_secs_f64();
        let expected = elapsed * per_real_second;
        // Refills come in steps, and the drains take time: a step and a few tokens either way.
        assert!(
            (f64::from(refilled) - expected).abs() <= step + 3.0,
            "neighbour {neighbour}: {refilled} calls passed in {elapsed:.3} s, expected about {expected:.1}"
        );
    }
}

#[test]
fn an_association_goes_associating_associated_replaced_disassociated() {
    // 10 s of EC2 time is 500 ms here: long enough to see each state from a loaded machine.
    let standin = Standin::start(Config::default().time_scale(20.0).state_delay(Duration::from_secs(10)));
    let client = client(&standin);
    let instance = standin.add_instance(&[("Role", "web")]);

    let out = client.associate_iam_instance_profile(&instance, &Profile::name("web")).expect("associate");
    let first = out.iam_instance_profile_association;
    assert_eq!((first.instance_id.as_str(), first.state.clone()), (instance.as_str(), State::Associating));
    assert_eq!(first.iam_instance_profile.arn, profile_arn("web"));
    assert!(first.iam_instance_profile.id.starts_with("AIPA"));
    let again = client.associate_iam_instance_profile(&instance, &Profile::name("other"));
    match again {
        Err(Error::Service(e)) => {
            assert_eq!(e.code, "IncorrectState");
            assert_eq!(e.message, format!("There is an existing association for instance {instance}"));
        }
        other => panic!("{other:?}"),
    }
    let by_instance = DescribeIamInstanceProfileAssociations::new().filter("instance-id", [instance.as_str()]);
    let page = client.describe_iam_instance_profile_associations(&by_instance).expect("describe");
    assert_eq!(page.iam_instance_profile_associations, vec![first.clone()]);
    assert_eq!(page.next_token, None);

    eventually("associated", || {
        standin.instance(&instance).and_then(|i| i.association_state).as_deref() == Some("associated")
    });
    let page = client.describe_iam_instance_profile_associations(&by_instance).expect("describe");
    assert_eq!(page.iam_instance_profile_associations[0].state, State::Associated);
    let raw = client.call("DescribeInstances", &[("InstanceId.1", &instance)]).expect("describe instances");
    assert!(raw.body.contains(&format!("<iamInstanceProfile><arn>{}</arn>", profile_arn("web"))), "{}", raw.body);

    let replaced = client
        .replace_iam_instance_profile_association(&first.association_id, &Profile::arn(profile_arn("other")))
        .expect("replace")
        .iam_instance_profile_association;
    assert_ne!(replaced.association_id, first.association_id, "EC2 issues a new id on replace");
    assert_eq!(
        (replaced.state.clone(), replaced.iam_instance_profile.arn.as_str()),
        (State::Associating, profile_arn("other").as_str())
    );
    assert_eq!(code(client.disassociate_iam_instance_profile(&first.association_id)), "InvalidAssociationID.NotFound");
    let view = standin.instance(&instance).expect("instance");
    assert_eq!(view.profile.as_deref(), Some("other"));

    eventually("replaced", || {
        standin.instance(&instance).and_then(|i| i.association_state).as_deref() == Some("associated")
    });
    let gone = client.disassociate_iam_instance_profile(&replaced.association_id).expect("disassociate");
    assert_eq!(gone.iam_instance_profile_association.state, State::Disassociating);
    assert_eq!(standin.instance(&instance).and_then(|i| i.profile), None);
    eventually("disassociated", || standin.instance(&instance).is_some_and(|i| i.association_id.is_none()));
    let page = client.describe_iam_instance_profile_associations(&by_instance).expect("describe");
    assert!(page.iam_instance_profile_associations.is_empty());
}

#[test]
fn replace_of_an_associating_association_is_incorrect_state() {
    let standin = Standin::start(Config::default().time_scale(0.01));
    let client = client(&standin);
    let instance = standin.add_instance(&[]);
    let id = client
        .associate_iam_instance_profile(&instance, &Profile::name("web"))
        .expect("associate")
        .iam_instance_profile_association
        .association_id;
    match client.replace_iam_instance_profile_association(&id, &Profile::name("other")) {
        Err(Error::Service(e)) => {
            assert_eq!((e.code.as_str(), e.status), ("IncorrectState", 400));
            assert_eq!(e.message, format!("The association {id} is not the active association"));
        }
        other => panic!("{other:?}"),
    }
    // One held in a state by the test, as a fleet seed does.
    let held = standin.add_instance(&[]);
    let assoc = standin.add_association(&held, "other", AssociationState::Associating).expect("known instance");
    assert_eq!(code(client.replace_iam_instance_profile_association(&assoc, &Profile::name("web"))), "IncorrectState");
}

#[test]
fn a_profile_is_refused_until_it_has_propagated() {
    // 10 s of EC2 time: 500 ms.
    let standin = Standin::start(Config::default().time_scale(20.0).profile("fresh", Duration::from_secs(10)));
    let client = client(&standin);
    let instance = standin.add_instance(&[]);
    match client.associate_iam_instance_profile(&instance, &Profile::name("fresh")) {
        Err(Error::Service(e)) => {
            assert_eq!(e.code, "InvalidParameterValue");
            assert_eq!(
                e.message,
                "Value (fresh) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        code(client.associate_iam_instance_profile(&instance, &Profile::name("nonesuch"))),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(client.associate_iam_instance_profile("i-0123456789abcdef0", &Profile::name("web"))),
        "InvalidInstanceID.NotFound"
    );
    thread::sleep(Duration::from_millis(550));
    client.associate_iam_instance_profile(&instance, &Profile::name("fresh")).expect("propagated by now");
}

#[test]
fn more_than_200_filter_values_is_filter_limit_exceeded() {
    let standin = Standin::fleet(10, Config::default());
    let client = client(&standin);
    let ids: Vec<String> = (0..201).map(|i| format!("i-{i:017x}")).collect();
    let over = DescribeIamInstanceProfileAssociations::new().filter("instance-id", ids.iter().map(String::as_str));
    match client.describe_iam_instance_profile_associations(&over) {
        Err(Error::Service(e)) => assert_eq!((e.code.as_str(), e.status), ("FilterLimitExceeded", 400)),
        other => panic!("{other:?}"),
    }
    // Across filters, too.
    let split = DescribeIamInstanceProfileAssociations::new()
        .filter("instance-id", ids[..199].iter().map(String::as_str))
        .filter("state", ["associating", "associated"]);
    assert_eq!(code(client.describe_iam_instance_profile_associations(&split)), "FilterLimitExceeded");
    let at_limit =
        DescribeIamInstanceProfileAssociations::new().filter("instance-id", ids[..200].iter().map(String::as_str));
    client.describe_iam_instance_profile_associations(&at_limit).expect("200 values are allowed");
    assert_eq!(
        standin.stats().action("DescribeIamInstanceProfileAssociations").errors.get("FilterLimitExceeded"),
        Some(&2)
    );
}

#[test]
fn the_fleet_holds_its_mix_and_pages_through_describe() {
    let standin = Standin::fleet(100, Config::default());
    let client = client(&standin);
    let views = standin.instances();
    assert_eq!(views.len(), 100);
    let count = |p: Option<&str>| views.iter().filter(|v| v.profile.as_deref() == p).count();
    assert_eq!((count(None), count(Some("other")), count(Some("web"))), (50, 40, 10));
    let by_state: Vec<(String, u64)> = standin.stats().instances.into_iter().collect();
    assert_eq!(by_state, [("none".into(), 50), ("other/associated".into(), 40), ("web/associated".into(), 10)]);
    assert!(views.iter().all(|v| v.instance_id.len() == 19 && v.instance_id.starts_with("i-")));
    assert_eq!(views, Standin::fleet(100, Config::default()).instances(), "the same fleet every time");

    let paged = DescribeIamInstanceProfileAssociations::new().max_results(7);
    let first = client.describe_iam_instance_profile_associations(&paged).expect("first page");
    assert_eq!(first.iam_instance_profile_associations.len(), 7);
    assert!(first.next_token.is_some());
    let all: Vec<_> = client
        .describe_iam_instance_profile_associations_pages(&paged)
        .items()
        .collect::<Result<_, _>>()
        .expect("every page");
    assert_eq!(all.len(), 50);
    let mut ids: Vec<&str> = all.iter().map(|a| a.association_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50, "no association twice");
    assert_eq!(standin.stats().action("DescribeIamInstanceProfileAssociations").calls, 1 + 8);

    // By id, and the errors of the parameters.
    let one = client
        .describe_iam_instance_profile_associations(
            &DescribeIamInstanceProfileAssociations::new().association_ids([ids[0]]),
        )
        .expect("by id");
    assert_eq!(one.iam_instance_profile_associations.len(), 1);
    assert_eq!(
        code(client.describe_iam_instance_profile_associations(
            &DescribeIamInstanceProfileAssociations::new().association_ids([UNKNOWN])
        )),
        "InvalidAssociationID.NotFound"
    );
    let raw = |params: &[(&str, &str)]| code(client.call("DescribeIamInstanceProfileAssociations", params));
    assert_eq!(raw(&[("MaxResults", "4")]), "InvalidParameterValue");
    assert_eq!(raw(&[("MaxResults", "1001")]), "InvalidParameterValue");
    assert_eq!(raw(&[("MaxResults", "5"), ("AssociationId.1", ids[0])]), "InvalidParameterCombination");
    assert_eq!(code(client.call("DescribeSomething", &[])), "InvalidAction");
}

#[test]
fn describe_instances_filters_by_tag_and_pages() {
    let standin = Standin::fleet(20, Config::default());
    let client = client(&standin);
    let ids = |body: &str| -> Vec<String> {
        let doc = roxmltree::Document::parse(body).expect("XML");
        doc.descendants().filter(|n| n.has_tag_name("instanceId")).filter_map(|n| n.text()).map(str::to_owned).collect()
    };
    let web = client
        .call("DescribeInstances", &[("Filter.1.Name", "tag:Role"), ("Filter.1.Value.1", "web")])
        .expect("describe instances");
    let expected: Vec<String> = standin
        .instances()
        .into_iter()
        .filter(|v| v.tags.contains(&("Role".into(), "web".into())))
        .map(|v| v.instance_id)
        .collect();
    assert_eq!(ids(&web.body), expected);
    assert_eq!(expected.len(), 10);
    assert!(web.body.contains("<instanceState><code>16</code><name>running</name></instanceState>"));
    assert!(web.body.contains("<tagSet><item><key>Role</key><value>web</value></item><item><key>Fleet</key><value>standin</value></item></tagSet>"));
    assert_eq!(web.request_id.as_deref().map(|r| r.len()), Some(36));
    let doc = roxmltree::Document::parse(&web.body).expect("XML");
    assert_eq!(doc.root_element().tag_name().namespace(), Some("http://ec2.amazonaws.com/doc/2016-11-15/"));
    // Those with an associated profile show it.
    let profiles = doc.descendants().filter(|n| n.has_tag_name("iamInstanceProfile")).count();
    let with_profile = standin
        .instances()
        .iter()
        .filter(|v| v.tags.contains(&("Role".into(), "web".into())) && v.profile.is_some())
        .count();
    assert_eq!((profiles, with_profile), (6, 6));

    // Pages of 5 over the fleet.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let mut params = vec![("Filter.1.Name", "tag-key"), ("Filter.1.Value.1", "Fleet"), ("MaxResults", "5")];
        if !token.is_empty() {
            params.push(("NextToken", &token));
        }
        let body = client.call("DescribeInstances", &params).expect("page").body;
        seen.extend(ids(&body));
        let doc = roxmltree::Document::parse(&body).expect("XML");
        match doc.descendants().find(|n| n.has_tag_name("nextToken")).and_then(|n| n.text()) {
            Some(t) => token = t.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 20);
    assert_eq!(
        code(client.call("DescribeInstances", &[("InstanceId.1", "i-0123456789abcdef0")])),
        "InvalidInstanceID.NotFound"
    );
    assert_eq!(code(client.call("DescribeInstances", &[("MaxResults", "2")])), "InvalidParameterValue");
}

#[test]
fn requests_need_an_authorization_header() {
    let standin = Standin::start(Config::default());
    let unsigned = Client::builder()
        .region("us-east-1")
        .endpoint_url(&standin.url)
        .sign_requests(false)
        .max_attempts(1)
        .build()
        .expect("client");
    match unsigned.disassociate_iam_instance_profile(UNKNOWN) {
        Err(Error::Service(e)) => assert_eq!((e.code.as_str(), e.status), ("AuthFailure", 401)),
        other => panic!("{other:?}"),
    }
    assert_eq!(standin.stats().rejected, 1);
    assert_eq!(standin.stats().calls(), 0, "no bucket touched");
}

#[test]
fn stats_are_served_as_json_and_count_connections() {
    let standin = Standin::start(Config::default());
    let clients: Vec<Client> = (0..3).map(|_| client(&standin)).collect();
    thread::scope(|s| {
        for c in &clients {
            s.spawn(|| {
                for _ in 0..5 {
                    let _ = c.disassociate_iam_instance_profile(UNKNOWN);
                }
            });
        }
    });
    let mut stream = TcpStream::connect(standin.addr()).expect("connect");
    stream.write_all(b"GET /__stats HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).expect("a body");
    let json: serde_json::Value = serde_json::from_str(body).expect("JSON");
    let disassociate = &json["actions"]["DisassociateIamInstanceProfile"];
    assert_eq!(disassociate["calls"], 15);
    assert_eq!(disassociate["throttled"], 0);
    assert_eq!(disassociate["errors"]["InvalidAssociationID.NotFound"], 15);
    assert_eq!(json["calls"], 15);
    // Each client keeps its connection alive; the stats request is one more.
    assert_eq!(json["connections"], 4);
    assert!(json["max_concurrent_connections"].as_u64().is_some_and(|n| (1..=4).contains(&n)));
}

#[test]
fn dropping_it_closes_kept_alive_connections_at_once() {
    let standin = Standin::start(Config::default());
    let client = client(&standin);
    let _ = client.disassociate_iam_instance_profile(UNKNOWN);
    let addr = standin.addr();
    let started = Instant::now();
    drop(standin);
    assert!(started.elapsed() < Duration::from_secs(2), "drop waited {:?}", started.elapsed());
    assert!(TcpStream::connect(addr).is_err(), "still listening");
    assert!(client.disassociate_iam_instance_profile(UNKNOWN).is_err());
}

#[test]
fn describe_filters_by_state_and_the_profile_may_be_named_by_arn() {
    let standin = Standin::start(Config::default().time_scale(0.01));
    let client = client(&standin);
    let (a, b) = (standin.add_instance(&[]), standin.add_instance(&[]));
    client.associate_iam_instance_profile(&a, &Profile::arn(profile_arn("web"))).expect("by ARN");
    let held = standin.add_association(&b, "other", AssociationState::Associated).expect("known instance");
    client.disassociate_iam_instance_profile(&held).expect("disassociate");
    let by_state = |state: &str| {
        client
            .describe_iam_instance_profile_associations(
                &DescribeIamInstanceProfileAssociations::new().filter("state", [state]),
            )
            .expect("describe")
            .iam_instance_profile_associations
            .into_iter()
            .map(|x| x.instance_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(by_state("associating"), [a.as_str()]);
    assert_eq!(by_state("disassociating"), [b.as_str()]);
    assert!(by_state("associated").is_empty());
    // Disassociating does not block a new association; associating does.
    client.associate_iam_instance_profile(&b, &Profile::name("web")).expect("b is free");
    let both = Profile::arn_and_name(profile_arn("web"), "other");
    let c = standin.add_instance(&[]);
    assert_eq!(code(client.associate_iam_instance_profile(&c, &both)), "InvalidParameterCombination");
    assert_eq!(
        code(client.call(
            "DescribeIamInstanceProfileAssociations",
            &[("Filter.1.Name", "profile"), ("Filter.1.Value.1", "x")]
        )),
        "InvalidParameterValue"
    );
}

#[test]
fn a_body_over_the_cap_closes_the_connection_unanswered() {
    let standin = Standin::start(Config::default());
    let mut stream = TcpStream::connect(standin.addr()).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let head = "POST / HTTP/1.1\r\nhost: x\r\nauthorization: x\r\ncontent-length: 100000000\r\n\r\n";
    stream.write_all(head.as_bytes()).expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("closed, not timed out");
    assert!(answer.is_empty());
    assert_eq!(standin.stats().calls(), 0);
}
