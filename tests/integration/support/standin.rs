//! A stand-in EC2 on 127.0.0.1 that throttles as EC2 documents and moto does not: one
//! token bucket per action, HTTP 503 `RequestLimitExceeded` when it is empty, and the
//! association lifecycle with its delays (`associating`, then `associated`).
//!
//! Used in-process by the integration tests (the library and the `ec2-lite` binary pointed at
//! [`Standin::url`]) and as a process by scripts/bench (`loopback serve-fleet`).
//!
//! # Throttling
//! "Request throttling for the Amazon EC2 API",
//! <https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html>: EC2 keeps one
//! token bucket per action for each account and Region (one stand-in is one account in one
//! Region). A request takes one token; a request that finds the bucket empty is answered with
//! HTTP 503 and the error `RequestLimitExceeded` and takes nothing. Once a second the bucket gains
//! its refill rate in tokens, up to its capacity (the guide's "a set number of tokens is added
//! back every second"; the seconds are counted from the start). Buckets start full. The
//! documented sizes are [`EC2_BUCKETS`]:
//!
//! | action | capacity | refill per second |
//! | --- | --- | --- |
//! | AssociateIamInstanceProfile | 100 | 5 |
//! | DisassociateIamInstanceProfile | 100 | 5 |
//! | ReplaceIamInstanceProfileAssociation | 50 | 5 |
//! | DescribeIamInstanceProfileAssociations | 100 | 20 |
//! | DescribeInstances | 100 | 20 |
//!
//! Every request with a known action and an `Authorization` header takes a token, including
//! one that then fails validation: EC2 counts requests, not successes.
//!
//! # Time
//! The stand-in runs on its own clock, "EC2 time", which moves [`Config::time_scale`] times as
//! fast as real time: with 20.0, buckets refill 20 times faster and an association is
//! `associating` for a twentieth of [`Config::state_delay`]. Every duration in [`Config`] and in
//! this API is EC2 time.
//!
//! # Noisy neighbour
//! [`Config::neighbour`] is the fraction of every bucket's refill that another client of the same
//! account takes. It is simulated without a thread: the refill credited to our buckets is
//! `(1 - neighbour) * rate`. The neighbour does not touch the initial burst.
//!
//! # Actions
//! The Query protocol (a POST form body `Action=...&Version=2016-11-15&...`), answered in EC2's
//! XML (namespace `http://ec2.amazonaws.com/doc/2016-11-15/`, `requestId`) and EC2's error
//! document (`Response/Errors/Error/{Code,Message}` and `RequestID`, HTTP 400; 503 for
//! throttling; 401 `AuthFailure` without an `Authorization` header). Signatures are not checked
//! (moto does that); only the header's presence is. Answered:
//! `DescribeIamInstanceProfileAssociations`, `AssociateIamInstanceProfile`,
//! `ReplaceIamInstanceProfileAssociation`, `DisassociateIamInstanceProfile`, `DescribeInstances`;
//! anything else is `InvalidAction`. A Describe without `MaxResults` returns everything that
//! matches in one page.
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeIamInstanceProfileAssociations.html>
//!
//! Lifecycle, as EC2 shows it: Associate creates an association `associating` for
//! [`Config::state_delay`], then `associated`. Replace needs an `associated` association and
//! creates a new one (a new id, `associating`, then `associated`); the old one is gone.
//! Disassociate makes it `disassociating` for the delay, then it is gone. An instance with an
//! `associating` or `associated` association refuses another Associate (`IncorrectState`).
//!
//! `GET /__stats` answers the [`Stats`] as JSON.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::loopback::{Loopback, keep_alive_capped, respond};

/// The account the ARNs name.
pub const ACCOUNT: &str = "123456789012";

/// The profiles a [`Config::default`] knows.
pub const DEFAULT_PROFILES: [&str; 3] = ["web", "other", "db"];

/// The largest request body read; a longer one closes the connection.
const MAX_BODY: usize = 1 << 20;

/// How long a connection may be idle, in real time, before the stand-in closes it.
const IDLE: Duration = Duration::from_secs(30);

/// More filter values than this in one call are refused with `FilterLimitExceeded`.
const MAX_FILTER_VALUES: usize = 200;

/// One action's token bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub action: String,
    pub capacity: u32,
    /// Tokens per second of EC2 time.
    pub refill_per_second: f64,
}

/// EC2's documented buckets for the actions the stand-in answers (module docs).
pub const EC2_BUCKETS: [(&str, u32, f64); 5] = [
    ("AssociateIamInstanceProfile", 100, 5.0),
    ("DisassociateIamInstanceProfile", 100, 5.0),
    ("ReplaceIamInstanceProfileAssociation", 50, 5.0),
    ("DescribeIamInstanceProfileAssociations", 100, 20.0),
    ("DescribeInstances", 100, 20.0),
];

