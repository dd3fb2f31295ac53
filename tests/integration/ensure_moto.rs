//! Ensure against moto with signature checking on, for the library and the
//! CLI: each transition twice (the second run must change nothing), a profile
//! that appears while ensure retries, and a fleet of 500 instances. A
//! counting proxy between the client and moto records every request that
//! reached the server, so the tests assert which calls were made, not only
//! the end state.
//!
//! Needs the test venv: ignored by plain `cargo test`, run by `scripts/test`.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::support::cli::{self, assert_exit, stdout};
use crate::support::moto::Moto;
use ec2_lite::{
    Client, Credentials, EnsureAction, EnsureOptions, IamInstanceProfileAssociationState,
    IamInstanceProfileSpecification, WaitOptions,
};
use serde_json::Value;

const DESCRIBE: &str = "DescribeIamInstanceProfileAssociations";
const ASSOCIATE: &str = "AssociateIamInstanceProfile";
const REPLACE: &str = "ReplaceIamInstanceProfileAssociation";
const DISASSOCIATE: &str = "DisassociateIamInstanceProfile";
const ENSURE: &str = "ensure-iam-instance-profile";

/// An instance id moto never hands out.
const UNKNOWN_INSTANCE: &str = "i-00000000000000000";

/// A loopback proxy in front of moto that records the `Action` of every
/// request it forwards, and the status of the answer. Each request goes
/// upstream on its own connection and the answer comes back with
/// `connection: close`, so nothing is pooled across the recording.
///
/// moto 5.2 iterates its association dict while other request threads change
/// it, and then answers 500 ("dictionary changed size during iteration"); the
/// client retries that as any 5xx. Such answers are counted apart: they are
/// moto's, not calls the transitions asked for.
///
/// The writes (associate, replace, disassociate) go to moto one at a time, as
/// EC2 applies them: moto checks that an instance has no association and then
/// stores one under the instance's id without a lock, so two writers that meet
/// between the two steps are both accepted and the first association vanishes,
/// where EC2 refuses the second with `IncorrectState`.
struct CountingProxy {
    url: String,
    actions: Arc<Mutex<Vec<(String, u16)>>>,
}

impl CountingProxy {
    fn start(upstream: &str) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let actions = Arc::new(Mutex::new(Vec::new()));
        let recorded = actions.clone();
        let writes = Arc::new(Mutex::new(()));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (upstream, recorded, writes) = (upstream.clone(), recorded.clone(), writes.clone());
                thread::spawn(move || forward(stream, &upstream, &recorded, &writes));
            }
        });
        CountingProxy { url, actions }
    }

    /// Takes the actions recorded so far, but for those moto failed with a
    /// 5xx (each was retried, and the retry is in the list).
    fn take(&self) -> Vec<String> {
        self.take_with_server_errors().0
    }

    /// Every `(action, status)` recorded so far.
    fn take_all(&self) -> Vec<(String, u16)> {
        std::mem::take(&mut *self.actions.lock().unwrap())
    }

    /// The same, and how many answers were moto's 5xx.
    fn take_with_server_errors(&self) -> (Vec<String>, usize) {
        let all = self.take_all();
        let errors = all.iter().filter(|(_, status)| *status >= 500).count();
        (all.into_iter().filter(|(_, status)| *status < 500).map(|(a, _)| a).collect(), errors)
    }

    /// Takes them as counts per action.
    fn take_counts(&self) -> BTreeMap<String, usize> {
        let (actions, errors) = self.take_with_server_errors();
        if errors > 0 {
            eprintln!("moto answered {errors} request(s) with a 5xx; the client retried them");
        }
        let mut counts = BTreeMap::new();
        for a in actions {
            *counts.entry(a).or_insert(0) += 1;
        }
        counts
    }
}

