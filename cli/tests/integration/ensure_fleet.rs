//! The CLI's fleet ensure against the throttling stand-in EC2 (`support/standin.rs`, EC2's
//! documented buckets, time-scaled): a mixed fleet converges with no failure under
//! throttling, also beside a noisy neighbour; `--dry-run` writes nothing; `--desired-state`
//! gives each instance its own profile; `--instance-filters` chooses by tag; SIGINT stops
//! new writes, lists every instance and a re-run finishes; a profile IAM has not propagated
//! yet is said to be waited for.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::cli::{self, assert_exit, stderr, stdout};
use crate::support::standin::{Config, Standin, profile_arn};

const ENSURE: &str = "ensure-iam-instance-profile";
const DESCRIBE: &str = "DescribeIamInstanceProfileAssociations";
const WRITES: [&str; 3] =
    ["AssociateIamInstanceProfile", "ReplaceIamInstanceProfileAssociation", "DisassociateIamInstanceProfile"];

/// The CLI's environment for `standin`, its client paced to the stand-in's time scale.
fn env(standin: &Standin, scale: f64, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = standin.env_for_cli();
    env.push(("EC2_LITE_RATE_LIMITS".to_owned(), scale.to_string()));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

fn run(args: &[&str], env: &[(String, String)]) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    cli::run(args, &env)
}

fn results(out: &Output) -> Vec<Value> {
    let v: Value = serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)));
    v["Results"].as_array().cloned().unwrap_or_else(|| panic!("no Results in {v}"))
}

/// The ids as a file for `--instance-ids file://...`.
fn ids_file(name: &str, ids: &[String]) -> String {
    format!("file://{}", cli::scratch("ensure-fleet", name, &ids.join("\n")))
}

/// What the seeded fleet's k-th instance needs for `web`: of every ten, five associate, four
/// replace (`other`) and one is right already.
fn expected(k: usize) -> &'static str {
    match k % 10 {
        0..=4 => "Associated",
        5..=8 => "Replaced",
        _ => "Unchanged",
    }
}

/// The writes the stand-in accepted or refused, the throttled ones left out.
fn writes(standin: &Standin) -> u64 {
    let stats = standin.stats();
    WRITES.iter().map(|a| answered(&stats, a)).sum()
}

/// Calls of `action` that were not throttled.
fn answered(stats: &crate::support::standin::Stats, action: &str) -> u64 {
    let a = stats.action(action);
    a.calls - a.throttled
}

/// The last line of stderr: the summary every run ends with.
fn summary(out: &Output) -> String {
    stderr(out).lines().last().unwrap_or_default().to_owned()
}

#[test]
fn a_mixed_fleet_converges_under_throttling_with_no_failure() {
    // 20 times EC2's rates, and 64 writes at once per action: far past every bucket's burst.
    let scale = 20.0;
    let standin = Standin::fleet(400, Config::default().time_scale(scale));
    let ids: Vec<String> = standin.instances().into_iter().map(|i| i.instance_id).collect();
    let file = ids_file("mixed-400", &ids);
    let args = [ENSURE, "--instance-ids", &file, "--iam-instance-profile", "Name=web", "--max-concurrency", "64"];
    let started = Instant::now();
    let out = run(&args, &env(&standin, scale, &[]));
    let elapsed = started.elapsed();

    assert_exit(&out, 0);
    let r = results(&out);
    assert_eq!(r.len(), 400);
    for (k, x) in r.iter().enumerate() {
        assert_eq!(x["InstanceId"], ids[k].as_str(), "input order");
        assert_eq!(x["Action"], expected(k), "{x}");
        assert_eq!(x["State"], "associated", "{x}");
        assert_eq!(x["IamInstanceProfile"]["Arn"], profile_arn("web").as_str(), "{x}");
    }
    assert!(standin.instances().iter().all(|i| i.profile.as_deref() == Some("web")), "{:?}", standin.stats());

    let stats = standin.stats();
    let counts: BTreeMap<&str, u64> = WRITES.iter().map(|a| (*a, answered(&stats, a))).collect();
    assert_eq!(counts[WRITES[0]], 200, "one Associate per instance without a profile: {counts:?}");
    assert_eq!(counts[WRITES[1]], 160, "one Replace per instance with another: {counts:?}");
    assert_eq!(counts[WRITES[2]], 0);
    // Describes: the first two batches of 200, then one per poll round (every 2 s at
    // most, one call while no more than 200 are in flight).
    let describes = answered(&stats, DESCRIBE);
    let rounds = (elapsed.as_secs_f64() / 2.0).ceil() as u64 + 1;
    assert!(describes <= 400 / 100 + rounds, "{describes} describes in {elapsed:?}");
    // Paced by the client, EC2 throttled few calls, and none failed an instance.
    let throttled = stats.throttled();
    assert!(throttled * 20 < stats.calls(), "{throttled} of {} calls throttled", stats.calls());
    let line = summary(&out);
    assert!(
        line.starts_with("ec2-lite: 400 instances in ")
            && line.contains(": 200 associated, 160 replaced, 0 disassociated, 40 unchanged, 0 failed, "),
        "{line}"
    );
    match throttled {
        0 => assert!(!line.contains("throttled"), "{line}"),
        n => assert!(line.ends_with(&format!(", {n} throttled answers")), "{line} ({n} at the stand-in)"),
    }
}

