"""List a source folder's extract files, and say what could not be listed.

A folder that cannot be read, a symbolic link, or anything that is neither a file nor a folder
is an error naming it: its rows would otherwise vanish while the source looks complete (and the
cache would call it unchanged). Symbolic links are followed only when asked
(DUCPHO_FOLLOW_SYMLINKS=1 or follow_symlinks=True) and only when they stay inside the input
folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ducpho_etl import config

EXTRACT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
FOLLOW_SYMLINKS_ENV = config.FOLLOW_SYMLINKS_ENV


@dataclass
class Listing:
    files: list[Path] = field(default_factory=list)
    """Extract files, sorted by relative posix path."""
    errors: list[str] = field(default_factory=list)
    """'relative/path: reason' for each entry that could not be listed or is refused."""
    ignored: list[str] = field(default_factory=list)
    """Relative paths of files of other kinds (reported, never read)."""


def follow_symlinks_default() -> bool:
    return config.follow_symlinks()


def _hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


def list_extracts(source_dir: Path, follow_symlinks: bool | None = None,
                  root: Path | None = None) -> Listing:
    """Walk a source folder. Hidden entries (".name") and Office lock files ("~$name") are
    skipped silently; `root` (default: the source folder's parent, the input folder) bounds
    where followed links may point."""
    follow = follow_symlinks_default() if follow_symlinks is None else follow_symlinks
    source_dir = Path(source_dir)
    bound = Path(os.path.realpath(root or source_dir.parent))
    listing = Listing()
    found: list[tuple[str, Path]] = []
    visited: set[str] = set()

    def rel(path: Path) -> str:
        return path.relative_to(source_dir).as_posix()

    def walk(folder: Path) -> None:
        real = os.path.realpath(folder)
        if real in visited:
            listing.errors.append(f"{rel(folder) or '.'}: symbolic link loop (not followed)")
            return
        visited.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            listing.errors.append(f"{rel(folder) or '.'}: folder cannot be read "
                                  f"({type(exc).__name__}: {exc.strerror or exc})")
            return
        for entry in entries:
            if _hidden(entry.name):
                continue
            path = folder / entry.name
            try:
                if entry.is_symlink():
                    target = Path(os.path.realpath(path))
                    if not follow:
                        listing.errors.append(
                            f"{rel(path)}: symbolic link, not followed (set "
                            f"{FOLLOW_SYMLINKS_ENV}=1 to follow links inside the input folder)")
                        continue
                    if not target.is_relative_to(bound):
                        listing.errors.append(f"{rel(path)}: symbolic link pointing outside the "
                                              "input folder, not followed")
                        continue
                    if not target.exists():
                        listing.errors.append(f"{rel(path)}: broken symbolic link")
                        continue
                if entry.is_dir():
                    walk(path)
                elif entry.is_file():
                    if path.suffix.lower() in EXTRACT_SUFFIXES:
                        if not os.access(path, os.R_OK):
                            listing.errors.append(f"{rel(path)}: file cannot be read "
                                                  "(permission denied)")
                        else:
                            found.append((rel(path), path))
                    else:
                        listing.ignored.append(rel(path))
                else:
                    listing.errors.append(f"{rel(path)}: neither a file nor a folder "
                                          "(a pipe, socket or device)")
            except OSError as exc:
                listing.errors.append(f"{rel(path)}: cannot be inspected "
                                      f"({type(exc).__name__}: {exc.strerror or exc})")

    walk(source_dir)
    listing.files = [p for _, p in sorted(found)]
    return listing
