//! XML helpers over roxmltree, and the AWS error documents.
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>
//!
//! Elements are matched by local name only: AWS writes the EC2 namespace with
//! a trailing `/` and moto without, and error documents have none at all.

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::ServiceError;

/// Parses `text`, refusing DTDs (and so entity-expansion tricks).
pub(crate) fn parse(text: &str) -> Result<Document<'_>, String> {
    let opts = ParsingOptions { allow_dtd: false, nodes_limit: 1 << 20, ..ParsingOptions::default() };
    Document::parse_with_options(text, opts).map_err(|e| format!("malformed xml: {e}"))
}

/// The first child element named `name`.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.is_element() && n.tag_name().name() == name)
}

/// Every child element named `name`.
pub(crate) fn children<'a, 'i: 'a>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// The first descendant element (the node itself included) named `name`.
pub(crate) fn descendant<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants().find(|n| n.is_element() && n.tag_name().name() == name)
}

/// The text of an element: all its text, entities resolved, `""` when empty.
pub(crate) fn text(node: Node<'_, '_>) -> String {
    let mut out = String::new();
    for n in node.children() {
        if let Some(t) = n.text().filter(|_| n.is_text()) {
            out.push_str(t);
        }
    }
    out
}

/// The text of child `name`, if the child exists.
pub(crate) fn child_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(text)
}

/// The text of child `name`, or an error naming what is missing.
pub(crate) fn required_text(node: Node<'_, '_>, name: &str) -> Result<String, String> {
    child_text(node, name).ok_or_else(|| missing(node, name))
}

/// The message for a child `name` that `node` lacks.
pub(crate) fn missing(node: Node<'_, '_>, name: &str) -> String {
    format!("missing <{name}> in <{}>", node.tag_name().name())
}

/// The root element, checked to be `expected`.
pub(crate) fn root<'a, 'i>(doc: &'a Document<'i>, expected: &str) -> Result<Node<'a, 'i>, String> {
    let root = doc.root_element();
    if root.tag_name().name() == expected {
        Ok(root)
    } else {
        Err(format!("expected <{expected}>, got <{}>", root.tag_name().name()))
    }
}

/// The request id, wherever the service put it: EC2 writes `requestId` on
/// success and `RequestID` in errors, the Query protocol `RequestId`.
pub(crate) fn request_id(node: Node<'_, '_>) -> Option<String> {
    node.descendants()
        .find(|n| n.is_element() && matches!(n.tag_name().name(), "requestId" | "RequestId" | "RequestID"))
        .map(text)
        .filter(|s| !s.is_empty())
}

/// Reads an AWS error document: EC2's `Response/Errors/Error`, the Query
/// protocol's `ErrorResponse/Error`, and moto's mix of the two
/// (`ErrorResponse/Errors/Error`, and a lowercase `message`). `None` when the
/// body is not such a document.
pub(crate) fn service_error(status: u16, body: &str, header_request_id: Option<&str>) -> Option<ServiceError> {
    let doc = parse(body).ok()?;
    let root = doc.root_element();
    let error = descendant(root, "Error")?;
    let code = child_text(error, "Code").filter(|c| !c.trim().is_empty())?;
    let message = child_text(error, "Message").or_else(|| child_text(error, "message")).unwrap_or_default();
    let request_id = request_id(root).or_else(|| header_request_id.map(str::to_owned));
    Some(ServiceError { code: code.trim().to_owned(), message, request_id, status, attempts: 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_error_document() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors><RequestID>4bfd2d54-242d-4d4b-bfe5-768339e1559a</RequestID></Response>"#;
        let e = service_error(401, body, None).unwrap();
        assert_eq!(e.code, "AuthFailure");
        assert_eq!(e.message, "AWS was not able to validate the provided access credentials");
        assert_eq!(e.request_id.as_deref(), Some("4bfd2d54-242d-4d4b-bfe5-768339e1559a"));
        assert_eq!(e.status, 401);
    }

    #[test]
    fn query_error_document() {
        let body = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>not found</Message></Error>
  <RequestId>abc</RequestId>
</ErrorResponse>"#;
        let e = service_error(404, body, None).unwrap();
        assert_eq!(
            (e.code.as_str(), e.message.as_str(), e.request_id.as_deref()),
            ("NoSuchEntity", "not found", Some("abc"))
        );
    }

    #[test]
    fn moto_auth_layer_document_takes_header_request_id() {
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<ErrorResponse><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message><Type>Sender</Type></Error></Errors></ErrorResponse>"#;
        let e = service_error(401, body, Some("hdr-id")).unwrap();
        assert_eq!(e.code, "AuthFailure");
        assert_eq!(e.request_id.as_deref(), Some("hdr-id"));
    }

    #[test]
    fn moto_lowercase_message_and_no_such_entity() {
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><Errors><Error><Code>NoSuchEntity</Code><Message>Instance profile no-such-profile not found</Message><message>Instance profile no-such-profile not found</message></Error></Errors><RequestID>request-id</RequestID></Response>"#;
        let e = service_error(404, body, None).unwrap();
        assert_eq!(e.message, "Instance profile no-such-profile not found");
    }

    #[test]
    fn not_an_error_document() {
        assert!(service_error(500, "<html><body>Internal Server Error</body></html>", None).is_none());
        assert!(service_error(500, "", None).is_none());
        assert!(
            service_error(500, "<Response><Errors><Error><Message>x</Message></Error></Errors></Response>", None)
                .is_none()
        );
    }

    #[test]
    fn dtd_and_entities_are_refused() {
        let bomb =
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>"#;
        assert!(parse(bomb).is_err());
    }

    #[test]
    fn text_joins_entities_and_cdata() {
        let doc = parse("<a>x &amp; <![CDATA[y]]></a>").unwrap();
        assert_eq!(text(doc.root_element()), "x & y");
    }
}