#[test]
fn beside_a_noisy_neighbour_adaptive_mode_fails_no_instance() {
    // Another client of the account takes half of every refill: the client's own pacing
    // (the documented buckets) is twice too fast, and only EC2's answers tell it so.
    let scale = 20.0;
    let standin = Standin::fleet(300, Config::default().time_scale(scale).neighbour(0.5));
    let ids: Vec<String> = standin.instances().into_iter().map(|i| i.instance_id).collect();
    let file = ids_file("neighbour-300", &ids);
    let args = [ENSURE, "--instance-ids", &file, "--iam-instance-profile", "Name=web", "--max-concurrency", "32"];
    let out = run(&args, &env(&standin, scale, &[("AWS_RETRY_MODE", "adaptive")]));

    assert_exit(&out, 0);
    let r = results(&out);
    assert!(r.iter().all(|x| x.get("Error").is_none()), "{}", stdout(&out));
    assert!(standin.instances().iter().all(|i| i.profile.as_deref() == Some("web")));
    let stats = standin.stats();
    assert!(stats.throttled() > 0, "the neighbour's share was felt: {stats:?}");
    eprintln!("noisy neighbour: {} calls, {} throttled", stats.calls(), stats.throttled());
}

#[test]
fn a_dry_run_writes_nothing_and_prints_the_plan_in_every_format() {
    let standin = Standin::fleet(40, Config::default());
    let ids: Vec<String> = standin.instances().into_iter().map(|i| i.instance_id).collect();
    let file = ids_file("plan-40", &ids);
    let env = env(&standin, 1.0, &[]);

    let out = run(&[ENSURE, "--instance-ids", &file, "--iam-instance-profile", "Name=web", "--dry-run"], &env);
    assert_exit(&out, 0);
    let r = results(&out);
    for (k, x) in r.iter().enumerate() {
        let planned = match expected(k) {
            "Associated" => "Associate",
            "Replaced" => "Replace",
            _ => "None",
        };
        assert_eq!(x["PlannedAction"], planned, "{x}");
        assert!(x.get("Action").is_none(), "{x}");
        // What the instance has now.
        let now = if k % 10 >= 5 { Some(if k % 10 == 9 { "web" } else { "other" }) } else { None };
        assert_eq!(x["IamInstanceProfile"]["Arn"].as_str(), now.map(profile_arn).as_deref(), "{x}");
    }
    assert_eq!(writes(&standin), 0, "a dry run writes nothing");
    assert!(
        summary(&out).starts_with("ec2-lite: dry run, nothing changed: 40 instances: 20 to associate, 16 to replace")
    );

    // The plan goes through the same renderer: --query and text.
    let query = "Results[?PlannedAction=='Associate'].InstanceId";
    let out = run(
        &[ENSURE, "--instance-ids", &file, "--iam-instance-profile", "Name=web", "--dry-run", "--query", query],
        &[env.clone(), vec![("AWS_DEFAULT_OUTPUT".to_owned(), "text".to_owned())]].concat(),
    );
    assert_exit(&out, 0);
    let want: Vec<&str> = ids.iter().enumerate().filter(|(k, _)| k % 10 < 5).map(|(_, id)| id.as_str()).collect();
    assert_eq!(stdout(&out), format!("{}\n", want.join("\t")));
    let out =
        run(&[ENSURE, "--instance-ids", &file, "--no-iam-instance-profile", "--dry-run", "--output", "yaml"], &env);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out).matches("PlannedAction: Disassociate").count(), 20, "{}", stdout(&out));
    assert_eq!(writes(&standin), 0);
}

