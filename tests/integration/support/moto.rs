//! The EC2 the integration tests talk to: moto's server on 127.0.0.1, with
//! SigV4 signature checking on (see `scripts/moto_server.py` and
//! `scripts/moto_seed.py`).
//!
//! `Moto::shared` starts one server per test binary, the first time a test
//! asks; `Moto::start` starts a private one that is stopped when dropped. The
//! server reads its stdin until end of file, and only this process holds the
//! other end of that pipe, so it goes away with the test process however that
//! ends (panic, ctrl-c, kill).
//!
//! Each server is seeded (`moto_seed.py base`) with a user `crate-tester`
//! allowed `ec2:*`, `iam:*` and `sts:*`, its access key, a role
//! `crate-ec2-role` the user may assume, and two instance profiles holding
//! the role. Every request after that must be correctly signed with the key:
//! a wrong signature gets 401 `AuthFailure`.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use super::process::run;
use super::python;

/// The region every server is seeded in. moto picks its regional backend from
/// the credential scope, so requests must be signed for this region to see the
/// seeded data.
pub const REGION: &str = "us-east-1";

/// How long moto may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(90);
/// How long one seeding step or AWS CLI call may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(120);
/// How much of the server's log a failure message shows.
const LOG_TAIL: u64 = 6000;

/// An instance profile seeded by `moto_seed.py base`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfile {
    /// `crate-profile` or `crate-profile-b`.
    pub name: String,
    /// `arn:aws:iam::123456789012:instance-profile/NAME`.
    pub arn: String,
    /// The profile's ID (moto's IDs are 20 lowercase alphanumerics).
    pub id: String,
}

/// An instance and its instance profile association, made by a `seed_*` method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    /// `i-...`
    pub instance_id: String,
    /// `iip-assoc-...`
    pub association_id: String,
    /// The associated instance profile's name.
    pub profile_name: String,
    /// The associated instance profile's ARN.
    pub profile_arn: String,
    /// The associated instance profile's ID.
    pub profile_id: String,
}

/// A running, seeded moto server.
pub struct Moto {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub endpoint: String,
    /// Always [`REGION`].
    pub region: String,
    /// moto's account, `123456789012`.
    pub account_id: String,
    /// The access key ID of the user `crate-tester`.
    pub access_key_id: String,
    /// Its secret access key.
    pub secret_access_key: String,
    /// The ARN of the role `crate-ec2-role` (held by both profiles; the user may assume it).
    pub role_arn: String,
    /// `crate-profile`, the one `seed_association` uses.
    pub profile: InstanceProfile,
    /// `crate-profile-b`, for replacing an association.
    pub profile_b: InstanceProfile,
    /// The server's process ID.
    pub pid: u32,
    python: PathBuf,
    child: Child,
    /// Closing this (dropping it, or this process ending) stops the server.
    stdin: Option<ChildStdin>,
    /// The server's stderr (request log, tracebacks). Already unlinked.
    log: File,
}

static SHARED: OnceLock<Result<Moto, String>> = OnceLock::new();

/// Associations seeded once per test binary, in one call: `paged` for the
/// tests that list them, and a pool that tests take fresh ones from.
pub struct SeedPool {
    /// Read only: what Describe pages through.
    pub paged: Vec<Seeded>,
    /// Each test takes its own and may change it.
    pool: Mutex<Vec<Seeded>>,
}

impl SeedPool {
    /// Seeds `paged + pool` associations on `moto`, in one call.
    pub fn seed(moto: &Moto, paged: usize, pool: usize) -> SeedPool {
        let mut all = moto.seed_associations(paged + pool);
        let spare = all.split_off(paged);
        SeedPool { paged: all, pool: Mutex::new(spare) }
    }

    /// A fresh instance with `crate-profile` associated, for this test alone.
    pub fn association(&self, moto: &Moto) -> Seeded {
        let taken = self.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        taken.unwrap_or_else(|| moto.seed_association())
    }
}

