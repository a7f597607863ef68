"""A database-like or web server for the dependency tests, standing in for the
real thing: it waits, then listens; it records when it started listening.

    server.py tcp PORT DELAY STAMP        accept connections (and keep them)
    server.py http PORT DELAY STAMP HANG  answer GET with 200 — until the file HANG
                                          exists, then hold every request unanswered
"""
import http.server
import os
import socket
import sys
import time

kind, port, delay, stamp = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
time.sleep(delay)
if kind == "tcp":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    with open(stamp, "w") as f:
        f.write(repr(time.time()))
    print("listening", flush=True)
    held = []
    while True:
        conn, _ = s.accept()
        held.append(conn)
else:
    hang = sys.argv[5]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            while os.path.exists(hang):
                time.sleep(0.05)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    with open(stamp, "w") as f:
        f.write(repr(time.time()))
    print("serving", flush=True)
    server.serve_forever()
