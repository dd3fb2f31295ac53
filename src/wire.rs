//! The EC2 side of each operation without the transport: the request body to
//! sign and send, and the parser of what comes back. For programs that bring
//! their own HTTP client (async, or another stack); [`Client`](crate::Client)
//! uses the same functions.
//!
//! ```
//! use ec2_lite::{sigv4, wire, Credentials};
//!
//! let body = wire::disassociate_iam_instance_profile_body("iip-assoc-05020b59952902f5f")?;
//! let headers = [("content-type", wire::CONTENT_TYPE)];
//! let request = sigv4::SignableRequest::new("POST", "ec2.us-east-1.amazonaws.com", "/")
//!     .headers(&headers)
//!     .body(body.as_bytes());
//! let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
//! let now = time::OffsetDateTime::now_utc();
//! let signed = sigv4::sign(&request, &sigv4::SigningParams::new(&credentials, "us-east-1", "ec2", now));
//! // ... POST `body` with `headers` and `signed.headers()` to https://ec2.us-east-1.amazonaws.com/,
//! // then hand the status and the body text to the parser:
//! # let (status, text) = (400, "<Response><Errors><Error><Code>InvalidAssociationID.NotFound</Code><Message>gone</Message></Error></Errors><RequestID>r-1</RequestID></Response>");
//! match wire::parse_disassociate_iam_instance_profile(status, text) {
//!     Ok(out) => println!("{} is {}", out.iam_instance_profile_association.association_id, out.iam_instance_profile_association.state),
//!     Err(e) if e.is_not_found() => println!("already gone"),
//!     Err(e) => return Err(e),
//! }
//! # let _ = signed;
//! # Ok::<(), ec2_lite::Error>(())
//! ```

use crate::model::IamInstanceProfileSpecification;
use crate::ops::{
    associate_iam_instance_profile as associate, describe_iam_instance_profile_associations as describe,
    disassociate_iam_instance_profile as disassociate, replace_iam_instance_profile_association as replace,
};
use crate::{
    AssociateIamInstanceProfileOutput, DescribeIamInstanceProfileAssociations,
    DescribeIamInstanceProfileAssociationsOutput, DisassociateIamInstanceProfileOutput, Error,
    ReplaceIamInstanceProfileAssociationOutput, xml,
};

/// The `Content-Type` of every EC2 Query request (sign it).
pub const CONTENT_TYPE: &str = crate::query::FORM_CONTENT_TYPE;

/// The body of `DisassociateIamInstanceProfile`.
///
/// # Errors
/// [`Error::InvalidInput`] for an empty or malformed association id.
pub fn disassociate_iam_instance_profile_body(association_id: &str) -> Result<String, Error> {
    let request = crate::DisassociateIamInstanceProfile::new(association_id);
    request.check()?;
    Ok(request.body().into_string())
}

/// The body of `AssociateIamInstanceProfile`.
///
/// # Errors
/// [`Error::InvalidInput`] for a malformed instance id or a profile with
/// neither ARN nor name.
pub fn associate_iam_instance_profile_body(
    instance_id: &str,
    profile: &IamInstanceProfileSpecification,
) -> Result<String, Error> {
    let request = crate::AssociateIamInstanceProfile::new(instance_id, profile.clone());
    request.check()?;
    Ok(request.body().into_string())
}

/// The body of `ReplaceIamInstanceProfileAssociation`.
///
/// # Errors
/// [`Error::InvalidInput`] for a malformed association id or an empty profile.
pub fn replace_iam_instance_profile_association_body(
    association_id: &str,
    profile: &IamInstanceProfileSpecification,
) -> Result<String, Error> {
    let request = crate::ReplaceIamInstanceProfileAssociation::new(association_id, profile.clone());
    request.check()?;
    Ok(request.body().into_string())
}

/// The body of `DescribeIamInstanceProfileAssociations` (the request's own
/// `next_token`, if any, included).
///
/// # Errors
/// [`Error::InvalidInput`] as [`Client::describe_iam_instance_profile_associations`](crate::Client::describe_iam_instance_profile_associations).
pub fn describe_iam_instance_profile_associations_body(
    request: &DescribeIamInstanceProfileAssociations,
) -> Result<String, Error> {
    request.check()?;
    Ok(request.body(request.token()).into_string())
}

/// Parses the answer to `DisassociateIamInstanceProfile`: the association for
/// a 2xx status, else the error document as an [`Error`].
///
/// # Errors
/// [`Error::Service`] for an AWS error document, [`Error::UnexpectedResponse`]
/// for an error status with a body that is not one, [`Error::MalformedResponse`] for a 2xx
/// body that does not parse.
pub fn parse_disassociate_iam_instance_profile(
    status: u16,
    body: &str,
) -> Result<DisassociateIamInstanceProfileOutput, Error> {
    parse_with(status, body, disassociate::parse)
}

/// Parses the answer to `AssociateIamInstanceProfile`.
///
/// # Errors
/// As [`parse_disassociate_iam_instance_profile`].
pub fn parse_associate_iam_instance_profile(
    status: u16,
    body: &str,
) -> Result<AssociateIamInstanceProfileOutput, Error> {
    parse_with(status, body, associate::parse)
}

/// Parses the answer to `ReplaceIamInstanceProfileAssociation`.
///
/// # Errors
/// As [`parse_disassociate_iam_instance_profile`].
pub fn parse_replace_iam_instance_profile_association(
    status: u16,
    body: &str,
) -> Result<ReplaceIamInstanceProfileAssociationOutput, Error> {
    parse_with(status, body, replace::parse)
}

/// Parses one page of `DescribeIamInstanceProfileAssociations`.
///
/// # Errors
/// As [`parse_disassociate_iam_instance_profile`].
pub fn parse_describe_iam_instance_profile_associations(
    status: u16,
    body: &str,
) -> Result<DescribeIamInstanceProfileAssociationsOutput, Error> {
    parse_with(status, body, describe::parse)
}

/// Reads an AWS error document (EC2's, the Query protocol's, or moto's) as an
/// [`Error::Service`]; anything else as an [`Error::UnexpectedResponse`].
pub fn parse_error(status: u16, body: &str) -> Error {
    match xml::service_error(status, body, None) {
        Some(e) => Error::Service(e),
        None => Error::unexpected(status, "not an AWS error document", body.as_bytes(), None),
    }
}

fn parse_with<T>(status: u16, body: &str, parse: fn(&str) -> Result<T, String>) -> Result<T, Error> {
    if !(200..300).contains(&status) {
        return Err(parse_error(status, body));
    }
    parse(body).map_err(|reason| Error::malformed(status, &reason, body.as_bytes(), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_and_parsers_round_trip_the_fixtures() {
        assert_eq!(
            disassociate_iam_instance_profile_body("iip-assoc-1").unwrap(),
            "Action=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId=iip-assoc-1"
        );
        assert!(disassociate_iam_instance_profile_body("").is_err());
        let page = parse_describe_iam_instance_profile_associations(
            200,
            include_str!("../tests/fixtures/describe_iam_instance_profile_associations.moto-page1.xml"),
        )
        .unwrap();
        assert_eq!(page.next_token.as_deref(), Some("100"));
        let err = parse_disassociate_iam_instance_profile(503, "<html>busy</html>").unwrap_err();
        assert!(matches!(err, Error::UnexpectedResponse { status: 503, .. }));
        assert!(err.is_retryable());
        let err = parse_associate_iam_instance_profile(200, "<nope/>").unwrap_err();
        assert!(matches!(err, Error::MalformedResponse { status: 200, .. }));
        assert!(!err.is_retryable());
    }
}