/// How a stand-in behaves. Durations are EC2 time (module docs).
#[derive(Debug, Clone)]
pub struct Config {
    /// How many times faster than real time EC2 time moves. Default 1.0.
    pub time_scale: f64,
    /// The fraction of each bucket's refill another client of the account takes. Default 0.
    pub neighbour: f64,
    /// How long an association stays `associating` or `disassociating`. Default 3 s.
    pub state_delay: Duration,
    /// The instance profiles that exist, and when each becomes usable (from the start; zero
    /// for the ones usable at once). Default [`DEFAULT_PROFILES`], all usable at once.
    pub profiles: Vec<(String, Duration)>,
    /// The token buckets; an action without one is never throttled. Default [`EC2_BUCKETS`].
    pub buckets: Vec<Bucket>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            time_scale: 1.0,
            neighbour: 0.0,
            state_delay: Duration::from_secs(3),
            profiles: DEFAULT_PROFILES.iter().map(|p| (p.to_string(), Duration::ZERO)).collect(),
            buckets: EC2_BUCKETS
                .iter()
                .map(|&(action, capacity, refill_per_second)| Bucket {
                    action: action.to_owned(),
                    capacity,
                    refill_per_second,
                })
                .collect(),
        }
    }
}

impl Config {
    /// EC2 time moves `scale` times as fast as real time.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
        self
    }

    /// Another client takes `fraction` (0 to 1) of every refill.
    pub fn neighbour(mut self, fraction: f64) -> Self {
        self.neighbour = fraction.clamp(0.0, 1.0);
        self
    }

    /// Associations stay `associating` / `disassociating` for `delay`.
    pub fn state_delay(mut self, delay: Duration) -> Self {
        self.state_delay = delay;
        self
    }

    /// One more profile, refused as an invalid name until `after` has passed (IAM propagation).
    pub fn profile(mut self, name: &str, after: Duration) -> Self {
        self.profiles.retain(|(n, _)| n != name);
        self.profiles.push((name.to_owned(), after));
        self
    }

    /// Another bucket for `action`.
    pub fn bucket(mut self, action: &str, capacity: u32, refill_per_second: f64) -> Self {
        self.buckets.retain(|b| b.action != action);
        self.buckets.push(Bucket { action: action.to_owned(), capacity, refill_per_second });
        self
    }

    /// No throttling at all.
    pub fn unthrottled(mut self) -> Self {
        self.buckets.clear();
        self
    }
}

/// What one action saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionStats {
    /// Requests, throttled ones included.
    pub calls: u64,
    /// Requests answered 503 `RequestLimitExceeded`.
    pub throttled: u64,
    /// Other error answers, by code.
    pub errors: BTreeMap<String, u64>,
}

/// What the stand-in saw so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// By action name (as sent, unknown ones included).
    pub actions: BTreeMap<String, ActionStats>,
    /// Connections accepted.
    pub connections: u64,
    /// The most connections open at once.
    pub max_concurrent_connections: u64,
    /// Requests refused before an action was known (no `Authorization`, not a POST).
    pub rejected: u64,
    /// Instances by `PROFILE/STATE` of their association (`web/associated`, say), or `none`:
    /// whether a fleet has converged, at a glance.
    pub instances: BTreeMap<String, u64>,
    /// EC2 time since the start, in seconds.
    pub ec2_seconds: f64,
}

impl Stats {
    /// One action's figures (zero if it was never called).
    pub fn action(&self, action: &str) -> ActionStats {
        self.actions.get(action).cloned().unwrap_or_default()
    }

    /// Requests of every action.
    pub fn calls(&self) -> u64 {
        self.actions.values().map(|a| a.calls).sum()
    }

    /// 503 answers of every action.
    pub fn throttled(&self) -> u64 {
        self.actions.values().map(|a| a.throttled).sum()
    }

    /// The figures as one JSON object on one line: `{"ec2_seconds":F,"connections":N,
    /// "max_concurrent_connections":N,"rejected":N,"calls":N,"throttled":N,
    /// "instances":{"web/associated":N,"none":N,...},
    /// "actions":{"Action":{"calls":N,"throttled":N,"errors":{"Code":N}}}}`.
    pub fn to_json(&self) -> String {
        let mut s = format!("{{\"ec2_seconds\":{:.3},", self.ec2_seconds);
        let _ = write!(
            s,
            "\"connections\":{},\"max_concurrent_connections\":{},\"rejected\":{},\"calls\":{},\"throttled\":{},\"instances\":{{",
            self.connections,
            self.max_concurrent_connections,
            self.rejected,
            self.calls(),
            self.throttled()
        );
        for (i, (key, n)) in self.instances.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(s, "{sep}{}:{n}", json_string(key));
        }
        s.push_str("},\"actions\":{");
        for (i, (action, a)) in self.actions.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(
                s,
                "{sep}{}:{{\"calls\":{},\"throttled\":{},\"errors\":{{",
                json_string(action),
                a.calls,
                a.throttled
            );
            for (j, (code, n)) in a.errors.iter().enumerate() {
                let sep = if j == 0 { "" } else { "," };
                let _ = write!(s, "{sep}{}:{n}", json_string(code));
            }
            s.push_str("}}");
        }
        s.push_str("}}");
        s
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One instance as a test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceView {
    pub instance_id: String,
    pub tags: Vec<(String, String)>,
    /// The profile name of its `associating` or `associated` association.
    pub profile: Option<String>,
    pub association_id: Option<String>,
    /// `associating` or `associated`, or `disassociating` when that is all it has.
    pub association_state: Option<String>,
}

