#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# An independent client of the tdkt wire protocol, in Python: the messages
# come from protoc's Python output for proto/tdkt.proto (generated into the
# build tree by tests/CMakeLists.txt), everything else is written from
# docs/protocol.md alone, with the standard library. It proves that the wire
# is plain protobuf that another implementation reads and writes, and that
# the byte examples of protocol.md §15 are what the daemon really sends.
#
# It starts its own tdktd (tdktd init, unit add, serve --plain on 127.0.0.1
# with a port file) in a temporary directory of its own, and checks:
#   - §15.1 and §15.2: the Hello it builds is byte for byte the documented one;
#   - §15.3: the Welcome to that Hello is byte for byte the documented one
#     (save the ledger key, which is the one `tdktd init` printed);
#   - §15.4: the stream error to an oversized header before Welcome, then EOF;
#   - a NotePut answered by a WriteReceipt whose leaf hash, signed-head size
#     and inclusion proof it recomputes (§13), the same request id replayed
#     (the same receipt, replayed set), and the id reused for another body;
#   - refusals that leave the connection open: a NotePut with an empty key
#     (INVALID_ARGUMENT, note_put.key), a ReconcileRequest over its
#     audit_seqs cap (INVALID_ARGUMENT, reconcile.audit_seqs), a request with
#     the wrong Envelope.version (UNSUPPORTED_VERSION), each followed by a
#     StatusRequest on the same connection.
#
# It waits on events, never on the clock: the port file is awaited with
# inotify (ctypes), every socket read has only a hang bound. The daemon is
# stopped with SIGTERM and must exit 0; the directory is removed at the end.
# With TDKT_VALGRIND set (not "" or "0") the daemon runs under valgrind
# memcheck as tests/util/testutil.h runs it, and a memcheck error fails.
#
#   test_wire.py --tdktd PATH --proto-py DIR --doc docs/protocol.md

import argparse
import atexit
import ctypes
import hashlib
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HANG_S = 600  # a wait on the daemon: only a hang reaches it (TU_HANG_MS)
CLIENT_TIMEOUT_S = 120  # one request (TU_CLIENT_TIMEOUT_MS)
FRAME_MAX_PREAUTH = 16384
FRAME_MAX_AUTHED = 1048576
PROTOCOL_VERSION = 2
UNIT = "VKSCC2"
UNIT_NAME = "Văn phòng"  # the unit of protocol.md §15.3
DOC_ID = bytes(range(16))  # the request id of the §15 examples
RECON_AUDIT_MAX = 256  # docs/protocol.md §11.2
# tests/util/testutil.h: TU_VALGRIND_ENV, TU_VALGRIND_EXIT, TU_VALGRIND_ARGV
VALGRIND_EXIT = 99
VALGRIND_HANDSHAKE_S = "120"
VALGRIND_ARGV = ["valgrind", "--tool=memcheck", "--error-exitcode=%d" % VALGRIND_EXIT,
                 "--track-origins=yes", "--leak-check=full", "--errors-for-leak-kinds=definite",
                 "--show-leak-kinds=definite", "--num-callers=30", "--vgdb=no"]

ARGS = None
pb = None  # the generated module tdkt_pb2


# --- the daemon ---------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE = 0x2, 0x8, 0x80, 0x100
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC


