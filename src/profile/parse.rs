//! Parsing the `config` and `credentials` files into profiles, SSO sessions and services sections.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>

#[cfg(test)]
use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead;

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

/// Between two properties in [`Section`]'s text. No value holds it: a value and each of its
/// continuation lines are trimmed of spaces and tabs, so a line break in a value is never
/// followed by a tab.
const SEPARATOR: &str = "\n\t";

/// One section: a profile, an `[sso-session x]` or a `[services x]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Section {
    /// How much of `text` is the name.
    name_len: usize,
    /// The name, then its properties in file order, each `key=value`, joined by
    /// [`SEPARATOR`]; of two definitions of a key the later wins. Keys are ASCII-lowercase
    /// identifiers, which hold no `=`. A sub-property group is kept raw (`"\nname = value"`),
    /// as the spec asks, and read through [`Section::sub_property`]. One string, not a map: a
    /// section takes about the memory of its lines in the file, however many properties it has.
    text: String,
}

impl Section {
    fn new(name: &str) -> Self {
        Section { name_len: name.len(), text: name.to_owned() }
    }

    /// The section's name, without its `profile ` / `sso-session ` / `services ` prefix.
    pub(crate) fn name(&self) -> &str {
        self.text.get(..self.name_len).unwrap_or_default()
    }

    fn properties_text(&self) -> &str {
        self.text.get(self.name_len..).unwrap_or_default()
    }

    /// Every definition, last first.
    fn definitions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties_text().rsplit(SEPARATOR).filter_map(|p| p.split_once('='))
    }

    /// The value of `key` (any case), or `None` when unset or blank: an empty `region =` must
    /// not override nothing with an empty region, the same rule as for environment variables.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.raw(key).filter(|v| !v.trim().is_empty())
    }

    /// The value of `key` exactly as parsed, empty values included.
    pub(crate) fn raw(&self, key: &str) -> Option<&str> {
        self.definitions().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }

    /// Every property as parsed, keys lowercase, in key order.
    #[cfg(test)]
    pub(crate) fn properties(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut last = BTreeMap::new();
        for (k, v) in self.definitions() {
            last.entry(k).or_insert(v);
        }
        last.into_iter()
    }

    /// `sub_key` inside the sub-property group `key`, as in
    /// `ec2 =` followed by an indented `endpoint_url = ...`. Both names match in any case; the
    /// last definition wins; blank counts as unset.
    pub(crate) fn sub_property(&self, key: &str, sub_key: &str) -> Option<&str> {
        // Only a property whose own value is empty has sub-properties; `ec2 = x` followed by an
        // indented `k = v` is a multi-line value, not a group.
        let group = self.raw(key)?.strip_prefix('\n')?;
        group
            .split('\n')
            .filter_map(|line| parse_property_line(line).ok())
            .filter(|(k, _)| k.eq_ignore_ascii_case(sub_key))
            .map(|(_, v)| v)
            .next_back()
            .filter(|v| !v.is_empty())
    }

    /// Adds the properties of `later` (a section of the same name) after the ones here.
    fn append(&mut self, later: &Section) {
        let text = later.properties_text();
        if text.is_empty() {
            return;
        }
        if !self.properties_text().is_empty() {
            self.text.push_str(SEPARATOR);
        }
        self.text.push_str(text);
    }

    /// Adds one property, `key` (lowercased here) and `value`.
    fn push(&mut self, key: &str, value: &str) {
        if !self.properties_text().is_empty() {
            self.text.push_str(SEPARATOR);
        }
        self.text.extend(key.chars().map(|c| c.to_ascii_lowercase()));
        self.text.push('=');
        self.text.push_str(value);
    }
}

impl fmt::Debug for Section {
    // Values may be secrets (`aws_secret_access_key`, `aws_session_token`): show keys only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: std::collections::BTreeSet<&str> = self.definitions().map(|(k, _)| k).collect();
        f.debug_struct("Section").field("name", &self.name()).field("keys", &keys).finish()
    }
}

