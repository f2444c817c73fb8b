#!/usr/bin/env python3
"""A counting HTTP proxy in front of a test S3 server (s3rver), for the upload
tests that must tell how many times an object was really PUT.

    python3 counting_proxy.py --upstream http://127.0.0.1:PORT [--port N]

Prints "proxy listening on port=<port>" once it accepts connections, then one
line per request the upstream answered:

    forwarded <METHOD> <path> <status>

Requests are forwarded as they came (method, path and query, headers, body:
the SigV4 signature covers the Host header, which is kept), per the S3 REST
API's plain HTTP/1.1 exchanges (PutObject, HeadObject, GetObject,
DeleteObject, ListObjectsV2). An upstream that cannot be reached gets a 502.

SIGUSR1: from now on, a PUT is forwarded (the upstream stores the object)
but its answer is held back, as a client killed mid-upload would never read
it; it prints "holding puts from now on", then "holding PUT <path>" for each.
SIGUSR2: answers every held request, stops holding and prints "released held
answers".
"""
import argparse
import http.client
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "proxy-authorization"}
MAX_BODY = 256 * 1024 * 1024

state = {"holding": False, "release": threading.Event()}
print_lock = threading.Lock()


def say(line):
    with print_lock:
        print(line, flush=True)


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # (host, port)

    def log_message(self, *args):  # quiet: the "forwarded" lines are the log
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            conn = http.client.HTTPConnection(*self.upstream, timeout=60)
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            payload = answer.read()
            status, reason, answer_headers = answer.status, answer.reason, answer.getheaders()
            conn.close()
        except OSError as e:
            message = f"upstream unreachable: {e}".encode()
            self.send_response(502)
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            self.wfile.write(message)
            return
        say(f"forwarded {self.command} {self.path} {status}")
        if self.command == "PUT" and state["holding"]:
            say(f"holding PUT {self.path}")
            state["release"].wait()
        self.send_response(status, reason)
        for name, value in answer_headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        if self.command == "HEAD":
            # A HEAD answer carries the object's length and no body.
            length_header = dict((k.lower(), v) for k, v in answer_headers).get("content-length")
            if length_header is not None:
                self.send_header("Content-Length", length_header)
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = forward


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.upstream)
    Proxy.upstream = (url.hostname, url.port or 80)

    def hold(*_):
        state["release"].clear()
        state["holding"] = True
        say("holding puts from now on")

    def release(*_):
        state["holding"] = False
        state["release"].set()
        say("released held answers")

    signal.signal(signal.SIGUSR1, hold)
    signal.signal(signal.SIGUSR2, release)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Proxy)
    server.daemon_threads = True
    say(f"proxy listening on port={server.server_address[1]}")
    server.serve_forever()


if __name__ == "__main__":
    main()