/// An association's state (EC2's `IamInstanceProfileAssociationState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssociationState {
    Associating,
    Associated,
    Disassociating,
}

impl AssociationState {
    pub fn as_str(self) -> &'static str {
        match self {
            AssociationState::Associating => "associating",
            AssociationState::Associated => "associated",
            AssociationState::Disassociating => "disassociating",
        }
    }

    fn active(self) -> bool {
        self != AssociationState::Disassociating
    }
}

/// The stand-in. Dropping it stops it: the listener and every connection are closed
/// ([`Loopback`]).
#[derive(Debug)]
pub struct Standin {
    /// `http://127.0.0.1:PORT`, for `endpoint_url` or `AWS_ENDPOINT_URL`.
    pub url: String,
    shared: Arc<Shared>,
    server: Loopback,
}

impl Standin {
    /// Starts on a free loopback port, with no instances.
    ///
    /// # Panics
    /// If no loopback port can be bound (a test helper).
    pub fn start(config: Config) -> Standin {
        Standin::bind("127.0.0.1:0", config).expect("bind a loopback port")
    }

    /// Starts with a mixed fleet of `instances` ([`Standin::seed_fleet`]).
    pub fn fleet(instances: usize, config: Config) -> Standin {
        let standin = Standin::start(config);
        standin.seed_fleet(instances);
        standin
    }

    /// Starts on `addr`.
    pub fn bind(addr: impl ToSocketAddrs, config: Config) -> io::Result<Standin> {
        let shared = Arc::new(Shared::new(config));
        let server = {
            let shared = shared.clone();
            Loopback::bind(addr, move |stream| serve(stream, &shared))?
        };
        Ok(Standin { url: server.url.clone(), shared, server })
    }

    /// Adds `n` instances as a mixed fleet for a rollout of `web`, and returns their ids in order.
    /// Of every ten, five have no profile, four have `other` and one has `web` (the tenth), all
    /// `associated`; odd ones are tagged `Role=web` (so the ones with `web` are among them), even
    /// ones `Role=db`, all `Fleet=standin`. Ids are deterministic: the k-th instance ever added
    /// is `i-` and 17 hex digits made from k.
    pub fn seed_fleet(&self, n: usize) -> Vec<String> {
        let mut ec2 = self.shared.lock();
        (0..n)
            .map(|i| {
                let role = if i % 2 == 1 { "web" } else { "db" };
                let id = ec2.add_instance(None, vec![("Role".into(), role.into()), ("Fleet".into(), "standin".into())]);
                let profile = match i % 10 {
                    0..=4 => None,
                    5..=8 => Some("other"),
                    _ => Some("web"),
                };
                if let Some(p) = profile {
                    ec2.insert_association(&id, p, AssociationState::Associated, f64::INFINITY);
                }
                id
            })
            .collect()
    }

    /// Adds a running instance with `tags` and returns its id.
    pub fn add_instance(&self, tags: &[(&str, &str)]) -> String {
        let tags = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.shared.lock().add_instance(None, tags)
    }

    /// Adds a running instance with the id `instance_id` (if one has that id, only its tags change).
    pub fn add_instance_with_id(&self, instance_id: &str, tags: &[(&str, &str)]) -> String {
        let tags = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.shared.lock().add_instance(Some(instance_id), tags)
    }

    /// Gives `instance_id` an association with `profile` in `state`, held there until a call
    /// moves it (it does not age), and returns its id; `None` for an unknown instance.
    pub fn add_association(&self, instance_id: &str, profile: &str, state: AssociationState) -> Option<String> {
        let mut ec2 = self.shared.lock();
        ec2.index.contains_key(instance_id).then(|| ec2.insert_association(instance_id, profile, state, f64::INFINITY))
    }

    /// Makes `name` a profile usable after `after` from now.
    pub fn add_profile(&self, name: &str, after: Duration) {
        let mut ec2 = self.shared.lock();
        let at = ec2.now() + after.as_secs_f64();
        ec2.profiles.insert(name.to_owned(), at);
    }

    /// The figures so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// One instance as it is now (transitions due by now applied).
    pub fn instance(&self, instance_id: &str) -> Option<InstanceView> {
        let mut ec2 = self.shared.lock();
        ec2.settle();
        ec2.index.get(instance_id).map(|&i| ec2.view(i))
    }

    /// Every instance as it is now, in the order they were added.
    pub fn instances(&self) -> Vec<InstanceView> {
        let mut ec2 = self.shared.lock();
        ec2.settle();
        (0..ec2.instances.len()).map(|i| ec2.view(i)).collect()
    }

    /// Tokens left in `action`'s bucket now (`None` without one).
    pub fn tokens(&self, action: &str) -> Option<f64> {
        let mut ec2 = self.shared.lock();
        let now = ec2.now();
        let neighbour = ec2.neighbour;
        ec2.buckets.get_mut(action).map(|b| {
            b.refill(now, neighbour);
            b.tokens
        })
    }