#[test]
fn a_desired_state_document_gives_each_instance_its_own_profile() {
    let standin = Standin::fleet(10, Config::default());
    let ids: Vec<String> = standin.instances().into_iter().map(|i| i.instance_id).collect();
    let env = env(&standin, 1.0, &[]);

    // Its shape, as --generate-cli-skeleton prints it, is what --desired-state reads.
    let out = run(&[ENSURE, "--generate-cli-skeleton"], &env);
    assert_exit(&out, 0);
    let skeleton: Value = serde_json::from_str(&stdout(&out)).expect("a JSON skeleton");
    assert_eq!(skeleton["Instances"][0]["InstanceId"], "");
    assert_eq!(skeleton["Instances"][0]["IamInstanceProfile"], serde_json::json!({"Arn": "", "Name": ""}));
    let out = run(&[ENSURE, "--generate-cli-skeleton", "yaml-input"], &env);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with("Instances:"), "{}", stdout(&out));

    // YAML on stdin: 0 (none) gets db, 5 (other) gets web by ARN, 6 (other) gets none,
    // 9 (web) keeps web.
    let doc = format!(
        "Instances:\n- InstanceId: {}\n  IamInstanceProfile: {{Name: db}}\n- InstanceId: {}\n  IamInstanceProfile:\n    \
         Arn: {}\n- InstanceId: {}\n  IamInstanceProfile: null\n- InstanceId: {}\n  IamInstanceProfile: {{Name: web}}\n",
        ids[0],
        ids[5],
        profile_arn("web"),
        ids[6],
        ids[9]
    );
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut cmd = cli::command(&[ENSURE, "--desired-state", "-"], &pairs);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("run ec2-lite");
    child.stdin.take().expect("stdin").write_all(doc.as_bytes()).expect("write the document");
    let out = child.wait_with_output().expect("wait for ec2-lite");
    assert_exit(&out, 0);
    let actions: Vec<(String, String)> = results(&out)
        .iter()
        .map(|x| (x["InstanceId"].as_str().unwrap_or("").to_owned(), x["Action"].as_str().unwrap_or("").to_owned()))
        .collect();
    let want = [(0, "Associated"), (5, "Replaced"), (6, "Disassociated"), (9, "Unchanged")];
    assert_eq!(actions, want.iter().map(|(k, a)| (ids[*k].clone(), a.to_string())).collect::<Vec<_>>());
    let profile = |k: usize| standin.instance(&ids[k]).and_then(|i| i.profile);
    assert_eq!(
        [profile(0), profile(5), profile(6), profile(9)],
        [Some("db".to_owned()), Some("web".to_owned()), None, Some("web".to_owned())]
    );
    assert_eq!(profile(1), None, "an instance the document does not name is left alone");

    // JSON from a file, beside --instance-ids with their own profile.
    let json = format!(r#"{{"Instances": [{{"InstanceId": "{}", "IamInstanceProfile": {{"Name": "db"}}}}]}}"#, ids[1]);
    let doc = format!("file://{}", cli::scratch("ensure-fleet", "desired.json", &json));
    let out =
        run(&[ENSURE, "--desired-state", &doc, "--instance-ids", &ids[2], "--iam-instance-profile", "Name=web"], &env);
    assert_exit(&out, 0);
    assert_eq!(results(&out).iter().map(|x| x["Action"].clone()).collect::<Vec<_>>(), ["Associated", "Associated"]);
    assert_eq!((profile(1), profile(2)), (Some("db".to_owned()), Some("web".to_owned())));

    // A document that does not say what an instance should have is refused before any request.
    let calls = standin.stats().calls();
    for bad in [
        format!(r#"{{"Instances": [{{"InstanceId": "{}"}}]}}"#, ids[3]),
        r#"{"Instances": [{"InstanceId": "i-nothex", "IamInstanceProfile": null}]}"#.to_owned(),
        r#"{"Instance": []}"#.to_owned(),
        "[1, 2".to_owned(),
    ] {
        let doc = format!("file://{}", cli::scratch("ensure-fleet", "bad.json", &bad));
        let out = run(&[ENSURE, "--desired-state", &doc], &env);
        assert_exit(&out, 252);
        assert!(stderr(&out).contains("--desired-state: "), "{bad}: {}", stderr(&out));
    }
    assert_eq!(standin.stats().calls(), calls, "no request for a refused document");
}

#[test]
fn instance_filters_choose_by_tag_beside_instance_ids() {
    let standin = Standin::fleet(20, Config::default());
    let views = standin.instances();
    let env = env(&standin, 1.0, &[]);
    let web: Vec<&str> = views
        .iter()
        .filter(|i| i.tags.contains(&("Role".into(), "web".into())))
        .map(|i| i.instance_id.as_str())
        .collect();
    assert_eq!(web.len(), 10);

    let args = [ENSURE, "--instance-filters", "Name=tag:Role,Values=web", "--iam-instance-profile", "Name=web"];
    let out = run(&args, &env);
    assert_exit(&out, 0);
    let got: Vec<String> = results(&out).iter().map(|x| x["InstanceId"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(got, web, "the tagged instances, in EC2's order");
    assert_eq!(standin.stats().action("DescribeInstances").calls, 1);
    for i in standin.instances() {
        let tagged = web.contains(&i.instance_id.as_str());
        assert_eq!(
            i.profile.as_deref() == Some("web"),
            tagged || views.iter().any(|v| v.instance_id == i.instance_id && v.profile.as_deref() == Some("web")),
            "{i:?}"
        );
    }

    // Filters and ids together; an instance both name is worked on once.
    let db = &views[0].instance_id;
    let args = [
        ENSURE,
        "--instance-ids",
        db,
        web[0],
        "--instance-filters",
        "Name=tag:Role,Values=web",
        "Name=tag:Fleet,Values=standin",
        "--iam-instance-profile",
        "Name=web",
    ];
    let out = run(&args, &env);
    assert_exit(&out, 0);
    let r = results(&out);
    assert_eq!(r.len(), 11, "{}", stdout(&out));
    assert_eq!((r[0]["InstanceId"].as_str(), r[0]["Action"].as_str()), (Some(db.as_str()), Some("Associated")));
    assert!(r[1..].iter().all(|x| x["Action"] == "Unchanged"), "{}", stdout(&out));

    // A filter without values is refused before any request.
    let out = run(&[ENSURE, "--instance-filters", "Name=tag:Role", "--iam-instance-profile", "Name=web"], &env);
    assert_exit(&out, 252);
}

/// Runs ensure on `standin` in the background, and sends it `signals` (as `kill -INT` would)
/// once `after` has passed.
fn interrupted(standin: &Standin, args: &[&str], env: &[(String, String)], after: Duration, signals: usize) -> Output {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let child = cli::command(args, &pairs).spawn().expect("run ec2-lite");
    let pid = child.id().to_string();
    let waiter = thread::spawn(move || child.wait_with_output().expect("wait for ec2-lite"));
    // Not before the run has written something.
    let started = Instant::now();
    while writes(standin) == 0 && started.elapsed() < Duration::from_secs(20) {
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(after);
    for _ in 0..signals {
        let status = std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill");
        assert!(status.success());
    }
    waiter.join().expect("the waiting thread")
}

#[test]
fn sigint_mid_run_lists_every_instance_and_a_rerun_finishes() {
    // Five times EC2's rates: the bursts pass in a moment, the rest takes seconds.
    let scale = 5.0;
    let standin = Standin::fleet(300, Config::default().time_scale(scale));
    let ids: Vec<String> = standin.instances().into_iter().map(|i| i.instance_id).collect();
    let file = ids_file("sigint-300", &ids);
    let env = env(&standin, scale, &[]);
    let args = [ENSURE, "--instance-ids", &file, "--iam-instance-profile", "Name=web"];

    let out = interrupted(&standin, &args, &env, Duration::from_millis(500), 1);
    assert_exit(&out, 130);
    let r = results(&out);
    assert_eq!(r.iter().map(|x| x["InstanceId"].as_str().unwrap_or("")).collect::<Vec<_>>(), ids, "every instance");
    let count = |a: &str| r.iter().filter(|x| x["Action"] == a).count();
    let (not_started, done) = (count("NotStarted"), count("Associated") + count("Replaced"));
    assert!(not_started > 0 && done > 0, "{not_started} not started, {done} changed");
    assert!(r.iter().all(|x| x.get("Error").is_none()), "an interrupt is no instance's failure: {}", stdout(&out));
    // What it says it changed was changed, and what it did not start was not.
    for (k, x) in r.iter().enumerate() {
        let now = standin.instance(&ids[k]).and_then(|i| i.profile);
        match x["Action"].as_str() {
            Some("Associated" | "Replaced" | "Unchanged") => assert_eq!(now.as_deref(), Some("web"), "{x}"),
            Some("NotStarted") => assert_ne!(now.as_deref(), Some("web"), "{x}"),
            other => panic!("{other:?}: {x}"),
        }
    }
    let line = summary(&out);
    assert!(line.contains(&format!("interrupted by SIGINT: {not_started} not started")), "{line}");
    let written = writes(&standin);
    thread::sleep(Duration::from_millis(200));
    assert_eq!(writes(&standin), written, "nothing is written after the program ended");

    // Running again converges what is left, and writes only that.
    let out = run(&args, &env);
    assert_exit(&out, 0);
    assert!(standin.instances().iter().all(|i| i.profile.as_deref() == Some("web")));
    assert_eq!(writes(&standin) - written, not_started as u64, "one write for each instance not started");
}

#[test]
fn a_second_sigint_ends_at_once() {
    let standin = Standin::fleet(300, Config::default());
    let ids: Vec<String> = standin.instances().into_iter().map(|i| i.instance_id).collect();
    let file = ids_file("sigint-twice", &ids);
    let env = env(&standin, 1.0, &[]);
    let started = Instant::now();
    let out = interrupted(
        &standin,
        &[ENSURE, "--instance-ids", &file, "--iam-instance-profile", "Name=web"],
        &env,
        Duration::from_millis(100),
        2,
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    // EC2's own rates would take 30 s for the rest.
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn a_profile_iam_has_not_propagated_yet_is_said_to_be_waited_for() {
    // `late` is refused as an invalid profile name for 20 s, as EC2 refuses a new one: with the
    // backoff (1 s doubling, jittered down by half at most) one refusal comes between 10 and 20 s.
    let standin = Standin::start(Config::default().profile("late", Duration::from_secs(20)));
    let instance = standin.add_instance(&[]);
    let env = env(&standin, 1.0, &[]);
    // On a terminal (script(1) gives it one), the wait is said again every 10 s at most.
    let args = format!("{ENSURE} --instance-ids {instance} --iam-instance-profile Name=late --propagation-timeout 60");
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut cmd = cli::on_a_terminal(&args, &pairs);
    let started = Instant::now();
    let mut child = cmd.spawn().expect("run script(1)");
    let mut terminal = child.stdout.take().expect("the terminal's output");
    // Each chunk the terminal shows, with when it came.
    let seen: Arc<Mutex<Vec<(Duration, String)>>> = Arc::default();
    let reader = {
        let seen = Arc::clone(&seen);
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = terminal.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock().unwrap().push((started.elapsed(), String::from_utf8_lossy(&buf[..n]).into_owned()));
            }
        })
    };
    let status = child.wait().expect("wait for script(1)");
    reader.join().expect("the reader");
    assert!(status.success(), "{:?}", seen.lock().unwrap());
    assert_eq!(standin.instance(&instance).and_then(|i| i.profile).as_deref(), Some("late"));

    // The lines that say what is waited for, with when each came and the seconds left.
    let mut text = String::new();
    let mut lines = Vec::new();
    for (at, chunk) in seen.lock().unwrap().iter() {
        text.push_str(chunk);
        while let Some(end) = text.find('\n') {
            let line: String = text.drain(..=end).collect();
            if let Some(i) = line.find("ec2-lite: waiting for IAM") {
                lines.push((*at, line[i..].trim_end().to_owned()));
            }
        }
    }
    assert!(lines.len() >= 2, "{lines:?}");
    let (first_at, first) = &lines[0];
    assert!(*first_at < Duration::from_secs(2), "the first line came after {first_at:?}");
    assert!(first.contains(&instance) && first.contains("late") && first.contains("InvalidParameterValue"), "{first}");
    let left = |line: &str| -> u64 {
        let after = line.split("retrying for up to ").nth(1).unwrap_or_default();
        after.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no seconds in {line}"))
    };
    assert!(left(&lines[1].1) < left(first), "{lines:?}");
    assert!(lines[1].0 - *first_at >= Duration::from_secs(9), "at most every 10 s: {lines:?}");
}
