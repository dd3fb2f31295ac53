//! Parsing the `config` and `credentials` files into profiles, SSO sessions and services sections.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>

use std::collections::BTreeMap;
use std::fmt;

use crate::{ConfigErrorKind, Error};

/// The only characters the format treats as whitespace. Not `char::is_whitespace`: a
/// non-breaking space in a value is part of the value in every SDK.
const WHITESPACE: &[char] = &[' ', '\t'];
const COMMENT: &[char] = &['#', ';'];

/// Which of the two files a text came from. The files differ in how sections are named:
/// `[profile x]` and the bare `[default]` in `config`, bare `[x]` in `credentials`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// The shared `config` file (`~/.aws/config`).
    Config,
    /// The shared `credentials` file (`~/.aws/credentials`).
    Credentials,
}

/// One section: a profile, an `[sso-session x]` or a `[services x]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Section {
    name: String,
    /// Keys are ASCII-lowercase. A sub-property group is kept raw (`"\nname = value"`), as the
    /// spec asks, and read through [`Section::sub_property`].
    properties: BTreeMap<String, String>,
}

impl Section {
    fn new(name: &str) -> Self {
        Section { name: name.to_owned(), properties: BTreeMap::new() }
    }

    /// The section's name, without its `profile ` / `sso-session ` / `services ` prefix.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The value of `key` (any case), or `None` when unset or blank: an empty `region =` must
    /// not override nothing with an empty region, the same rule as for environment variables.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.raw(key).filter(|v| !v.trim().is_empty())
    }

    /// The value of `key` exactly as parsed, empty values included.
    pub(crate) fn raw(&self, key: &str) -> Option<&str> {
        self.properties.get(&key.to_ascii_lowercase()).map(String::as_str)
    }

    /// Every property as parsed, keys lowercase, in key order.
    #[cfg(test)]
    pub(crate) fn properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `sub_key` inside the sub-property group `key`, as in
    /// `ec2 =` followed by an indented `endpoint_url = ...`. Both names match in any case; the
    /// last definition wins; blank counts as unset.
    pub(crate) fn sub_property(&self, key: &str, sub_key: &str) -> Option<&str> {
        // Only a property whose own value is empty has sub-properties; `ec2 = x` followed by an
        // indented `k = v` is a multi-line value, not a group.
        let group = self.raw(key)?.strip_prefix('\n')?;
        let sub_key = sub_key.to_ascii_lowercase();
        group
            .split('\n')
            .filter_map(|line| parse_property_line(line).ok())
            .filter(|(k, _)| *k == sub_key)
            .map(|(_, v)| v)
            .next_back()
            .filter(|v| !v.is_empty())
    }

    fn merge(&mut self, properties: &[RawProperty]) {
        for p in properties {
            // Keys that cannot be identifiers are dropped, not errors: other SDKs accept the
            // file, so this one must too.
            if is_identifier(&p.key) {
                self.properties.insert(p.key.clone(), p.value.clone());
            }
        }
    }
}

impl fmt::Debug for Section {
    // Values may be secrets (`aws_secret_access_key`, `aws_session_token`): show keys only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section").field("name", &self.name).field("keys", &self.properties.keys()).finish()
    }
}

/// The profiles, SSO sessions and services sections of the `config` and `credentials` files,
/// merged the way the AWS SDKs merge them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProfileSet {
    profiles: BTreeMap<String, Section>,
    sso_sessions: BTreeMap<String, Section>,
    services: BTreeMap<String, Section>,
}

impl ProfileSet {
    /// Parses the two files' texts, `config` first. `None` stands for a missing file.
    #[cfg(any(test, feature = "_fuzzing"))]
    pub(crate) fn parse(config: Option<&str>, credentials: Option<&str>) -> Result<Self, Error> {
        let mut set = ProfileSet::default();
        if let Some(text) = config {
            set.merge(FileKind::Config, "the config file", text)?;
        }
        if let Some(text) = credentials {
            set.merge(FileKind::Credentials, "the credentials file", text)?;
        }
        Ok(set)
    }

