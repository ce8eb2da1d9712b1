from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from matching.engine.cli import main

from .helpers import document

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _instance() -> dict[str, object]:
    return document(
        [{"id": "H1", "demand": {"persons": 2}}, {"id": "H2", "demand": {"persons": 2}}],
        [{"id": "M", "capacity": {"persons": 2}}],
        [("H1", "M", 5), ("H2", "M", 8)],
    )


def _exit_code(argv: list[str]) -> int | str | None:
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


def test_module_entry_point_writes_result(tmp_path: Path) -> None:
    source = _write(tmp_path, _instance())
    target = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, "-m", "matching.engine", "solve", str(source), "-o", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(target.read_text(encoding="utf-8"))
    assert result["format"] == "rematch-result/1"
    assert result["status"] == "optimal"
    assert result["objective"] == 8
    assert result["bound"] == 8
    assert result["assignment"] == [{"household": "H2", "municipality": "M"}]
    assert set(result) >= {"method", "seconds"}


def test_stdout_and_method(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path, _instance())
    assert main(["solve", str(source), "-o", "-", "--method", "greedy", "--time-limit", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["method"] == "greedy"
    assert main(["solve", str(source)]) == 0
    assert json.loads(capsys.readouterr().out)["method"] == "milp"


def test_invalid_instance_exit_2_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _instance()
    data["households"][0]["demand"] = {"kitta": 1}  # type: ignore[index]
    source = _write(tmp_path, data)
    assert main(["solve", str(source)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == 'household H1: unknown dimension "kitta"\n'


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["solve", "nope.json"], "nope.json: file not found"),
        (["solve", "x.json", "--method", "magic"], "invalid choice"),
        (["solve", "x.json", "--time-limit", "-1"], "positive number of seconds"),
        (["solve", "x.json", "--time-limit", "abc"], "not a number"),
        ([], "required"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit_code(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_hungarian_not_applicable_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path, _instance())
    assert main(["solve", str(source), "--method", "hungarian"]) == 2
    assert capsys.readouterr().err.startswith("method hungarian: not applicable: household H1")


def test_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path, _instance())
    assert main(["solve", str(source), "-o", str(tmp_path / "no" / "dir.json")]) == 1
    assert "cannot write result" in capsys.readouterr().err


def test_solver_output_on_the_descriptor_never_reaches_the_result(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # HiGHS (scipy 1.18) sometimes prints a debug line straight to file descriptor 1.
    import os

    from matching.engine import cli

    real = cli.solve  # type: ignore[attr-defined]  # the name the CLI calls

    def noisy(*args: object, **kwargs: object) -> object:
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\n")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "solve", noisy)
    assert main(["solve", str(_write(tmp_path, _instance())), "-o", "-"]) == 0
    assert json.loads(capfd.readouterr().out)["objective"] == 8
