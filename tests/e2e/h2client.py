"""A small HTTP/2 client for the tests: prior knowledge over a plain socket (as Node's `http2.connect('http://…')`
does), SigV4-signed requests by botocore's signer, and raw frames for hostile ones."""

import socket

import h2.config
import h2.connection
import h2.events
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def address(endpoint):
    host, port = endpoint[len("http://"):].rsplit(":", 1)
    return host.strip("[]"), int(port)


def signed(endpoint, service, region, method, path, body=b"", headers=None, key="111111111111", secret="test"):
    """The (method, path, headers) of a request signed as an SDK signs it; `host` is left to `:authority`."""
    req = AWSRequest(method=method, url=endpoint + path, data=body, headers=dict(headers or {}))
    SigV4Auth(Credentials(key, secret), service, region).add_auth(req)
    return [(k.lower(), v) for k, v in req.headers.items() if k.lower() != "host"]


class Response:
    def __init__(self):
        self.headers = {}
        self.status = None
        self.body = bytearray()
        self.reset = None
        self.ended = False


class Connection:
    """One HTTP/2 connection; `request` sends a whole request, `run` reads until the given streams end."""

    def __init__(self, endpoint, timeout=30):
        self.endpoint = endpoint
        self.authority = endpoint[len("http://"):]
        self.sock = socket.create_connection(address(endpoint), timeout=timeout)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        # Room for large responses without a WINDOW_UPDATE per read.
        self.conn.increment_flow_control_window(16 * 1024 * 1024)
        self.sock.sendall(self.conn.data_to_send())
        self.responses = {}
        self.goaway = None
        self.settings = {}
        self.closed = False
        self.pending = {}

    def request(self, method, path, headers=(), body=b""):
        sid = self.conn.get_next_available_stream_id()
        pseudo = [(":method", method), (":scheme", "http"), (":authority", self.authority), (":path", path)]
        self.conn.send_headers(sid, pseudo + list(headers), end_stream=not body)
        self.responses[sid] = Response()
        if body:
            self.pending[sid] = memoryview(body)
            self._send_pending()
        self.sock.sendall(self.conn.data_to_send())
        return sid

    def _send_pending(self):
        for sid, rest in list(self.pending.items()):
            while rest:
                window = min(self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
                if window <= 0:
                    break
                self.conn.send_data(sid, rest[:window].tobytes())
                rest = rest[window:]
            if rest:
                self.pending[sid] = rest
            else:
                self.conn.end_stream(sid)
                del self.pending[sid]

    def run(self, *sids):
        """Reads frames until every stream in `sids` has ended or been reset, or the server closes."""
        while not self.closed and not all(self.responses[s].ended or self.responses[s].reset is not None
                                          for s in sids):
            self.step()
        return [self.responses[s] for s in sids]

    def step(self):
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            return
        for event in self.conn.receive_data(data):
            self._on(event)
        self._send_pending()
        out = self.conn.data_to_send()
        if out:
            try:
                self.sock.sendall(out)
            except (BrokenPipeError, ConnectionResetError):
                self.closed = True

    def _on(self, event):
        if isinstance(event, h2.events.ResponseReceived):
            r = self.responses[event.stream_id]
            r.headers = dict(event.headers)
            r.status = int(r.headers[":status"])
        elif isinstance(event, h2.events.DataReceived):
            self.responses[event.stream_id].body += event.data
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            self.responses[event.stream_id].ended = True
        elif isinstance(event, h2.events.StreamReset):
            if event.stream_id in self.responses:
                self.responses[event.stream_id].reset = event.error_code
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            self.settings.update({k: v.new_value for k, v in event.changed_settings.items()})
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event.error_code

    def close(self):
        self.sock.close()


def call(endpoint, service, region, method, path, body=b"", headers=None, **keys):
    """One signed request on a connection of its own; its Response."""
    conn = Connection(endpoint)
    try:
        sid = conn.request(method, path, signed(endpoint, service, region, method, path, body, headers, **keys), body)
        return conn.run(sid)[0]
    finally:
        conn.close()
