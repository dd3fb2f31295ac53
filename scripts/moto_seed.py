"""Seed a running moto server (scripts/moto_server.py) for the integration tests.

Run with the test venv's python. Each subcommand prints one JSON line on stdout;
on failure it names the step that failed on stderr and exits non-zero.

  base ENDPOINT REGION
      With signature checking off: IAM user `crate-tester` (inline policy allowing
      ec2:*, iam:*, sts:*) and its access key; role `crate-ec2-role` (trusted by
      the EC2 service, the account and the user, so the user can assume it; inline
      policy allowing ec2:*); instance profiles `crate-profile` and `crate-profile-b`, each
      holding the role. Then signature checking is switched ON for good.
  association ENDPOINT REGION AKID SECRET [PROFILE_NAME]
      One new instance associated with PROFILE_NAME (default `crate-profile`).
  instance ENDPOINT REGION AKID SECRET
      One new instance without an association.
  associations ENDPOINT REGION AKID SECRET N
      N new instances, each associated with `crate-profile`.
  assume-role ENDPOINT REGION AKID SECRET ROLE_ARN
      Session credentials from STS AssumeRole.

Every call after `base` is signed with the user's key and checked by moto.
"""

import json
import os
import sys
import urllib.request

# The caller's AWS configuration must not change what these calls do: every
# setting below is explicit. A proxy is never right for a loopback server.
for _name in list(os.environ):
    if _name.startswith("AWS_") or _name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

USER = "crate-tester"
ROLE = "crate-ec2-role"
PROFILES = ("crate-profile", "crate-profile-b")
IMAGE_ID = "ami-12c6146b"  # moto does not validate AMIs by default
INSTANCE_TYPE = "t3.micro"
TIMEOUT = 30  # seconds, per HTTP request


class StepFailed(Exception):
    pass


