"""OpenAI's rank files when a build did not bundle them: downloaded once with
tiktoken's sha256 check and cached where tiktoken caches them. A local HTTP
server on 127.0.0.1 stands in for OpenAI's (``BYTEPAIR_ENCODINGS_URL``); no
traffic goes anywhere else."""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import bytepair as bp
import pytest
from bytepair import registry
from conftest import shared_path


class _Server:
    """Serves ``files`` (name -> bytes) and records the paths asked for."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the stdlib's name)
                outer.requests.append(self.path)
                data = outer.files.get(self.path.rsplit("/", 1)[-1])
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/encodings/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch, tmp_path):
    data = shared_path("vocab", "tiktoken", "r50k_base.tiktoken").read_bytes()
    s = _Server({"r50k_base.tiktoken": data})
    monkeypatch.setenv("BYTEPAIR_ENCODINGS_URL", s.url)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    yield s
    s.stop()


def _cached(tmp_path: Path, url: str) -> Path:
    return tmp_path / "cache" / hashlib.sha1(url.encode()).hexdigest()


def test_a_missing_rank_file_is_downloaded_checked_and_cached(server, tmp_path):
    enc = registry._load_openai("r50k_base", bundled=False)
    text = "Downloaded once, then read from the cache."
    assert enc.encode(text) == bp.get_encoding("r50k_base").encode(text)
    assert server.requests == ["/encodings/r50k_base.tiktoken"]
    url = registry.rank_file_url("r50k_base")
    assert _cached(tmp_path, url).read_bytes() == server.files["r50k_base.tiktoken"]
    # Offline now: the cache answers.
    server.stop()
    again = registry._load_openai("r50k_base", bundled=False)
    assert again.encode(text) == enc.encode(text)
    assert len(server.requests) == 1


def test_a_damaged_cache_is_fetched_again(server, tmp_path):
    registry._load_openai("r50k_base", bundled=False)
    cached = _cached(tmp_path, registry.rank_file_url("r50k_base"))
    cached.write_bytes(b"not a rank file")
    registry._load_openai("r50k_base", bundled=False)
    assert len(server.requests) == 2
    assert cached.read_bytes() == server.files["r50k_base.tiktoken"]


def test_a_download_that_fails_the_hash_is_refused(server, tmp_path):
    server.files["r50k_base.tiktoken"] = server.files["r50k_base.tiktoken"][:-10]
    with pytest.raises(ValueError, match="Hash mismatch"):
        registry._load_openai("r50k_base", bundled=False)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_offline_without_a_cache_is_a_clear_error(server):
    server.stop()
    with pytest.raises(OSError, match="could not be downloaded"):
        registry._load_openai("r50k_base", bundled=False)


def test_an_empty_cache_setting_turns_the_cache_off(server, monkeypatch, tmp_path):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    registry._load_openai("r50k_base", bundled=False)
    registry._load_openai("r50k_base", bundled=False)
    assert len(server.requests) == 2
    assert not (tmp_path / "cache").exists()


def test_load_tiktoken_bpe_reads_urls_through_the_cache(server):
    url = server.url + "r50k_base.tiktoken"
    sha = {name: sha for name, sha, _ in bp._core.rank_files()}["r50k_base"]
    assert len(bp.load.load_tiktoken_bpe(url, expected_hash=sha)) == 50256
    bp.load.load_tiktoken_bpe(url)
    assert len(server.requests) == 1


def test_this_build_bundles_every_rank_file():
    """The wheel's promise: nothing to download for OpenAI's encodings (the
    build reads them from ../shared)."""
    shared_path("vocab", "tiktoken")
    assert {name: bundled for name, _, bundled in bp._core.rank_files()} == {
        "r50k_base": True,
        "p50k_base": True,
        "cl100k_base": True,
        "o200k_base": True,
    }