    /// The environment for the `ec2-lite` binary (or any SDK) to call the stand-in with a
    /// static key: key, secret, Region and `AWS_ENDPOINT_URL`.
    pub fn env_for_cli(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID".to_owned(), "AKIDSTANDIN".to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), "standin-secret-key".to_owned()),
            ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
            ("AWS_ENDPOINT_URL".to_owned(), self.url.clone()),
        ]
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }
}

/// What the threads share.
#[derive(Debug)]
struct Shared {
    ec2: Mutex<Ec2>,
    stats: Mutex<Stats>,
    /// Connections open now.
    current: AtomicUsize,
}

impl Shared {
    fn new(config: Config) -> Shared {
        Shared { ec2: Mutex::new(Ec2::new(config)), stats: Mutex::new(Stats::default()), current: AtomicUsize::new(0) }
    }

    fn lock(&self) -> MutexGuard<'_, Ec2> {
        // A panicking test thread must not take the stand-in down with it.
        self.ec2.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stats(&self) -> Stats {
        let (instances, ec2_seconds) = {
            let mut ec2 = self.lock();
            ec2.settle();
            let mut by = BTreeMap::new();
            for i in 0..ec2.instances.len() {
                let v = ec2.view(i);
                let key = match (v.profile, v.association_state) {
                    (Some(p), Some(state)) => format!("{p}/{state}"),
                    (None, Some(state)) => state,
                    _ => "none".to_owned(),
                };
                *by.entry(key).or_default() += 1;
            }
            (by, ec2.now())
        };
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone();
        stats.instances = instances;
        stats.ec2_seconds = ec2_seconds;
        stats
    }

