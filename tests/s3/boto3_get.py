#!/usr/bin/python3
"""Reads objects back with boto3 (Debian's python3-boto3), the official client,
so a test can check that what picbot's S3 client uploaded is what it meant to.

    boto3_get.py ENDPOINT BUCKET KEYS.json OUT_DIR

KEYS.json is a list of keys; object i is written to OUT_DIR/<i>.bin, and its
Content-Type and Cache-Control to OUT_DIR/<i>.json. The keys are the S3rver's
(tests/s3/serve.mjs): S3RVER / S3RVER.
"""
import json
import os
import sys

import boto3
from botocore.config import Config


def main():
    endpoint, bucket, keys_file, out_dir = sys.argv[1:5]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="S3RVER",
        aws_secret_access_key="S3RVER",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    with open(keys_file, encoding="utf-8") as f:
        keys = json.load(f)
    for i, key in enumerate(keys):
        answer = s3.get_object(Bucket=bucket, Key=key)
        with open(os.path.join(out_dir, f"{i}.bin"), "wb") as f:
            f.write(answer["Body"].read())
        with open(os.path.join(out_dir, f"{i}.json"), "w", encoding="utf-8") as f:
            json.dump({"content_type": answer.get("ContentType", ""),
                       "cache_control": answer.get("CacheControl", "")}, f)


if __name__ == "__main__":
    main()