def run(*argv):
    """Run a tdktd subcommand; its output, or a failure naming it."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=HANG_S)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (" ".join(argv[:3]), p.returncode, out))
    return out


class Daemon:
    """tdktd serve --plain on 127.0.0.1, port from its port file."""

    live = []

    def __init__(self, data, *extra):
        self.data = data
        self.portfile = os.path.join(data, "port")
        self.log = os.path.join(data, "tdktd-wire.log")
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        vg = os.environ.get("TDKT_VALGRIND", "")
        self.valgrind = vg not in ("", "0")
        prefix = []
        if self.valgrind:
            prefix = VALGRIND_ARGV + ["--log-file=%s/valgrind-%%p.log" % data]
            extra = extra + ("--handshake-timeout", VALGRIND_HANDSHAKE_S)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                prefix + [ARGS.tdktd, "serve", "--data", data, "--listen", "127.0.0.1:0",
                 "--port-file", self.portfile, "--log-level", "debug", "--plain", *extra],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        Daemon.live.append(self)
        self.port = self._wait_port()

    def _read_port(self):
        try:
            with open(self.portfile) as f:
                port = int(f.read().split()[0])
            return port if port > 0 else None
        except (OSError, ValueError, IndexError):
            return None

    def _wait_port(self):
        # The watch is in place before each check, so no write is missed
        # between the check and the wait (as tests/util/testutil.c does).
        fd = _libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        try:
            if _libc.inotify_add_watch(fd, self.data.encode(),
                                       IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0:
                raise OSError(ctypes.get_errno(), "inotify_add_watch")
            hang = time.monotonic() + HANG_S
            while True:
                port = self._read_port()
                if port:
                    return port
                if self.proc.poll() is not None:
                    raise AssertionError("tdktd exited %d during start-up; see %s"
                                         % (self.proc.returncode, self.log))
                if time.monotonic() > hang:
                    raise AssertionError("tdktd never wrote its port file (a hang); see "
                                         + self.log)
                # 1 s: re-check that the daemon lives
                if select.select([fd], [], [], 1.0)[0]:
                    try:
                        while os.read(fd, 4096):
                            pass
                    except BlockingIOError:
                        pass
        finally:
            os.close(fd)

    def stop(self):
        """SIGTERM; the exit status (0 expected). Under valgrind, a memcheck
        error fails here, its report on stderr."""
        if self in Daemon.live:
            Daemon.live.remove(self)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            st = self.proc.wait(timeout=HANG_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("tdktd did not stop on SIGTERM (a hang); see " + self.log)
        if self.valgrind and st == VALGRIND_EXIT:
            path = "%s/valgrind-%d.log" % (self.data, self.proc.pid)
            with open(path, encoding="utf-8", errors="replace") as f:
                sys.stderr.write("--- valgrind report of tdktd, %s:\n%s--- end\n" % (path, f.read()))
            raise AssertionError("valgrind memcheck found errors in tdktd; its report is above")
        return st


@atexit.register
def _kill_leftovers():
    for d in list(Daemon.live):
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()


# --- frames ---------------------------------------------------------------------


def frame(body):
    """§4: a 4-byte big-endian length, then the body."""
    return struct.pack(">I", len(body)) + body


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S)
        self.limit = FRAME_MAX_PREAUTH
        self.version = PROTOCOL_VERSION

    def close(self):
        self.s.close()

    def send_raw(self, data):
        self.s.sendall(data)

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def recv_frame(self):
        """The next frame's whole bytes (header included), or None at EOF."""
        hdr = self._recv_exact(4)
        if hdr is None:
            return None
        (n,) = struct.unpack(">I", hdr)
        if not 0 < n <= self.limit:
            raise AssertionError("frame of %d bytes under a limit of %d" % (n, self.limit))
        body = self._recv_exact(n)
        if body is None:
            raise AssertionError("EOF inside a frame")
        return hdr + body

    def recv_env(self):
        f = self.recv_frame()
        if f is None:
            raise AssertionError("EOF where a reply was expected")
        env = pb.Envelope()
        env.ParseFromString(f[4:])
        return env

    def send_env(self, env):
        self.send_raw(frame(env.SerializeToString()))

    def hello(self):
        """§6.2: Hello, then Welcome; from now on the 1 MiB limit and its version."""
        rid = os.urandom(16)
        self.send_env(pb.Envelope(version=PROTOCOL_VERSION, request_id=rid, hello=pb.Hello(
            min_version=PROTOCOL_VERSION, max_version=PROTOCOL_VERSION,
            client_name="test_wire.py", client_version="1", unit_code=UNIT)))
        env = self.recv_env()
        if env.WhichOneof("body") != "welcome":
            raise AssertionError("Hello answered %s: %s" % (env.WhichOneof("body"), env))
        assert env.request_id == rid
        self.limit = env.welcome.max_frame
        self.version = env.welcome.version
        return env.welcome

    def call(self, rid=None, version=None, **body):
        """One request; the reply with the same id (§6.3)."""
        rid = rid or os.urandom(16)
        self.send_env(pb.Envelope(version=self.version if version is None else version,
                                  request_id=rid, **body))
        env = self.recv_env()
        assert env.request_id == rid, "a reply for another request: %s" % env
        return env


# --- protocol.md §15 ---------------------------------------------------------------


