"""Broken unit files and requires-only cycles: precise diagnostics, contained damage."""

import re

UNITS = {
    "default": """
        [unit]
        wants = ["typo", "badtoml", "needs-typo", "needs-badtoml", "fine", "also-fine", "cyc-a"]
    """,
    # Line 6, column 1: a misspelt key.
    "typo": """
        [unit]
        description = "has a typo"

        [service]
        exec = ["/bin/sleep", "1000"]
        restart_dealy = "1s"
    """,
    # Line 4: not TOML at all.
    "badtoml": """
        [unit]
        description = "bad TOML"

        [service
        exec = ["/bin/sleep", "1000"]
    """,
    "needs-typo": """
        [unit]
        requires = ["typo"]

        [service]
        type = "oneshot"
        exec = ["/bin/true"]
    """,
    "needs-badtoml": """
        [unit]
        requires = ["badtoml"]

        [service]
        exec = ["/bin/sleep", "1000"]
    """,
    "fine": """
        [service]
        exec = ["/bin/sleep", "1000"]
    """,
    "also-fine": """
        [unit]
        requires = ["fine"]

        [service]
        type = "oneshot"
        exec = ["/bin/true"]
    """,
    # A cycle made of requires only: no order can satisfy it.
    "cyc-a": """
        [unit]
        requires = ["cyc-b"]

        [service]
        exec = ["/bin/sleep", "1000"]
    """,
    "cyc-b": """
        [unit]
        requires = ["cyc-c"]

        [service]
        exec = ["/bin/sleep", "1000"]
    """,
    "cyc-c": """
        [unit]
        requires = ["cyc-a", "fine"]

        [service]
        exec = ["/bin/sleep", "1000"]
    """,
}

TYPO_DIAGNOSTIC = re.compile(
    r'(?P<file>\S+/typo\.toml):6:1: error: service\.restart_dealy: unknown key "restart_dealy" '
    r'\(did you mean "restart_delay"\?\)')
BADTOML_DIAGNOSTIC = re.compile(r"(?P<file>\S+/badtoml\.toml):(?P<line>\d+):(?P<col>\d+): error: ")
CYCLE_DIAGNOSTIC = re.compile(
    r"error: dependency cycle (?P<path>cyc-[abc]( → cyc-[abc]){3}) has only requires edges; "
    r"its units fail")


def check_cycle_path(path):
    names = path.split(" → ")
    assert names[0] == names[-1], path
    assert sorted(names[:-1]) == ["cyc-a", "cyc-b", "cyc-c"], path
    # Each step follows a requires edge: a → b → c → a.
    follows = {"cyc-a": "cyc-b", "cyc-b": "cyc-c", "cyc-c": "cyc-a"}
    for here, there in zip(names, names[1:]):
        assert follows[here] == there, path


def diagnostics_in(text):
    found = {}
    for name, pattern in (("typo", TYPO_DIAGNOSTIC), ("badtoml", BADTOML_DIAGNOSTIC),
                          ("cycle", CYCLE_DIAGNOSTIC)):
        match = pattern.search(text)
        assert match, f"no {name} diagnostic in:\n{text}"
        # The diagnostic runs to the end of its line.
        line_end = text.find("\n", match.start())
        found[name] = text[match.start():line_end if line_end >= 0 else None]
    return found


def test_broken_units_are_reported_and_contained(fastinit):
    ns = fastinit.boot(UNITS)
    log = ns.read_log()
    found = diagnostics_in(log)
    assert found["typo"].startswith(ns.unit_dir + "/typo.toml:6:1: "), found
    bad = BADTOML_DIAGNOSTIC.search(found["badtoml"])
    assert bad["file"] == ns.unit_dir + "/badtoml.toml"
    assert int(bad["line"]) in (4, 5), found["badtoml"]  # the unclosed [service
    check_cycle_path(CYCLE_DIAGNOSTIC.search(found["cycle"])["path"])

    units = ns.timeline_units()
    for broken in ("typo", "badtoml"):
        assert units[broken]["state"] == "failed", units[broken]
        assert "unit file is broken" in units[broken]["reason"], units[broken]
    for needs, broken in (("needs-typo", "typo"), ("needs-badtoml", "badtoml")):
        u = units[needs]
        assert (u["state"], u["result"]) == ("skipped", "dependency"), u
        assert f"required unit {broken} failed" in u["reason"], u
        assert "started_us" not in u, u
    # The reason carries the original diagnostic, so status explains it all.
    info = ns.unit_status("needs-typo")
    assert info["state"] == "skipped"
    assert 'did you mean "restart_delay"' in info["Reason"], info

    for name in ("cyc-a", "cyc-b", "cyc-c"):
        u = units[name]
        assert u["state"] == "failed", u
        assert "started_us" not in u, u
        check_cycle_path(re.search(r"dependency cycle: (.*)$", u["reason"])[1])
        assert ns.unit_status(name)["pid"] == 0

    for fine in ("fine", "also-fine", "default"):
        assert units[fine]["state"] == "active", units[fine]
    assert ns.cmdline_of_ns_pid(ns.unit_status("fine")["pid"]) == ["/bin/sleep", "1000"]


def test_check_prints_the_same_diagnostics(fastinit):
    ns = fastinit.new(UNITS)
    r = ns.ctl("check", ns.unit_dir)
    assert r.returncode == 1, r
    found = diagnostics_in(r.stdout)
    assert found["typo"].startswith(ns.unit_dir + "/typo.toml:6:1: "), found
    check_cycle_path(CYCLE_DIAGNOSTIC.search(found["cycle"])["path"])
    assert re.search(r"needs-typo requires typo, which cannot start .*needs-typo will be skipped",
                     r.stdout), r.stdout
    assert re.search(r"8 units loaded, 2 broken: \d+ errors", r.stdout), r.stdout

    # The manager logs exactly the same lines for the unit files.
    ns.start()
    log = ns.read_log()
    for name, line in found.items():
        assert line in log, f"check printed\n  {line}\nbut the manager log has:\n{log}"

    # A clean directory passes.
    clean = fastinit.new({"default": '[unit]\nwants = ["fine"]\n', "fine": UNITS["fine"]})
    ok = clean.ctl("check", clean.unit_dir)
    assert ok.returncode == 0, ok
    assert "2 units loaded, 0 broken: 0 errors, 0 warnings" in ok.stdout, ok.stdout
