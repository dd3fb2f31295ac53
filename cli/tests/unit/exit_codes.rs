//! The exit code of each kind of library error, pinned by kind: none of these messages holds
//! the words a configuration error used to be recognised by, so rewording one in the library
//! cannot move an exit code.

use ec2_lite::{ConfigError, ConfigErrorKind, Error};

use crate::{CliError, exit};

const WORDS: &str = "words that may change";

fn config(kind: ConfigErrorKind) -> Error {
    ConfigError::new(kind, WORDS).into()
}

fn exit_code(err: &Error) -> (u8, String) {
    let e = CliError::from_error(err, "DisassociateIamInstanceProfile", "https://ec2.us-east-1.amazonaws.com");
    (e.code, e.message)
}

#[test]
fn each_configuration_kind_maps_to_v2s_exit_code() {
    use ConfigErrorKind as K;
    // botocore's NoRegionError and NoCredentialsError, in v2's words (awscli/errorhandler.py).
    let (code, message) = exit_code(&config(K::NoRegion));
    assert_eq!(code, exit::CONFIG);
    assert!(message.starts_with("You must specify a region. You can also configure your region"), "{message}");
    let (code, message) = exit_code(&config(K::NoCredentials));
    assert_eq!(code, exit::CONFIG);
    assert!(message.starts_with("Unable to locate credentials."), "{message}");
    // Every other kind: v2's ConfigurationError, 253, in the library's words.
    for kind in
        [K::InvalidEndpoint, K::InsecureEndpoint, K::ProfileNotFound, K::File, K::CredentialSource, K::InvalidValue]
    {
        let (code, message) = exit_code(&config(kind));
        assert_eq!((code, message.as_str()), (exit::CONFIG, "Words that may change"), "{kind:?}");
    }
}

#[test]
fn a_service_error_is_254() {
    let refused = ec2_lite::wire::parse_error(
        400,
        "<Response><Errors><Error><Code>InvalidAssociationID.NotFound</Code><Message>no region</Message></Error>\
         </Errors><RequestID>r-1</RequestID></Response>",
    );
    assert_eq!(exit_code(&refused).0, exit::SERVICE, "a service message that happens to say `no region`");
}