    fn record(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// One connection: requests one after another (keep-alive) until the client closes, it idles
/// past [`IDLE`], sends something malformed or too long, or the stand-in stops.
fn serve(stream: TcpStream, shared: &Shared) {
    let current = shared.current.fetch_add(1, Ordering::SeqCst) as u64 + 1;
    shared.record(|s| {
        s.connections += 1;
        s.max_concurrent_connections = s.max_concurrent_connections.max(current);
    });
    let _ = stream.set_read_timeout(Some(IDLE));
    let _ = stream.set_write_timeout(Some(IDLE));
    // Small answers must not wait for the client's delayed ACK (Nagle).
    let _ = stream.set_nodelay(true);
    keep_alive_capped(stream, MAX_BODY, |req, out| {
        let (status, content_type, body) = answer(req, shared);
        let close = req.header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let mut headers = vec![("content-type", content_type)];
        if close {
            headers.push(("connection", "close"));
        }
        respond(out, status, &headers, body.as_bytes()).is_ok() && !close
    });
    shared.current.fetch_sub(1, Ordering::SeqCst);
}

const XML: &str = "text/xml;charset=UTF-8";

/// Status, content type and body for one request.
fn answer(req: &super::http1::Request, shared: &Shared) -> (u16, &'static str, String) {
    if req.method == "GET" && req.target.split('?').next() == Some("/__stats") {
        return (200, "application/json", shared.stats().to_json());
    }
    let mut ec2 = shared.lock();
    ec2.requests += 1;
    let request_id = request_id(ec2.requests);
    if req.method != "POST" {
        drop(ec2);
        shared.record(|s| s.rejected += 1);
        return (
            405,
            XML,
            error_document("InvalidAction", "The action is not valid for this web service.", &request_id),
        );
    }
    if req.header("authorization").is_none() {
        drop(ec2);
        shared.record(|s| s.rejected += 1);
        return (
            401,
            XML,
            error_document("AuthFailure", "AWS was not able to validate the provided access credentials", &request_id),
        );
    }
    let params = Params::parse(&String::from_utf8_lossy(&req.body));
    let action = params.get("Action").unwrap_or_default().to_owned();
    let now = ec2.now();
    let neighbour = ec2.neighbour;
    let throttled = ec2.buckets.get_mut(&action).is_some_and(|b| !b.take(now, neighbour));
    let result = if throttled {
        Err(Fail { status: 503, code: "RequestLimitExceeded", message: "Request limit exceeded.".into() })
    } else {
        ec2.settle();
        ec2.act(&action, &params, &request_id)
    };
    drop(ec2);
    shared.record(|s| {
        let a = s.actions.entry(action).or_default();
        a.calls += 1;
        match &result {
            Err(f) if f.status == 503 => a.throttled += 1,
            Err(f) => *a.errors.entry(f.code.to_owned()).or_default() += 1,
            Ok(_) => {}
        }
    });
    match result {
        Ok(body) => (200, XML, body),
        Err(f) => (f.status, XML, error_document(f.code, &f.message, &request_id)),
    }
}

/// A request id shaped like EC2's (a UUID), from a counter.
fn request_id(n: u64) -> String {
    format!("5e7a0000-0000-4000-8000-{n:012x}")
}

fn error_document(code: &str, message: &str, request_id: &str) -> String {
    // EC2's error root has no namespace, and its id is `RequestID`, not `requestId`.
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>",
        escape(code),
        escape(message)
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An error answer.
#[derive(Debug)]
struct Fail {
    status: u16,
    code: &'static str,
    message: String,
}

fn invalid(code: &'static str, message: impl Into<String>) -> Fail {
    Fail { status: 400, code, message: message.into() }
}

/// A decoded form body.
#[derive(Debug)]
struct Params(BTreeMap<String, String>);

impl Params {
    fn parse(form: &str) -> Params {
        Params(
            form.split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `PREFIX.1`, `PREFIX.2`, ... in the order of their numbers.
    fn list(&self, prefix: &str) -> Vec<String> {
        let mut items: Vec<(u64, String)> = self
            .0
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()?;
                Some((n, v.clone()))
            })
            .collect();
        items.sort();
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// `Filter.N.Name` with its `Filter.N.Value.M`, in the order of N.
    fn filters(&self) -> Vec<(String, Vec<String>)> {
        let mut numbers: Vec<u64> =
            self.0.keys().filter_map(|k| k.strip_prefix("Filter.")?.strip_suffix(".Name")?.parse().ok()).collect();
        numbers.sort_unstable();
        numbers
            .into_iter()
            .map(|n| {
                let name = self.get(&format!("Filter.{n}.Name")).unwrap_or_default().to_owned();
                (name, self.list(&format!("Filter.{n}.Value")))
            })
            .collect()
    }
}

/// Form decoding: `%XX`, and `+` as a space (a form's rule; the library sends `%20`).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A token bucket, in EC2 time.
#[derive(Debug)]
struct TokenBucket {
    capacity: f64,
    rate: f64,
    tokens: f64,
    at: f64,
}

impl TokenBucket {
    /// Credits the refills of the whole seconds that began since the last look.
    fn refill(&mut self, now: f64, neighbour: f64) {
        let seconds = (now.floor() - self.at.floor()).max(0.0);
        let credited = seconds * self.rate * (1.0 - neighbour);
        self.tokens = (self.tokens + credited).min(self.capacity);
        self.at = now;
    }

    /// Takes a token if there is one.
    fn take(&mut self, now: f64, neighbour: f64) -> bool {
        self.refill(now, neighbour);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Debug)]
struct Instance {
    id: String,
    tags: Vec<(String, String)>,
}

#[derive(Debug)]
struct Association {
    instance_id: String,
    profile: String,
    state: AssociationState,
    /// When the current state ends, in EC2 time (infinite: it does not).
    until: f64,
}

/// The account's EC2.
#[derive(Debug)]
struct Ec2 {
    start: Instant,
    scale: f64,
    neighbour: f64,
    delay: f64,
    buckets: HashMap<String, TokenBucket>,
    /// Profile name to when it becomes usable.
    profiles: BTreeMap<String, f64>,
    instances: Vec<Instance>,
    index: HashMap<String, usize>,
    /// By sequence number: the order Describe lists them in; the id is made from it.
    associations: BTreeMap<u64, Association>,
    /// Associations in a state that ends.
    moving: BTreeSet<u64>,
    /// Each instance's associations, so that a per-instance look-up does not scan them all.
    by_instance: HashMap<String, BTreeSet<u64>>,
    next_association: u64,
    next_instance: u64,
    requests: u64,
}

impl Ec2 {
    fn new(config: Config) -> Ec2 {
        Ec2 {
            start: Instant::now(),
            scale: config.time_scale,
            neighbour: config.neighbour.clamp(0.0, 1.0),
            delay: config.state_delay.as_secs_f64(),
            buckets: config
                .buckets
                .iter()
                .map(|b| {
                    let capacity = f64::from(b.capacity);
                    (b.action.clone(), TokenBucket { capacity, rate: b.refill_per_second, tokens: capacity, at: 0.0 })
                })
                .collect(),
            profiles: config.profiles.iter().map(|(n, after)| (n.clone(), after.as_secs_f64())).collect(),
            instances: Vec::new(),
            index: HashMap::new(),
            associations: BTreeMap::new(),
            moving: BTreeSet::new(),
            by_instance: HashMap::new(),
            next_association: 1,
            next_instance: 1,
            requests: 0,
        }
    }

    /// EC2 time: seconds since the start, scaled.
    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.scale
    }

    fn add_instance(&mut self, id: Option<&str>, tags: Vec<(String, String)>) -> String {
        let id = id.map_or_else(
            || {
                let k = self.next_instance;
                self.next_instance += 1;
                format!("i-0{:016x}", mix(k))
            },
            str::to_owned,
        );
        match self.index.get(&id) {
            Some(&i) => self.instances[i].tags = tags,
            None => {
                self.index.insert(id.clone(), self.instances.len());
                self.instances.push(Instance { id: id.clone(), tags });
            }
        }
        id
    }

    fn insert_association(&mut self, instance_id: &str, profile: &str, state: AssociationState, until: f64) -> String {
        let seq = self.next_association;
        self.next_association += 1;
        self.associations.insert(
            seq,
            Association { instance_id: instance_id.to_owned(), profile: profile.to_owned(), state, until },
        );
        if until.is_finite() {
            self.moving.insert(seq);
        }
        self.by_instance.entry(instance_id.to_owned()).or_default().insert(seq);
        association_id(seq)
    }

    fn remove_association(&mut self, seq: u64) {
        self.moving.remove(&seq);
        if let Some(a) = self.associations.remove(&seq)
            && let Some(set) = self.by_instance.get_mut(&a.instance_id)
        {
            set.remove(&seq);
        }
    }

    /// The associations of `instance_id`, oldest first.
    fn of_instance(&self, instance_id: &str) -> impl Iterator<Item = (u64, &Association)> {
        self.by_instance
            .get(instance_id)
            .into_iter()
            .flatten()
            .filter_map(|s| self.associations.get(s).map(|a| (*s, a)))
    }

    /// Applies the transitions due by now.
    fn settle(&mut self) {
        let now = self.now();
        let due: Vec<u64> =
            self.moving.iter().copied().filter(|s| self.associations.get(s).is_some_and(|a| a.until <= now)).collect();
        for seq in due {
            self.moving.remove(&seq);
            let Some(a) = self.associations.get_mut(&seq) else { continue };
            match a.state {
                AssociationState::Associating => {
                    a.state = AssociationState::Associated;
                    a.until = f64::INFINITY;
                }
                _ => self.remove_association(seq),
            }
        }
    }

    fn view(&self, i: usize) -> InstanceView {
        let inst = &self.instances[i];
        let mut mine: Vec<(u64, &Association)> = self.of_instance(&inst.id).collect();
        // The active one first, if any.
        mine.sort_by_key(|(s, a)| (!a.state.active(), *s));
        let first = mine.first();
        InstanceView {
            instance_id: inst.id.clone(),
            tags: inst.tags.clone(),
            profile: first.filter(|(_, a)| a.state.active()).map(|(_, a)| a.profile.clone()),
            association_id: first.map(|(s, _)| association_id(*s)),
            association_state: first.map(|(_, a)| a.state.as_str().to_owned()),
        }
    }

    fn active_association(&self, instance_id: &str) -> Option<(u64, &Association)> {
        self.of_instance(instance_id).find(|(_, a)| a.state.active())
    }

    fn act(&mut self, action: &str, p: &Params, request_id: &str) -> Result<String, Fail> {
        match action {
            "DescribeIamInstanceProfileAssociations" => self.describe_associations(p, request_id),
            "AssociateIamInstanceProfile" => self.associate(p, request_id),
            "ReplaceIamInstanceProfileAssociation" => self.replace(p, request_id),
            "DisassociateIamInstanceProfile" => self.disassociate(p, request_id),
            "DescribeInstances" => self.describe_instances(p, request_id),
            _ => Err(invalid("InvalidAction", "The action is not valid for this web service.")),
        }
    }

    /// The profile named by `IamInstanceProfile.Arn` or `.Name`, if it exists and has propagated.
    fn profile(&self, p: &Params) -> Result<String, Fail> {
        let (name, param, value) = match (p.get("IamInstanceProfile.Arn"), p.get("IamInstanceProfile.Name")) {
            (Some(arn), _) => {
                let name = arn.rsplit_once("instance-profile/").map(|(_, n)| n.rsplit('/').next().unwrap_or(n));
                (name.unwrap_or(""), "iamInstanceProfile.arn", arn)
            }
            (None, Some(name)) => (name, "iamInstanceProfile.name", name),
            (None, None) => {
                return Err(invalid("MissingParameter", "The request must contain the parameter iamInstanceProfile"));
            }
        };
        if let (Some(arn), Some(n)) = (p.get("IamInstanceProfile.Arn"), p.get("IamInstanceProfile.Name"))
            && n != name
        {
            return Err(invalid(
                "InvalidParameterCombination",
                format!("The instance profile name {n} does not match the instance profile ARN {arn}"),
            ));
        }
        match self.profiles.get(name) {
            Some(&at) if at <= self.now() => Ok(name.to_owned()),
            _ => Err(invalid(
                "InvalidParameterValue",
                format!("Value ({value}) for parameter {param} is invalid. Invalid IAM Instance Profile name"),
            )),
        }
    }

    fn required<'a>(p: &'a Params, name: &str) -> Result<&'a str, Fail> {
        p.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| invalid("MissingParameter", format!("The request must contain the parameter {name}")))
    }

