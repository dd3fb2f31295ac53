//! The cross-SDK suites for profile files, run case by case; see `tests/sdk-test-data/SOURCE.md`.
//! <https://github.com/smithy-lang/smithy-rs/tree/main/aws/rust-runtime/aws-config/test-data>

use std::collections::BTreeMap;

use serde_json::Value;

use super::location::{self, Platform};
use super::parse::{ProfileSet, Section};
use super::resolve::{self, BaseProvider, ProfileChain};
use crate::env::Env;

const PARSER: &str = include_str!("../sdk-test-data/profile-parser-tests.json");
const LOCATION: &str = include_str!("../sdk-test-data/file-location-tests.json");
const ASSUME_ROLE: &str = include_str!("../sdk-test-data/assume-role-tests.json");

type Props = BTreeMap<String, String>;
type Sections = BTreeMap<String, Props>;

/// Runs `check` on every case, then fails listing every failing case by index and name, and
/// fails too if the number of cases run is not `expected`: a case must not vanish unnoticed.
/// `skip` lists (case name, reason) pairs that do not apply; each must match a case.
fn run(
    suite: &str,
    cases: &[Value],
    name_key: &str,
    expected: usize,
    skip: &[(&str, &str)],
    check: impl Fn(&Value) -> Result<(), String>,
) {
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut skipped = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = case.get(name_key).and_then(Value::as_str).unwrap_or("<unnamed>");
        if let Some((_, why)) = skip.iter().find(|(n, _)| *n == name) {
            skipped.push(format!("#{i} {name}: {why}"));
            continue;
        }
        ran += 1;
        if let Err(e) = check(case) {
            failures.push(format!("#{i} {name}\n    {}", e.replace('\n', "\n    ")));
        }
    }
    assert!(failures.is_empty(), "{suite}: {} of {ran} cases failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(skipped.len(), skip.len(), "{suite}: a skipped case no longer exists: {skipped:?}");
    assert_eq!(ran, expected, "{suite}: expected {expected} cases to run, ran {ran} (skipped: {skipped:?})");
}

fn tests_of(json: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(json).expect("suite is JSON");
    match v {
        Value::Array(cases) => cases,
        Value::Object(mut o) => match o.remove("tests") {
            Some(Value::Array(cases)) => cases,
            _ => panic!("no tests array"),
        },
        _ => panic!("unexpected suite shape"),
    }
}

fn str_at<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v.get(key).and_then(Value::as_str).ok_or_else(|| format!("case has no string `{key}`"))
}

/// `{name: {key: value}}`, absent = empty.
fn sections_at(v: &Value, key: &str) -> Result<Sections, String> {
    let Some(obj) = v.get(key) else { return Ok(Sections::new()) };
    let obj = obj.as_object().ok_or_else(|| format!("`{key}` is not an object"))?;
    obj.iter()
        .map(|(name, props)| {
            let props = props.as_object().ok_or_else(|| format!("`{key}.{name}` is not an object"))?;
            let props = props
                .iter()
                .map(|(k, v)| {
                    Ok((k.clone(), v.as_str().ok_or_else(|| format!("`{key}.{name}.{k}` is not a string"))?.to_owned()))
                })
                .collect::<Result<Props, String>>()?;
            Ok((name.clone(), props))
        })
        .collect()
}

fn flatten<'a>(sections: impl Iterator<Item = Section<'a>>) -> Sections {
    sections
        .map(|s| (s.name().to_owned(), s.properties().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()))
        .collect()
}

/// Expected messages are the Rust SDK's, which start with a capital letter here and there;
/// this crate's are lowercase.
fn contains_ignoring_case(message: &str, expected: &str) -> bool {
    message.to_lowercase().contains(&expected.to_lowercase())
}

#[test]
fn profile_parser_suite() {
    let cases = tests_of(PARSER);
    run("profile-parser-tests.json", &cases, "name", 65, &[], |case| {
        let input = case.get("input").ok_or("no input")?;
        let output = case.get("output").ok_or("no output")?;
        let config = input.get("configFile").and_then(Value::as_str);
        let credentials = input.get("credentialsFile").and_then(Value::as_str);
        let parsed = ProfileSet::parse(config, credentials);
        match (parsed, output.get("config"), output.get("errorContaining")) {
            (Ok(set), Some(expected), None) => {
                let (profiles, sso_sessions) = (flatten(set.profiles()), flatten(set.sso_sessions()));
                let (want_profiles, want_sso) =
                    (sections_at(expected, "profiles")?, sections_at(expected, "sso_sessions")?);
                if profiles != want_profiles {
                    return Err(format!("profiles: expected {want_profiles:?}\n got {profiles:?}"));
                }
                if sso_sessions != want_sso {
                    return Err(format!("sso_sessions: expected {want_sso:?}\n got {sso_sessions:?}"));
                }
                Ok(())
            }
            (Err(e), None, Some(want)) => {
                let (e, want) = (e.to_string(), want.as_str().ok_or("errorContaining is not a string")?);
                if contains_ignoring_case(&e, want) {
                    Ok(())
                } else {
                    Err(format!("error {e:?} does not contain {want:?}"))
                }
            }
            (Ok(set), None, Some(want)) => Err(format!("expected an error containing {want}, parsed {set:?}")),
            (Err(e), Some(_), None) => Err(format!("expected success, got: {e}")),
            _ => Err("output has neither or both of config and errorContaining".into()),
        }
    });
}

