"""``careplan users``: the token alone on the last line, and it works; secrets are stored only as hashes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.main import main
from careplan.users import Users
from tests.conftest import Clock
from tests.web.conftest import make_web_app

PASSWORD = "infusion-chair-7"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'careplan.sqlite'}"
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", url)
    return url


def run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_users_add_prints_the_token_alone_on_the_last_line_and_the_token_works(
    store: str, tmp_path: Path, clock: Clock, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(["users", "add", "dr.khan", "--role", "clinician", "--password-stdin"], capsys, monkeypatch, PASSWORD + "\n")
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert " " not in token and token.startswith("cp1.")
    assert PASSWORD not in out
    web = make_web_app(tmp_path, clock)
    response = web.test_client().get("/api/v1/event-types", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert {t["type"]: t["allowed"] for t in response.get_json()}["VitalsRecorded"] is True
    web.extensions["careplan"].close()


def test_without_password_stdin_a_password_is_generated_and_printed_once(
    store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(["users", "add", "sam", "--role", "coordinator"], capsys, monkeypatch)
    assert code == 0
    password = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Password"))
    app = build_app({"CAREPLAN_DATABASE_URL": store, "CAREPLAN_MODE": "demo"})
    try:
        assert Users(app).authenticate("sam", password) is not None
    finally:
        app.close()


def test_the_store_keeps_only_hashes_of_the_password_and_the_token(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = run(["users", "add", "dr.khan", "--role", "clinician", "--password-stdin"], capsys, monkeypatch, PASSWORD + "\n")
    secret = out.strip().splitlines()[-1].rsplit(".", 1)[1]
    raw = (tmp_path / "careplan.sqlite").read_bytes()
    assert PASSWORD.encode() not in raw and secret.encode() not in raw
    app = build_app({"CAREPLAN_DATABASE_URL": store, "CAREPLAN_MODE": "demo"})
    try:
        stored = Users(app).get("dr.khan").password_hash
    finally:
        app.close()
    assert stored and stored != PASSWORD and stored.startswith("scrypt:")
    assert check_password_hash(stored, PASSWORD)


def test_users_list_disable_and_a_new_token(store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    run(["users", "add", "ann", "--role", "auditor"], capsys, monkeypatch)
    assert run(["users", "disable", "ann", "--reason", "Left the clinic."], capsys, monkeypatch)[0] == 0
    code, out, _ = run(["users", "list"], capsys, monkeypatch)
    assert code == 0 and out.splitlines()[1].split() == ["ann", "auditor", "disabled"]
    code, out, _ = run(["users", "token", "ann"], capsys, monkeypatch)
    assert code == 0 and out.strip().startswith("cp1.") and len(out.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv, stdin",
    [
        (["users", "add", "Jane Doe", "--role", "clinician"], ""),
        (["users", "add", "jane", "--role", "clinician", "--password-stdin"], "short\n"),
        (["users", "add", "jane", "--role", "clinician", "--password-stdin"], ""),
        (["users", "disable", "nobody"], ""),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(
    store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str
) -> None:
    code, out, err = run(argv, capsys, monkeypatch, stdin)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("careplan users:")


def test_a_name_taken_is_refused_and_the_first_account_is_untouched(
    store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(["users", "add", "sam", "--role", "coordinator"], capsys, monkeypatch)
    code, _, err = run(["users", "add", "SAM", "--role", "admin"], capsys, monkeypatch)
    assert code == 2 and "already exists" in err
    assert run(["users", "list"], capsys, monkeypatch)[1].splitlines()[1].split() == ["sam", "coordinator", "active"]


def test_an_unknown_role_is_refused_by_the_parser(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["users", "add", "sam", "--role", "nurse"])
    assert exit_.value.code == 2