/// The profiles, SSO sessions and services sections of the `config` and `credentials` files,
/// merged the way the AWS SDKs merge them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProfileSet {
    /// Each kind sorted by name, one section a name: a sorted list rather than a map, for the
    /// memory a generated config of hundreds of thousands of profiles takes.
    profiles: Vec<Section>,
    sso_sessions: Vec<Section>,
    services: Vec<Section>,
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
    #[cfg(any(test, feature = "_fuzzing"))]
    pub(crate) fn merge(&mut self, kind: FileKind, source: &str, text: &str) -> Result<(), Error> {
        self.read(kind, text.as_bytes()).map_err(|e| e.into_error("", source))
    }

    /// [`ProfileSet::merge`] from a reader, a line at a time: the file is never held whole.
    pub(crate) fn read(&mut self, kind: FileKind, mut reader: impl BufRead) -> Result<(), ReadError> {
        let mut file = FileParser::new(kind);
        let (mut line, mut number, mut offset) = (Vec::new(), 0, 0);
        loop {
            line.clear();
            let read = reader.read_until(b'\n', &mut line).map_err(ReadError::Io)?;
            if read == 0 {
                break;
            }
            number += 1;
            // As `str::lines`: the line break is `\n` or `\r\n`.
            let text: &[u8] = match line.strip_suffix(b"\n") {
                Some(text) => text.strip_suffix(b"\r").unwrap_or(text),
                None => &line,
            };
            let text = std::str::from_utf8(text).map_err(|e| ReadError::NotUtf8 { at: offset + e.valid_up_to() })?;
            // A byte-order mark from a Windows editor would otherwise make the first header a
            // "property before any profile".
            let text = if number == 1 { text.strip_prefix('\u{feff}').unwrap_or(text) } else { text };
            file.line(number, text).map_err(|(line, why)| ReadError::Syntax { line, why })?;
            offset += read;
        }
        self.absorb(file);
        Ok(())
    }

    /// Merges in a file parsed line by line.
    fn absorb(&mut self, file: FileParser) {
        let FileParser { mut profiles, bare_default, sso_sessions, services, .. } = file.finish();
        // `[profile default]` beats `[default]` in the same file, which is then ignored whole,
        // not merged: a user who writes both means the prefixed one.
        if let Some(bare) = bare_default
            && find(&profiles, "default").is_none()
        {
            let at = profiles.partition_point(|s| s.name() < "default");
            profiles.insert(at, bare);
        }
        merge_sorted(&mut self.profiles, profiles);
        merge_sorted(&mut self.sso_sessions, sso_sessions);
        merge_sorted(&mut self.services, services);
    }

    /// The profile called `name`.
    pub(crate) fn profile(&self, name: &str) -> Option<&Section> {
        find(&self.profiles, name)
    }

    /// The `[sso-session name]` section.
    pub(crate) fn sso_session(&self, name: &str) -> Option<&Section> {
        find(&self.sso_sessions, name)
    }

    /// The `[services name]` section.
    pub(crate) fn services(&self, name: &str) -> Option<&Section> {
        find(&self.services, name)
    }

    /// Every profile, by name.
    #[cfg(test)]
    pub(crate) fn profiles(&self) -> impl Iterator<Item = &Section> {
        self.profiles.iter()
    }

    /// Every `[sso-session x]` section, by name.
    #[cfg(test)]
    pub(crate) fn sso_sessions(&self) -> impl Iterator<Item = &Section> {
        self.sso_sessions.iter()
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
            for (k, v) in props {
                s.push(k.as_ref(), v.as_ref());
            }
            s
        };
        let sorted = |mut sections: Vec<Section>| {
            sections.sort_by(|a, b| a.name().cmp(b.name()));
            sections
        };
        ProfileSet {
            profiles: sorted(profiles.into_iter().map(section).collect()),
            sso_sessions: sorted(sso_sessions.into_iter().map(section).collect()),
            services: Vec::new(),
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

/// Which list the section being read goes to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Profile,
    /// A bare `[default]`, kept apart until the file is read: a `[profile default]` anywhere
    /// in the same file replaces it.
    BareDefault,
    SsoSession,
    Services,
    /// A section the spec says to ignore: its lines are checked, not kept.
    Ignored,
}

