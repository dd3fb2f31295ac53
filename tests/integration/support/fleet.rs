//! A loopback EC2 that answers by action, for many instances at once: no
//! association anywhere, Associate succeeds except for one unknown instance.

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// The profile every association it makes holds.
pub const ARN_WEB: &str = "arn:aws:iam::123456789012:instance-profile/team/web";

pub struct Server {
    pub url: String,
    max: Arc<AtomicUsize>,
}

impl Server {
    pub fn start(unknown_instance: String) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let now = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let (now2, max2) = (now.clone(), max.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (now, max, unknown) = (now2.clone(), max2.clone(), unknown_instance.clone());
                thread::spawn(move || {
                    let mut out = stream.try_clone().unwrap();
                    let mut reader = BufReader::new(stream);
                    while let Some(req) = super::http1::read_request(&mut reader) {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        max.fetch_max(n, Ordering::SeqCst);
                        // Long enough for the others to arrive.
                        thread::sleep(Duration::from_millis(20));
                        let body = String::from_utf8_lossy(&req.body).into_owned();
                        let instance = body
                            .split('&')
                            .find_map(|kv| {
                                kv.strip_prefix("InstanceId=").or_else(|| kv.strip_prefix("Filter.1.Value.1="))
                            })
                            .unwrap_or("")
                            .to_owned();
                        let (status, text) = if body.contains("Action=DescribeIamInstanceProfileAssociations") {
                            (200, "<DescribeIamInstanceProfileAssociationsResponse><requestId>r</requestId><iamInstanceProfileAssociationSet/></DescribeIamInstanceProfileAssociationsResponse>".to_owned())
                        } else if instance == unknown {
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
                        let head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n\r\n", text.len());
                        if out.write_all(head.as_bytes()).and_then(|()| out.write_all(text.as_bytes())).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Server { url, max }
    }

    pub fn max_in_flight(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}
