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

/// Before each property in a definition's text. No value holds it: a value and each of its
/// continuation lines are trimmed of spaces and tabs, so a line break in a value is never
/// followed by a tab. No name holds a line break either, so a name ends at the first one.
const SEPARATOR: &str = "\n\t";

/// Where one definition of a section (one header and the lines under it) lies in
/// [`ProfileSet`]'s text: the name, then each property as [`SEPARATOR`] `key=value`, in file
/// order. Keys are ASCII-lowercase identifiers, which hold no `=`. A sub-property group is kept
/// raw (`"\nname = value"`), as the spec asks, and read through [`Section::sub_property`].
///
/// Offsets are `u32`, so that a definition costs 8 bytes besides its text: a file of nothing
/// but short headers (`[a1]`, 5 bytes a line) then stays within three times its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn text(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize).unwrap_or_default()
    }

    /// The section's name, without its `profile ` / `sso-session ` / `services ` prefix.
    fn name(self, text: &str) -> &str {
        let own = self.text(text);
        // A byte loop, not `split_once`: sorting a file's sections calls this for every
        // comparison, and a name is a few dozen bytes.
        let end = own.bytes().position(|b| b == b'\n').unwrap_or(own.len());
        own.get(..end).unwrap_or(own)
    }

    /// Its properties, each after a [`SEPARATOR`].
    fn properties(self, text: &str) -> &str {
        let own = self.text(text);
        own.get(self.name(text).len()..).unwrap_or_default()
    }
}

/// One section: a profile, an `[sso-session x]` or a `[services x]`, as every definition of its
/// name in both files says; of two definitions of a key the later wins. A view into
/// [`ProfileSet`]: looking a section up copies nothing.
#[derive(Clone, Copy)]
pub(crate) struct Section<'a> {
    text: &'a str,
    /// Never empty; every one has the same name; in file order, the config file's first.
    spans: &'a [Span],
}

impl<'a> Section<'a> {
    /// The section's name, without its `profile ` / `sso-session ` / `services ` prefix.
    pub(crate) fn name(&self) -> &'a str {
        self.spans.first().map(|s| s.name(self.text)).unwrap_or_default()
    }

    /// Every definition, last first.
    fn definitions(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let text = self.text;
        self.spans
            .iter()
            .rev()
            .flat_map(move |s| s.properties(text).rsplit(SEPARATOR))
            .filter_map(|p| p.split_once('='))
    }

    /// The value of `key` (any case), or `None` when unset or blank: an empty `region =` must
    /// not override nothing with an empty region, the same rule as for environment variables.
    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.raw(key).filter(|v| !v.trim().is_empty())
    }

    /// The value of `key` exactly as parsed, empty values included.
    pub(crate) fn raw(&self, key: &str) -> Option<&'a str> {
        self.definitions().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }

    /// Every property as parsed, keys lowercase, in key order.
    #[cfg(test)]
    pub(crate) fn properties(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let mut last = BTreeMap::new();
        for (k, v) in self.definitions() {
            last.entry(k).or_insert(v);
        }
        last.into_iter()
    }

    /// `sub_key` inside the sub-property group `key`, as in
    /// `ec2 =` followed by an indented `endpoint_url = ...`. Both names match in any case; the
    /// last definition wins; blank counts as unset.
    pub(crate) fn sub_property(&self, key: &str, sub_key: &str) -> Option<&'a str> {
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
}

impl fmt::Debug for Section<'_> {
    // Values may be secrets (`aws_secret_access_key`, `aws_session_token`): show keys only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: std::collections::BTreeSet<&str> = self.definitions().map(|(k, _)| k).collect();
        f.debug_struct("Section").field("name", &self.name()).field("keys", &keys).finish()
    }
}

/// The profiles, SSO sessions and services sections of the `config` and `credentials` files,
/// merged the way the AWS SDKs merge them.
///
/// Every definition kept is one stretch of one string, and each kind of section is a list of
/// [`Span`]s into it, sorted by name, the definitions of one name in file order. No section is
/// an allocation of its own and none is copied to merge it: a generated config of hundreds of
/// thousands of profiles takes about the memory of its lines, and at most three times the
/// file's size whatever its shape (`scripts/bench-config`).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ProfileSet {
    text: String,
    profiles: Vec<Span>,
    sso_sessions: Vec<Span>,
    services: Vec<Span>,
}

