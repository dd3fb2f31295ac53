//! `DescribeInstances`, one page or all of them: how a caller picks a fleet
//! by EC2 filters (`tag:Role`, `instance-state-name`, ...).
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html>

use super::describe_iam_instance_profile_associations::{Cursor, Filter, MAX_RESULTS_RANGE};
use crate::model::Instance;
use crate::query::{EC2_API_VERSION, QueryBody};
use crate::{Client, Error, xml};

pub(crate) const ACTION: &str = "DescribeInstances";

/// The parameters of `DescribeInstances`. All optional.
///
/// ```
/// use ec2_lite::DescribeInstances;
/// let request = DescribeInstances::new()
///     .filter("tag:Role", ["web"])
///     .filter("instance-state-name", ["running", "stopped"])
///     .max_results(1000);
/// # let _ = request;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeInstances {
    instance_ids: Vec<String>,
    filters: Vec<Filter>,
    max_results: Option<u32>,
    next_token: Option<String>,
}

impl DescribeInstances {
    /// Every instance, in pages of EC2's default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only these instances.
    pub fn instance_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.instance_ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Adds a filter, e.g. `tag:Role` or `instance-state-name`; see EC2's
    /// reference for the names.
    pub fn filter(mut self, name: impl Into<String>, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.filters.push(Filter::new(name, values));
        self
    }

    /// Adds filters.
    pub fn filters(mut self, filters: impl IntoIterator<Item = Filter>) -> Self {
        self.filters.extend(filters);
        self
    }

    /// Page size, from 5 to 1000. EC2 refuses it together with instance ids.
    pub fn max_results(mut self, n: u32) -> Self {
        self.max_results = Some(n);
        self
    }

    /// Start at this page token.
    pub fn next_token(mut self, token: impl Into<String>) -> Self {
        self.next_token = Some(token.into());
        self
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if let Some(n) = self.max_results {
            if !MAX_RESULTS_RANGE.contains(&n) {
                return Err(Error::invalid_input(format!(
                    "max results must be from {} to {}, not {n}",
                    MAX_RESULTS_RANGE.start(),
                    MAX_RESULTS_RANGE.end()
                )));
            }
            // EC2 answers InvalidParameterCombination; moto would page anyway.
            if !self.instance_ids.is_empty() {
                return Err(Error::invalid_input("max results cannot be combined with instance ids"));
            }
        }
        for id in &self.instance_ids {
            super::check_instance_id(id)?;
        }
        super::describe_iam_instance_profile_associations::check_filters(&self.filters)
    }

    pub(crate) fn body(&self, next_token: Option<&str>) -> QueryBody {
        let mut b = QueryBody::new(ACTION, EC2_API_VERSION);
        b.push_list("InstanceId", &self.instance_ids);
        super::describe_iam_instance_profile_associations::push_filters(&mut b, &self.filters);
        if let Some(n) = self.max_results {
            b.push("MaxResults", &n.to_string());
        }
        if let Some(t) = next_token.filter(|t| !t.is_empty()) {
            b.push("NextToken", t);
        }
        b
    }
}

/// What `DescribeInstances` returns: one page, its reservations flattened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DescribeInstancesOutput {
    /// The instances on this page, in the order EC2 listed them.
    pub instances: Vec<Instance>,
    /// The token for the next page; `None` on the last page.
    pub next_token: Option<String>,
    /// The request id EC2 gave this call, for AWS support.
    pub request_id: Option<String>,
}

/// Parses `<DescribeInstancesResponse>`: the instances are the items of each
/// reservation's `instancesSet`, under `reservationSet`.
pub(crate) fn parse(text: &str) -> Result<DescribeInstancesOutput, String> {
    let doc = xml::parse(text)?;
    let root = xml::root(&doc, "DescribeInstancesResponse")?;
    let mut instances = Vec::new();
    if let Some(reservations) = xml::child(root, "reservationSet") {
        for reservation in xml::children(reservations, "item") {
            let Some(set) = xml::child(reservation, "instancesSet") else { continue };
            for item in xml::children(set, "item") {
                instances.push(Instance::from_xml(item)?);
            }
        }
    }
    let next_token = xml::child_text(root, "nextToken").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    Ok(DescribeInstancesOutput { instances, next_token, request_id: xml::request_id(root) })
}

impl Client {
    /// One page of instances.
    ///
    /// ```no_run
    /// use ec2_lite::DescribeInstances;
    /// let client = ec2_lite::Client::from_env()?;
    /// let page = client.describe_instances(&DescribeInstances::new().filter("tag:Role", ["web"]))?;
    /// for instance in &page.instances {
    ///     println!("{} {}", instance.instance_id, instance.state);
    /// }
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a `max_results` outside 5..=1000 or given
    /// with instance ids, a malformed instance id or an empty filter, before
    /// any request; otherwise as for any call.
    ///
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html>
    pub fn describe_instances(&self, request: &DescribeInstances) -> Result<DescribeInstancesOutput, Error> {
        request.check()?;
        self.send_and_parse(request.body(request.next_token.as_deref()), parse)
    }

