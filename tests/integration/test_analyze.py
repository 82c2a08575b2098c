"""`fastinit analyze` on a real boot of the demo units (units/demo)."""

import json
import re
import subprocess

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


def test_analyze_time_from_initrd_json_alone(fastinit_bin, tmp_path):
    """A root booted by fastinit's initramfs into another init (systemd): no
    boot.json, but stage 1's initrd.json; `analyze time` shows its phases."""
    (tmp_path / "initrd.json").write_text(json.dumps({
        "userspace_start_us": 900000, "switch_root_us": 1100000,
        "next_init": "/lib/systemd/systemd",
        "devices": {"mode": "cache-hit", "reason": "using the device cache", "modules_loaded": 12,
                    "start_us": 910000, "end_us": 960000},
        "root": {"device": "/dev/vda1", "mounted_us": 1000000}}))
    r = subprocess.run([fastinit_bin, "--runtime-dir", str(tmp_path), "analyze", "time"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r
    assert "kernel 900.0ms + initrd 200.0ms = 1100.0ms" in r.stdout, r.stdout
    assert "initrd devices: cache-hit (using the device cache), 12 modules in 50.0ms" in r.stdout
    assert "initrd root: /dev/vda1 mounted at 1000.0ms" in r.stdout, r.stdout
    with open("/proc/1/comm") as f:
        init = f.read().strip()
    assert f"no {tmp_path}/boot.json" in r.stdout, r.stdout
    if not init.startswith("fastinit"):
        assert f"another init runs ({init}, from /proc/1/comm)" in r.stdout, r.stdout

    # Neither report: still the error it was.
    (tmp_path / "initrd.json").unlink()
    r = subprocess.run([fastinit_bin, "--runtime-dir", str(tmp_path), "analyze", "time"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1 and "boot.json" in r.stderr, r
