#!/usr/bin/env python3
"""Static file server for the ConvPad site (python3 standard library only).

    python3 tools/server.py --dir build-web/site [--port 8080] [--no-isolation]

Binds to 127.0.0.1 only. Serves .wasm as application/wasm (needed for streaming compilation) and
sends COOP: same-origin + COEP: require-corp, so the page is cross-origin isolated and runs the threaded
build (SharedArrayBuffer), and CORP: cross-origin, so that a cross-origin isolated page of another site may
embed it in an iframe (allow="cross-origin-isolated") and get the threaded build there too. --no-isolation leaves those headers out, as a plain static host would: the
page then runs the single-thread build. --port 0 picks a free port; the first line printed on stdout is
always the URL ("serving http://127.0.0.1:PORT/"), which tests/browser/helpers.mjs reads.
"""
import argparse
import functools
import http.server
import os
import sys


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".html": "text/html; charset=utf-8",
        ".gz": "application/gzip",        # served as is: the page gunzips (no Content-Encoding)
        ".svg": "image/svg+xml",
        ".cpm": "application/octet-stream",
    }
    verbose = False
    isolation = True

    def end_headers(self):
        if self.isolation:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        self.send_header("Cache-Control", "no-cache")   # always revalidate: rebuilt files show up on reload
        super().end_headers()

    def log_message(self, fmt, *args):
        # Quiet by default; failed requests are always worth a line.
        if self.verbose or (len(args) > 1 and str(args[1])[:1] in "45"):
            sys.stderr.write("server: %s\n" % (fmt % args))


class SiteServer(http.server.ThreadingHTTPServer):
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A browser that drops a connection mid-download (a reload, a closed tab) is not a server error.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="folder to serve (build-web/site)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")),
                        help="port on 127.0.0.1, 0 for any free port (default $PORT or 8080)")
    parser.add_argument("--no-isolation", dest="isolation", action="store_false",
                        help="no COOP/COEP headers: the page is not cross-origin isolated (single-thread build)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args()

    if not os.path.isfile(os.path.join(args.dir, "index.html")):
        sys.exit(f"server: {args.dir}/index.html not found: build the site first (tools/serve.sh)")
    SiteHandler.verbose = args.verbose
    SiteHandler.isolation = args.isolation
    handler = functools.partial(SiteHandler, directory=os.path.abspath(args.dir))
    try:
        server = SiteServer(("127.0.0.1", args.port), handler)
    except OSError as err:
        sys.exit(f"server: cannot listen on 127.0.0.1:{args.port}: {err.strerror}")
    print(f"serving http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
