"""`python -m knowledge check|load`: exit codes and output, run as real subprocesses."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

REPO = Path(__file__).resolve().parents[3]


def run(cwd: Path, *args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "APP_DATABASE_URL"}
    environment.update(PYTHONPATH=str(REPO), SQLALCHEMY_SILENCE_UBER_WARNING="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "knowledge", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_check_of_shipped_content_succeeds(tmp_path: Path):
    result = run(tmp_path, "check")

    assert result.returncode == 0, result.stderr


def test_check_of_broken_content_exits_1_with_errors(tmp_path: Path, content_dir: Path):
    (content_dir / "query_empty.yml").unlink()

    result = run(tmp_path, "check", "--content", str(content_dir))

    assert result.returncode == 1
    assert "query_empty.yml:(document): missing problem file" in result.stderr.splitlines()


def test_load_uses_the_default_database_relative_to_the_working_directory(tmp_path: Path):
    first = run(tmp_path, "load")
    second = run(tmp_path, "load")

    assert first.returncode == 0, first.stderr
    assert (tmp_path / "var" / "app.db").is_file()
    assert "+ problem:login_failure" in first.stdout
    assert second.returncode == 0 and second.stdout.startswith("added 0, changed 0, removed 0")


def test_load_honours_app_database_url(tmp_path: Path):
    result = run(tmp_path, "load", env={"APP_DATABASE_URL": f"sqlite:///{tmp_path / 'other' / 'kb.db'}"})

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "other" / "kb.db").is_file() and not (tmp_path / "var").exists()


def test_load_of_broken_content_exits_1_and_writes_nothing(tmp_path: Path, content_dir: Path):
    (content_dir / "faq.yml").write_text("entries: [", encoding="utf-8")

    result = run(tmp_path, "load", "--content", str(content_dir))

    assert result.returncode == 1 and "faq.yml:(document): invalid YAML" in result.stderr
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("url", ["postgresql://postgres:secret@127.0.0.1:1/none", "not a url"])
def test_load_with_unusable_database_exits_2(tmp_path: Path, url):
    result = run(tmp_path, "load", "--database-url", url)

    assert result.returncode == 2
    assert result.stderr.startswith("database error") and "secret" not in result.stderr


def test_missing_command_is_a_usage_error(tmp_path: Path):
    assert run(tmp_path).returncode == 2
