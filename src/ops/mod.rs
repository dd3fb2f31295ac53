//! One file per EC2 operation: its parameters, its response parser, and its
//! [`Client`](crate::Client) method.

pub(crate) mod associate_iam_instance_profile;
pub(crate) mod by_instance;
pub(crate) mod describe_iam_instance_profile_associations;
pub(crate) mod describe_instances;
pub(crate) mod disassociate_iam_instance_profile;
pub(crate) mod replace_iam_instance_profile_association;

use crate::Error;

/// Checks an association id (`iip-assoc-` and hex digits) before any request.
pub(crate) fn check_association_id(id: &str) -> Result<(), Error> {
    check_id(id, "association id", "iip-assoc-")
}

/// Checks an instance id (`i-` and hex digits) before any request.
pub(crate) fn check_instance_id(id: &str) -> Result<(), Error> {
    check_id(id, "instance id", "i-")
}

fn check_id(id: &str, what: &str, prefix: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::invalid_input(format!("the {what} is empty")));
    }
    let ok = id
        .strip_prefix(prefix)
        .is_some_and(|hex| (1..=64).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!("malformed {what} {id:?}: expected {prefix} followed by hexadecimal digits")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(check_association_id("iip-assoc-05020b59952902f5f").is_ok());
        assert!(check_instance_id("i-123456789abcde123").is_ok());
        for bad in
            ["", "iip-assoc-", "i-123", "iip-assoc-xyz", " iip-assoc-0123", "iip-assoc-01 23", "iip-assoc-0&Action=x"]
        {
            assert!(matches!(check_association_id(bad), Err(Error::InvalidInput(_))), "{bad}");
        }
    }
}