/// The property most recently read, for the continuation lines that may follow it.
#[derive(Clone, Copy)]
struct LastProperty {
    /// Its value was empty on its own line, so indented lines that follow are sub-properties
    /// and must each look like `k = v`.
    has_sub_properties: bool,
    /// It is kept (its section is not ignored and its key is an identifier).
    kept: bool,
}

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(std::io::Error),
    /// Not UTF-8 from byte `at`.
    NotUtf8 {
        at: usize,
    },
    /// A syntax error on line `line` (1-based).
    Syntax {
        line: usize,
        why: &'static str,
    },
}

impl ReadError {
    /// The configuration error for the `what` file (`config`, `credentials`) shown as `source`.
    pub(crate) fn into_error(self, what: &str, source: &str) -> Error {
        let message = match self {
            ReadError::Io(e) => format!("could not read the {what} file {source}: {e}"),
            ReadError::NotUtf8 { at } => format!("the {what} file {source} is not valid UTF-8 (byte {at})"),
            ReadError::Syntax { line, why } => format!("{source}, line {line}: {why}"),
        };
        Error::configuration(ConfigErrorKind::File, message)
    }
}

/// One file, read a line at a time, so that a large file is never held whole: only what the
/// sections keep (each property once, as `key=value`) grows with it.
struct FileParser {
    kind: FileKind,
    /// In file order until [`FileParser::finish`] sorts them and joins those of one name.
    profiles: Vec<Section>,
    bare_default: Option<Section>,
    sso_sessions: Vec<Section>,
    services: Vec<Section>,
    /// The section being read; `None` before the first header.
    current: Option<(Target, Section)>,
    last: Option<LastProperty>,
}

impl FileParser {
    fn new(kind: FileKind) -> Self {
        FileParser {
            kind,
            profiles: Vec::new(),
            bare_default: None,
            sso_sessions: Vec::new(),
            services: Vec::new(),
            current: None,
            last: None,
        }
    }

    /// Reads line `number` (1-based, without its line break). Errors carry the line number.
    fn line(&mut self, number: usize, line: &str) -> Result<(), (usize, &'static str)> {
        // A comment line must start in column one: an indented `# x` is a continuation, and
        // continuations keep comment characters.
        if line.trim_matches(WHITESPACE).is_empty() || line.starts_with(COMMENT) {
            return Ok(());
        }
        if line.starts_with('[') {
            // On a header line a comment needs no space before it: `[profile a]# x`.
            let header = prepare_line(line, false)
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
                .ok_or((number, "profile definition must end with ']'"))?;
            let (target, name) = match SectionKey::classify(header, self.kind) {
                None => (Target::Ignored, ""),
                Some(SectionKey::Profile { name: "default", prefixed: false }) => (Target::BareDefault, "default"),
                Some(SectionKey::Profile { name, .. }) => (Target::Profile, name),
                Some(SectionKey::SsoSession(name)) => (Target::SsoSession, name),
                Some(SectionKey::Services(name)) => (Target::Services, name),
            };
            self.flush();
            self.current = Some((target, Section::new(name)));
            self.last = None;
            return Ok(());
        }
        let Some((target, section)) = &mut self.current else {
            return Err((number, "expected a profile definition"));
        };
        if line.starts_with(WHITESPACE) {
            let last = self.last.ok_or((number, "expected a property definition, found continuation"))?;
            if last.has_sub_properties {
                parse_property_line(line).map_err(|e| (number, e.message(true)))?;
            }
            if last.kept {
                section.text.push('\n');
                section.text.push_str(line.trim_matches(WHITESPACE));
            }
        } else {
            let (key, value) = parse_property_line(line).map_err(|e| (number, e.message(false)))?;
            // Keys that cannot be identifiers are dropped, not errors: other SDKs accept the
            // file, so this one must too.
            let kept = *target != Target::Ignored && is_identifier(key);
            if kept {
                section.push(key, value);
            }
            self.last = Some(LastProperty { has_sub_properties: value.is_empty(), kept });
        }
        Ok(())
    }