impl Moto {
    /// The shared server and its seed pool (`paged` + `pool` associations,
    /// seeded on first use).
    pub fn shared_with_seeds(paged: usize, pool: usize) -> (&'static Moto, &'static SeedPool) {
        let moto = Moto::shared();
        static SEEDS: OnceLock<SeedPool> = OnceLock::new();
        // The first caller decides the counts: every module that lists the shared
        // server's associations asks for the same ones.
        let seeds = SEEDS.get_or_init(|| SeedPool::seed(moto, paged, pool));
        (moto, seeds)
    }

    /// The server shared by all the integration tests, started and seeded by
    /// the first caller.
    ///
    /// Panics when the venv is missing (see [`python::python`]), or when the
    /// server fails to start or to be seeded.
    pub fn shared() -> &'static Moto {
        let python = python::python();
        match SHARED.get_or_init(|| Moto::launch(&python)) {
            Ok(moto) => moto,
            Err(e) => panic!("{e}"),
        }
    }

    /// A private server, stopped (killed by its pid) when the value is dropped.
    ///
    /// Panics as [`Moto::shared`] does.
    pub fn start() -> Moto {
        match Moto::launch(&python::python()) {
            Ok(moto) => moto,
            Err(e) => panic!("{e}"),
        }
    }

    /// A new instance associated with `crate-profile`.
    pub fn seed_association(&self) -> Seeded {
        self.seed_association_with(&self.profile.name)
    }

    /// A new instance associated with the named instance profile.
    pub fn seed_association_with(&self, profile_name: &str) -> Seeded {
        let v = self.seed(&["association", profile_name], STEP_TIMEOUT);
        seeded(&v).unwrap_or_else(|e| panic!("moto_seed.py association: {e} in {v}"))
    }

    /// A new instance without an association; returns its ID.
    pub fn seed_instance(&self) -> String {
        let v = self.seed(&["instance"], STEP_TIMEOUT);
        str_field(&v, "instance_id").unwrap_or_else(|e| panic!("moto_seed.py instance: {e} in {v}"))
    }

    /// `n` new instances, each associated with `crate-profile` (one RunInstances
    /// call, then `n` associate calls: about a second per hundred).
    pub fn seed_associations(&self, n: usize) -> Vec<Seeded> {
        if n == 0 {
            return Vec::new();
        }
        let count = n.to_string();
        let timeout = STEP_TIMEOUT + Duration::from_millis(100 * n as u64);
        let v = self.seed(&["associations", &count], timeout);
        let list = v.get("associations").and_then(Value::as_array);
        let list = list.unwrap_or_else(|| panic!("moto_seed.py associations: no `associations` list in {v}"));
        let seeded: Vec<Seeded> = list
            .iter()
            .map(|item| seeded(item).unwrap_or_else(|e| panic!("moto_seed.py associations: {e} in {item}")))
            .collect();
        assert_eq!(seeded.len(), n, "moto_seed.py associations: asked for {n}, got {}", seeded.len());
        seeded
    }

    /// Session credentials for `crate-ec2-role` from STS AssumeRole, as
    /// `(access_key_id, secret_access_key, session_token)`. The role may do `ec2:*`.
    pub fn assume_role(&self) -> (String, String, String) {
        let v = self.seed(&["assume-role", &self.role_arn], STEP_TIMEOUT);
        let get = |key| str_field(&v, key).unwrap_or_else(|e| panic!("moto_seed.py assume-role: {e} in {v}"));
        (get("access_key_id"), get("secret_access_key"), get("session_token"))
    }

    /// The environment a child `ec2-lite` needs to reach this server as the
    /// user: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ENDPOINT_URL`. Meant for a `Command` that was `env_clear`ed.
    pub fn env_for_cli(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID".to_owned(), self.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), self.secret_access_key.clone()),
            ("AWS_REGION".to_owned(), self.region.clone()),
            ("AWS_ENDPOINT_URL".to_owned(), self.endpoint.clone()),
        ]
    }

    /// Runs the venv's AWS CLI (v1) against this server as the user:
    /// `aws --endpoint-url ENDPOINT --region REGION ARGS...`.
    ///
    /// The environment is cleared but for `PATH` (and `LANG=C.UTF-8`); `HOME` is a fresh empty
    /// directory, `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` name files
    /// that do not exist, `AWS_PAGER` is empty, `AWS_EC2_METADATA_DISABLED` is
    /// `true`, and the user's key is in `AWS_ACCESS_KEY_ID` /
    /// `AWS_SECRET_ACCESS_KEY`. The exit status is the caller's to check (the
    /// CLI v1 exits 255 on a service error); panics only if it cannot be run
    /// or does not finish in time.
    pub fn aws_cli(&self, args: &[&str]) -> Output {
        self.aws_cli_with_env(args, &[])
    }

    /// As [`Moto::aws_cli`], with `extra_env` set last (it overrides the
    /// defaults, e.g. another key, or `AWS_SESSION_TOKEN`).
    pub fn aws_cli_with_env(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let aws = self.python.with_file_name("aws");
        let home = TempDir::new("aws-home");
        let mut cmd = Command::new(&aws);
        cmd.arg("--endpoint-url").arg(&self.endpoint).arg("--region").arg(&self.region).args(args);
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.env("HOME", home.path())
            .env("LANG", "C.UTF-8")
            .env("AWS_CONFIG_FILE", home.path().join("no-such-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("no-such-credentials"))
            .env("AWS_PAGER", "")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", &self.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_access_key);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let what = format!("aws {}", args.join(" "));
        run(cmd, &what, STEP_TIMEOUT).unwrap_or_else(|e| panic!("{e}{}", self.log_excerpt()))
    }

    /// The server's stderr so far (moto's request log and any tracebacks),
    /// at most the last few kilobytes.
    pub fn server_log(&self) -> String {
        read_tail(&self.log, LOG_TAIL)
    }

    /// Starts a server and seeds it; on failure the server is stopped and the
    /// error names the step and quotes the server's log.
    fn launch(python: &Path) -> Result<Moto, String> {
        let log_dir = TempDir::new("moto-log");
        let log_path = log_dir.path().join("moto_server.log");
        let log = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let child_stderr = log.try_clone().map_err(|e| format!("cannot duplicate the log file handle: {e}"))?;

        let script = python::repo_root().join("scripts/moto_server.py");
        let mut cmd = Command::new(python);
        cmd.arg(&script).arg("--timeout").arg(START_TIMEOUT.as_secs().to_string());
        hermetic_env(&mut cmd);
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(child_stderr);
        let mut child =
            cmd.spawn().map_err(|e| format!("cannot run {} {}: {e}", python.display(), script.display()))?;
        // The child holds the log open; the name is not needed any more.
        drop(log_dir);

        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = tx.send(stdout.read_line(&mut line).map(|_| line));
        });
        let first_line = match rx.recv_timeout(START_TIMEOUT + Duration::from_secs(5)) {
            Ok(Ok(line)) if !line.is_empty() => Ok(line),
            Ok(Ok(_)) => Err("moto_server.py exited before printing its endpoint".to_owned()),
            Ok(Err(e)) => Err(format!("cannot read moto_server.py's output: {e}")),
            Err(_) => Err(format!("moto_server.py printed nothing within {START_TIMEOUT:?}")),
        };

        let mut moto = Moto {
            endpoint: String::new(),
            region: REGION.to_owned(),
            account_id: String::new(),
            access_key_id: String::new(),
            secret_access_key: String::new(),
            role_arn: String::new(),
            profile: InstanceProfile { name: String::new(), arn: String::new(), id: String::new() },
            profile_b: InstanceProfile { name: String::new(), arn: String::new(), id: String::new() },
            pid: child.id(),
            python: python.to_owned(),
            child,
            stdin,
            log,
        };
        // From here on a failure drops `moto`, which stops the server.
        let started = first_line.and_then(|line| {
            let v: Value =
                serde_json::from_str(&line).map_err(|e| format!("moto_server.py printed {line:?}, not JSON: {e}"))?;
            let pid = v.get("pid").and_then(Value::as_u64);
            if pid != Some(u64::from(moto.pid)) {
                return Err(format!("moto_server.py reported pid {pid:?}, but its pid is {}", moto.pid));
            }
            str_field(&v, "endpoint")
        });
        moto.endpoint = match started {
            Ok(endpoint) => endpoint,
            Err(e) => {
                return Err(format!(
                    "starting moto failed (is the venv complete? scripts/venv): {e}{}",
                    moto.log_excerpt()
                ));
            }
        };

        let base = moto.try_seed(&["base"], STEP_TIMEOUT).and_then(|v| {
            let field = |key| str_field(&v, key).map_err(|e| format!("{e} in {v}"));
            moto.account_id = field("account_id")?;
            moto.access_key_id = field("access_key_id")?;
            moto.secret_access_key = field("secret_access_key")?;
            moto.role_arn = field("role_arn")?;
            let profiles = v.get("profiles").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let profile = |name: &str| {
                let p = profiles.iter().find(|p| p.get("name").and_then(Value::as_str) == Some(name));
                let p = p.ok_or_else(|| format!("no instance profile {name} in {v}"))?;
                Ok::<_, String>(InstanceProfile {
                    name: name.to_owned(),
                    arn: str_field(p, "arn")?,
                    id: str_field(p, "id")?,
                })
            };
            moto.profile = profile("crate-profile")?;
            moto.profile_b = profile("crate-profile-b")?;
            Ok(())
        });
        match base {
            Ok(()) => Ok(moto),
            Err(e) => Err(format!("seeding moto (moto_seed.py base) failed: {e}{}", moto.log_excerpt())),
        }
    }

    /// Runs `moto_seed.py COMMAND ENDPOINT REGION [AKID SECRET] ARGS...`;
    /// panics with its stderr and the server's log on failure.
    fn seed(&self, args: &[&str], timeout: Duration) -> Value {
        self.try_seed(args, timeout).unwrap_or_else(|e| panic!("{e}{}", self.log_excerpt()))
    }

    fn try_seed(&self, args: &[&str], timeout: Duration) -> Result<Value, String> {
        let (command, rest) = args.split_first().expect("a moto_seed.py command");
        let script = python::repo_root().join("scripts/moto_seed.py");
        let mut cmd = Command::new(&self.python);
        cmd.arg(&script).arg(command).arg(&self.endpoint).arg(&self.region);
        if *command != "base" {
            cmd.arg(&self.access_key_id).arg(&self.secret_access_key);
        }
        cmd.args(rest);
        hermetic_env(&mut cmd);
        let what = format!("moto_seed.py {}", args.join(" "));
        let out = run(cmd, &what, timeout)?;
        if !out.status.success() {
            return Err(format!(
                "{what} failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim_end()
            ));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(stdout.trim()).map_err(|e| format!("{what} printed {stdout:?}, not JSON: {e}"))
    }

    fn log_excerpt(&self) -> String {
        format!("\n--- moto server log (pid {}, last {LOG_TAIL} bytes at most) ---\n{}", self.pid, self.server_log())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // End of input asks it to exit; the kill makes sure. Then reap it.
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl fmt::Debug for Moto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Moto")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("pid", &self.pid)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

fn seeded(v: &Value) -> Result<Seeded, String> {
    Ok(Seeded {
        instance_id: str_field(v, "instance_id")?,
        association_id: str_field(v, "association_id")?,
        profile_name: str_field(v, "profile_name")?,
        profile_arn: str_field(v, "profile_arn")?,
        profile_id: str_field(v, "profile_id")?,
    })
}

fn str_field(v: &Value, key: &str) -> Result<String, String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("no string `{key}`"))
}

/// The scripts set every AWS setting they use; nothing from the caller's
/// environment (AWS_PROFILE, proxies, MOTO_* switches) should reach them.
fn hermetic_env(cmd: &mut Command) {
    cmd.env_clear();
    for key in ["PATH", "HOME", "TMPDIR"] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    cmd.env("LANG", "C.UTF-8");
}

fn read_tail(file: &File, max: u64) -> String {
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(max);
    let mut buf = vec![0; (len - start) as usize];
    let mut filled = 0;
    while filled < buf.len() {
        match file.read_at(&mut buf[filled..], start + filled as u64) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    buf.truncate(filled);
    String::from_utf8_lossy(&buf).into_owned()
}

/// A fresh directory under cargo's scratch directory for integration tests,
/// removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{prefix}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