fn forward(client: TcpStream, upstream: &str, recorded: &Mutex<Vec<(String, u16)>>, writes: &Mutex<()>) {
    let mut out = client.try_clone().expect("clone the client stream");
    let mut reader = BufReader::new(client);
    let Some(req) = crate::support::http1::read_request(&mut reader) else { return };
    let body = String::from_utf8_lossy(&req.body).into_owned();
    let action = body.split('&').find_map(|kv| kv.strip_prefix("Action=")).unwrap_or("?").to_owned();
    // The host header is signed: it goes upstream as the client sent it.
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
    for (k, v) in &req.headers {
        if k != "connection" {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str("connection: close\r\n\r\n");
    let _one_write_at_a_time =
        [ASSOCIATE, REPLACE, DISASSOCIATE].contains(&action.as_str()).then(|| writes.lock().unwrap());
    let mut up = TcpStream::connect(upstream).expect("connect to moto");
    up.write_all(head.as_bytes()).and_then(|()| up.write_all(&req.body)).expect("send upstream");
    let mut response = Vec::new();
    up.read_to_end(&mut response).expect("read moto's answer");
    // Tell the client not to reuse this connection.
    if let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") {
        response.splice(end + 2..end + 2, b"connection: close\r\n".iter().copied());
    }
    let status: u16 =
        String::from_utf8_lossy(&response).split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    recorded.lock().unwrap().push((action, status));
    let _ = out.write_all(&response);
    let _ = out.shutdown(Shutdown::Both);
}

fn client(moto: &Moto, endpoint: &str) -> Client {
    Client::builder()
        .region(&moto.region)
        .endpoint_url(endpoint)
        .credentials(Credentials::new(&moto.access_key_id, &moto.secret_access_key, None))
        .build()
        .expect("a client for moto")
}

/// `n` new instances without a profile, in one RunInstances call (through
/// the client's escape hatch, signed like every call).
fn bare_instances(moto: &Moto, n: usize) -> Vec<String> {
    let count = n.to_string();
    let raw = client(moto, &moto.endpoint)
        .call(
            "RunInstances",
            &[("ImageId", "ami-12c6146b"), ("InstanceType", "t3.micro"), ("MinCount", &count), ("MaxCount", &count)],
        )
        .expect("RunInstances");
    let ids: Vec<String> = raw
        .body
        .split("<instanceId>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .map(str::to_owned)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(ids.len(), n, "RunInstances gave {ids:?}");
    ids
}

/// `n` new instances, each associated with the named profile.
fn associated_instances(moto: &Moto, n: usize, profile: &str) -> Vec<String> {
    let c = client(moto, &moto.endpoint);
    let ids = bare_instances(moto, n);
    for id in &ids {
        c.associate_iam_instance_profile(id, &IamInstanceProfileSpecification::name(profile)).expect("associate");
    }
    ids
}

/// The profile ARN the instance has now, straight from moto.
fn profile_of(moto: &Moto, instance: &str) -> Option<String> {
    client(moto, &moto.endpoint)
        .association_for_instance(instance)
        .expect("describe")
        .iam_instance_profile_association
        .map(|a| a.iam_instance_profile.arn)
}

fn options() -> EnsureOptions {
    let mut o = EnsureOptions::default();
    o.wait_options = WaitOptions::new(Duration::from_millis(50), Duration::from_secs(30));
    o
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

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

/// Runs the CLI through the proxy.
fn lite(moto: &Moto, proxy: &CountingProxy, args: &[&str]) -> std::process::Output {
    let env = moto.env_for_cli();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL", &proxy.url));
    cli::run(args, &env)
}

fn results(out: &std::process::Output) -> Vec<Value> {
    let v: Value = serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)));
    v["Results"].as_array().cloned().unwrap_or_else(|| panic!("no Results in {v}"))
}

