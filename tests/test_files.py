"""kiosk.files.write_atomic: the one way the kiosk replaces a file (centre document, enrolment,
technician config edits, config import)."""
from __future__ import annotations

import os
import stat

import pytest

from kiosk.files import write_atomic


def test_writes_and_replaces_whole(tmp_path):
    path = tmp_path / "centre.json"
    assert write_atomic(path, "{\"a\": 1}\r\n") == path
    assert path.read_bytes() == b"{\"a\": 1}\r\n"  # no newline translation
    write_atomic(path, b"\x00binary")
    assert path.read_bytes() == b"\x00binary"
    assert os.listdir(tmp_path) == ["centre.json"]  # no temporary file left


def test_permissions_secret_new_and_kept(tmp_path):
    secret = tmp_path / "enrolment.json"
    write_atomic(secret, "token")
    os.chmod(secret, 0o644)
    write_atomic(secret, "token", mode=0o600)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    config = tmp_path / "kiosk.toml"
    config.write_text("x = 1\n")
    os.chmod(config, 0o640)
    write_atomic(config, "x = 2\n")
    assert stat.S_IMODE(config.stat().st_mode) == 0o640 and config.read_text() == "x = 2\n"


def test_a_symlink_stays_a_symlink(tmp_path):
    target = tmp_path / "etc" / "kiosk.toml"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "kiosk.toml"
    link.symlink_to(target)
    assert write_atomic(link, "new") == target
    assert link.is_symlink() and target.read_text() == "new"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "busy"
    path.mkdir()  # os.replace cannot put a file over a folder
    (path / "inside").write_text("kept")
    with pytest.raises(OSError):
        write_atomic(path, "new")
    assert (path / "inside").read_text() == "kept"
    assert sorted(os.listdir(tmp_path)) == ["busy"]


def test_file_and_folder_are_fsynced(tmp_path, monkeypatch):
    synced: list[bool] = []  # True: a folder
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", spy)
    write_atomic(tmp_path / "f", "data")
    assert synced == [False, True]  # the file's data, then the rename in its folder
