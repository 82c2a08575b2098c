"""`fastinit analyze` on a real boot of the demo units (units/demo)."""

import json
import re
import subprocess

from conftest import DEMO_UNITS, REPO

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


def promtool():
    """Debian's promtool, fetched once (scripts/fetch-promtool)."""
    r = subprocess.run([f"{REPO}/scripts/fetch-promtool"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_analyze_prometheus_on_the_demo_boot_passes_promtool(fastinit, tmp_path):
    ns = fastinit.boot(unit_dir=DEMO_UNITS)
    params = tmp_path / "boot_params"
    params.write_bytes(bytes(0x210) + b"\xd0" + bytes(4096 - 0x211))  # entered by kexec
    r = ns.ctl_ok("analyze", "--format=prometheus", "--boot-params", str(params))
    check = subprocess.run([promtool(), "check", "metrics"], input=r.stdout,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, (check.stdout, check.stderr, r.stdout)
    samples = {}
    for line in r.stdout.splitlines():
        if not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    for unit in DEMO_SERVICES:
        assert f'fastinit_unit_started_seconds{{unit="{unit}"}}' in samples, r.stdout
        assert samples[f'fastinit_unit_state_info{{unit="{unit}",state="active",'
                       'result="success"}'] == 1, r.stdout
    # The database says READY=1 0.3 s after it starts.
    ready = samples['fastinit_unit_ready_seconds{unit="database"}']
    assert ready - samples['fastinit_unit_started_seconds{unit="database"}'] >= 0.29, r.stdout
    assert samples["fastinit_boot_units_failed"] == 0
    assert samples['fastinit_boot_path_info{path="kexec"}'] == 1
    assert samples['fastinit_boot_phase_seconds{phase="userspace"}'] > 0, r.stdout

    bad = ns.ctl("analyze", "blame", "--format=prometheus")
    assert bad.returncode == 2 and "usage" in bad.stderr, bad


def test_analyze_prometheus_from_initrd_json_alone(fastinit_bin, tmp_path):
    (tmp_path / "initrd.json").write_text(json.dumps({
        "userspace_start_us": 900000, "switch_root_us": 1100000,
        "devices": {"mode": "cache-hit", "reason": "a \"quoted\"\nreason", "modules_loaded": 12,
                    "start_us": 910000, "end_us": 960000}}))
    r = subprocess.run([fastinit_bin, "--runtime-dir", str(tmp_path), "analyze",
                        "--format=prometheus", "--boot-params", str(tmp_path / "none")],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r
    check = subprocess.run([promtool(), "check", "metrics"], input=r.stdout,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, (check.stdout, check.stderr, r.stdout)
    assert 'fastinit_boot_phase_seconds{phase="initrd"} 0.200000' in r.stdout, r.stdout
    assert ('fastinit_boot_devices_info{mode="cache-hit",reason="a \\"quoted\\"\\nreason"} 1'
            in r.stdout), r.stdout
    assert 'fastinit_boot_path_info{path="unknown"} 1' in r.stdout
    assert "fastinit_unit_" not in r.stdout