impl fmt::Debug for ProfileSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileSet")
            .field("profiles", &self.sections(&self.profiles).collect::<Vec<_>>())
            .field("sso_sessions", &self.sections(&self.sso_sessions).collect::<Vec<_>>())
            .field("services", &self.sections(&self.services).map(|s| s.name()).collect::<Vec<_>>())
            .finish()
    }
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
    pub(crate) fn read(&mut self, kind: FileKind, reader: impl BufRead) -> Result<(), ReadError> {
        let mark = self.text.len();
        let mut file = FileParser::new(kind, std::mem::take(&mut self.text));
        let read = file.read_all(reader);
        self.text = std::mem::take(&mut file.text);
        match read {
            Ok(()) => {
                self.absorb(file);
                Ok(())
            }
            Err(e) => {
                // Nothing of a file with an error is kept.
                self.text.truncate(mark);
                self.text.shrink_to_fit();
                Err(e)
            }
        }
    }

    /// Files the definitions of a file just read, each kind sorted by name, a name's
    /// definitions in file order (an earlier file's first, so that the later file wins).
    fn absorb(&mut self, file: FileParser) {
        let FileParser { mut profiles, bare_default, sso_sessions, services, .. } = file;
        // `[profile default]` beats `[default]` in the same file, which is then ignored whole,
        // not merged: a user who writes both means the prefixed one.
        let text = &self.text;
        if !profiles.iter().any(|s| s.name(text) == "default") {
            profiles.extend(bare_default);
        }
        for (into, spans) in
            [(&mut self.profiles, profiles), (&mut self.sso_sessions, sso_sessions), (&mut self.services, services)]
        {
            into.extend(spans);
            // Stable, so a name's definitions stay in file order; and a merge sort, which takes
            // the runs a file already has in order (often all of it) as they are, in linear
            // time, and touches scratch memory only for what it moves.
            into.sort_by(|a, b| a.name(text).cmp(b.name(text)));
            into.shrink_to_fit();
        }
        self.text.shrink_to_fit();
    }

    /// The section called `name` in `spans` (sorted by name).
    fn find<'a>(&'a self, spans: &'a [Span], name: &str) -> Option<Section<'a>> {
        let text = self.text.as_str();
        let from = spans.partition_point(|s| s.name(text) < name);
        let to = from + spans.get(from..)?.partition_point(|s| s.name(text) == name);
        let spans = spans.get(from..to).filter(|s| !s.is_empty())?;
        Some(Section { text, spans })
    }

    /// Each section of `spans`, by name.
    fn sections<'a>(&'a self, spans: &'a [Span]) -> impl Iterator<Item = Section<'a>> + use<'a> {
        let text = self.text.as_str();
        spans.chunk_by(move |a, b| a.name(text) == b.name(text)).map(move |spans| Section { text, spans })
    }

    /// The profile called `name`.
    pub(crate) fn profile(&self, name: &str) -> Option<Section<'_>> {
        self.find(&self.profiles, name)
    }

    /// The `[sso-session name]` section.
    pub(crate) fn sso_session(&self, name: &str) -> Option<Section<'_>> {
        self.find(&self.sso_sessions, name)
    }

    /// The `[services name]` section.
    pub(crate) fn services(&self, name: &str) -> Option<Section<'_>> {
        self.find(&self.services, name)
    }

    /// Every profile, by name.
    #[cfg(any(test, feature = "_fuzzing"))]
    pub(crate) fn profiles(&self) -> impl Iterator<Item = Section<'_>> {
        self.sections(&self.profiles)
    }

    /// Every `[sso-session x]` section, by name.
    #[cfg(test)]
    pub(crate) fn sso_sessions(&self) -> impl Iterator<Item = Section<'_>> {
        self.sections(&self.sso_sessions)
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
        fn add<N: AsRef<str>, K: AsRef<str>, V: AsRef<str>>(
            file: &mut FileParser,
            target: Target,
            sections: impl IntoIterator<Item = (N, impl IntoIterator<Item = (K, V)>)>,
        ) {
            for (name, props) in sections {
                file.open(target, name.as_ref());
                for (k, v) in props {
                    file.push(k.as_ref(), v.as_ref());
                }
            }
        }
        let mut file = FileParser::new(FileKind::Config, String::new());
        add(&mut file, Target::Profile, profiles);
        add(&mut file, Target::SsoSession, sso_sessions);
        file.flush();
        let mut set = ProfileSet { text: std::mem::take(&mut file.text), ..ProfileSet::default() };
        set.absorb(file);
        set
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
    /// The files keep more than 4 GiB of profiles.
    TooLarge,
}