#[test]
#[ignore = "needs scripts/venv"]
fn cli_each_transition_twice() {
    let moto = Moto::shared();
    let proxy = CountingProxy::start(&moto.endpoint);
    let bare = bare_instances(moto, 2);
    let with_a = associated_instances(moto, 3, &moto.profile.name);
    let name_a = format!("Name={}", moto.profile.name);
    let arn_b = format!("Arn={}", moto.profile_b.arn);
    proxy.take();

    // (instance, --iam-instance-profile or none, first action, first run's calls, final profile)
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], Option<&'a str>);
    let cases: [Case<'_>; 5] = [
        (&bare[0], &name_a, "Associated", &[DESCRIBE, ASSOCIATE, DESCRIBE], Some(&moto.profile.arn)),
        (&with_a[0], &name_a, "Unchanged", &[DESCRIBE], Some(&moto.profile.arn)),
        (&with_a[1], &arn_b, "Replaced", &[DESCRIBE, REPLACE, DESCRIBE], Some(&moto.profile_b.arn)),
        (&with_a[2], "", "Disassociated", &[DESCRIBE, DISASSOCIATE, DESCRIBE], None),
        (&bare[1], "", "Unchanged", &[DESCRIBE], None),
    ];
    for (instance, profile, action, calls, arn) in cases {
        let mut args = vec![ENSURE, "--instance-ids", instance];
        if profile.is_empty() {
            args.push("--no-iam-instance-profile");
        } else {
            args.extend(["--iam-instance-profile", profile]);
        }
        for (run, want_action, want_calls) in [(1, action, calls), (2, "Unchanged", &[DESCRIBE][..])] {
            let out = lite(moto, &proxy, &args);
            assert_exit(&out, 0);
            let r = results(&out);
            assert_eq!(r.len(), 1);
            assert_eq!(r[0]["InstanceId"], *instance);
            assert_eq!(r[0]["Action"], want_action, "run {run}: {}", stdout(&out));
            assert!(r[0].get("Error").is_none());
            assert_eq!(proxy.take(), strings(want_calls), "run {run} of {action}");
            match arn {
                Some(arn) => {
                    assert_eq!(r[0]["IamInstanceProfile"]["Arn"], arn);
                    assert_eq!(r[0]["State"], "associated");
                    assert!(r[0]["AssociationId"].as_str().is_some_and(|s| s.starts_with("iip-assoc-")));
                }
                None => assert!(r[0].get("IamInstanceProfile").is_none(), "{}", stdout(&out)),
            }
            if run == 1 && matches!(action, "Replaced" | "Disassociated") {
                assert!(r[0]["PreviousAssociationId"].as_str().is_some(), "{}", stdout(&out));
            }
            assert_eq!(profile_of(moto, instance).as_deref(), arn);
        }
    }

    // --output text goes through the same renderer as every command.
    let out =
        lite(moto, &proxy, &[ENSURE, "--instance-ids", &bare[1], "--no-iam-instance-profile", "--output", "text"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), format!("RESULTS\tUnchanged\t{}\n", bare[1]));
    // Nothing on stderr when it is not a terminal.
    assert_eq!(cli::stderr(&out), "");
}

