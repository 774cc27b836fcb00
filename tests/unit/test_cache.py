"""Response cache: stable keys, atomic entries, corrupt or mismatched entries are misses."""

from __future__ import annotations

import json

import pytest

from harness.backends.cache import Cache, cache_key, default_cache_dir

BASE = {"backend": "openai", "base_url": "http://x/v1", "model": "m",
        "messages": [{"role": "user", "content": "hi"}], "params": {"temperature": 0}, "sample": 0}


def test_key_ignores_dict_order_but_not_values():
    reordered = dict(reversed(list(BASE.items())))
    assert cache_key(reordered) == cache_key(BASE)
    changed = [
        {**BASE, "model": "m2"},
        {**BASE, "base_url": "http://y/v1"},
        {**BASE, "messages": [{"role": "user", "content": "hi!"}]},
        {**BASE, "params": {"temperature": 0.5}},
        {**BASE, "sample": 1},
        {**BASE, "backend": "other"},
    ]
    keys = {cache_key(c) for c in changed}
    assert len(keys) == len(changed) and cache_key(BASE) not in keys


def test_round_trip_and_layout(tmp_path):
    c = Cache(tmp_path)
    k = cache_key(BASE)
    assert c.get(k) is None
    c.put(k, {"text": "answer", "usage": {"prompt_tokens": 3}}, request=BASE)
    assert c.get(k) == {"text": "answer", "usage": {"prompt_tokens": 3}}
    assert c.path(k) == tmp_path / k[:2] / f"{k}.json"
    assert [p.name for p in c.path(k).parent.iterdir()] == [f"{k}.json"]  # no temp file left behind


@pytest.mark.parametrize("content", [
    "", "{not json", "[]", '{"version": 1, "key": "other", "response": {"text": "a"}}',
    '{"version": 1, "key": "KEY", "response": {"text": "   "}}',
    '{"version": 1, "key": "KEY", "response": {}}',
    '{"version": 99, "key": "KEY", "response": {"text": "a"}}',
])
def test_corrupt_or_foreign_entries_are_misses(tmp_path, content):
    c = Cache(tmp_path)
    k = cache_key(BASE)
    c.path(k).parent.mkdir(parents=True)
    c.path(k).write_text(content.replace("KEY", k), encoding="utf-8")
    assert c.get(k) is None
    c.put(k, {"text": "fresh"})  # a miss can be overwritten
    assert c.get(k) == {"text": "fresh"}
    assert json.loads(c.path(k).read_text())["key"] == k


def test_default_location_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path / "a"))
    assert default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("SUMBENCH_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "sumbench"


_WRITER = """
import sys
from harness.backends.cache import Cache
cache, tag = Cache(sys.argv[1]), sys.argv[2]
for round_ in range(40):
    for k in range(25):
        cache.put(f"{k:064x}", {"text": f"{tag} answer {k} " + "x" * 4000})
"""


def test_processes_sharing_one_cache_folder_never_see_half_an_entry(tmp_path):
    """Shards on several machines may share --cache-dir: two writers and a reader on the same
    keys at once; every read is a whole entry from one writer or a miss, never a torn one."""
    import subprocess
    import sys

    from tests.paths import ROOT

    root = tmp_path / "shared-cache"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(root), tag], cwd=ROOT)
               for tag in ("one", "two")]
    cache, reads = Cache(root), 0
    while any(w.poll() is None for w in writers):
        for k in range(25):
            got = cache.get(f"{k:064x}")
            if got is not None:
                reads += 1
                head, _, tail = got["text"].partition(" answer ")
                assert head in ("one", "two") and tail == f"{k} " + "x" * 4000
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    assert all(cache.get(f"{k:064x}") is not None for k in range(25))
    assert not list(root.rglob("*.tmp"))  # no temp file left behind
