#!/usr/bin/env python3
"""Checks every #include "..." of the project against the allowed folder
graph, so layering is a test, not a hope.

The rule: a folder may include its own headers and those of the folders
below it, never one beside or above it. base is the bottom; the client
(cli) is the top; fuzz targets, tests and benchmarks may see everything.

    check_includes.py SOURCE_ROOT
prints each include that breaks the rule (file:line: what, and why) and
exits 1 when there is one.
"""

import os
import re
import sys

# Folder -> the folders it may include besides itself. A folder not listed
# here is an error too, so a new folder has to take its place in the graph.
ALLOWED = {
    "base": set(),
    "device-cache": {"base"},
    "kexec": {"base"},
    # Crash dumps: the crash kernel's config and load (with kexec's
    # command line), the capture stage 1 runs.
    "kdump": {"base", "kexec"},
    "initd/unit": {"base"},
    "initd/graph": {"base", "initd/unit"},
    # What any PID 1 does (mounts, crash handler, final stage): below both
    # stage 1 and the manager, it knows neither.
    "initd/pid1": {"base"},
    "initd/run": {"base", "initd/unit", "initd/graph", "initd/pid1"},
    "initd/control": {"base", "initd/unit", "initd/graph", "initd/run"},
    "initd/stage1": {"base", "initd/pid1"},
    # manager_main: puts the manager's parts together.
    "initd": {"base", "initd/unit", "initd/graph", "initd/pid1", "initd/run", "initd/control"},
    # The boot path: the one place that sees both stage 1 and the device
    # cache.
    "boot": {"base", "device-cache", "initd/pid1", "initd/stage1", "kdump"},
    "cli": {"base", "device-cache", "kexec", "kdump", "initd", "initd/unit", "initd/graph",
            "initd/pid1", "initd/run", "initd/control", "initd/stage1", "boot"},
}
ANYTHING = {"fuzz", "tests", "bench"}
SOURCE_SUFFIXES = (".h", ".cpp", ".c")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path):
    """The graph node a file belongs to: its directory, relative to the root."""
    return os.path.dirname(path)


def top(path):
    return path.split("/", 1)[0]


def violations(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            # Only the source folders: not build directories or .git.
            dirnames[:] = [d for d in dirnames if d in {top(f) for f in ALLOWED} | ANYTHING]
            continue
        for name in sorted(filenames):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            rel = os.path.join(rel_dir, name)
            if top(rel) in ANYTHING:
                continue
            here = folder_of(rel)
            if here not in ALLOWED:
                found.append(f"{rel}: folder {here} has no place in the layering graph")
                continue
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    match = INCLUDE.match(line)
                    if not match:
                        continue
                    target = folder_of(match.group(1))
                    if target == here or target in ALLOWED[here]:
                        continue
                    found.append(f"{rel}:{number}: includes {match.group(1)}, but {here} may "
                                 f"include only {', '.join(sorted(ALLOWED[here])) or 'itself'}")
    return found


def main():
    if len(sys.argv) != 2:
        print("usage: check_includes.py SOURCE_ROOT", file=sys.stderr)
        return 2
    root = sys.argv[1]
    scanned = violations(root)
    for line in scanned:
        print(line)
    if scanned:
        print(f"{len(scanned)} include(s) break the layering (see tests/layering/check_includes.py)")
        return 1
    print("layering: every include follows the folder graph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
