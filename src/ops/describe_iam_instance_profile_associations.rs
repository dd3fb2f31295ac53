//! `DescribeIamInstanceProfileAssociations`, one page or all of them.
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeIamInstanceProfileAssociations.html>

use crate::model::IamInstanceProfileAssociation;
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::{Client, Error, xml};

pub(crate) const ACTION: &str = "DescribeIamInstanceProfileAssociations";

/// The range EC2 accepts for `MaxResults`. moto ignores it; EC2 does not, so
/// it is checked here before any request.
pub const MAX_RESULTS_RANGE: std::ops::RangeInclusive<u32> = 5..=1000;

/// An EC2 filter: several values are ORed, several filters ANDed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Filter {
    /// The filter name: `instance-id` or `state`. `None` sends no
    /// `Filter.N.Name`, which EC2 refuses (see [`Filter::without_name`]).
    pub name: Option<String>,
    /// The values to match (case-sensitive).
    pub values: Vec<String>,
}

impl Filter {
    /// A filter matching any of `values`.
    pub fn new(name: impl Into<String>, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Filter { name: Some(name.into()), values: values.into_iter().map(Into::into).collect() }
    }

    /// A filter without a name: the request's check refuses it, and EC2
    /// too. For sending, unchecked, exactly what another client was given.
    pub fn without_name(values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Filter { name: None, values: values.into_iter().map(Into::into).collect() }
    }
}

/// Refuses a filter without a name or without values.
pub(crate) fn check_filters(filters: &[Filter]) -> Result<(), Error> {
    for f in filters {
        let Some(name) = f.name.as_deref().filter(|n| !n.trim().is_empty()) else {
            return Err(Error::invalid_input("a filter has an empty name"));
        };
        if f.values.is_empty() {
            return Err(Error::invalid_input(format!("filter {name:?} has no values")));
        }
    }
    Ok(())
}

/// `Filter.N.Name` (when there is one) and `Filter.N.Value.M`, as given.
pub(crate) fn push_filters(b: &mut QueryBody, filters: &[Filter]) {
    for (i, f) in filters.iter().enumerate() {
        let prefix = format!("Filter.{}", i + 1);
        if let Some(name) = &f.name {
            b.push(&format!("{prefix}.Name"), name);
        }
        b.push_list(&format!("{prefix}.Value"), &f.values);
    }
}

/// The parameters of `DescribeIamInstanceProfileAssociations`. All optional.
///
/// ```
/// use ec2_lite::DescribeIamInstanceProfileAssociations;
/// let request = DescribeIamInstanceProfileAssociations::new()
///     .filter("instance-id", ["i-1234567890abcdef0"])
///     .filter("state", ["associating", "associated"])
///     .max_results(50);
/// # let _ = request;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeIamInstanceProfileAssociations {
    association_ids: Vec<String>,
    filters: Vec<Filter>,
    max_results: Option<u32>,
    next_token: Option<String>,
}

impl DescribeIamInstanceProfileAssociations {
    /// Every association, in pages of EC2's default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only these associations.
    pub fn association_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.association_ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Adds a filter (`instance-id` or `state`).
    pub fn filter(mut self, name: impl Into<String>, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.filters.push(Filter::new(name, values));
        self
    }

    /// Adds filters.
    pub fn filters(mut self, filters: impl IntoIterator<Item = Filter>) -> Self {
        self.filters.extend(filters);
        self
    }

    /// Page size, from 5 to 1000.
    pub fn max_results(mut self, n: u32) -> Self {
        self.max_results = Some(n);
        self
    }

    /// Start at this page token (as EC2 gave it; an empty one is refused
    /// by [`check`](Self::check)).
    pub fn next_token(mut self, token: impl Into<String>) -> Self {
        self.next_token = Some(token.into());
        self
    }

    /// The page token set with [`Self::next_token`].
    pub(crate) fn token(&self) -> Option<&str> {
        self.next_token.as_deref()
    }

