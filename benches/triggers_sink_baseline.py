#!/usr/bin/env python3
"""Baseline for the sink load test (trigger-bindings/examples/sink_load.rs): a Python
webhook receiver served by the standard library's ThreadingHTTPServer, doing the same work
per event as benches/triggers_baseline.py (HMAC-SHA256, event type, JSON, the filter, a
6-param binding, the PipelineRun template) and answering 202 with a Tekton-shaped body.

    python3 benches/triggers_sink_baseline.py --payload FILE   # write the push payload
    python3 benches/triggers_sink_baseline.py [PORT]            # serve on 127.0.0.1

Prints "listening on 127.0.0.1:PORT" once it accepts connections.
"""

import json
import os
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from triggers_baseline import payload, receive  # noqa: E402


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, delayed ACKs add 40 ms each.
    disable_nagle_algorithm = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {k: v for k, v in self.headers.items()}
        receive(headers, body)
        answer = (json.dumps({
            "eventListener": "github-listener", "namespace": "default",
            "eventListenerUID": "", "eventID": str(uuid.uuid4()),
        }, separators=(",", ":")) + "\n").encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--payload":
        with open(sys.argv[2], "wb") as f:
            f.write(payload())
        return
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Sink)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