    /// Files the section being read.
    fn flush(&mut self) {
        let Some((target, mut section)) = self.current.take() else { return };
        section.text.shrink_to_fit();
        match target {
            Target::Ignored => {}
            Target::BareDefault => match &mut self.bare_default {
                Some(bare) => bare.append(&section),
                None => self.bare_default = Some(section),
            },
            Target::Profile => self.profiles.push(section),
            Target::SsoSession => self.sso_sessions.push(section),
            Target::Services => self.services.push(section),
        }
    }

    /// The file read: each list sorted by name, the sections of one name joined in file order.
    fn finish(mut self) -> Self {
        self.flush();
        for sections in [&mut self.profiles, &mut self.sso_sessions, &mut self.services] {
            // Stable: of two sections of one name, the later in the file stays later.
            sections.sort_by(|a, b| a.name().cmp(b.name()));
            sections.dedup_by(|later, earlier| {
                let same = later.name() == earlier.name();
                if same {
                    earlier.append(later);
                }
                same
            });
            sections.shrink_to_fit();
        }
        self
    }
}

/// The section called `name` in a list sorted by name.
fn find<'a>(sections: &'a [Section], name: &str) -> Option<&'a Section> {
    sections.binary_search_by(|s| s.name().cmp(name)).ok().and_then(|at| sections.get(at))
}

/// Merges `later` (sorted, one section a name) into `into` (the same): a section in both gets
/// the later properties after its own, so that they win.
fn merge_sorted(into: &mut Vec<Section>, later: Vec<Section>) {
    if into.is_empty() {
        *into = later;
        return;
    }
    let earlier = std::mem::take(into);
    let mut merged = Vec::with_capacity(earlier.len() + later.len());
    let (mut earlier, mut later) = (earlier.into_iter().peekable(), later.into_iter().peekable());
    loop {
        let next = match (earlier.peek(), later.peek()) {
            (Some(a), Some(b)) => a.name().cmp(b.name()),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => break,
        };
        let section = match next {
            std::cmp::Ordering::Less => earlier.next(),
            std::cmp::Ordering::Greater => later.next(),
            std::cmp::Ordering::Equal => earlier.next().map(|mut a| {
                if let Some(b) = later.next() {
                    a.append(&b);
                }
                a
            }),
        };
        merged.extend(section);
    }
    merged.shrink_to_fit();
    *into = merged;
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
/// back as written: keys are case-insensitive, compared so.
fn parse_property_line(line: &str) -> Result<(&str, &str), PropertyError> {
    let (key, value) = prepare_line(line, true).split_once('=').ok_or(PropertyError::NoEquals)?;
    let key = key.trim_matches(WHITESPACE);
    if key.is_empty() {
        return Err(PropertyError::NoName);
    }
    Ok((key, value.trim_matches(WHITESPACE)))
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
    fn a_file_read_a_byte_at_a_time_reads_as_its_text() {
        let text = "\u{feff}[default]\r\nregion = us-east-1\r\n[profile a]\nname = value\n -continued\n\
                    s3 =\n  k = v\n[profile  a ]\nname = later\n[services x]\nec2 =\n endpoint_url = http://e\n\
                    [default]\nlast = no newline";
        let whole = config(text);
        let mut streamed = ProfileSet::default();
        streamed.read(FileKind::Config, std::io::BufReader::with_capacity(1, text.as_bytes())).unwrap();
        assert_eq!(streamed, whole);
        let a = whole.profile("a").unwrap();
        assert_eq!((a.get("name"), a.sub_property("s3", "K")), (Some("later"), Some("v")));
        let default = whole.profile("default").unwrap();
        assert_eq!((default.get("region"), default.get("last")), (Some("us-east-1"), Some("no newline")));
        assert_eq!(whole.services("x").unwrap().sub_property("ec2", "endpoint_url"), Some("http://e"));
        // A byte that is not UTF-8 is placed by its offset in the file, not in its line.
        let err = ProfileSet::default().read(FileKind::Config, &b"[default]\nk = \xff\n"[..]).unwrap_err();
        assert!(matches!(err, ReadError::NotUtf8 { at: 14 }), "{err:?}");
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
