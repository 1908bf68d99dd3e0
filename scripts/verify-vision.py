#!/usr/bin/env python3
"""Verify a signed vision version: verify-vision.py URL|-  (GET /api/v1/<slug>/visions/<id>;
token in $VISIONSWERK_TOKEN; "-" reads the JSON from stdin). Standard library only."""

import hashlib
import json
import os
import sys
import urllib.request

auth = {"Authorization": "Bearer " + os.environ.get("VISIONSWERK_TOKEN", "")}
url = sys.argv[1]
v = json.load(
    sys.stdin if url == "-" else urllib.request.urlopen(urllib.request.Request(url, headers=auth))
)
c = json.loads(v["canonical"])  # the exact string the SHA-256 covers
ok = hashlib.sha256(v["canonical"].encode("utf-8")).hexdigest() == v["sha256"]
ok &= c["format"] == "visionswerk-vision/1" and c["title"] == v["title"]
ok &= c["text"] == v.get("text", c["text"])  # the text shown is the text signed
ok &= (c["embedded_parent"] or {}).get("sha256") == (v["embedded_parent"] or {}).get("sha256")
print("OK" if ok else "FAILED", v["sha256"])
sys.exit(0 if ok else 1)
