#!/usr/bin/python3
"""The signing oracle of image/storage/s3/sigv4_test.cpp: botocore's own SigV4
(Debian's python3-botocore) signs and presigns the requests the test describes,
so picbot's signer is checked against an independent implementation.

    botocore_sign.py CASES.json OUT.json

CASES.json: {"time": "2026-12-07T21:20:00", "cases": [{"kind": "sign"|"presign",
"method", "scheme", "host" (host[:port]), "path" (not encoded), "query": [[k, v]...]
(not encoded), "headers": [[name, value]...], "body_hex", "unsigned_payload": bool,
"access_key", "secret_key", "region", "expires"}]}.
OUT.json: one object per case: {"url", "authorization", "amz_date",
"content_sha256"} (a presign fills only "url").

URLs are built the way botocore's REST serializer builds them (the path with
quote(safe='/~'), the query with percent_encode_sequence), and the time is
fixed by patching botocore.auth's datetime, as botocore's own tests do
(tests/unit/test_signers.py).
"""
import datetime
import json
import sys
from unittest import mock
from urllib.parse import quote

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence


def url_of(case):
    url = f"{case['scheme']}://{case['host']}{quote(case['path'], safe='/~')}"
    if case.get("query"):
        url += "?" + percent_encode_sequence([tuple(pair) for pair in case["query"]])
    return url


def run(case):
    credentials = Credentials(case["access_key"], case["secret_key"])
    request = AWSRequest(
        method=case["method"],
        url=url_of(case),
        headers=dict(case.get("headers", [])),
        data=bytes.fromhex(case.get("body_hex", "")),
    )
    if case["kind"] == "presign":
        S3SigV4QueryAuth(credentials, "s3", case["region"], expires=case["expires"]).add_auth(request)
        return {"url": request.url}
    if case.get("unsigned_payload"):
        request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    S3SigV4Auth(credentials, "s3", case["region"]).add_auth(request)
    return {
        "url": request.url,
        "authorization": request.headers["Authorization"],
        "amz_date": request.headers["X-Amz-Date"],
        "content_sha256": request.headers["X-Amz-Content-SHA256"],
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    now = datetime.datetime.strptime(spec["time"], "%Y-%m-%dT%H:%M:%S")
    with mock.patch("botocore.auth.datetime") as mock_datetime:
        mock_datetime.datetime.utcnow.return_value = now
        mock_datetime.datetime.strptime = datetime.datetime.strptime
        results = [run(case) for case in spec["cases"]]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
