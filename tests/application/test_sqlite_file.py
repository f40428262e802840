"""The SQLite file holds every record: it is created readable and writable by its owner only (0600),
and so are the -wal and -shm files SQLite makes beside it (a low finding of the security issue:
it was 0644, readable by every local account)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from careplan.application import CarePlan
from careplan.domain.values import Actor


def test_the_sqlite_file_and_its_wal_and_shm_are_made_0600_whatever_the_umask(
    make_app: Callable[..., CarePlan], tmp_path: Path
) -> None:
    path = tmp_path / "instance" / "careplan.sqlite"
    previous = os.umask(0o022)
    try:
        app = make_app(f"sqlite:///{path}")
        app.open_journey("MRN-FILE-1", actor=Actor("dr-a", "clinician"))
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(f.exists() for f in files), [f.name for f in files if not f.exists()]
        assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {f.name: "0o600" for f in files}
    finally:
        os.umask(previous)


def test_an_existing_file_keeps_the_mode_its_owner_gave_it(make_app: Callable[..., CarePlan], tmp_path: Path) -> None:
    path = tmp_path / "careplan.sqlite"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    make_app(f"sqlite:///{path}").open_journey("MRN-FILE-2", actor=Actor("dr-a", "clinician"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