def doc_section(number):
    with open(ARGS.doc, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^### %s .*?(?=^### |^## )" % re.escape(number), text, re.M | re.S)
    if not m:
        raise AssertionError("docs/protocol.md has no section %s" % number)
    return m.group(0)


def doc_hex(number):
    """The bytes of the first code block of a §15 section. A line is read up to
    its annotation (two spaces or more): two-digit hex bytes, "…" between two
    bytes for the run between them, and a "quoted string" as its UTF-8."""
    sec = doc_section(number)
    block = re.search(r"^```\n(.*?)^```", sec, re.M | re.S).group(1)
    out = bytearray()
    for line in block.splitlines():
        chunk = re.split(r"\s{2,}", line.strip())[0]
        gap = False
        for tok in re.findall(r'"[^"]*"|\S+', chunk):
            if tok.startswith('"'):
                out += tok[1:-1].encode("utf-8")
            elif tok == "…":
                gap = True
            elif re.fullmatch(r"[0-9a-f]{2}", tok):
                b = int(tok, 16)
                if gap:
                    out += bytes(range(out[-1] + 1, b))
                    gap = False
                out.append(b)
            else:
                break
    data = bytes(out)
    (n,) = struct.unpack(">I", data[:4])
    assert n + 4 == len(data), "§%s: its length prefix says %d, its bytes are %d" % (
        number, n, len(data) - 4)
    return data


def doc_one_line(number):
    """§15.1's `As one line:` form."""
    m = re.search(r"As one line: `([^`]*)`", doc_section(number), re.S)
    return bytes.fromhex(m.group(1).replace("\n", " "))


# --- the Merkle log (§13) -----------------------------------------------------------


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(seq, time_ms, unit, kind, payload):
    canon = (struct.pack(">Qq", seq, time_ms)
             + struct.pack(">I", len(unit)) + unit.encode()
             + struct.pack(">I", len(kind)) + kind.encode()
             + struct.pack(">I", len(payload)) + payload)
    return sha256(b"\x00" + canon)


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# --- the tests ---------------------------------------------------------------------------

DATA = None  # the ledger, made once for both classes
LEDGER_KEY = None  # as `tdktd init` printed it


def setUpModule():
    global DATA, LEDGER_KEY
    DATA = os.path.join(tempfile.mkdtemp(prefix="tdkt-test-wire-"), "data")
    out = run(ARGS.tdktd, "init", "--data", DATA)
    m = re.search(r"^ledger key: ([0-9a-f]{64})", out, re.M)
    assert m, "tdktd init printed no ledger key: " + out
    LEDGER_KEY = bytes.fromhex(m.group(1))
    run(ARGS.tdktd, "unit", "add", "--data", DATA, "--code", UNIT, "--name", UNIT_NAME,
        "--role", "regional")


def tearDownModule():
    if DATA:
        shutil.rmtree(os.path.dirname(DATA), ignore_errors=True)


class WireBytes(unittest.TestCase):
    """§15, byte for byte, on a daemon started as that section says
    (--idle-timeout 3); each connection lives for one exchange only."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(DATA, "--idle-timeout", "3")

    @classmethod
    def tearDownClass(cls):
        assert cls.d.stop() == 0, "tdktd did not exit 0; see " + cls.d.log

    def doc_hello(self, unit_code):
        return frame(pb.Envelope(version=2, request_id=DOC_ID, hello=pb.Hello(
            min_version=2, max_version=2, client_name="tdkt", client_version="0.1.0",
            unit_code=unit_code)).SerializeToString())

    def test_hello_bytes(self):
        self.assertEqual(self.doc_hello(""), doc_one_line("15.1"))
        self.assertEqual(self.doc_hello(""), doc_hex("15.1"))
        self.assertEqual(self.doc_hello(UNIT), doc_hex("15.2"))

    def test_welcome_bytes(self):
        c = Conn(self.d.port)
        try:
            c.send_raw(doc_hex("15.2"))
            got = c.recv_frame()
        finally:
            c.close()
        env = pb.Envelope()
        env.ParseFromString(got[4:])
        w = env.welcome
        self.assertEqual(env.WhichOneof("body"), "welcome")
        self.assertEqual(env.request_id, DOC_ID)
        self.assertEqual(w.ledger_key, LEDGER_KEY)
        self.assertEqual((w.version, w.max_frame, w.idle_timeout_s), (2, FRAME_MAX_AUTHED, 3))
        self.assertEqual((w.unit.code, w.unit.name, w.unit.role),
                         (UNIT, UNIT_NAME, pb.ROLE_REGIONAL))
        # The documented bytes end with the documented ledger's key (field 7,
        # last); this ledger has its own.
        want = doc_hex("15.3")
        self.assertEqual(want[-34:-32], b"\x3a\x20")
        self.assertEqual(got.hex(" "), (want[:-32] + LEDGER_KEY).hex(" "))

    def test_stream_error_bytes(self):
        c = Conn(self.d.port)
        try:
            c.send_raw(struct.pack(">I", FRAME_MAX_PREAUTH + 1))
            got = c.recv_frame()
            self.assertEqual(got.hex(" "), doc_hex("15.4").hex(" "))
            self.assertIsNone(c.recv_frame(), "the server closes after a stream error")
        finally:
            c.close()


class WireRequests(unittest.TestCase):
    """A write, its replay, and refusals that keep the connection open, on a
    daemon with the default idle timeout."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(DATA)

    @classmethod
    def tearDownClass(cls):
        assert cls.d.stop() == 0, "tdktd did not exit 0; see " + cls.d.log

    def setUp(self):
        self.c = Conn(self.d.port)
        self.welcome = self.c.hello()

    def tearDown(self):
        self.c.close()

    def expect_error(self, env, code, field):
        self.assertEqual(env.WhichOneof("body"), "error", env)
        self.assertEqual(pb.ErrorCode.Name(env.error.code), pb.ErrorCode.Name(code))
        self.assertEqual(env.error.field, field)
        return env.error

    def still_serves(self):
        env = self.c.call(status=pb.StatusRequest())
        self.assertEqual(env.WhichOneof("body"), "status_reply", env)
        self.assertEqual(env.status_reply.unit.code, UNIT)
        return env.status_reply

    def test_note_put_receipt_and_replay(self):
        rid = os.urandom(16)
        note = pb.NotePut(key="k", text="hello")
        env = self.c.call(rid=rid, note_put=note)
        self.assertEqual(env.WhichOneof("body"), "receipt", env)
        r = env.receipt
        self.assertFalse(r.replayed)
        # §13: the leaf of a note.put by this unit, with the NotePut as
        # re-encoded by the server (here the same bytes as §13.4's entry 3)
        payload = note.SerializeToString()
        self.assertEqual(payload.hex(" "), "0a 01 6b 12 05 68 65 6c 6c 6f")
        leaf = leaf_hash(r.seq, r.time_ms, UNIT, "note.put", payload)
        self.assertEqual(r.entry_hash, leaf)
        self.assertEqual(r.head.size, r.seq)
        self.assertEqual(len(r.head.signature), 64)
        self.assertTrue(verify_inclusion(r.seq - 1, r.head.size, leaf, list(r.inclusion),
                                         r.head.root), "the receipt's inclusion proof fails")

        # The same id and body: the stored receipt, replayed, on another connection too.
        again = self.c.call(rid=rid, note_put=note)
        self.assertEqual(again.WhichOneof("body"), "receipt", again)
        self.assertTrue(again.receipt.replayed)
        first = pb.WriteReceipt()
        first.CopyFrom(r)
        first.replayed = True
        self.assertEqual(again.receipt, first)
        other = Conn(self.d.port)
        try:
            other.hello()
            third = other.call(rid=rid, note_put=note)
        finally:
            other.close()
        self.assertEqual(third.receipt, first)

        # The same id, another body: refused, the first write stands.
        self.expect_error(self.c.call(rid=rid, note_put=pb.NotePut(key="k", text="other")),
                          pb.ERROR_CODE_REQUEST_ID_REUSED, "request_id")
        st = self.still_serves()
        self.assertGreaterEqual(st.ledger_height, r.seq)

    def test_empty_key_refused(self):
        rid = os.urandom(16)
        env = self.c.call(rid=rid, note_put=pb.NotePut(key="", text="x"))
        self.assertEqual(env.request_id, rid)
        self.expect_error(env, pb.ERROR_CODE_INVALID_ARGUMENT, "note_put.key")
        self.still_serves()

    def test_reconcile_over_cap_refused(self):
        req = pb.ReconcileRequest(audit=True, audit_seqs=[1] * (RECON_AUDIT_MAX + 1))
        err = self.expect_error(self.c.call(reconcile=req), pb.ERROR_CODE_INVALID_ARGUMENT,
                                "reconcile.audit_seqs")
        self.assertEqual(err.message, "reconcile.audit_seqs: at most %d entries, got %d"
                         % (RECON_AUDIT_MAX, RECON_AUDIT_MAX + 1))
        self.still_serves()
        # at the cap: answered with the signed head
        del req.audit_seqs[RECON_AUDIT_MAX:]
        env = self.c.call(reconcile=req)
        self.assertEqual(env.WhichOneof("body"), "reconcile_reply", env)
        self.assertEqual(len(env.reconcile_reply.head.root), 32)

    def test_wrong_version_refused(self):
        self.expect_error(self.c.call(version=self.welcome.version + 1, status=pb.StatusRequest()),
                          pb.ERROR_CODE_UNSUPPORTED_VERSION, "version")
        self.still_serves()


def main():
    global ARGS, pb
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tdktd", required=True)
    ap.add_argument("--proto-py", required=True, help="where protoc wrote tdkt_pb2.py")
    ap.add_argument("--doc", required=True, help="docs/protocol.md")
    ARGS, rest = ap.parse_known_args()
    sys.path.insert(0, ARGS.proto_py)
    import tdkt_pb2
    pb = tdkt_pb2
    unittest.main(argv=[sys.argv[0], "-v"] + rest)


if __name__ == "__main__":
    main()
