//! Region, endpoint and credential precedence compared with botocore, scenario by scenario,
//! where the two SDK families agree. Where they do not, this crate follows the Rust SDK:
//! `AWS_REGION` (botocore reads only `AWS_DEFAULT_REGION`), no `AWS_DEFAULT_PROFILE`, region
//! from instance metadata, the spec's comment rules. Needs the test venv (`scripts/venv`, or
//! `EC2_LITE_VENV`): ignored by plain `cargo test`, run by `scripts/test`.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html>

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::context::{Context, Setup};
use super::{DefaultCredentialsChain, ProvideCredentials};
use crate::ClientBuilder;
use crate::env::{Env, Fs};

/// Runs each scenario in botocore: the files written under a fresh `HOME`, the environment
/// replaced, instance metadata off. Prints one JSON object per scenario: the client's region,
/// the URL of a request (caught before signing), the access key the session resolves.
const SCRIPT: &str = r#"
import atexit, json, os, shutil, sys, tempfile
import botocore.session
from botocore.exceptions import BotoCoreError

class Caught(Exception):
    pass

def catch(request, **kwargs):
    raise Caught(request.url)

out = []
for s in json.load(sys.stdin):
    home = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, home, True)
    os.makedirs(os.path.join(home, ".aws"))
    for name in ("config", "credentials"):
        if s.get(name) is not None:
            path = os.path.join(home, ".aws", name)
            with open(path, "w") as f:
                f.write(s[name].replace("{HOME}", home))
    for rel, text in (s.get("files") or {}).items():
        path = os.path.join(home, rel)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
    env = {"HOME": home, "PATH": os.environ.get("PATH", ""), "AWS_EC2_METADATA_DISABLED": "true"}
    env.update({k: v.replace("{HOME}", home) for k, v in s.get("env", {}).items()})
    os.environ.clear()
    os.environ.update(env)
    result = {}
    try:
        session = botocore.session.Session(profile=s.get("profile"))
        try:
            creds = session.get_credentials()
            result["access_key"] = creds.access_key if creds else None
        except BotoCoreError as e:
            result["access_key"] = "error"
        # Region and endpoint are compared on their own: botocore resolves credentials when it
        # creates a client, this crate at the first call.
        session.set_credentials("a", "b")
        client = session.create_client("ec2")
        result["region"] = client.meta.region_name
        client.meta.events.register("before-sign.ec2.*", catch)
        try:
            client.describe_iam_instance_profile_associations()
        except Caught as c:
            result["url"] = str(c)
    except BotoCoreError as e:
        result["error"] = type(e).__name__
    out.append(result)
print(json.dumps(out))
"#;

fn venv_python() -> Option<PathBuf> {
    let dir = match std::env::var_os("EC2_LITE_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv"),
    };
    let python = dir.join("bin/python");
    python.exists().then_some(python)
}

/// One scenario: environment, files, and an explicitly named profile.
struct Scenario {
    what: &'static str,
    env: Vec<(&'static str, &'static str)>,
    config: Option<&'static str>,
    credentials: Option<&'static str>,
    profile: Option<&'static str>,
    /// Executable files under `HOME` (for `credential_process`).
    files: Vec<(&'static str, &'static str)>,
}

fn scenario(what: &'static str, env: &[(&'static str, &'static str)], config: Option<&'static str>) -> Scenario {
    Scenario { what, env: env.to_vec(), config, credentials: None, profile: None, files: Vec::new() }
}

