"""`fastinit analyze` on a real boot of the demo units (units/demo)."""

import json
import re

from conftest import DEMO_UNITS

DEMO_SERVICES = ["app", "database", "early-setup", "network", "syslog", "webserver"]


def test_analyze_on_the_demo_boot(fastinit):
    ns = fastinit.boot(unit_dir=DEMO_UNITS)
    units = ns.timeline_units()
    assert {n: u["state"] for n, u in units.items()} == {
        n: "active" for n in DEMO_SERVICES + ["default"]}

    # critical-chain: default ← app ← database ← early-setup (the database's
    # 300 ms dominate the network's 150 ms).
    r = ns.ctl_ok("analyze", "critical-chain")
    chain = [line for line in r.stdout.splitlines() if re.match(r"^ *[a-z-]+ @", line)]
    names = [line.split()[0] for line in chain]
    assert names == ["default", "app", "database", "early-setup"], r.stdout
    indents = [len(line) - len(line.lstrip()) for line in chain]
    assert indents == sorted(indents) and len(set(indents)) == 4, r.stdout
    # Each link shows when it was ready and (for services) how long it took.
    for line in chain[1:]:
        assert re.search(r"@\d+\.\dms \+\d+\.\dms$", line), line
    took = float(re.search(r"database @[\d.]+ms \+([\d.]+)ms", r.stdout)[1])
    assert took >= 290, r.stdout  # it sleeps 0.3 s before READY=1
    assert re.search(r"boot makespan: [\d.]+ms", r.stdout), r.stdout

    # The same chain for an explicit target, and an error for an unknown one.
    r = ns.ctl_ok("analyze", "critical-chain", "app")
    assert [line.split()[0] for line in r.stdout.splitlines()
            if re.match(r"^ *[a-z-]+ @", line)] == ["app", "database", "early-setup"], r.stdout
    bad = ns.ctl("analyze", "critical-chain", "no-such-target")
    assert bad.returncode == 1 and "not in the timeline" in bad.stderr, bad

    # blame: every service, slowest first.
    r = ns.ctl_ok("analyze", "blame")
    rows = [line.split() for line in r.stdout.splitlines() if line.strip()]
    assert sorted(row[1] for row in rows) == sorted(DEMO_SERVICES), r.stdout
    times = [float(row[0].removesuffix("ms")) for row in rows]
    assert times == sorted(times, reverse=True), r.stdout
    assert rows[0][1] == "database", r.stdout

    # json is the manager's boot.json.
    r = ns.ctl_ok("analyze", "json")
    assert json.loads(r.stdout) == ns.timeline()