impl ReadError {
    /// The configuration error for the `what` file (`config`, `credentials`) shown as `source`.
    pub(crate) fn into_error(self, what: &str, source: &str) -> Error {
        let message = match self {
            ReadError::Io(e) => format!("could not read the {what} file {source}: {e}"),
            ReadError::NotUtf8 { at } => format!("the {what} file {source} is not valid UTF-8 (byte {at})"),
            ReadError::Syntax { line, why } => format!("{source}, line {line}: {why}"),
            ReadError::TooLarge => {
                format!("the {what} file {source} is too large: the files hold more than 4 GiB of settings")
            }
        };
        Error::configuration(ConfigErrorKind::File, message)
    }
}

/// One file, read a line at a time, so that a large file is never held whole: only what the
/// sections keep (each property once, as `key=value`) grows with it, in [`ProfileSet`]'s text.
struct FileParser {
    kind: FileKind,
    /// The set's text, this file's definitions appended as they are read.
    text: String,
    /// This file's definitions, in file order.
    profiles: Vec<Span>,
    bare_default: Vec<Span>,
    sso_sessions: Vec<Span>,
    services: Vec<Span>,
    /// The section being read and where its text starts; `None` before the first header.
    current: Option<(Target, usize)>,
    last: Option<LastProperty>,
}

impl FileParser {
    fn new(kind: FileKind, text: String) -> Self {
        FileParser {
            kind,
            text,
            profiles: Vec::new(),
            bare_default: Vec::new(),
            sso_sessions: Vec::new(),
            services: Vec::new(),
            current: None,
            last: None,
        }
    }

    /// Reads the whole file, a line at a time, and files its last section.
    fn read_all(&mut self, mut reader: impl BufRead) -> Result<(), ReadError> {
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
            self.line(number, text).map_err(|(line, why)| ReadError::Syntax { line, why })?;
            // Refused as soon as the offsets would no longer fit, not after reading it all.
            if u32::try_from(self.text.len()).is_err() {
                return Err(ReadError::TooLarge);
            }
            offset += read;
        }
        self.flush();
        Ok(())
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
            self.open(target, name);
            return Ok(());
        }
        let Some((target, _)) = self.current else {
            return Err((number, "expected a profile definition"));
        };
        if line.starts_with(WHITESPACE) {
            let last = self.last.ok_or((number, "expected a property definition, found continuation"))?;
            if last.has_sub_properties {
                parse_property_line(line).map_err(|e| (number, e.message(true)))?;
            }
            if last.kept {
                self.text.push('\n');
                self.text.push_str(line.trim_matches(WHITESPACE));
            }
        } else {
            let (key, value) = parse_property_line(line).map_err(|e| (number, e.message(false)))?;
            // Keys that cannot be identifiers are dropped, not errors: other SDKs accept the
            // file, so this one must too.
            let kept = target != Target::Ignored && is_identifier(key);
            if kept {
                self.push(key, value);
            }
            self.last = Some(LastProperty { has_sub_properties: value.is_empty(), kept });
        }
        Ok(())
    }

    /// Files the section being read and starts one called `name` (text only when it is kept).
    fn open(&mut self, target: Target, name: &str) {
        self.flush();
        let start = self.text.len();
        if target != Target::Ignored {
            self.text.push_str(name);
        }
        self.current = Some((target, start));
        self.last = None;
    }

    /// Adds one property to the section being read, `key` (lowercased here) and `value`.
    fn push(&mut self, key: &str, value: &str) {
        self.text.push_str(SEPARATOR);
        self.text.extend(key.chars().map(|c| c.to_ascii_lowercase()));
        self.text.push('=');
        self.text.push_str(value);
    }

    /// Files the section being read. Past 4 GiB of text the offsets no longer fit, and
    /// [`FileParser::read_all`] refuses the file.
    fn flush(&mut self) {
        let Some((target, start)) = self.current.take() else { return };
        let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(self.text.len())) else { return };
        let span = Span { start, end };
        match target {
            Target::Ignored => {}
            Target::BareDefault => self.bare_default.push(span),
            Target::Profile => self.profiles.push(span),
            Target::SsoSession => self.sso_sessions.push(span),
            Target::Services => self.services.push(span),
        }
    }
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
        assert_eq!(set.profiles().map(|s| s.name()).collect::<Vec<_>>(), ["a"]);
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
    fn a_definition_costs_its_text_and_eight_bytes() {
        assert_eq!(std::mem::size_of::<Span>(), 8);
        // Ignored sections keep nothing; kept ones keep their name and properties only.
        let set = config("[profile a]\nk = v\n[nonsense x]\nk = v\n[profile b]\n[sso-session s]\nx = y\n");
        assert_eq!(set.text, "a\n\tk=vbs\n\tx=y");
        assert_eq!((set.profiles.len(), set.sso_sessions.len()), (2, 1));
        let names: Vec<&str> = set.profiles().map(|s| s.name()).collect();
        assert_eq!(names, ["a", "b"]);
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
