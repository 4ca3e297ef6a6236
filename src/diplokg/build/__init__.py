"""The build wing: from the hand-written inputs to a checked, reproducible dist/."""

from diplokg.build.pipeline import assemble, build, ensure_built, load_store

__all__ = ["assemble", "build", "ensure_built", "load_store"]
