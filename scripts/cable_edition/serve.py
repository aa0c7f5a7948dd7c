"""A preview of a build, as a WSGI application: the published files, and OAI-PMH at /oai.

``cable-edition serve`` runs it on the standard library's server; any WSGI server can run
:func:`create_app` instead (e.g. ``gunicorn 'cable_edition.serve:create_app("build")'``).
Each request resolves the build once, so it is answered from one complete build even
while another is being published; only regular files inside the build are served, never
the build's own dot-files."""

from __future__ import annotations

import mimetypes
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cable_edition.diagnostics import UserError
from cable_edition.oai import answer, request_pairs
from cable_edition.publish import MAX_PUBLISHED_FILE, Output, claim, read_inside, refuse

TYPES = {".xml": "application/xml; charset=utf-8", ".json": "application/json",
         ".txt": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8"}
SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*\Z")
# A Host header as RFC 9110 allows it (a name or an address, a port): it makes the base URL
# that every OAI-PMH response echoes.
HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
MAX_BODY = 1 << 16               # an OAI-PMH request body: a few arguments
# Every response: no browser guesses another type than the one given.
NOSNIFF = ("X-Content-Type-Options", "nosniff")
TIMEOUT_SECONDS = 30             # a connection that sends nothing for this long is closed
MAX_THREADS = 32                 # connections answered at once; the next wait to be accepted


def _output(out_dir: Path) -> Output:
    output = claim(out_dir)
    if output.current() is None:
        raise refuse(out_dir, "no build here yet: run cable-edition build first")
    return output


def create_app(out_dir: str | Path = "build"):
    """The WSGI application serving the build in ``out_dir``."""
    output = _output(Path(out_dir))

    def application(environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        if path.rstrip("/") == "/oai":
            return _oai(output, environ, start_response)
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", "only GET and HEAD\n")
        return _file(output, path, method, start_response)

    return application


def _oai(output: Output, environ, start_response):
    method = environ.get("REQUEST_METHOD", "GET")
    if method not in ("GET", "POST"):
        return _plain(start_response, "405 Method Not Allowed", "OAI-PMH takes GET and POST\n")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    if not HOST.fullmatch(host):
        return _plain(start_response, "400 Bad Request", "the Host header is not a host name\n")
    query = environ.get("QUERY_STRING", "")
    if method == "POST":
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return _plain(start_response, "413 Content Too Large" if length > MAX_BODY else "400 Bad Request",
                          f"an OAI-PMH request body is from 0 to {MAX_BODY} bytes, its length given\n")
        query = environ["wsgi.input"].read(length).decode("utf-8", "replace")
    script = environ.get("SCRIPT_NAME", "").rstrip("/")
    base = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{script}/oai"
    body = answer(output, base, request_pairs(query))
    start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body))),
                              NOSNIFF])
    return [body]


def _plain(start_response, status: str, text: str):
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            NOSNIFF])
    return [body]


def _file(output: Output, path: str, method: str, start_response):
    folder = output.current()                          # one build for the whole request
    parts = [p for p in path.split("/") if p]
    if folder is None or not all(SAFE_PART.match(p) for p in parts):
        return _plain(start_response, "404 Not Found", "not found\n")
    try:
        try:
            body = read_inside(folder, parts or ["index.html"], MAX_PUBLISHED_FILE)
            name = (parts or ["index.html"])[-1]
        except IsADirectoryError:
            if not path.endswith("/"):
                start_response("301 Moved Permanently", [("Location", path + "/"), ("Content-Length", "0"), NOSNIFF])
                return [b""]
            body, name = read_inside(folder, [*parts, "index.html"], MAX_PUBLISHED_FILE), "index.html"
    except OSError:                                    # missing, a link, not a regular file
        return _plain(start_response, "404 Not Found", "not found\n")
    kind = TYPES.get(Path(name).suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") and "charset" not in kind:
        kind += "; charset=utf-8"
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body))), NOSNIFF])
    return [b"" if method == "HEAD" else body]


class _Server(ThreadingMixIn, WSGIServer):
    """A thread per connection, at most MAX_THREADS at once: the accepting loop waits for a
    free one, and further clients wait in the listening queue."""

    daemon_threads = True

    def __init__(self, *args, **kwargs):
        self._slots = threading.BoundedSemaphore(MAX_THREADS)
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class _Quiet(WSGIRequestHandler):
    timeout = TIMEOUT_SECONDS        # the socket's: an idle or slow client is let go

    def log_message(self, format, *args):           # one line per request, on stderr
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000                     # 0: any free port
    idle_timeout: float = TIMEOUT_SECONDS


def serve(out_dir: Path, options: ServeOptions = ServeOptions()) -> None:
    """Serve ``out_dir`` until interrupted; say where on stdout (the port, if 0 was asked)."""
    application = create_app(out_dir)
    handler = type("_Handler", (_Quiet,), {"timeout": options.idle_timeout})
    host, port = options.host, options.port
    try:
        server = make_server(host, port, application, server_class=_Server, handler_class=handler)
    except OSError as exc:
        raise UserError(refuse(out_dir, f"cannot listen on {host}:{port}: {exc.strerror or exc}").diagnostics,
                        exit_code=2) from None
    shown = f"[{host}]" if ":" in host else host
    print(f"serving {out_dir} at http://{shown}:{server.server_port}/ (OAI-PMH at "
          f"http://{shown}:{server.server_port}/oai); Ctrl-C stops", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