#[test]
fn file_location_suite() {
    let cases = tests_of(LOCATION);
    run("file-location-tests.json", &cases, "name", 9, &[], |case| {
        let env_obj = case.get("environment").and_then(Value::as_object).ok_or("no environment")?;
        let pairs: Vec<(&str, &str)> = env_obj
            .iter()
            .map(|(k, v)| Ok((k.as_str(), v.as_str().ok_or("non-string variable")?)))
            .collect::<Result<_, String>>()?;
        let env = Env::from_pairs(pairs);
        let platform = match str_at(case, "platform")? {
            "windows" => Platform::Windows,
            "linux" | "macos" => Platform::Unix,
            other => return Err(format!("unknown platform {other}")),
        };
        let at = location::locations(&env, platform);
        let shown = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
        let mut errors = Vec::new();
        for (what, got, key) in [
            ("config", shown(&at.config), "configLocation"),
            ("credentials", shown(&at.credentials), "credentialsLocation"),
        ] {
            let want = str_at(case, key)?;
            if got.as_deref() != Some(want) {
                errors.push(format!("{what}: expected {want:?}, got {got:?}"));
            }
        }
        if let Some(want) = case.get("profile").and_then(Value::as_str) {
            let got = location::selected_profile(&env);
            if got != want {
                errors.push(format!("profile: expected {want:?}, got {got:?}"));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors.join("\n")) }
    });
}

/// The suite's shape of a chain: `[{"AccessKey": {...}}, {"AssumeRole": {...}}]`, absent
/// optional fields left out.
fn chain_as_json(chain: &ProfileChain) -> Value {
    fn obj(fields: &[(&str, Option<&str>)]) -> Value {
        Value::Object(fields.iter().filter_map(|(k, v)| Some(((*k).to_owned(), Value::from((*v)?)))).collect())
    }
    let tagged = |tag: &str, v: Value| Value::Object([(tag.to_owned(), v)].into_iter().collect());
    let base = match &chain.base {
        BaseProvider::StaticKeys(k) => tagged(
            "AccessKey",
            obj(&[
                ("access_key_id", Some(&k.access_key_id)),
                ("secret_access_key", Some(&k.secret_access_key)),
                ("session_token", k.session_token.as_deref()),
                ("account_id", k.account_id.as_deref()),
            ]),
        ),
        BaseProvider::CredentialSource(s) => tagged("NamedSource", Value::from(s.as_str())),
        BaseProvider::WebIdentityToken { role_arn, web_identity_token_file, role_session_name } => tagged(
            "WebIdentityToken",
            obj(&[
                ("role_arn", Some(role_arn)),
                ("web_identity_token_file", Some(web_identity_token_file)),
                ("role_session_name", role_session_name.as_deref()),
            ]),
        ),
        BaseProvider::Sso(s) => tagged(
            "Sso",
            obj(&[
                ("sso_session", s.sso_session.as_deref()),
                ("sso_region", Some(&s.sso_region)),
                ("sso_start_url", Some(&s.sso_start_url)),
                ("sso_account_id", s.sso_account_id.as_deref()),
                ("sso_role_name", s.sso_role_name.as_deref()),
            ]),
        ),
        BaseProvider::LoginSession { login_session_arn } => {
            tagged("LoginSession", obj(&[("login_session_arn", Some(login_session_arn))]))
        }
        BaseProvider::CredentialProcess(p) => tagged("CredentialProcess", Value::from(p.command.as_str())),
    };
    let roles = chain.roles.iter().map(|r| {
        tagged(
            "AssumeRole",
            obj(&[
                ("role_arn", Some(&r.role_arn)),
                ("external_id", r.external_id.as_deref()),
                ("role_session_name", r.role_session_name.as_deref()),
            ]),
        )
    });
    Value::Array(std::iter::once(base).chain(roles).collect())
}

#[test]
fn assume_role_suite() {
    let cases = tests_of(ASSUME_ROLE);
    run("assume-role-tests.json", &cases, "docs", 28, &[], |case| {
        let input = case.get("input").ok_or("no input")?;
        let output = case.get("output").ok_or("no output")?;
        let (profiles, sso_sessions) = (sections_at(input, "profiles")?, sections_at(input, "sso_sessions")?);
        let set = ProfileSet::from_maps(&profiles, &sso_sessions);
        let selected = str_at(input, "selected_profile")?;
        match (resolve::resolve(&set, selected), output.get("ProfileChain"), output.get("Error")) {
            (Ok(chain), Some(want), None) => {
                let got = chain_as_json(&chain);
                if &got == want { Ok(()) } else { Err(format!("expected {want}\n got {got}")) }
            }
            (Err(e), None, Some(want)) => {
                let want = want.as_str().ok_or("Error is not a string")?;
                if contains_ignoring_case(e.message(), want) {
                    Ok(())
                } else {
                    Err(format!("error {:?} does not contain {want:?}", e.message()))
                }
            }
            (Ok(chain), None, Some(want)) => {
                Err(format!("expected an error containing {want}, got {}", chain_as_json(&chain)))
            }
            (Err(e), Some(want), None) => Err(format!("expected {want}, got error {e:?}")),
            _ => Err("output has neither or both of ProfileChain and Error".into()),
        }
    });
}

/// Two of the suite's error cases are, for the default chain, "nothing configured here": the
/// Rust SDK moves on to the next provider for them rather than failing.
#[test]
fn suite_errors_that_let_the_chain_move_on() {
    assert_eq!(resolve::resolve_chain(&ProfileSet::default(), "A").unwrap(), None);
    let only_settings = ProfileSet::from_maps([("A", vec![("ec2_metadata_service_endpoint_mode", "IPv6")])], []);
    assert_eq!(resolve::resolve_chain(&only_settings, "A").unwrap(), None);
    let empty_source =
        ProfileSet::from_maps([("A", vec![("role_arn", "arn:foo"), ("source_profile", "B")]), ("B", vec![])], []);
    assert!(resolve::resolve_chain(&empty_source, "A").is_err());
}