    /// What [`Client::describe_iam_instance_profile_associations`] refuses
    /// before any request: a `max_results` outside 5..=1000, a malformed
    /// association id, a filter without a name or values, an empty next
    /// token.
    ///
    /// # Errors
    /// [`Error::InvalidInput`], saying which.
    pub fn check(&self) -> Result<(), Error> {
        if self.next_token.as_deref() == Some("") {
            return Err(Error::invalid_input("the next token is empty"));
        }
        if let Some(n) = self.max_results
            && !MAX_RESULTS_RANGE.contains(&n)
        {
            return Err(Error::invalid_input(format!(
                "max results must be from {} to {}, not {n}",
                MAX_RESULTS_RANGE.start(),
                MAX_RESULTS_RANGE.end()
            )));
        }
        for id in &self.association_ids {
            super::check_association_id(id)?;
        }
        check_filters(&self.filters)
    }

    pub(crate) fn body(&self, next_token: Option<&str>) -> QueryBody {
        let mut b = QueryBody::new(ACTION, EC2_API_VERSION);
        b.push_list("AssociationId", &self.association_ids);
        push_filters(&mut b, &self.filters);
        if let Some(n) = self.max_results {
            b.push("MaxResults", &n.to_string());
        }
        if let Some(t) = next_token {
            b.push("NextToken", t);
        }
        b
    }
}

impl super::Request for DescribeIamInstanceProfileAssociations {
    type Output = DescribeIamInstanceProfileAssociationsOutput;

    fn check(&self) -> Result<(), Error> {
        DescribeIamInstanceProfileAssociations::check(self)
    }
}

impl super::sealed::Sealed for DescribeIamInstanceProfileAssociations {
    fn query_body(&self) -> QueryBody {
        self.body(self.next_token.as_deref())
    }

    fn parse_response(text: &str) -> Result<DescribeIamInstanceProfileAssociationsOutput, String> {
        parse(text)
    }
}

/// What `DescribeIamInstanceProfileAssociations` returns: one page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DescribeIamInstanceProfileAssociationsOutput {
    /// The associations on this page.
    pub iam_instance_profile_associations: Vec<IamInstanceProfileAssociation>,
    /// The token for the next page; `None` on the last page.
    pub next_token: Option<String>,
    /// The request id EC2 gave this call, for AWS support.
    pub request_id: Option<String>,
}

/// Parses `<DescribeIamInstanceProfileAssociationsResponse>`. The items are
/// in `iamInstanceProfileAssociationSet`; the API reference's sample calls it
/// `iamInstanceProfileAssociations`, which is accepted too.
pub(crate) fn parse(text: &str) -> Result<DescribeIamInstanceProfileAssociationsOutput, String> {
    let doc = xml::parse(text)?;
    let root = xml::root(&doc, "DescribeIamInstanceProfileAssociationsResponse")?;
    let set = xml::child(root, "iamInstanceProfileAssociationSet")
        .or_else(|| xml::child(root, "iamInstanceProfileAssociations"));
    let iam_instance_profile_associations = match set {
        Some(set) => {
            xml::children(set, "item").map(IamInstanceProfileAssociation::from_xml).collect::<Result<_, _>>()?
        }
        None => Vec::new(),
    };
    let next_token = xml::child_text(root, "nextToken").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    Ok(DescribeIamInstanceProfileAssociationsOutput {
        iam_instance_profile_associations,
        next_token,
        request_id: xml::request_id(root),
    })
}

impl Client {
    /// One page of associations.
    ///
    /// ```no_run
    /// use ec2_lite::DescribeIamInstanceProfileAssociations;
    /// let client = ec2_lite::Client::from_env()?;
    /// let request = DescribeIamInstanceProfileAssociations::new().filter("instance-id", ["i-1234567890abcdef0"]);
    /// let page = client.describe_iam_instance_profile_associations(&request)?;
    /// for assoc in &page.iam_instance_profile_associations {
    ///     println!("{} {}", assoc.association_id, assoc.state);
    /// }
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a `max_results` outside 5..=1000, a
    /// malformed association id or an empty filter, before any request;
    /// otherwise as for any call.
    ///
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeIamInstanceProfileAssociations.html>
    pub fn describe_iam_instance_profile_associations(
        &self,
        request: &DescribeIamInstanceProfileAssociations,
    ) -> Result<DescribeIamInstanceProfileAssociationsOutput, Error> {
        self.execute(request)
    }

