"""A non-editable install works (issue 11): the wheel, installed in a new virtual environment,
holds everything the server shows (templates, the bundled editor, Swagger UI, ReDoc), finds no
project where there is none and says so, and builds and serves a project named by `--root` or
found from the current folder.

Offline and quick: the wheel is built once without build isolation, installed without its
dependencies, and the new environment sees this one's packages through a `.pth` file (a folder
a `.pth` file names is not searched for `.pth` files itself, so this environment's editable
diplokg does not come along).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow]


@dataclass(frozen=True)
class Installed:
    bin: Path
    env: dict[str, str]
    project: Path
    elsewhere: Path

    def run(self, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "diplokg"), *argv],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("install")
    source = work / "source"  # what the wheel is built from, so the checkout stays clean
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = work / "wheels"
    pip = [sys.executable, "-m", "pip"]
    offline = ["--quiet", "--no-deps", "--no-index"]
    subprocess.run(
        [*pip, "wheel", *offline, "--no-build-isolation", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("diplokg-*.whl")
    env_dir = work / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    (purelib,) = env_dir.glob("lib/python*/site-packages")
    (purelib / "dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    subprocess.run(
        [*pip, "--python", str(env_dir / "bin" / "python"), "install", *offline, str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    project = work / "project"
    for folder in ("ontology", "graph", "queries"):
        shutil.copytree(REPO / folder, project / folder)
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DIPLOKG_ROOT", "PYTHONPATH", "VIRTUAL_ENV")
    }
    env["XDG_CACHE_HOME"] = str(work / "cache")
    return Installed(env_dir / "bin", env, project, elsewhere)


def test_the_installed_package_is_the_wheels(installed: Installed) -> None:
    done = subprocess.run(
        [str(installed.bin / "python"), "-c", "import diplokg; print(diplokg.__file__)"],
        cwd=installed.elsewhere,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith(str(installed.bin.parent / "lib"))


def test_no_project_found_is_said_in_one_line(installed: Installed) -> None:
    done = installed.run("stats", cwd=installed.elsewhere)
    assert done.returncode == 2
    assert done.stderr == (
        "diplokg: no diplokg project found: looked for ontology/diplokg.ttl and graph/ in "
        f"{installed.elsewhere.resolve()} and the folders above it; give --root DIR or set "
        "DIPLOKG_ROOT\n"
    )


@pytest.fixture(scope="module")
def built(installed: Installed) -> Installed:
    done = installed.run("build", "--root", str(installed.project), cwd=installed.elsewhere)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("built")
    assert (installed.project / "dist" / "dataset.nq").is_file()
    return installed


def test_a_project_is_found_from_a_folder_inside_it(built: Installed) -> None:
    done = built.run("stats", cwd=built.project / "graph")
    assert done.returncode == 0, done.stderr
    assert "asserted" in done.stdout


@pytest.fixture(scope="module")
def served(built: Installed, free_port: Callable[[], int]) -> Iterator[str]:
    port = free_port()
    serve = ["serve", "--root", str(built.project), "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(
        [str(built.bin / "diplokg"), *serve],
        cwd=built.elsewhere,
        env=built.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the installed diplokg serve did not start")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


@pytest.mark.server
def test_the_installed_server_answers_queries(served: str) -> None:
    answer = httpx.post(
        f"{served}/sparql",
        data={"query": "ASK { <https://w3id.org/diplokg/resource/astana> ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert answer.status_code == 200
    assert answer.json()["boolean"] is True
    rows = httpx.get(f"{served}/api/queries/agreements?kind=Treaty&format=csv", timeout=30)
    assert rows.status_code == 200 and "treaty-2008-06-strategic-partnership" in rows.text


@pytest.mark.server
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/resource/astana",
        "/docs",
        "/redoc",
        "/static/yasgui/yasgui.min.js",
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/redoc/redoc.standalone.js",
        "/static/editor.js",
        "/static/docs.js",
        "/static/diplokg.css",
    ],
)
def test_the_wheel_ships_the_pages_and_their_files(served: str, path: str) -> None:
    response = httpx.get(served + path, headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    assert len(response.content) > 100


def test_a_remote_graph_needs_no_project(installed: Installed) -> None:
    code = (
        "from diplokg import KnowledgeGraph\n"
        "kg = KnowledgeGraph.remote('http://127.0.0.1:9/sparql')\n"
        "print(repr(kg))\n"
    )
    done = subprocess.run(
        [str(installed.bin / "python"), "-c", code],
        cwd=installed.elsewhere,
        env=installed.env,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (
        0,
        "<KnowledgeGraph: SPARQL endpoint http://127.0.0.1:9/sparql>\n",
    ), done.stderr
