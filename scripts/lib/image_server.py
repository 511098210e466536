#!/usr/bin/env python3
"""An image server for the tests and the demo: plain HTTP or HTTPS (with the certificate
given), serving a folder, plus the hostile answers an image fetch must survive.

    GET /files/<path>          the file under --root (Content-Length, 404 when absent)
    GET /redirect/<name>       302 to http://169.254.169.254/latest/meta-data/ ("metadata")
                               or to /files/<name> on this server (any other name)
    GET /endless/<name>        200, chunked, a JPEG header then zeros until the client leaves
    GET /huge/<name>           200 announcing 2 GiB (Content-Length), zeros until the client leaves
    GET /slow/<name>           200, a JPEG header, then one byte per second
    GET /status/<code>/<name>  that status with a short body
    GET /stats/<name>          JSON {"requests": n, "bytesSent": n} for paths ending in <name>

It writes its port to --port-file once it listens, and logs one line per request to stderr.
"""
import argparse
import http.server
import json
import os
import ssl
import sys
import threading
import time

JPEG_HEADER = bytes([0xFF, 0xD8, 0xFF, 0xE0]) + b"\x00\x10JFIF\x00"
STATS = {}
LOCK = threading.Lock()


def count(name, requests=0, sent=0):
    with LOCK:
        entry = STATS.setdefault(name, {"requests": 0, "bytesSent": 0})
        entry["requests"] += requests
        entry["bytesSent"] += sent


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def send_plain(self, status, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def stream(self, name, first, chunk, delay=0.0, limit=None):
        """Writes first, then chunk repeatedly until the client goes (or limit bytes)."""
        sent = 0
        try:
            self.wfile.write(first)
            sent += len(first)
            while limit is None or sent < limit:
                if delay:
                    time.sleep(delay)
                self.wfile.write(chunk)
                self.wfile.flush()
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass
        finally:
            count(name, sent=sent)
            self.close_connection = True

    def do_GET(self):
        parts = self.path.split("/", 3)
        kind = parts[1] if len(parts) > 1 else ""
        name = parts[-1]
        if kind != "stats":
            count(name, requests=1)
        if kind == "files" and len(parts) >= 3:
            relative = self.path[len("/files/"):]
            path = os.path.realpath(os.path.join(self.root, relative))
            if not path.startswith(os.path.realpath(self.root) + os.sep) or not os.path.isfile(path):
                return self.send_plain(404, b"not found")
            with open(path, "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            count(name, sent=len(body))
        elif kind == "redirect":
            target = "http://169.254.169.254/latest/meta-data/" if name == "metadata" else "/files/" + name
            self.send_plain(302, b"moved", [("Location", target)])
        elif kind == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Connection", "close")
            self.end_headers()
            self.stream(name, JPEG_HEADER, bytes(64 * 1024))
        elif kind == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(2 << 30))
            self.end_headers()
            self.stream(name, JPEG_HEADER, bytes(64 * 1024), limit=2 << 30)
        elif kind == "slow":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Connection", "close")
            self.end_headers()
            self.stream(name, JPEG_HEADER, b"\x00", delay=1.0)
        elif kind == "status" and len(parts) >= 4 and parts[2].isdigit():
            self.send_plain(int(parts[2]), b"status " + parts[2].encode())
        elif kind == "stats":
            with LOCK:
                body = json.dumps(STATS.get(name, {"requests": 0, "bytesSent": 0})).encode()
            self.send_plain(200, body)
        else:
            self.send_plain(404, b"unknown path")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    Handler.root = args.root
    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    temporary = args.port_file + ".tmp"
    with open(temporary, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(temporary, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
