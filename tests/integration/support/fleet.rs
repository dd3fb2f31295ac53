//! A loopback EC2 that answers by action, for many instances at once: no
//! association anywhere, Associate succeeds except for one unknown instance.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use super::loopback::{Loopback, respond};

/// The profile every association it makes holds.
pub const ARN_WEB: &str = "arn:aws:iam::123456789012:instance-profile/team/web";

pub struct Server {
    pub url: String,
    max: Arc<AtomicUsize>,
    _server: Loopback,
}

impl Server {
    pub fn start(unknown_instance: String) -> Server {
        let now = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let max2 = max.clone();
        let server = Loopback::serve_requests(move |req, out| {
            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
            max2.fetch_max(n, Ordering::SeqCst);
            // Long enough for the others to arrive.
            thread::sleep(Duration::from_millis(20));
            let body = String::from_utf8_lossy(&req.body).into_owned();
            let instance = body
                .split('&')
                .find_map(|kv| kv.strip_prefix("InstanceId=").or_else(|| kv.strip_prefix("Filter.1.Value.1=")))
                .unwrap_or("")
                .to_owned();
            let (status, text) = if body.contains("Action=DescribeIamInstanceProfileAssociations") {
                (200, "<DescribeIamInstanceProfileAssociationsResponse><requestId>r</requestId><iamInstanceProfileAssociationSet/></DescribeIamInstanceProfileAssociationsResponse>".to_owned())
            } else if instance == unknown_instance {
                (
                    400,
                    format!(
                        "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID '{instance}' does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>"
                    ),
                )
            } else {
                (
                    200,
                    format!(
                        "<AssociateIamInstanceProfileResponse><requestId>r</requestId><iamInstanceProfileAssociation><associationId>iip-assoc-{}</associationId><instanceId>{instance}</instanceId><iamInstanceProfile><arn>{}</arn><id>AIPA</id></iamInstanceProfile><state>associating</state></iamInstanceProfileAssociation></AssociateIamInstanceProfileResponse>",
                        &instance[2..],
                        ARN_WEB
                    ),
                )
            };
            now.fetch_sub(1, Ordering::SeqCst);
            respond(out, status, &[], text.as_bytes()).is_ok()
        });
        Server { url: server.url.clone(), max, _server: server }
    }

    pub fn max_in_flight(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}