#[test]
#[ignore = "needs scripts/venv"]
fn cli_reads_instance_ids_from_stdin_and_files() {
    let moto = Moto::shared();
    let proxy = CountingProxy::start(&moto.endpoint);
    let ids = bare_instances(moto, 3);
    let name_a = format!("Name={}", moto.profile.name);

    let mut cmd = Command::new(cli::EXE);
    cmd.args([ENSURE, "--instance-ids", "-", "--iam-instance-profile", &name_a, "--max-concurrency", "2"])
        .env_clear()
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(moto.env_for_cli())
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run ec2-lite");
    let input = format!("# the web tier\n{}\n\n  {}\n{}\n", ids[0], ids[1], ids[2]);
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_exit(&out, 0);
    let r = results(&out);
    let got: Vec<&str> = r.iter().map(|x| x["InstanceId"].as_str().unwrap()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(r.iter().all(|x| x["Action"] == "Associated"), "{}", stdout(&out));

    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ensure-ids.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let arg = format!("file://{}", file.display());
    let out = lite(moto, &proxy, &[ENSURE, "--instance-ids", &arg, "--iam-instance-profile", &name_a]);
    assert_exit(&out, 0);
    assert!(results(&out).iter().all(|x| x["Action"] == "Unchanged"), "{}", stdout(&out));
}

#[test]
#[ignore = "needs scripts/venv"]
fn cli_fleet_of_500_with_one_failure() {
    let moto = Moto::shared();
    // 200 without a profile, 200 with crate-profile, 100 with crate-profile-b;
    // all should end with crate-profile-b.
    let mut fleet = bare_instances(moto, 200);
    fleet.extend(associated_instances(moto, 200, &moto.profile.name));
    fleet.extend(associated_instances(moto, 100, &moto.profile_b.name));
    // Interleave them, so the order of the input is not the order of kinds.
    let mut ids: Vec<String> = Vec::with_capacity(fleet.len() + 1);
    for i in 0..100 {
        for kind in 0..5 {
            ids.push(fleet[kind * 100 + i].clone());
        }
    }
    let expected = |id: &str| {
        let i = fleet.iter().position(|f| f == id).unwrap();
        match i {
            0..200 => "Associated",
            200..400 => "Replaced",
            _ => "Unchanged",
        }
    };
    ids.insert(250, UNKNOWN_INSTANCE.to_owned());
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ensure-fleet.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let arg = format!("file://{}", file.display());
    let name_b = format!("Name={}", moto.profile_b.name);
    let proxy = CountingProxy::start(&moto.endpoint);
    let args = [ENSURE, "--instance-ids", &arg, "--iam-instance-profile", &name_b, "--max-concurrency", "16"];

    let out = lite(moto, &proxy, &args);
    assert_exit(&out, 254);
    let r = results(&out);
    let order: Vec<&str> = r.iter().map(|x| x["InstanceId"].as_str().unwrap()).collect();
    assert_eq!(order, ids.iter().map(String::as_str).collect::<Vec<_>>(), "results in input order");
    for x in &r {
        let id = x["InstanceId"].as_str().unwrap();
        if id == UNKNOWN_INSTANCE {
            assert_eq!(x["Error"]["Code"], "InvalidInstanceID.NotFound", "{x}");
            assert!(x.get("Action").is_none());
        } else {
            assert_eq!(x["Action"], expected(id), "{x}");
            assert_eq!(x["IamInstanceProfile"]["Arn"], moto.profile_b.arn.as_str(), "{x}");
            assert!(x.get("Error").is_none(), "{x}");
        }
    }
    // One write per instance that needs one, the unknown instance's refused
    // associate among them; describes in batches of 200 (moto pages them by
    // 100), and polls batched too: where one describe an instance and a
    // waiter's poll per write cost 901 describes.
    let mut counts = proxy.take_counts();
    let describes = counts.remove(DESCRIBE).unwrap_or(0);
    let want: BTreeMap<String, usize> =
        [(ASSOCIATE, 200 + 1), (REPLACE, 200)].into_iter().map(|(a, n)| (a.to_owned(), n)).collect();
    assert_eq!(counts, want);
    eprintln!("a fleet of 501: {describes} describes");
    assert!((3..=60).contains(&describes), "{describes} describes");
    let converged = fleet.iter().filter(|id| profile_of(moto, id).as_deref() == Some(&moto.profile_b.arn)).count();
    assert_eq!(converged, 500);

    // Again, without the unknown one: nothing to do, one describe each.
    let ids: Vec<String> = ids.into_iter().filter(|i| i != UNKNOWN_INSTANCE).collect();
    std::fs::write(&file, ids.join("\n")).unwrap();
    let out = lite(moto, &proxy, &args);
    assert_exit(&out, 0);
    assert!(results(&out).iter().all(|x| x["Action"] == "Unchanged"));
    // Three batches of 200 ids, each at most two of moto's pages of 100
    // (and perhaps an empty last page).
    let counts = proxy.take_counts();
    assert_eq!(counts.keys().collect::<Vec<_>>(), [DESCRIBE], "no write");
    assert!((3..=9).contains(&counts[DESCRIBE]), "{counts:?}");
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
    let c = client(moto, &proxy.url);
    // The real clock, with the poller's sleeps counted: each is one round.
    let sleeps = Arc::new(Mutex::new(0usize));
    let counted = sleeps.clone();
    let mut o = EnsureOptions::default().with_clock(std::time::Instant::now, move |d| {
        *counted.lock().unwrap() += 1;
        thread::sleep(d)
    });
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
    // 100: four calls at most); every later call is a poll round's.
    assert!(describes <= 400 / 100 + rounds, "{describes} describes for {rounds} rounds");
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
