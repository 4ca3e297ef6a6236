"""Errors a user can cause, each turned into one clear message and a documented exit code."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class DiplokgError(Exception):
    """A failure the user can act on; the CLI prints the message and exits with `exit_code`."""

    exit_code = 2


class InputError(DiplokgError):
    """A malformed or missing input file, named with the line where parsing stopped."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


class LintFailed(DiplokgError):
    """Turtle that parses but says something the ontology cannot mean: an ill-typed literal,
    an undeclared term, an untyped resource. Carries every problem of the run, one line each
    (`graph/x.ttl:42: res:visit-x: dkg:Vist is not declared by the ontology ...`)."""

    def __init__(self, problems: Iterable[object]) -> None:
        self.problems = [str(problem) for problem in problems]
        super().__init__(
            f"{len(self.problems)} problem(s) in the inputs:\n" + "\n".join(self.problems)
        )


class DamagedDist(InputError):
    """A file of dist/ that is not what its build.json records (truncated, edited, missing),
    named; raised when it cannot be rebuilt (a dataset file given by path, a read-only dist/)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.reason = reason
        super().__init__(path, f"damaged: {reason}")


class EvidenceError(DiplokgError):
    """An evidence quote that is missing, not in the source, or ambiguous; names the fact."""


class ValidationFailed(DiplokgError):
    """SHACL violations or an OWL RL inconsistency; the report names the resources."""

    exit_code = 1


class QueryError(DiplokgError):
    """A bad canned-query name, parameter or SPARQL text."""


class DiskFull(DiplokgError):
    """No space left on a disk being written (the build, a store, an export)."""

    exit_code = 3


class AddressUnavailable(DiplokgError):
    """`diplokg serve` cannot listen where asked: the port is in use, or the address is not
    this machine's or needs privileges."""

    exit_code = 4


def disk_full(exc: BaseException) -> bool:
    """Whether `exc` says a disk is full (errno, or RocksDB's message in pyoxigraph's error)."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return "No space left on device" in str(exc)
