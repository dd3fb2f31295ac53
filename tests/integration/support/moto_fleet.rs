//! moto with a counting proxy in front, and fleets of instances made in it: what the
//! ensure tests of the library and of the CLI share.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ec2_lite::{Client, Credentials, EnsureOptions, IamInstanceProfileSpecification, WaitOptions};

use super::http1::Request;
use super::loopback::Loopback;
use super::moto::Moto;

pub const DESCRIBE: &str = "DescribeIamInstanceProfileAssociations";
pub const ASSOCIATE: &str = "AssociateIamInstanceProfile";
pub const REPLACE: &str = "ReplaceIamInstanceProfileAssociation";
pub const DISASSOCIATE: &str = "DisassociateIamInstanceProfile";

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
pub struct CountingProxy {
    pub url: String,
    actions: Arc<Mutex<Vec<(String, u16)>>>,
    _server: Loopback,
}

impl CountingProxy {
    pub fn start(upstream: &str) -> CountingProxy {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let actions = Arc::new(Mutex::new(Vec::new()));
        let recorded = actions.clone();
        let writes = Mutex::new(());
        // One request a connection: the answer says `connection: close`.
        let server = Loopback::serve_requests(move |req, out| {
            forward(req, out, &upstream, &recorded, &writes);
            false
        });
        CountingProxy { url: server.url.clone(), actions, _server: server }
    }

    /// Takes the actions recorded so far, but for those moto failed with a
    /// 5xx (each was retried, and the retry is in the list).
    pub fn take(&self) -> Vec<String> {
        self.take_with_server_errors().0
    }

    /// Every `(action, status)` recorded so far.
    pub fn take_all(&self) -> Vec<(String, u16)> {
        std::mem::take(&mut *self.actions.lock().unwrap())
    }

    /// The same, and how many answers were moto's 5xx.
    pub fn take_with_server_errors(&self) -> (Vec<String>, usize) {
        let all = self.take_all();
        let errors = all.iter().filter(|(_, status)| *status >= 500).count();
        (all.into_iter().filter(|(_, status)| *status < 500).map(|(a, _)| a).collect(), errors)
    }

    /// Takes them as counts per action.
    pub fn take_counts(&self) -> BTreeMap<String, usize> {
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

/// Sends `req` to moto at `upstream` on a connection of its own, records its action and the
/// answer's status, and hands the answer back on `out`.
pub fn forward(
    req: &Request,
    out: &mut TcpStream,
    upstream: &str,
    recorded: &Mutex<Vec<(String, u16)>>,
    writes: &Mutex<()>,
) {
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
}

pub fn client(moto: &Moto, endpoint: &str) -> Client {
    Client::builder()
        .region(&moto.region)
        .endpoint_url(endpoint)
        .credentials(Credentials::new(&moto.access_key_id, &moto.secret_access_key, None))
        .build()
        .expect("a client for moto")
}

/// `n` new instances without a profile, in one RunInstances call (through
/// the client's escape hatch, signed like every call).
pub fn bare_instances(moto: &Moto, n: usize) -> Vec<String> {
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
pub fn associated_instances(moto: &Moto, n: usize, profile: &str) -> Vec<String> {
    let c = client(moto, &moto.endpoint);
    let ids = bare_instances(moto, n);
    for id in &ids {
        c.associate_iam_instance_profile(id, &IamInstanceProfileSpecification::name(profile)).expect("associate");
    }
    ids
}

/// The profile ARN the instance has now, straight from moto.
pub fn profile_of(moto: &Moto, instance: &str) -> Option<String> {
    client(moto, &moto.endpoint)
        .association_for_instance(instance)
        .expect("describe")
        .iam_instance_profile_association
        .map(|a| a.iam_instance_profile.arn)
}

pub fn options() -> EnsureOptions {
    let mut o = EnsureOptions::default();
    o.wait_options = WaitOptions::new(Duration::from_millis(50), Duration::from_secs(30));
    o
}

pub fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}