    fn association_by_id(&self, id: &str) -> Result<u64, Fail> {
        parse_association_id(id).filter(|s| self.associations.contains_key(s)).ok_or_else(|| {
            invalid("InvalidAssociationID.NotFound", format!("The association ID '{id}' does not exist"))
        })
    }

    fn associate(&mut self, p: &Params, request_id: &str) -> Result<String, Fail> {
        let instance_id = Self::required(p, "InstanceId")?;
        if !self.index.contains_key(instance_id) {
            return Err(invalid(
                "InvalidInstanceID.NotFound",
                format!("The instance ID '{instance_id}' does not exist"),
            ));
        }
        let profile = self.profile(p)?;
        if self.active_association(instance_id).is_some() {
            return Err(invalid(
                "IncorrectState",
                format!("There is an existing association for instance {instance_id}"),
            ));
        }
        let until = self.now() + self.delay;
        let id = self.insert_association(instance_id, &profile, AssociationState::Associating, until);
        Ok(self.one_association("AssociateIamInstanceProfileResponse", &id, request_id))
    }

    fn replace(&mut self, p: &Params, request_id: &str) -> Result<String, Fail> {
        let old_id = Self::required(p, "AssociationId")?;
        let seq = self.association_by_id(old_id)?;
        let profile = self.profile(p)?;
        let Some(old) = self.associations.get(&seq) else { return Err(not_found(old_id)) };
        if old.state != AssociationState::Associated {
            return Err(invalid("IncorrectState", format!("The association {old_id} is not the active association")));
        }
        let instance_id = old.instance_id.clone();
        self.remove_association(seq);
        let until = self.now() + self.delay;
        let id = self.insert_association(&instance_id, &profile, AssociationState::Associating, until);
        Ok(self.one_association("ReplaceIamInstanceProfileAssociationResponse", &id, request_id))
    }