    /// Parses one file and merges it in: sections of the same name merge, and for a key already
    /// set the new file's value wins. Merge `config` first, then `credentials`, so that the
    /// credentials file wins as the spec requires. `source` names the file in error messages.
    /// Nothing is merged when the text has a syntax error.
    pub(crate) fn merge(&mut self, kind: FileKind, source: &str, text: &str) -> Result<(), Error> {
        let raw = parse_raw(text)
            .map_err(|(line, e)| Error::configuration(ConfigErrorKind::File, format!("{source}, line {line}: {e}")))?;
        let keys: Vec<Option<SectionKey<'_>>> = raw.iter().map(|s| SectionKey::classify(s.header, kind)).collect();
        // `[profile default]` beats `[default]` in the same file, which is then ignored whole,
        // not merged: a user who writes both means the prefixed one.
        let prefixed_default =
            keys.iter().any(|k| matches!(k, Some(SectionKey::Profile { name: "default", prefixed: true })));
        // In file order, so that of two spellings of one section (`[profile a]`, `[profile  a]`)
        // the later wins, as it does for two identical headers.
        for (key, section) in keys.into_iter().zip(&raw) {
            let (map, name) = match key {
                None => continue,
                Some(SectionKey::Profile { name: "default", prefixed: false }) if prefixed_default => continue,
                Some(SectionKey::Profile { name, .. }) => (&mut self.profiles, name),
                Some(SectionKey::SsoSession(name)) => (&mut self.sso_sessions, name),
                Some(SectionKey::Services(name)) => (&mut self.services, name),
            };
            map.entry(name.to_owned()).or_insert_with(|| Section::new(name)).merge(&section.properties);
        }
        Ok(())
    }

    /// The profile called `name`.
    pub(crate) fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// The `[sso-session name]` section.
    pub(crate) fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// The `[services name]` section.
    pub(crate) fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// Every profile, by name.
    #[cfg(test)]
    pub(crate) fn profiles(&self) -> impl Iterator<Item = &Section> {
        self.profiles.values()
    }

    /// Every `[sso-session x]` section, by name.
    #[cfg(test)]
    pub(crate) fn sso_sessions(&self) -> impl Iterator<Item = &Section> {
        self.sso_sessions.values()
    }

    /// True when neither file defined a profile.
    pub(crate) fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// A set built directly from name → properties maps, for tests that start after parsing.
    #[cfg(test)]
    pub(crate) fn from_maps<N, P, K, V>(
        profiles: impl IntoIterator<Item = (N, P)>,
        sso_sessions: impl IntoIterator<Item = (N, P)>,
    ) -> Self
    where
        N: AsRef<str>,
        P: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let section = |(name, props): (N, P)| {
            let mut s = Section::new(name.as_ref());
            s.properties =
                props.into_iter().map(|(k, v)| (k.as_ref().to_ascii_lowercase(), v.as_ref().to_owned())).collect();
            (s.name.clone(), s)
        };
        ProfileSet {
            profiles: profiles.into_iter().map(section).collect(),
            sso_sessions: sso_sessions.into_iter().map(section).collect(),
            services: BTreeMap::new(),
        }
    }
}

/// What a section header names, once its prefix is understood.
#[derive(Debug, PartialEq, Eq)]
enum SectionKey<'a> {
    Profile { name: &'a str, prefixed: bool },
    SsoSession(&'a str),
    Services(&'a str),
}

impl<'a> SectionKey<'a> {
    /// `None` for a section the spec says to ignore: an invalid name, a bare name other than
    /// `default` in `config`, any prefix in `credentials`, or a prefix nobody knows.
    fn classify(header: &'a str, kind: FileKind) -> Option<Self> {
        let header = header.trim_matches(WHITESPACE);
        match header.split_once(WHITESPACE) {
            Some((prefix, name)) => {
                let name = name.trim_matches(WHITESPACE);
                if kind == FileKind::Credentials || !is_identifier(name) {
                    return None;
                }
                match prefix {
                    "profile" => Some(SectionKey::Profile { name, prefixed: true }),
                    "sso-session" => Some(SectionKey::SsoSession(name)),
                    "services" => Some(SectionKey::Services(name)),
                    _ => None,
                }
            }
            None => match kind {
                FileKind::Config => {
                    (header == "default").then_some(SectionKey::Profile { name: header, prefixed: false })
                }
                FileKind::Credentials => {
                    is_identifier(header).then_some(SectionKey::Profile { name: header, prefixed: false })
                }
            },
        }
    }
}

/// `[A-Za-z0-9_\-/.%@:+]+`, for section names and property keys.
fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-/.%@:+".contains(&b))
}

/// One `[...]` header and the properties under it, before names are interpreted.
struct RawSection<'a> {
    /// Between the brackets, comment removed.
    header: &'a str,
    properties: Vec<RawProperty>,
}

