"""Writes a wrk Lua script that replays one SigV4-signed request (valid for the 5-minute skew window).

Usage: python scripts/bench/signed-request.py <endpoint> <service> <region> <body> <out.lua> [access-key secret [token]]
Headers such as Content-Type and X-Amz-Target can follow as extra `Name: value` arguments via SIGNED_HEADERS env
(separated by "|").
"""

import os
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    endpoint, service, region, body, out = sys.argv[1:6]
    key, secret, token = (sys.argv[6:9] + [None, None, None])[:3]
    key = key or "111111111111"
    secret = secret or "test"
    headers = {}
    for h in filter(None, os.environ.get("SIGNED_HEADERS", "").split("|")):
        name, value = h.split(":", 1)
        headers[name.strip()] = value.strip()
    req = AWSRequest(method="POST", url=endpoint + "/", data=body.encode(), headers=headers)
    SigV4Auth(Credentials(key, secret, token), service, region).add_auth(req)
    lines = ['wrk.method = "POST"', f"wrk.body = {lua_str(body)}"]
    for name, value in req.headers.items():
        lines.append(f"wrk.headers[{lua_str(name)}] = {lua_str(value)}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":
    main()
