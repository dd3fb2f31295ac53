//! Step 3: the signing key, derived from the secret by four HMACs.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#derive-signing-key>

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// An HMAC-SHA256 keyed with `key`: its inner and outer key blocks are already
/// hashed, so a clone of it signs a message with two compressions fewer.
pub(crate) fn hmac_keyed(key: &[u8]) -> Hmac<Sha256> {
    // HMAC (RFC 2104) zero-pads a key up to the 64-byte block and hashes a longer
    // one first. Doing that here lets us use the infallible `KeyInit::new`.
    let mut block = [0u8; 64];
    if key.len() <= block.len() {
        block[..key.len()].copy_from_slice(key);
    } else {
        block[..32].copy_from_slice(&Sha256::digest(key));
    }
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

/// `HMAC-SHA256(key, data)`.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = hmac_keyed(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
///
/// `date` is the `YYYYMMDD` of the request's `X-Amz-Date`. The key depends on
/// nothing else, so it can be kept for a whole UTC day.
pub fn derive_signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut k_secret = Vec::with_capacity(4 + secret.len());
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret.as_bytes());
    let k_date = hmac_sha256(&k_secret, date.as_bytes());
    // Do not leave a copy of the secret in freed memory longer than needed.
    k_secret.iter_mut().for_each(|b| *b = 0);
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_iam_list_users_example_key() {
        // AWS General Reference, "Create a signing key", 2015-08-30, us-east-1/iam.
        let key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam");
        assert_eq!(hex::encode(key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    }

    #[test]
    fn rfc4231_long_key_is_hashed_first() {
        // RFC 4231 test case 6: a 131-byte key.
        let key = [0xaau8; 131];
        let mac = hmac_sha256(&key, b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex::encode(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }
}
