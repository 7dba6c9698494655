#!/usr/bin/env python3
"""A small gday client written only from the spec (docs/gday-contact-exchange.md),
with Python's ssl and json: a client that is not ours, to try run-scenarios
--client as a new user would. One TLS connection (IPv4), profiles 1, 2 and 3.

  py_gday_client.py --role creator|joiner --room TEXT --port N --ca FILE
                    [--protocol 1|2|3] [--timeout S] [--behaviour B]

Behaviours: "correct" (default); "hangs" (no deadline on any read, and an
error reply is ignored: it waits for more); "exit-zero" (reports errors on
stderr but exits 0).
Exit status: 0 exchanged (prints the peer's contact as JSON), 1 failed.
"""
import argparse
import hashlib
import json
import socket
import ssl
import sys


class Failed(Exception):
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", choices=["creator", "joiner"], required=True)
    ap.add_argument("--room", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--protocol", type=int, choices=[1, 2, 3], default=1)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--behaviour", choices=["correct", "hangs", "exit-zero"], default="correct")
    args = ap.parse_args()
    try:
        peer = exchange(args)
    except (Failed, OSError, ValueError) as e:
        print(f"py_gday_client: {e}", file=sys.stderr)
        return 0 if args.behaviour == "exit-zero" else 1
    print(json.dumps({"peer": peer}))
    return 0


def exchange(args):
    v1 = args.protocol == 1
    creator = args.role == "creator"
    # C-4: v1 room codes are the SHA-256 of the text, as a list of 32 integers.
    code = list(hashlib.sha256(args.room.encode()).digest()) if v1 else args.room
    timeout = None if args.behaviour == "hangs" else args.timeout

    ctx = ssl.create_default_context(cafile=args.ca)
    raw = socket.create_connection((args.host, args.port), timeout=timeout)
    conn = ctx.wrap_socket(raw, server_hostname="localhost")
    conn.settimeout(timeout)

    def request(name, **fields):
        body = {name: fields} if v1 else dict(type=name, **fields)
        data = json.dumps(body, separators=(",", ":")).encode()
        conn.sendall(bytes([args.protocol]) + len(data).to_bytes(2, "big") + data)

    def read_exactly(n):
        out = b""
        while len(out) < n:
            try:
                chunk = conn.recv(n - len(out))
            except socket.timeout:
                raise Failed("timed out waiting for the server's reply")
            if not chunk:
                raise Failed("the server closed the connection")
            out += chunk
        return out

    def reply():
        header = read_exactly(3)
        if header[0] != args.protocol:
            raise Failed(f"reply with version byte {header[0]}, expected {args.protocol}")
        msg = json.loads(read_exactly(int.from_bytes(header[1:], "big")))
        if v1:
            name = msg if isinstance(msg, str) else next(iter(msg))
            fields = {} if isinstance(msg, str) else msg[name]
        else:
            name = msg.get("type") if isinstance(msg, dict) else msg[0]
            fields = msg if isinstance(msg, dict) else {}
        return name, fields

    def expect(want):
        while True:
            name, fields = reply()
            if name == want:
                return fields
            if args.behaviour == "hangs" and name.startswith("Error"):
                continue  # the bug: ignores the error and waits on
            raise Failed(f"server replied {name}, expected {want}")

    if creator:
        request("CreateRoom", room_code=code)
        expect("RoomCreated")
    request("RecordPublicAddr", room_code=code, is_creator=creator)
    expect("ReceivedAddr")
    request("ReadyToShare", local_contact={"v4": None, "v6": None}, room_code=code,
            is_creator=creator)
    expect("ClientContact")
    conn.settimeout(None if args.behaviour == "hangs" else 3 * args.timeout)
    peer = expect("PeerContact")
    conn.close()
    return peer


if __name__ == "__main__":
    sys.exit(main())
