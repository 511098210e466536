#!/usr/bin/env python3
"""Creates the IAM user the tests sign S3 requests as, on a moto_server started with
INITIAL_NO_AUTH_ACTION_COUNT=3: these three unsigned calls are the last ones it accepts, so
from then on every request must carry a valid SigV4 signature of this user's key.

    s3_credentials.py ENDPOINT FOLDER   writes FOLDER/access-key-id and FOLDER/secret-access-key
"""
import json
import os
import sys

import boto3

endpoint, folder = sys.argv[1], sys.argv[2]
iam = boto3.client(
    "iam", endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="okayface-worker")
iam.put_user_policy(
    UserName="okayface-worker", PolicyName="s3",
    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="okayface-worker")["AccessKey"]
os.makedirs(folder, exist_ok=True)
for name, value in (("access-key-id", key["AccessKeyId"]), ("secret-access-key", key["SecretAccessKey"])):
    path = os.path.join(folder, name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(value + "\n")