fn scenarios() -> Vec<Scenario> {
    const KEYS: [(&str, &str); 2] = [("AWS_ACCESS_KEY_ID", "AKIDENV"), ("AWS_SECRET_ACCESS_KEY", "env-secret")];
    let with_keys = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        KEYS.iter().copied().chain(extra.iter().copied()).collect()
    };
    let services = "[default]\nregion = us-east-1\nendpoint_url = https://profile.example.com\nservices = s\n\
                    [services s]\nec2 =\n  endpoint_url = https://section.example.com\n";
    vec![
        scenario("AWS_DEFAULT_REGION", &with_keys(&[("AWS_DEFAULT_REGION", "eu-west-1")]), None),
        scenario("the profile's region", &KEYS, Some("[default]\nregion = ap-south-1\n")),
        scenario(
            "the environment beats the profile",
            &with_keys(&[("AWS_DEFAULT_REGION", "eu-west-1")]),
            Some("[default]\nregion = ap-south-1\n"),
        ),
        scenario(
            "AWS_PROFILE selects",
            &with_keys(&[("AWS_PROFILE", "dev")]),
            Some("[default]\nregion = ap-south-1\n[profile dev]\nregion = sa-east-1\n"),
        ),
        Scenario {
            profile: Some("dev"),
            ..scenario(
                "a named profile beats AWS_PROFILE",
                &with_keys(&[("AWS_PROFILE", "other")]),
                Some("[profile other]\nregion = ca-central-1\n[profile dev]\nregion = sa-east-1\n"),
            )
        },
        scenario(
            "FIPS from the environment",
            &with_keys(&[("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_USE_FIPS_ENDPOINT", "true")]),
            None,
        ),
        scenario(
            "FIPS and dual-stack from the profile",
            &KEYS,
            Some("[default]\nregion = us-east-1\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n"),
        ),
        scenario(
            "the environment's false beats the profile's FIPS",
            &with_keys(&[("AWS_USE_FIPS_ENDPOINT", "false")]),
            Some("[default]\nregion = us-east-2\nuse_fips_endpoint = true\n"),
        ),
        scenario(
            "GovCloud FIPS",
            &with_keys(&[("AWS_DEFAULT_REGION", "us-gov-west-1"), ("AWS_USE_FIPS_ENDPOINT", "true")]),
            None,
        ),
        scenario(
            "China dual-stack",
            &with_keys(&[("AWS_DEFAULT_REGION", "cn-north-1"), ("AWS_USE_DUALSTACK_ENDPOINT", "true")]),
            None,
        ),
        scenario("an ISO partition", &with_keys(&[("AWS_DEFAULT_REGION", "us-iso-east-1")]), None),
        scenario(
            "AWS_ENDPOINT_URL_EC2 beats AWS_ENDPOINT_URL",
            &with_keys(&[
                ("AWS_ENDPOINT_URL_EC2", "https://ec2.example.com"),
                ("AWS_ENDPOINT_URL", "https://all.example.com"),
            ]),
            Some(services),
        ),
        scenario(
            "AWS_ENDPOINT_URL beats the files",
            &with_keys(&[("AWS_ENDPOINT_URL", "https://all.example.com")]),
            Some(services),
        ),
        scenario("the [services] section beats endpoint_url", &KEYS, Some(services)),
        scenario(
            "the profile's endpoint_url",
            &KEYS,
            Some("[default]\nregion = us-east-1\nendpoint_url = https://profile.example.com\n"),
        ),
        scenario(
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
            &with_keys(&[
                ("AWS_ENDPOINT_URL", "https://all.example.com"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ]),
            Some(services),
        ),
        scenario(
            "ignore_configured_endpoint_urls in the profile",
            &with_keys(&[("AWS_ENDPOINT_URL_EC2", "https://ec2.example.com")]),
            Some("[default]\nregion = us-east-1\nignore_configured_endpoint_urls = true\n"),
        ),
        scenario(
            "a custom endpoint drops FIPS",
            &with_keys(&[("AWS_ENDPOINT_URL_EC2", "https://ec2.example.com"), ("AWS_USE_FIPS_ENDPOINT", "true")]),
            Some("[default]\nregion = us-east-1\n"),
        ),
        Scenario {
            credentials: Some("[dev]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n"),
            ..scenario(
                "environment keys beat AWS_PROFILE's",
                &with_keys(&[("AWS_PROFILE", "dev")]),
                Some("[profile dev]\nregion = us-east-1\n"),
            )
        },
        Scenario {
            credentials: Some("[dev]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n"),
            profile: Some("dev"),
            ..scenario(
                "a named profile's keys beat the environment's",
                &KEYS,
                Some("[profile dev]\nregion = us-east-1\n"),
            )
        },
        Scenario {
            credentials: Some("[default]\naws_access_key_id = AKIDCREDENTIALSFILE\naws_secret_access_key = s\n"),
            ..scenario(
                "the credentials file beats the config file",
                &[],
                Some("[default]\nregion = us-east-1\naws_access_key_id = AKIDCONFIGFILE\naws_secret_access_key = s\n"),
            )
        },
        scenario(
            "keys in the config file",
            &[],
            Some("[default]\nregion = us-east-1\naws_access_key_id = AKIDCONFIGFILE\naws_secret_access_key = s\n"),
        ),
        Scenario {
            files: vec![(
                "creds.sh",
                "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"s\"}'\n",
            )],
            ..scenario(
                "credential_process",
                &[],
                Some("[default]\nregion = us-east-1\ncredential_process = {HOME}/creds.sh\n"),
            )
        },
        scenario("no credentials anywhere", &[("AWS_DEFAULT_REGION", "us-east-1")], None),
        scenario(
            "an access key without its secret",
            &[("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "AKID")],
            None,
        ),
    ]
}

/// What this crate resolves for a scenario, in the script's shape.
fn ours(s: &Scenario, home: &std::path::Path) -> Value {
    let fix = |v: &str| v.replace("{HOME}", "/home");
    let _ = std::fs::remove_dir_all(home);
    std::fs::create_dir_all(home.join("home/.aws")).unwrap();
    for (name, text) in [("config", s.config), ("credentials", s.credentials)] {
        if let Some(text) = text {
            std::fs::write(
                home.join("home/.aws").join(name),
                text.replace("{HOME}", &home.join("home").display().to_string()),
            )
            .unwrap();
        }
    }
    for (rel, text) in &s.files {
        let path = home.join("home").join(rel);
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let mut env: Vec<(String, String)> =
        vec![("HOME".into(), "/home".into()), ("AWS_EC2_METADATA_DISABLED".into(), "true".into())];
    env.extend(s.env.iter().map(|(k, v)| ((*k).to_owned(), fix(v))));
    let env = Env::from_pairs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let fs = Fs::rooted(home);
    let mut out = serde_json::Map::new();
    let mut builder =
        ClientBuilder::new().env(env.clone()).fs(fs.clone()).credentials(crate::Credentials::new("a", "b", None));
    if let Some(p) = s.profile {
        builder = builder.profile(p);
    }
    match builder.build() {
        Ok(client) => {
            out.insert("region".into(), json!(client.region()));
            out.insert("url".into(), json!(client.endpoint_url()));
        }
        Err(e) => {
            out.insert("error".into(), json!(e.to_string()));
        }
    }
    let setup = Setup { env, fs, profile: s.profile.map(str::to_owned), ..Setup::from_process() };
    let key =
        match Context::load(setup).map(DefaultCredentialsChain::from_context).and_then(|c| c.provide_credentials()) {
            Ok(c) => json!(c.access_key_id()),
            Err(e) if e.to_string().contains("no credentials found") => Value::Null,
            Err(_) => json!("error"),
        };
    out.insert("access_key".into(), key);
    Value::Object(out)
}

#[test]
#[ignore = "needs scripts/venv"]
fn precedence_agrees_with_botocore() {
    let python = venv_python().expect("the test venv (run scripts/venv, or scripts/test)");
    let scenarios = scenarios();
    let input: Vec<Value> = scenarios
        .iter()
        .map(|s| {
            json!({
                "env": s.env.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "config": s.config,
                "credentials": s.credentials,
                "profile": s.profile,
                "files": s.files.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    let mut child = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // Its scratch homes go where this process's temp files go (and are removed).
        .env("TMPDIR", std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the venv's python");
    child.stdin.take().unwrap().write_all(Value::Array(input).to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "botocore script failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let theirs: Vec<Value> = serde_json::from_slice(&out.stdout).expect("the script prints JSON");
    let scratch = std::env::temp_dir().join(format!("ec2-lite-botocore-{}", std::process::id()));
    let mut failures = Vec::new();
    for (s, theirs) in scenarios.iter().zip(&theirs) {
        let mine = ours(s, &scratch);
        if &mine != theirs {
            failures.push(format!("{}:\n  ec2-lite {mine}\n  botocore {theirs}", s.what));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert_eq!(theirs.len(), scenarios.len());
    assert!(
        failures.is_empty(),
        "{} of {} scenarios differ from botocore:\n{}",
        failures.len(),
        scenarios.len(),
        failures.join("\n")
    );
}