def step(name, fn, *args, **kwargs):
    """Runs one call; a failure names the step."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - any failure is reported the same way
        raise StepFailed(f"{name} failed: {type(e).__name__}: {e}") from e


def client(service, endpoint, region, akid, secret, token=None):
    config = Config(
        retries={"max_attempts": 1},
        connect_timeout=TIMEOUT,
        read_timeout=TIMEOUT,
    )
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=akid,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config,
    )


def reset_auth(endpoint, allowance):
    """Sets how many requests moto serves before it checks signatures."""
    # A form Content-Type would make Flask consume the body: send text/plain.
    request = urllib.request.Request(
        endpoint + "/moto-api/reset-auth",
        data=allowance.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=TIMEOUT) as response:
        body = response.read().decode()
    if json.loads(body).get("status") != "ok":
        raise RuntimeError(f"unexpected answer: {body}")


def policy(*actions):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )


def cmd_base(endpoint, region):
    step("reset-auth inf (signature checking off)", reset_auth, endpoint, "inf")
    try:
        result = seed_base(endpoint, region)
    finally:
        # Even after a failure: a server left without signature checks would
        # let wrongly signed requests pass.
        step("reset-auth 0 (signature checking on)", reset_auth, endpoint, "0")
    return result


def seed_base(endpoint, region):
    # While checking is off any key is accepted.
    kw = dict(endpoint=endpoint, region=region, akid="AKIAIOSFODNN7EXAMPLE", secret="seed")
    iam = client("iam", **kw)

    user = step("CreateUser", iam.create_user, UserName=USER)["User"]
    account_id = user["Arn"].split(":")[4]
    step(
        "PutUserPolicy",
        iam.put_user_policy,
        UserName=USER,
        PolicyName="allow-ec2-iam-sts",
        PolicyDocument=policy("ec2:*", "iam:*", "sts:*"),
    )
    key = step("CreateAccessKey", iam.create_access_key, UserName=USER)["AccessKey"]

    # One statement naming every principal: moto 5.2.5 treats a statement whose
    # principal does not match as an explicit deny, fails with a 500 on one
    # that has no "AWS" principal, and does not expand an account's root ARN to
    # its users, so the user is named as well.
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "Service": "ec2.amazonaws.com",
                        "AWS": [f"arn:aws:iam::{account_id}:root", user["Arn"]],
                    },
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    role = step("CreateRole", iam.create_role, RoleName=ROLE, AssumeRolePolicyDocument=trust)["Role"]
    # moto checks an assumed role's requests against the role's own policies.
    step(
        "PutRolePolicy",
        iam.put_role_policy,
        RoleName=ROLE,
        PolicyName="allow-ec2",
        PolicyDocument=policy("ec2:*"),
    )

    profiles = []
    for name in PROFILES:
        profile = step(
            f"CreateInstanceProfile {name}", iam.create_instance_profile, InstanceProfileName=name
        )["InstanceProfile"]
        step(
            f"AddRoleToInstanceProfile {name}",
            iam.add_role_to_instance_profile,
            InstanceProfileName=name,
            RoleName=ROLE,
        )
        profiles.append({"name": name, "arn": profile["Arn"], "id": profile["InstanceProfileId"]})

    return {
        "endpoint": endpoint,
        "region": region,
        "account_id": account_id,
        "user_arn": user["Arn"],
        "access_key_id": key["AccessKeyId"],
        "secret_access_key": key["SecretAccessKey"],
        "role_arn": role["Arn"],
        "profiles": profiles,
    }


def run_instances(ec2, count):
    reservation = step(
        f"RunInstances (count {count})",
        ec2.run_instances,
        ImageId=IMAGE_ID,
        InstanceType=INSTANCE_TYPE,
        MinCount=count,
        MaxCount=count,
    )
    return [i["InstanceId"] for i in reservation["Instances"]]


def associate(ec2, instance_id, profile_name):
    association = step(
        f"AssociateIamInstanceProfile {instance_id} {profile_name}",
        ec2.associate_iam_instance_profile,
        IamInstanceProfile={"Name": profile_name},
        InstanceId=instance_id,
    )["IamInstanceProfileAssociation"]
    return {
        "instance_id": association["InstanceId"],
        "association_id": association["AssociationId"],
        "profile_name": profile_name,
        "profile_arn": association["IamInstanceProfile"]["Arn"],
        "profile_id": association["IamInstanceProfile"]["Id"],
    }


def cmd_association(endpoint, region, akid, secret, profile_name=PROFILES[0]):
    ec2 = client("ec2", endpoint, region, akid, secret)
    (instance_id,) = run_instances(ec2, 1)
    return associate(ec2, instance_id, profile_name)


def cmd_instance(endpoint, region, akid, secret):
    ec2 = client("ec2", endpoint, region, akid, secret)
    (instance_id,) = run_instances(ec2, 1)
    return {"instance_id": instance_id}


def cmd_associations(endpoint, region, akid, secret, n):
    count = int(n)
    if count < 1:
        raise StepFailed(f"N must be at least 1, got {n}")
    ec2 = client("ec2", endpoint, region, akid, secret)
    instance_ids = run_instances(ec2, count)
    return {"associations": [associate(ec2, i, PROFILES[0]) for i in instance_ids]}


def cmd_assume_role(endpoint, region, akid, secret, role_arn):
    sts = client("sts", endpoint, region, akid, secret)
    credentials = step(
        "AssumeRole", sts.assume_role, RoleArn=role_arn, RoleSessionName="ec2-lite-tests"
    )["Credentials"]
    return {
        "access_key_id": credentials["AccessKeyId"],
        "secret_access_key": credentials["SecretAccessKey"],
        "session_token": credentials["SessionToken"],
        "expiration": credentials["Expiration"].isoformat(),
    }


COMMANDS = {
    # name: (function, required arguments, optional arguments)
    "base": (cmd_base, 2, 0),
    "association": (cmd_association, 4, 1),
    "instance": (cmd_instance, 4, 0),
    "associations": (cmd_associations, 5, 0),
    "assume-role": (cmd_assume_role, 5, 0),
}


def main(argv):
    if len(argv) < 1 or argv[0] not in COMMANDS:
        sys.stderr.write(__doc__)
        return 2
    name, args = argv[0], argv[1:]
    fn, required, optional = COMMANDS[name]
    if not required <= len(args) <= required + optional:
        sys.stderr.write(f"moto_seed.py {name}: wrong number of arguments\n\n{__doc__}")
        return 2
    try:
        result = fn(*args)
    except StepFailed as e:
        sys.stderr.write(f"moto_seed.py {name}: {e}\n")
        return 1
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
