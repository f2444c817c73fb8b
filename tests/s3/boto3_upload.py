#!/usr/bin/python3
"""The other side of bench/s3_upload_bench.cpp: boto3's upload_file (Debian's
python3-boto3, its default transfer settings) uploading the same file to the
same S3rver, timed per upload inside this process (no interpreter start-up).

    boto3_upload.py ENDPOINT BUCKET FILE RUNS

Prints one JSON line: {"seconds": [per upload], "cpu_seconds": total CPU time
of this process over the timed uploads (all threads)}. One untimed upload
comes first (connections, imports).
"""
import json
import sys
import time

import boto3


def main():
    endpoint, bucket, path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
    s3.upload_file(path, bucket, "bench/boto3-warmup")
    seconds = []
    cpu_start = time.process_time()
    for i in range(runs):
        start = time.perf_counter()
        s3.upload_file(path, bucket, f"bench/boto3-{i}")
        seconds.append(time.perf_counter() - start)
    print(json.dumps({"seconds": seconds, "cpu_seconds": time.process_time() - cpu_start}))


if __name__ == "__main__":
    main()