struct RawProperty {
    /// ASCII-lowercased.
    key: String,
    value: String,
    /// The value was empty on its own line, so indented lines that follow are sub-properties
    /// and must each look like `k = v`.
    has_sub_properties: bool,
}

/// The syntax pass: every header in order, each with its properties in order. Errors carry
/// the 1-based line number.
fn parse_raw(text: &str) -> Result<Vec<RawSection<'_>>, (usize, &'static str)> {
    // A byte-order mark from a Windows editor would otherwise make the first header a
    // "property before any profile".
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections: Vec<RawSection<'_>> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        // A comment line must start in column one: an indented `# x` is a continuation, and
        // continuations keep comment characters.
        if line.trim_matches(WHITESPACE).is_empty() || line.starts_with(COMMENT) {
            continue;
        }
        if line.starts_with('[') {
            // On a header line a comment needs no space before it: `[profile a]# x`.
            let header = prepare_line(line, false)
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
                .ok_or((number, "profile definition must end with ']'"))?;
            sections.push(RawSection { header, properties: Vec::new() });
        } else if line.starts_with(WHITESPACE) {
            let section = sections.last_mut().ok_or((number, "expected a profile definition"))?;
            let property =
                section.properties.last_mut().ok_or((number, "expected a property definition, found continuation"))?;
            if property.has_sub_properties {
                parse_property_line(line).map_err(|e| (number, e.message(true)))?;
            }
            property.value.push('\n');
            property.value.push_str(line.trim_matches(WHITESPACE));
        } else {
            let section = sections.last_mut().ok_or((number, "expected a profile definition"))?;
            let (key, value) = parse_property_line(line).map_err(|e| (number, e.message(false)))?;
            section.properties.push(RawProperty { key, value: value.to_owned(), has_sub_properties: value.is_empty() });
        }
    }
    Ok(sections)
}

#[derive(Debug, PartialEq, Eq)]
enum PropertyError {
    NoEquals,
    NoName,
}

impl PropertyError {
    fn message(&self, sub: bool) -> &'static str {
        match (self, sub) {
            (PropertyError::NoEquals, false) => "expected an '=' sign defining a property",
            (PropertyError::NoEquals, true) => "expected an '=' sign defining a sub-property",
            (PropertyError::NoName, false) => "property did not have a name",
            (PropertyError::NoName, true) => "sub-property did not have a name",
        }
    }
}

/// `key = value`, split on the first `=` so that values may hold `=` (base64). The key comes
/// back ASCII-lowercased: keys are case-insensitive.
fn parse_property_line(line: &str) -> Result<(String, &str), PropertyError> {
    let (key, value) = prepare_line(line, true).split_once('=').ok_or(PropertyError::NoEquals)?;
    let key = key.trim_matches(WHITESPACE);
    if key.is_empty() {
        return Err(PropertyError::NoName);
    }
    Ok((key.to_ascii_lowercase(), value.trim_matches(WHITESPACE)))
}

