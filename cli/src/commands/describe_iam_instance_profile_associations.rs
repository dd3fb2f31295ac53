//! `describe-iam-instance-profile-associations`:
//! DescribeIamInstanceProfileAssociations, every page unless told otherwise,
//! with botocore's `--max-items` and `--starting-token`.

use ec2_lite::{DescribeIamInstanceProfileAssociations, Filter};

use super::{
    Command, Ctx, Example, FILTERS, Member, Printable, Response, Skeleton, Ty, association, check_min, send, validation,
};
use crate::CliError;
use crate::args::Opt;
use crate::output::Value;
use crate::paging::{self, Resume};
use crate::settings::python_int;
use crate::shorthand;

pub(super) const COMMAND: Command = Command {
    name: "describe-iam-instance-profile-associations",
    operation: "DescribeIamInstanceProfileAssociations",
    summary: "Describes your IAM instance profile associations (every page, unless --no-paginate).",
    members: &[
        Member::new(
            "AssociationIds",
            Ty::List(&Ty::Str),
            Opt::any("association-ids", "The IAM instance profile associations."),
        ),
        Member::new(
            "Filters",
            FILTERS,
            Opt::many("filters", "The filters (instance-id, state): Name=string,Values=string,string ... (or JSON)."),
        ),
        Member::new(
            "MaxResults",
            Ty::Int,
            Opt::one("max-results", "The maximum number of items per request (5 to 1000): one page only."),
        ),
        Member::new("NextToken", Ty::Str, Opt::one("next-token", "The token of the page to get: one page only.")),
    ],
    skeleton: Some(Skeleton {
        json: "{\n    \"AssociationIds\": [\n        \"\"\n    ],\n    \"Filters\": [\n        {\n            \
             \"Name\": \"\",\n            \"Values\": [\n                \"\"\n            ]\n        }\n    ],\n    \
             \"MaxResults\": 0,\n    \"NextToken\": \"\"\n}\n",
        yaml: "AssociationIds:  # The IAM instance profile associations.\n- ''\nFilters: # The filters.\n- Name: ''  \
             # The name of the filter.\n  Values: # The filter values.\n  - ''\nMaxResults: 0 # The maximum number \
             of items to return for this request.\nNextToken: '' # The token returned from a previous paginated \
             request.\n",
    }),
    paginated: true,
    response: Response::Listing,
    examples: EXAMPLES,
    run,
    ..Command::BASE
};

/// Help's EXAMPLES. The README's CLI examples are among them.
const EXAMPLES: &[Example] = &[
    Example::new(
        "To describe the association of an instance",
        "ec2-lite describe-iam-instance-profile-associations \
                 --filters Name=instance-id,Values=i-1234567890abcdef0",
    ),
    Example::new(
        "To print only the association's ID",
        "ec2-lite describe-iam-instance-profile-associations \
                 --filters Name=instance-id,Values=i-1234567890abcdef0 \
                 --query 'IamInstanceProfileAssociations[0].AssociationId' --output text",
    ),
    Example::new(
        "To list the associated ones as a table",
        "ec2-lite describe-iam-instance-profile-associations --output table \
                 --query \"IamInstanceProfileAssociations[?State=='associated'].{Id: AssociationId, Instance: InstanceId}\"",
    ),
];

/// The key botocore's paginator aggregates.
const ITEMS_KEY: &str = "IamInstanceProfileAssociations";
const DESCRIBE: &str = "DescribeIamInstanceProfileAssociations";
/// The model's `min` of `MaxResults`; its `max` (1000) is EC2's to enforce.
const MAX_RESULTS_MIN: i64 = 5;

/// The describe request but the paging members, as botocore serializes it.
fn describe_request(ctx: &Ctx<'_>) -> Result<DescribeIamInstanceProfileAssociations, CliError> {
    let p = ctx.parsed;
    let mut request = DescribeIamInstanceProfileAssociations::new();
    if let Some(ids) = p.many("association-ids") {
        request = request.association_ids(shorthand::strings(ids, "--association-ids").map_err(CliError::usage)?);
    }
    if let Some(raw) = p.many("filters") {
        let parsed = shorthand::structures(raw, &["Name", "Values"], "--filters").map_err(CliError::usage)?;
        let mut filters = Vec::new();
        for (i, f) in parsed.iter().enumerate() {
            let name = shorthand::single(f, "Name", &format!("Filters[{i}]")).map_err(CliError::usage)?;
            let values = f.iter().rev().find(|(k, _)| k == "Values").map(|(_, v)| v.clone()).unwrap_or_default();
            filters.push(match name {
                Some(name) => Filter::new(name, values),
                None => Filter::without_name(values),
            });
        }
        request = request.filters(filters);
    }
    Ok(request)
}