    fn disassociate(&mut self, p: &Params, request_id: &str) -> Result<String, Fail> {
        let id = Self::required(p, "AssociationId")?;
        let seq = self.association_by_id(id)?;
        let until = self.now() + self.delay;
        let Some(a) = self.associations.get_mut(&seq) else { return Err(not_found(id)) };
        if a.state == AssociationState::Disassociating {
            return Err(invalid("IncorrectState", format!("The association {id} is already disassociating")));
        }
        a.state = AssociationState::Disassociating;
        a.until = until;
        self.moving.insert(seq);
        Ok(self.one_association("DisassociateIamInstanceProfileResponse", id, request_id))
    }

    fn one_association(&self, root: &str, id: &str, request_id: &str) -> String {
        let item = parse_association_id(id).and_then(|s| self.associations.get(&s)).map(|a| association_xml(id, a));
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>{request_id}</requestId><iamInstanceProfileAssociation>{}</iamInstanceProfileAssociation></{root}>",
            item.unwrap_or_default()
        )
    }

    fn describe_associations(&self, p: &Params, request_id: &str) -> Result<String, Fail> {
        let ids = p.list("AssociationId");
        let filters = p.filters();
        let max = max_results(p, !ids.is_empty(), "AssociationId")?;
        check_filter_values(&filters)?;
        for (name, _) in &filters {
            if name != "instance-id" && name != "state" {
                return Err(invalid("InvalidParameterValue", format!("The filter '{name}' is invalid")));
            }
        }
        let mut wanted = BTreeSet::new();
        for id in &ids {
            wanted.insert(self.association_by_id(id)?);
        }
        let after = next_token(p)?;
        let matches = |seq: &u64, a: &Association| {
            (ids.is_empty() || wanted.contains(seq))
                && filters.iter().all(|(name, values)| {
                    let field = if name == "state" { a.state.as_str() } else { a.instance_id.as_str() };
                    values.iter().any(|v| v == field)
                })
        };
        let mut items = String::new();
        let mut next = None;
        for (n, (seq, a)) in self.associations.range(after..).filter(|(s, a)| matches(s, a)).enumerate() {
            if n == max {
                next = Some(*seq);
                break;
            }
            items.push_str("<item>");
            items.push_str(&association_xml(&association_id(*seq), a));
            items.push_str("</item>");
        }
        Ok(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeIamInstanceProfileAssociationsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>{request_id}</requestId><iamInstanceProfileAssociationSet>{items}</iamInstanceProfileAssociationSet>{}</DescribeIamInstanceProfileAssociationsResponse>",
            token_xml(next)
        ))
    }

    fn describe_instances(&self, p: &Params, request_id: &str) -> Result<String, Fail> {
        let ids = p.list("InstanceId");
        let filters = p.filters();
        let max = max_results(p, !ids.is_empty(), "InstanceId")?;
        check_filter_values(&filters)?;
        for (name, _) in &filters {
            if !(name.starts_with("tag:") || ["tag-key", "instance-state-name", "instance-id"].contains(&name.as_str()))
            {
                return Err(invalid("InvalidParameterValue", format!("The filter '{name}' is invalid")));
            }
        }
        let mut wanted = BTreeSet::new();
        for id in &ids {
            match self.index.get(id) {
                Some(&i) => wanted.insert(i),
                None => {
                    return Err(invalid(
                        "InvalidInstanceID.NotFound",
                        format!("The instance ID '{id}' does not exist"),
                    ));
                }
            };
        }
        let after = usize::try_from(next_token(p)?).unwrap_or(usize::MAX);
        let matches = |i: usize, inst: &Instance| {
            (ids.is_empty() || wanted.contains(&i))
                && filters.iter().all(|(name, values)| match name.as_str() {
                    "tag-key" => inst.tags.iter().any(|(k, _)| values.contains(k)),
                    "instance-state-name" => values.iter().any(|v| v == "running"),
                    "instance-id" => values.contains(&inst.id),
                    tag => {
                        let key = tag.strip_prefix("tag:").unwrap_or_default();
                        inst.tags.iter().any(|(k, v)| k == key && values.contains(v))
                    }
                })
        };
        let mut items = String::new();
        let mut next = None;
        let page = self.instances.iter().enumerate().skip(after).filter(|(i, inst)| matches(*i, inst));
        for (n, (i, inst)) in page.enumerate() {
            if n == max {
                next = Some(i as u64);
                break;
            }
            let _ = write!(
                items,
                "<item><reservationId>r-0{:016x}</reservationId><ownerId>{ACCOUNT}</ownerId><groupSet/><instancesSet><item><instanceId>{}</instanceId><imageId>ami-0abcdef1234567890</imageId><instanceState><code>16</code><name>running</name></instanceState><instanceType>t3.micro</instanceType>",
                mix(i as u64 + 1 + (1 << 40)),
                inst.id
            );
            if let Some((_, a)) =
                self.active_association(&inst.id).filter(|(_, a)| a.state == AssociationState::Associated)
            {
                let _ = write!(
                    items,
                    "<iamInstanceProfile><arn>{}</arn><id>{}</id></iamInstanceProfile>",
                    escape(&profile_arn(&a.profile)),
                    profile_id(&a.profile)
                );
            }
            items.push_str("<tagSet>");
            for (k, v) in &inst.tags {
                let _ = write!(items, "<item><key>{}</key><value>{}</value></item>", escape(k), escape(v));
            }
            items.push_str("</tagSet></item></instancesSet></item>");
        }
        Ok(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>{request_id}</requestId><reservationSet>{items}</reservationSet>{}</DescribeInstancesResponse>",
            token_xml(next)
        ))
    }
}