    /// Every page, fetched lazily as the iterator advances; `.items()` walks
    /// the associations instead. It stops after a page without a next token,
    /// and fails rather than loop if EC2 hands back the same token twice.
    ///
    /// ```no_run
    /// use ec2_lite::DescribeIamInstanceProfileAssociations;
    /// let client = ec2_lite::Client::from_env()?;
    /// for assoc in client.describe_iam_instance_profile_associations_pages(&DescribeIamInstanceProfileAssociations::new()).items() {
    ///     let assoc = assoc?;
    ///     println!("{} {}", assoc.instance_id, assoc.iam_instance_profile.arn);
    /// }
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    pub fn describe_iam_instance_profile_associations_pages(
        &self,
        request: &DescribeIamInstanceProfileAssociations,
    ) -> Pages<'_> {
        Pages { client: self, request: request.clone(), cursor: Cursor::new(request.next_token.clone()), checked: true }
    }
}

/// The pages of a `DescribeIamInstanceProfileAssociations`, fetched as needed.
///
/// A page that fails (after the client's retries) is yielded as `Err` and ends
/// the iteration: every later `next()` returns `None`. To resume, start a new
/// request from the last good page's `next_token`.
#[derive(Debug)]
pub struct Pages<'a> {
    client: &'a Client,
    request: DescribeIamInstanceProfileAssociations,
    cursor: Cursor,
    checked: bool,
}

/// Where a paginated listing is: the token of the next page, and whether the
/// listing ended. Every paginated operation walks its pages with it.
#[derive(Debug)]
pub(crate) struct Cursor {
    next_token: Option<String>,
    previous_token: Option<String>,
    done: bool,
}

impl Cursor {
    /// A listing starting at `next_token` (the first page for `None`).
    pub(crate) fn new(next_token: Option<String>) -> Self {
        Cursor { next_token, previous_token: None, done: false }
    }

    /// Fetches the next page with `fetch` (given the page token), unless the
    /// listing ended. A failed page ends it; so does a page without a next
    /// token, and a token received twice is an error rather than a loop.
    /// `token_of` and `request_id_of` read a page's next token and request id.
    pub(crate) fn next_page<T>(
        &mut self,
        fetch: impl FnOnce(Option<&str>) -> Result<T, Error>,
        token_of: impl Fn(&T) -> Option<&String>,
        request_id_of: impl Fn(&T) -> Option<String>,
    ) -> Option<Result<T, Error>> {
        if self.done {
            return None;
        }
        let page = match fetch(self.next_token.as_deref()) {
            Ok(p) => p,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        match token_of(&page) {
            None => self.done = true,
            Some(t) if self.previous_token.as_ref() == Some(t) => {
                self.done = true;
                let reason = format!("the same next token was received twice: {t:?}");
                return Some(Err(Error::malformed(200, &reason, b"", request_id_of(&page))));
            }
            Some(t) => {
                self.previous_token = Some(t.clone());
                self.next_token = Some(t.clone());
            }
        }
        Some(Ok(page))
    }
}

impl<'a> Pages<'a> {
    /// The same pages, each request sent without the request's
    /// [`check`](DescribeIamInstanceProfileAssociations::check), as
    /// [`Client::execute_unchecked`] sends it: EC2 judges the parameters.
    pub fn unchecked(mut self) -> Self {
        self.checked = false;
        self
    }

    /// The associations of every page, one at a time.
    pub fn items(self) -> Items<'a> {
        Items { pages: self, current: Vec::new().into_iter() }
    }
}

impl Iterator for Pages<'_> {
    type Item = Result<DescribeIamInstanceProfileAssociationsOutput, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let (client, request, checked) = (self.client, &self.request, self.checked);
        self.cursor.next_page(
            |token| {
                if checked {
                    request.check()?;
                }
                client.send_and_parse(request.body(token), parse)
            },
            |page| page.next_token.as_ref(),
            |page| page.request_id.clone(),
        )
    }
}

/// The associations of every page. As with [`Pages`], an error is yielded
/// once and ends the iteration.
#[derive(Debug)]
pub struct Items<'a> {
    pages: Pages<'a>,
    current: std::vec::IntoIter<IamInstanceProfileAssociation>,
}

impl std::iter::FusedIterator for Pages<'_> {}

