"""A preview of a build, as a WSGI application: the published files, and OAI-PMH at /oai.

``cable-edition serve`` runs it on the standard library's server; any WSGI server can run
:func:`create_app` instead (e.g. ``gunicorn 'cable_edition.serve:create_app("build")'``).
Each request resolves the build once, so it is answered from one complete build even
while another is being published; only regular files inside the build are served, never
the build's own dot-files."""

from __future__ import annotations

import mimetypes
import os
import re
import stat
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cable_edition.diagnostics import UserError
from cable_edition.oai import answer, request_pairs
from cable_edition.publish import Output, claim, refuse

TYPES = {".xml": "application/xml", ".json": "application/json", ".txt": "text/plain; charset=utf-8",
         ".html": "text/html; charset=utf-8"}
SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*\Z")
MAX_FILE = 1 << 30


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
            if method not in ("GET", "POST"):
                return _plain(start_response, "405 Method Not Allowed", "OAI-PMH takes GET and POST\n")
            base = _base_url(environ) + "oai"
            body = answer(output, base, request_pairs(environ))
            start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))])
            return [body]
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", "only GET and HEAD\n")
        return _file(output, path, method, start_response)

    return application


def _base_url(environ) -> str:
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    script = environ.get("SCRIPT_NAME", "").rstrip("/")
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{script}/"


def _plain(start_response, status: str, text: str):
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def _file(output: Output, path: str, method: str, start_response):
    folder = output.current()                          # one build for the whole request
    parts = [p for p in path.split("/") if p]
    if folder is None or not all(SAFE_PART.match(p) for p in parts):
        return _plain(start_response, "404 Not Found", "not found\n")
    target = folder.joinpath(*parts)
    try:
        info = os.lstat(target)
        if stat.S_ISDIR(info.st_mode):
            if not path.endswith("/"):
                start_response("301 Moved Permanently", [("Location", path + "/"), ("Content-Length", "0")])
                return [b""]
            target = target / "index.html"
            info = os.lstat(target)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE:
            raise FileNotFoundError(path)
        with open(target, "rb") as handle:
            body = handle.read()
    except OSError:
        return _plain(start_response, "404 Not Found", "not found\n")
    kind = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [b"" if method == "HEAD" else body]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):           # one line per request, on stderr
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``out_dir`` until interrupted; say where on stdout (the port, if 0 was asked)."""
    application = create_app(out_dir)
    try:
        server = make_server(host, port, application, server_class=_Server, handler_class=_Quiet)
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