fn not_found(id: &str) -> Fail {
    invalid("InvalidAssociationID.NotFound", format!("The association ID '{id}' does not exist"))
}

/// `MaxResults`: absent (everything in one page), or 5..=1000, and not beside a list of ids.
fn max_results(p: &Params, with_ids: bool, ids_name: &str) -> Result<usize, Fail> {
    let Some(raw) = p.get("MaxResults") else { return Ok(usize::MAX) };
    if with_ids {
        return Err(invalid(
            "InvalidParameterCombination",
            format!("The parameter {ids_name} cannot be used with the parameter maxResults"),
        ));
    }
    match raw.parse::<usize>() {
        Ok(n) if (5..=1000).contains(&n) => Ok(n),
        _ => Err(invalid(
            "InvalidParameterValue",
            format!("Value ( {raw} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000"),
        )),
    }
}

fn check_filter_values(filters: &[(String, Vec<String>)]) -> Result<(), Fail> {
    let n: usize = filters.iter().map(|(_, v)| v.len()).sum();
    if n > MAX_FILTER_VALUES {
        return Err(invalid(
            "FilterLimitExceeded",
            format!("The maximum number of filter values specified on a single call is {MAX_FILTER_VALUES}"),
        ));
    }
    Ok(())
}

/// Where a page starts: a token is the position of its first item, opaque to clients.
fn next_token(p: &Params) -> Result<u64, Fail> {
    match p.get("NextToken").filter(|t| !t.is_empty()) {
        None => Ok(0),
        Some(t) => t
            .strip_prefix("standin-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| invalid("InvalidParameterValue", format!("The token '{t}' is invalid"))),
    }
}

fn token_xml(next: Option<u64>) -> String {
    next.map(|n| format!("<nextToken>standin-{n}</nextToken>")).unwrap_or_default()
}

fn association_xml(id: &str, a: &Association) -> String {
    format!(
        "<associationId>{id}</associationId><instanceId>{}</instanceId><iamInstanceProfile><arn>{}</arn><id>{}</id></iamInstanceProfile><state>{}</state><timestamp>2026-01-01T00:00:00.000Z</timestamp>",
        escape(&a.instance_id),
        escape(&profile_arn(&a.profile)),
        profile_id(&a.profile),
        a.state.as_str()
    )
}

/// `arn:aws:iam::123456789012:instance-profile/NAME`.
pub fn profile_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:instance-profile/{name}")
}

/// A profile's id, `AIPA` and 17 characters derived from its name, as IAM's look.
pub fn profile_id(name: &str) -> String {
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("AIPA{:017X}", mix(h) >> 4)
}

fn association_id(seq: u64) -> String {
    format!("iip-assoc-0{:016x}", mix(seq))
}

fn parse_association_id(id: &str) -> Option<u64> {
    let hex = id.strip_prefix("iip-assoc-0")?;
    (hex.len() == 16).then(|| u64::from_str_radix(hex, 16).ok()).flatten().map(unmix)
}

/// splitmix64's finaliser: a bijection, so ids look random, stay unique and map back.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn unmix(mut z: u64) -> u64 {
    z = z ^ (z >> 31) ^ (z >> 62);
    z = z.wrapping_mul(0x3196_42b2_d24d_8ec3);
    z = z ^ (z >> 27) ^ (z >> 54);
    z = z.wrapping_mul(0x96de_1b17_3f11_9089);
    z ^ (z >> 30) ^ (z >> 60)
}
