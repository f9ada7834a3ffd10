"""nginx on loopback for the benchmark and the front-cache test: a static file server
(the machine's ceiling) or deploy/nginx-front-cache.conf in front of Broadsheet.

Each nginx runs from its own temporary folder with its own config, pid and logs, never
as a system service, and stops when the `with` block ends.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRONT_CACHE = ROOT / "deploy" / "nginx-front-cache.conf"
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _which(program: str) -> str | None:
    return shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin")


def install(package: str) -> None:
    """A Debian package the benchmark or a test drives, when we may install it."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"Needs Debian's {package}: sudo apt-get install {package}")
    print(f"Installing Debian's {package}", flush=True)
    if subprocess.run(["apt-get", "install", "-y", "-qq", package], check=False).returncode:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True)


def tool(program: str, package: str) -> str:
    """The path of a program from Debian's packages, installed first when missing."""
    if not _which(program):
        install(package)
    return _which(program)


def nginx_binary(with_purge: bool = False) -> str:
    if not _which("nginx"):
        install("nginx")
    if with_purge and not PURGE_MODULE.exists():
        install("libnginx-mod-http-cache-purge")
    return _which("nginx")


def front_cache_server(listen: str, upstream: str, cache_dir: Path, live_upstream: str = "") -> str:
    """deploy/nginx-front-cache.conf with its placeholders filled in. The live streams'
    listener is `broadsheet serve`'s default, the pages' port + 1, unless given."""
    text = FRONT_CACHE.read_text()
    host, _, port = upstream.rpartition(":")
    for name, value in {
        "@LISTEN@": listen,
        "@UPSTREAM@": upstream,
        "@LIVE_UPSTREAM@": live_upstream or f"{host}:{int(port) + 1}",
        "@CACHE_DIR@": str(cache_dir),
        "@SERVER_NAME@": "localhost 127.0.0.1",
    }.items():
        text = text.replace(name, value)
    return text


@contextlib.contextmanager
def nginx(server: str, files: dict[str, bytes] | None = None, with_purge: bool = False):
    """Run nginx with `server` (text for its http block; "@ROOT@" is the folder holding
    `files`) until the block ends; yields the folder."""
    binary = nginx_binary(with_purge)
    folder = Path(tempfile.mkdtemp(prefix="broadsheet-nginx-"))
    folder.chmod(0o755)  # nginx's workers may run as another user
    for name, content in (files or {}).items():
        (folder / name).write_bytes(content)
        (folder / name).chmod(0o644)
    modules = f"load_module {PURGE_MODULE};" if with_purge else ""
    (folder / "nginx.conf").write_text(
        f"""
{modules}
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type text/html;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  {server.replace("@ROOT@", str(folder))}
}}
"""
    )
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):  # up once it has written its pid; a bad config ends it
            if process.poll() is not None:
                raise RuntimeError(f"nginx did not start: {process.stderr.read().decode()}")
            if (folder / "nginx.pid").exists():
                break
            time.sleep(0.05)
        yield folder
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def wait_for(url: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # answering, with whatever status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