/// Trims the line and cuts off a trailing comment. On a property line a `#` or `;` starts a
/// comment only after whitespace, so that `url = https://h/#x` and `key = a;b` keep their value.
fn prepare_line(line: &str, comment_needs_whitespace: bool) -> &str {
    let line = line.trim_matches(WHITESPACE);
    let mut after_whitespace = false;
    let mut end = line.len();
    for (i, c) in line.char_indices() {
        if COMMENT.contains(&c) && (after_whitespace || !comment_needs_whitespace) {
            end = i;
            break;
        }
        after_whitespace = c.is_whitespace();
    }
    line.get(..end).unwrap_or(line).trim_matches(WHITESPACE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> ProfileSet {
        ProfileSet::parse(Some(text), None).unwrap()
    }

    #[test]
    fn comments_need_whitespace_only_on_property_lines() {
        assert_eq!(prepare_line("name = value # c # d", true), "name = value");
        assert_eq!(prepare_line("name = value#c # d", true), "name = value#c");
        assert_eq!(prepare_line("[profile a]#c", false), "[profile a]");
        let set = config("[profile a]\nurl = https://h/#frag\nk = a;b ; c");
        let a = set.profile("a").unwrap();
        assert_eq!((a.get("url"), a.get("k")), (Some("https://h/#frag"), Some("a;b")));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let err = ProfileSet::parse(Some("[profile a]\nk = v\n\n[profile b"), None).unwrap_err().to_string();
        assert!(err.contains("the config file, line 4: profile definition must end with ']'"), "{err}");
        let mut set = ProfileSet::default();
        let err = set.merge(FileKind::Credentials, "/x/credentials", "k = v").unwrap_err().to_string();
        assert!(err.contains("/x/credentials, line 1: expected a profile definition"), "{err}");
        assert_eq!(set, ProfileSet::default());
    }

    #[test]
    fn an_indented_comment_is_a_continuation() {
        let set = config("[default]\nk = v\n  # not a comment");
        assert_eq!(set.profile("default").unwrap().get("k"), Some("v\n# not a comment"));
        assert!(ProfileSet::parse(Some("[default]\n  # c"), None).is_err());
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let set = config("\u{feff}[default]\r\nregion = eu-west-1\r\n");
        assert_eq!(set.profile("default").unwrap().get("region"), Some("eu-west-1"));
    }

    #[test]
    fn sub_properties_and_services_sections() {
        let set = config(
            "[profile a]\nservices = local\n[services local]\nec2 =\n  endpoint_url = http://127.0.0.1:5000 # moto\n  \
             Endpoint_URL = http://127.0.0.1:5055\nsts =\n  endpoint_url = http://sts ; x\n  region =\n\
             s3 = not-a-group\n  endpoint_url = http://s3\n[sso-session s]\nsso_region = us-east-1",
        );
        let svc = set.services("local").unwrap();
        assert_eq!(svc.sub_property("ec2", "endpoint_url"), Some("http://127.0.0.1:5055"));
        assert_eq!(svc.sub_property("EC2", "ENDPOINT_URL"), Some("http://127.0.0.1:5055"));
        assert_eq!(svc.sub_property("sts", "endpoint_url"), Some("http://sts"));
        assert_eq!(svc.sub_property("sts", "region"), None);
        assert_eq!(svc.sub_property("s3", "endpoint_url"), None);
        assert_eq!(svc.sub_property("iam", "endpoint_url"), None);
        assert_eq!(set.sso_session("s").unwrap().get("sso_region"), Some("us-east-1"));
        // Profiles only: the other kinds are not profiles.
        assert_eq!(set.profiles().map(Section::name).collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn only_config_has_prefixed_sections() {
        let set = ProfileSet::parse(
            Some("[services x]\nec2 =\n  endpoint_url = http://a\n[sso-session s]\nk = v\n[nonsense x]\nk = v"),
            Some("[services y]\nec2 =\n  endpoint_url = http://b\n[sso-session t]\nk = v"),
        )
        .unwrap();
        assert!(set.services("x").is_some() && set.services("y").is_none());
        assert!(set.sso_session("s").is_some() && set.sso_session("t").is_none());
        assert!(set.is_empty());
    }

    #[test]
    fn blank_values_read_as_unset_but_are_kept() {
        let set = config("[default]\nregion =\nname = x");
        let p = set.profile("default").unwrap();
        assert_eq!((p.get("region"), p.raw("region"), p.get("NAME")), (None, Some(""), Some("x")));
    }

    #[test]
    fn later_spelling_of_a_section_wins() {
        let set = config("[profile a]\nk = 1\n[profile  a ]\nk = 2\n[profile a]\nj = 3");
        let a = set.profile("a").unwrap();
        assert_eq!((a.get("k"), a.get("j")), (Some("2"), Some("3")));
    }

    #[test]
    fn debug_hides_values() {
        let set = ProfileSet::parse(None, Some("[default]\naws_secret_access_key = SECRETVALUE")).unwrap();
        let shown = format!("{set:?}");
        assert!(shown.contains("aws_secret_access_key") && !shown.contains("SECRETVALUE"), "{shown}");
    }

    #[test]
    fn never_panics_on_odd_input() {
        let inputs = [
            "[",
            "]",
            "[]",
            "[ ]",
            "=",
            " =",
            "[a]\n=",
            "[profile]\n",
            "[profile ]",
            "\u{0}",
            "[profile é]\nk=v",
            "[default]\nk=\n é",
            "[default]\nk = \u{00a0}# x",
            "\r\n\r",
            "[default]\n\tk",
            "[default]\nk=v\n\t\t",
        ];
        for input in inputs {
            let _ = ProfileSet::parse(Some(input), Some(input));
        }
        // `[]` names nothing: the empty name is not an identifier.
        assert!(ProfileSet::parse(None, Some("[]\nk = v")).unwrap().is_empty());
    }
}