/// A `MaxResults` botocore accepted (at least 5), as the request holds it.
fn max_results(n: i64) -> Result<u32, CliError> {
    u32::try_from(n).map_err(|_| validation(&format!("Invalid value for parameter MaxResults, value: {n}")))
}

fn run(ctx: &Ctx<'_>) -> Result<Option<Printable>, CliError> {
    let p = ctx.parsed;
    let mut request = describe_request(ctx)?;
    let max_results_given = ctx.int("max-results", "MaxResults", Some(MAX_RESULTS_MIN))?;
    let next_token = p.one("next-token");
    // argparse already checked these are integers.
    let max_items = p.one("max-items").and_then(python_int);
    let page_size = p.one("page-size").and_then(python_int);
    let starting_token = p.one("starting-token");

    // As the AWS CLI does: giving the service's own paging parameters means
    // "I am paging by hand", which turns auto-pagination off.
    let paginate = ctx.settings.paginate && max_results_given.is_none() && next_token.is_none();
    if !paginate {
        // awscli/customizations/paginate.py, `ensure_paging_params_not_set`:
        // Python truthiness, so 0 and "" count as not given.
        let set: Vec<&str> = [
            ("--starting-token", starting_token.is_some_and(|t| !t.is_empty())),
            ("--page-size", page_size.is_some_and(|n| n != 0)),
            ("--max-items", max_items.is_some_and(|n| n != 0)),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        if !set.is_empty() {
            return Err(CliError::param(format!(
                "Cannot specify --no-paginate along with pagination arguments: {}",
                set.join(", ")
            )));
        }
        if let Some(n) = max_results_given {
            request = request.max_results(max_results(n)?);
        }
        if let Some(t) = next_token {
            request = request.next_token(t);
        }
        let page = send(ctx, DESCRIBE, &request)?;
        let mut m =
            vec![(ITEMS_KEY, Value::List(page.iam_instance_profile_associations.iter().map(association).collect()))];
        if let Some(t) = page.next_token {
            m.push(("NextToken", Value::str(t)));
        }
        return Ok(Some(Printable::Single(Value::map(m))));
    }

    if let Some(n) = page_size {
        check_min("MaxResults", n, Some(MAX_RESULTS_MIN))?;
        request = request.max_results(max_results(n)?);
    }
    if max_items.is_some_and(|n| n <= 0) {
        // awscli/customizations/paginate.py's PageArgument
        crate::error::eprint("warning: Non-positive values for --max-items may result in undefined behavior.\n");
    }
    let max_items = max_items.map(|n| usize::try_from(n).unwrap_or(0));
    // botocore's PageIterator, step for step, over the library's pages: skip
    // what an earlier run printed of the first page, stop at --max-items and
    // say where to resume.
    let start = starting_token.map(paging::decode).transpose().map_err(CliError::usage)?.unwrap_or_default();
    if let Some(t) = &start.token {
        request = request.next_token(t);
    }
    // The token the current page was fetched with.
    let mut token = start.token.clone();
    let mut first_skip = start.skip;
    let mut pages: Vec<Vec<Value>> = Vec::new();
    let mut page_tokens: Vec<Option<String>> = Vec::new();
    let mut total = 0usize;
    let mut resume = None;
    for page in ctx.client.describe_iam_instance_profile_associations_pages(&request).unchecked() {
        let page = page.map_err(|e| ctx.fail(DESCRIBE, &e))?;
        let skipped = std::mem::take(&mut first_skip);
        let mut items: Vec<Value> =
            page.iam_instance_profile_associations.iter().skip(skipped).map(association).collect();
        if let Some(max) = max_items
            && total + items.len() > max
        {
            let keep = max - total;
            items.truncate(keep);
            resume = Some(paging::encode(&Resume { token: token.clone(), skip: keep + skipped }, true));
            pages.push(items);
            page_tokens.push(page.next_token);
            break;
        }
        total += items.len();
        pages.push(items);
        page_tokens.push(page.next_token.clone());
        let Some(next) = page.next_token else { break };
        if max_items.is_some_and(|m| m == total) {
            resume = Some(paging::encode(&Resume { token: Some(next), skip: 0 }, false));
            break;
        }
        token = Some(next);
    }
    Ok(Some(Printable::Paged { key: ITEMS_KEY, pages, page_tokens, resume }))
}
