"""Writing files without harming the user's data: the one place every writing command goes through.

Three rules (docs/reliability.md explains them to users):

* never write where you read: :func:`guard_output` refuses an output that IS one of the inputs
  (same device and inode, so links and ``./`` spellings do not fool it), an output inside a
  model folder that is not the command's own target, and entries that are not regular files
  (a FIFO would block forever, a dangling link would write somewhere unexpected);
* never destroy before success: :func:`atomic_output` hands out a temporary path in the target
  folder and renames it over the target only when the block ends without an error;
* every filesystem failure is one line: :func:`os_error` turns an ``OSError`` (disk full,
  read-only file system, permission denied, ...) into a :class:`~rasd.errors.RasdError` naming
  the path and the fix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from rasd.errors import ConfigError, RasdError

MODEL_MARKERS = ("model.safetensors", "pytorch_model.bin", "model.onnx")

_FIXES = {
    errno.ENOSPC: "the disk is full; free space (or write elsewhere) and run again (--resume continues a predict run)",
    errno.EDQUOT: "the disk quota is exhausted; free space and run again",
    errno.EROFS: "the file system is read-only; write the output somewhere writable",
    errno.EACCES: "permission denied; choose a path you can write (or fix its permissions)",
    errno.EPERM: "operation not permitted; choose another path",
    errno.ENOENT: "it does not exist (it may have been removed while the command ran)",
    errno.EISDIR: "it is a folder; give a file name",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EIO: "input/output error from the device; check the disk",
}


class FileSystemError(RasdError):
    """An operating-system error on a path, as one line with the fix."""


def os_error(e: OSError, path: str | Path | None = None) -> FileSystemError:
    """``e`` as a one-line :class:`FileSystemError`: the path, what happened, what to do."""
    where = path if path is not None else (e.filename or "?")
    fix = _FIXES.get(e.errno or -1, e.strerror or str(e))
    name = errno.errorcode.get(e.errno or -1, "error")
    return FileSystemError(f"{where}: {name}: {fix}")


def entry_kind(path: Path) -> str | None:
    """What ``path`` is, when it is something a command must not read or write as a file:
    'a dangling link', 'a FIFO', 'a socket', 'a device'; None for a regular file, folder or nothing."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "a dangling link" if os.path.islink(path) else None
    except OSError:
        return None
    mode = st.st_mode
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return None


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when both exist and are the same file (device and inode), however they are spelled."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def model_folder_of(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that holds a trained model or an export, if any."""
    try:
        here = path.resolve()
    except OSError:
        return None
    for folder in (here, *here.parents):
        if folder.is_dir() and (folder / "config.json").is_file() and any(
                (folder / m).is_file() for m in MODEL_MARKERS):
            return folder
    return None


def guard_output(output: str | Path | None, inputs: Iterable[str | Path | None] = (), *,
                 own_target: str | Path | None = None, what: str = "output", folder: bool = False) -> None:
    """Refuse, before anything is opened, an output that would harm what the command reads.

    ``inputs`` are the files and folders the command reads (a model folder counts: nothing is
    written into it). ``own_target`` is the folder the command is meant to write (``rasd train``'s
    output_dir, an export's OUT), where a model folder is expected. ``folder`` says the output is
    a folder rather than a file.
    """
    if output is None or str(output) == "-":
        return
    out = Path(output)
    kind = entry_kind(out)
    if kind is not None:
        raise ConfigError(f"{out}: the {what} is {kind}, not a regular file; choose another path")
    if not folder and out.is_dir():
        raise ConfigError(f"{out} is a folder; the {what} must be a file name")
    if folder and out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; the {what} must be a folder")
    for source in inputs:
        if source is None or str(source) == "-":
            continue
        src = Path(source)
        if same_file(src, out):
            raise ConfigError(f"{out}: the {what} is the same file as the input {src}; write it elsewhere "
                              "(rasd never writes over what it reads)")
        if src.is_dir() and _inside(out, src):
            raise ConfigError(f"{out}: the {what} lies inside {src}, which this command reads; write it elsewhere")
        if folder and src.exists() and _inside(src, out):
            raise ConfigError(f"{out}: the {what} folder holds the input {src}; write it elsewhere")
    model = model_folder_of(out if folder else out.parent)
    if model is not None and not (own_target is not None and _samepath(model, Path(own_target))):
        raise ConfigError(f"{out}: the {what} lies inside the model folder {model}; a model folder holds "
                          "only its own files, so write it elsewhere")


def _inside(child: Path, parent: Path) -> bool:
    try:
        c, p = child.resolve(), parent.resolve()
    except OSError:
        return False
    return c == p or p in c.parents


def _samepath(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@contextlib.contextmanager
def atomic_output(path: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """A temporary path in ``path``'s folder; renamed over ``path`` when the block succeeds, removed
    when it fails, so an existing ``path`` is never emptied or half-written by a failed run."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent)
        os.close(fd)
    except OSError as e:
        raise os_error(e, target) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise os_error(e, target) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def replace_folder(tmp: Path, target: Path) -> None:
    """Put the finished folder ``tmp`` at ``target`` (an existing ``target`` is moved aside first and
    removed only once the new one is in place)."""
    import shutil

    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(target: str | Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` to write a whole export into; it replaces ``target`` only when
    the block succeeds, and is removed when it fails (nothing half-written is ever left in place)."""
    import shutil

    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as e:
        raise os_error(e, target) from None
    try:
        yield tmp
        replace_folder(tmp, target)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise os_error(e, target) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def holds_model(folder: Path) -> bool:
    """True when ``folder`` holds a trained model or an export (something only --overwrite may replace)."""
    return folder.is_dir() and ((folder / "config.json").is_file() or any((folder / m).exists() for m in (
        *MODEL_MARKERS, "token-classification", "sequence-classification")))


_WIDE = ((b"\xff\xfe\x00\x00", "UTF-32LE"), (b"\x00\x00\xfe\xff", "UTF-32BE"), (b"\xff\xfe", "UTF-16LE"),
         (b"\xfe\xff", "UTF-16BE"))


def wide_encoding(head: bytes) -> str | None:
    r"""The UTF-16/UTF-32 encoding the first bytes of a file show (byte-order mark, or ASCII with
    zero bytes between), or None.

    >>> wide_encoding("{}".encode("utf-16")), wide_encoding(b"{\x00\"\x00"), wide_encoding(b'{"id')
    ('UTF-16LE', 'UTF-16LE', None)
    """
    for bom, name in _WIDE:
        if head.startswith(bom):
            return name
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "UTF-16LE"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "UTF-16BE"
    return None
