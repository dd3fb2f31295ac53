//! SigV4 for one EC2 Query POST, the least of it: the three signed headers of
//! the floor's requests, no query string, no session token.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `YYYYMMDD'T'HHMMSS'Z'` from Unix seconds (civil-from-days, proleptic Gregorian).
fn amz_date(secs: u64) -> String {
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// The `x-amz-date` and `authorization` headers of a POST of `body` to `host`, signed now.
pub fn sign(key_id: &str, secret: &str, host: &str, body: &str) -> (String, String) {
    let (region, service) = ("us-east-1", "ec2");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    let date = amz_date(now);
    let body_hash = hex::encode(Sha256::digest(body));
    let canonical = format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\nx-amz-date:{date}\n\ncontent-type;host;x-amz-date\n{body_hash}"
    );
    let scope = format!("{}/{region}/{service}/aws4_request", &date[..8]);
    let to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{}", hex::encode(Sha256::digest(&canonical)));
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), &date.as_bytes()[..8]);
    let k_signing = hmac(&hmac(&hmac(&k_date, region.as_bytes()), service.as_bytes()), b"aws4_request");
    let signature = hex::encode(hmac(&k_signing, to_sign.as_bytes()));
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders=content-type;host;x-amz-date, Signature={signature}"
    );
    (date, authorization)
}

#[cfg(test)]
mod tests {
    #[test]
    fn amz_date() {
        assert_eq!(super::amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(super::amz_date(951_782_400), "20000229T000000Z");
    }
}