impl std::iter::FusedIterator for Items<'_> {}

impl Iterator for Items<'_> {
    type Item = Result<IamInstanceProfileAssociation, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(a) = self.current.next() {
                return Some(Ok(a));
            }
            match self.pages.next()? {
                Ok(page) => self.current = page.iam_instance_profile_associations.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_flattens_lists_like_botocore() {
        let r = DescribeIamInstanceProfileAssociations::new()
            .association_ids(["a1", "a2"])
            .filter("instance-id", ["i-1", "i-2"])
            .filter("state", ["associated"])
            .max_results(5);
        assert_eq!(
            r.body(Some("tok")).as_str(),
            "Action=DescribeIamInstanceProfileAssociations&Version=2016-11-15&AssociationId.1=a1&AssociationId.2=a2\
             &Filter.1.Name=instance-id&Filter.1.Value.1=i-1&Filter.1.Value.2=i-2&Filter.2.Name=state\
             &Filter.2.Value.1=associated&MaxResults=5&NextToken=tok"
        );
        let nameless = DescribeIamInstanceProfileAssociations::new().filters([Filter::without_name(["x"])]);
        assert!(nameless.body(None).as_str().ends_with("&Filter.1.Value.1=x"));
        assert!(nameless.check().is_err());
        assert_eq!(
            DescribeIamInstanceProfileAssociations::new().body(None).as_str(),
            "Action=DescribeIamInstanceProfileAssociations&Version=2016-11-15"
        );
    }

    #[test]
    fn local_checks() {
        for n in [0, 4, 1001] {
            assert!(matches!(
                DescribeIamInstanceProfileAssociations::new().max_results(n).check(),
                Err(Error::InvalidInput(_))
            ));
        }
        for n in [5, 1000] {
            assert!(DescribeIamInstanceProfileAssociations::new().max_results(n).check().is_ok());
        }
        assert!(DescribeIamInstanceProfileAssociations::new().filter("state", Vec::<String>::new()).check().is_err());
        assert!(DescribeIamInstanceProfileAssociations::new().association_ids(["bad"]).check().is_err());
        // An empty token is refused by the check, and sent as given without it.
        let empty_token = DescribeIamInstanceProfileAssociations::new().next_token("");
        assert!(matches!(empty_token.check(), Err(Error::InvalidInput(_))));
        assert!(empty_token.body(empty_token.token()).as_str().ends_with("&NextToken="));
    }

    #[test]
    fn parses_the_documented_sample_with_its_misspelt_set() {
        let page =
            parse(include_str!("../../tests/fixtures/describe_iam_instance_profile_associations.aws.xml")).unwrap();
        assert_eq!(page.iam_instance_profile_associations.len(), 1);
        assert_eq!(page.iam_instance_profile_associations[0].association_id, "iip-assoc-0db249b1f25fa24b8");
        assert!(page.iam_instance_profile_associations[0].timestamp.is_some());
        assert_eq!(page.next_token, None);
        assert_eq!(page.request_id.as_deref(), Some("84c2d2a6-12dc-491f-a9ee-example"));
    }

    #[test]
    fn parses_moto_bodies() {
        let page =
            parse(include_str!("../../tests/fixtures/describe_iam_instance_profile_associations.moto.xml")).unwrap();
        assert_eq!(page.iam_instance_profile_associations.len(), 2);
        assert_eq!(page.iam_instance_profile_associations[1].instance_id, "i-734231f59c8d799b0");
        let empty =
            parse(include_str!("../../tests/fixtures/describe_iam_instance_profile_associations.moto-empty.xml"))
                .unwrap();
        assert!(empty.iam_instance_profile_associations.is_empty() && empty.next_token.is_none());
        let p1 = parse(include_str!("../../tests/fixtures/describe_iam_instance_profile_associations.moto-page1.xml"))
            .unwrap();
        assert_eq!(p1.next_token.as_deref(), Some("100"));
    }

    #[test]
    fn empty_next_token_means_last_page() {
        let page = parse("<DescribeIamInstanceProfileAssociationsResponse><iamInstanceProfileAssociationSet/><nextToken></nextToken></DescribeIamInstanceProfileAssociationsResponse>").unwrap();
        assert_eq!(page.next_token, None);
    }
}
