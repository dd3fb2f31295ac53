"""Signs requests with botocore's SigV4Auth, the reference for tests/integration/sigv4_botocore.rs.

Reads one JSON request per line on stdin and writes one JSON result per line on
stdout, in the same order, so that a thousand requests cost one interpreter
start. A request that botocore cannot sign yields {"id": ..., "error": ...}
instead of stopping the batch, so the Rust side reports it with the others.

Request fields: id, method, scheme, host, path, query ([name, value] pairs,
decoded), url (null, or the whole URL with the query as sent: then it replaces
scheme, host, path and query), headers ([name, value] pairs, in order, repeats allowed), body_hex,
access_key, secret_key, token (null: no session token), region, service,
unix_time (seconds).
"""

import datetime
import json
import sys
import traceback

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(req):
    credentials = Credentials(req["access_key"], req["secret_key"], req["token"])
    auth = SigV4Auth(credentials, req["service"], req["region"])

    # The query goes in as a list of pairs, not in the URL, so that botocore
    # encodes it itself and repeated names survive.
    if req.get("url"):
        # Signed as sent: botocore takes the query from the URL as it is.
        request = AWSRequest(method=req["method"], url=req["url"], data=bytes.fromhex(req["body_hex"]))
    else:
        request = AWSRequest(
            method=req["method"],
            url=f"{req['scheme']}://{req['host']}{req['path']}",
            data=bytes.fromhex(req["body_hex"]),
            params=[tuple(pair) for pair in req["query"]],
        )
    # HTTPHeaders appends on assignment, so repeated names are all kept, in order.
    for name, value in req["headers"]:
        request.headers[name] = value

    # add_auth() would read the clock; set the time the Rust side used instead
    # and run the rest of add_auth() step by step to keep the intermediate strings.
    when = datetime.datetime.fromtimestamp(req["unix_time"], tz=datetime.timezone.utc)
    request.context["timestamp"] = when.strftime(SIGV4_TIMESTAMP)
    auth._modify_request_before_signing(request)
    canonical_request = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical_request)
    signature = auth.signature(string_to_sign, request)
    auth._inject_signature_to_request(request, signature)

    return {
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "authorization": request.headers["Authorization"],
        # With a Date header, botocore signs and sends that instead.
        "x_amz_date": request.headers.get("X-Amz-Date"),
        "date": request.headers.get("Date"),
        # Only the token botocore itself put in; one the caller sent is input.
        "security_token": request.headers["X-Amz-Security-Token"] if req["token"] else None,
    }


def main():
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            result = sign(req)
        except Exception:
            result = {"error": traceback.format_exc()}
        result["id"] = req["id"]
        out.write(json.dumps(result) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