    /// Every page, fetched lazily as the iterator advances; `.items()` walks
    /// the instances instead. Pages end as for
    /// [`Client::describe_iam_instance_profile_associations_pages`].
    ///
    /// ```no_run
    /// use ec2_lite::{DescribeInstances, EnsureOptions, IamInstanceProfileSpecification};
    /// let client = ec2_lite::Client::from_env()?;
    /// let web: Vec<String> = client
    ///     .describe_instances_pages(&DescribeInstances::new().filter("tag:Role", ["web"]).max_results(1000))
    ///     .items()
    ///     .map(|i| i.map(|i| i.instance_id))
    ///     .collect::<Result<_, _>>()?;
    /// let profile = IamInstanceProfileSpecification::name("web");
    /// client.ensure_instance_profiles(&web, Some(&profile), &EnsureOptions::default());
    /// # Ok::<(), ec2_lite::Error>(())
    /// ```
    pub fn describe_instances_pages(&self, request: &DescribeInstances) -> DescribeInstancesPages<'_> {
        DescribeInstancesPages {
            client: self,
            request: request.clone(),
            cursor: Cursor::new(request.next_token.clone()),
        }
    }
}

/// The pages of a `DescribeInstances`, fetched as needed. A page that fails
/// is yielded as `Err` and ends the iteration.
#[derive(Debug)]
pub struct DescribeInstancesPages<'a> {
    client: &'a Client,
    request: DescribeInstances,
    cursor: Cursor,
}

impl<'a> DescribeInstancesPages<'a> {
    /// The instances of every page, one at a time.
    pub fn items(self) -> DescribeInstancesItems<'a> {
        DescribeInstancesItems { pages: self, current: Vec::new().into_iter() }
    }
}

impl Iterator for DescribeInstancesPages<'_> {
    type Item = Result<DescribeInstancesOutput, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let (client, request) = (self.client, &self.request);
        self.cursor.next_page(
            |token| {
                request.check()?;
                client.send_and_parse(request.body(token), parse)
            },
            |page| page.next_token.as_ref(),
            |page| page.request_id.clone(),
        )
    }
}

impl std::iter::FusedIterator for DescribeInstancesPages<'_> {}

/// The instances of every page. As with [`DescribeInstancesPages`], an error
/// is yielded once and ends the iteration.
#[derive(Debug)]
pub struct DescribeInstancesItems<'a> {
    pages: DescribeInstancesPages<'a>,
    current: std::vec::IntoIter<Instance>,
}

impl std::iter::FusedIterator for DescribeInstancesItems<'_> {}

impl Iterator for DescribeInstancesItems<'_> {
    type Item = Result<Instance, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(i) = self.current.next() {
                return Some(Ok(i));
            }
            match self.pages.next()? {
                Ok(page) => self.current = page.instances.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IamInstanceProfile;

    #[test]
    fn body_flattens_lists_like_botocore() {
        let r = DescribeInstances::new().filter("tag:Role", ["web", "api"]).filter("instance-state-name", ["running"]);
        assert_eq!(
            r.body(Some("tok")).as_str(),
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3ARole&Filter.1.Value.1=web\
             &Filter.1.Value.2=api&Filter.2.Name=instance-state-name&Filter.2.Value.1=running&NextToken=tok"
        );
        let ids = DescribeInstances::new().instance_ids(["i-1", "i-2"]);
        assert_eq!(
            ids.body(None).as_str(),
            "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2"
        );
        assert_eq!(
            DescribeInstances::new().max_results(5).body(None).as_str(),
            "Action=DescribeInstances&Version=2016-11-15&MaxResults=5"
        );
    }

    #[test]
    fn local_checks() {
        for n in [4, 1001] {
            assert!(matches!(DescribeInstances::new().max_results(n).check(), Err(Error::InvalidInput(_))));
        }
        assert!(DescribeInstances::new().max_results(1000).check().is_ok());
        let both = DescribeInstances::new().instance_ids(["i-0123456789abcdef0"]).max_results(5);
        assert!(matches!(both.check(), Err(Error::InvalidInput(_))), "ec2 refuses the combination");
        assert!(DescribeInstances::new().instance_ids(["web-1"]).check().is_err());
        assert!(DescribeInstances::new().filter("tag:Role", Vec::<String>::new()).check().is_err());
    }

    #[test]
    fn parses_the_documented_sample_across_reservations() {
        let page = parse(include_str!("../../tests/fixtures/describe_instances.aws.xml")).unwrap();
        let got: Vec<(&str, &str, Option<&str>)> = page
            .instances
            .iter()
            .map(|i| {
                (i.instance_id.as_str(), i.state.as_str(), i.iam_instance_profile.as_ref().map(|p| p.arn.as_str()))
            })
            .collect();
        assert_eq!(
            got,
            [
                ("i-1234567890abcdef0", "running", Some("arn:aws:iam::123456789012:instance-profile/web")),
                ("i-0598c7d356eba48d7", "stopped", None),
                ("i-0a1b2c3d4e5f60718", "running", None),
            ]
        );
        assert_eq!(
            page.instances[0].iam_instance_profile,
            Some(IamInstanceProfile {
                arn: "arn:aws:iam::123456789012:instance-profile/web".into(),
                id: "AIPAJ2ZSWI3X5NLC7ZIAK".into()
            })
        );
        assert_eq!(page.next_token.as_deref(), Some("eyJ2IjoiMiIsImMiOiJ0b2tlbiJ9"));
        assert_eq!(page.request_id.as_deref(), Some("8f7724cf-496f-496e-8fe3-example"));
    }

    #[test]
    fn an_empty_answer_is_an_empty_last_page() {
        let page =
            parse("<DescribeInstancesResponse><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>")
                .unwrap();
        assert!(page.instances.is_empty() && page.next_token.is_none());
        assert!(parse("<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceState><name>running</name></instanceState></item></instancesSet></item></reservationSet></DescribeInstancesResponse>").is_err(), "an instance without its id");
    }
}
