"""What the README says is what the code does: the endpoint's messages for a syntax error, what
CI runs, and paths printed relative to the current folder by the build that `make run` and the
commands trigger (the README: "paths under the current folder are printed relative to it").

Before: the README documented `unexpected 'SELEC': …` where the endpoint said `not a SPARQL
query: …`; it said `.ci/run` "is `make test`" where it clones the repository into an empty
folder and runs it there; `make run`'s build printed `write     /home/…/dist`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from diplokg.config import Settings
from diplokg.protocol import QueryRejected

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _endpoint_message(query: str) -> str:
    """What the endpoint answers `query` with: its engine's checks before evaluation."""
    from diplokg.server.engine import _check

    with pytest.raises(QueryRejected) as caught:
        _check(query, 32_768, 200, [], [], [], None)
    return caught.value.message


@pytest.mark.parametrize(
    "query",
    ["SELEC ?x WHERE { ?x ?p ?o }", ""],
)
def test_the_documented_syntax_messages_are_the_endpoints(query: str) -> None:
    (row,) = [line for line in README.splitlines() if line.startswith("| a syntax error |")]
    documented = re.findall(r"`([^`]+)`", row)
    assert _endpoint_message(query) in documented


def test_the_readme_says_what_ci_runs() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "git clone" in script and "mktemp -d" in script
    assert script.rstrip().endswith("make test")
    assert "which is `make test`" not in README
    said = " ".join(README.split())
    assert "CI runs `.ci/run`, which clones the repository" in said
    assert "empty temporary folder" in said and "`make test`, there" in said


def test_the_build_that_a_server_or_command_triggers_prints_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from diplokg.build import ensure_built

    for folder in ("ontology", "graph", "queries"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("drafts"))
    monkeypatch.chdir(tmp_path)  # `make run` runs from the project root
    ensure_built(Settings(root=tmp_path))  # the default progress, as create_app's
    err = capsys.readouterr().err
    assert "\nwrite     dist  (" in err
    assert str(tmp_path) not in err
