"""Each role's binary maps only what the role needs: PID 1 runs the lean
fastinit-manager, which maps none of the device cache's or kexec's
libraries (without it, fastinit manages itself); the initramfs's /init,
fastinit-stage1, links neither libsystemd nor toml++."""

import os
import shutil
import subprocess

# Libraries only the device cache, stage 1 and kexec need (libcrypto comes
# with libkmod).
HEAVY = ("libsqlite3", "libkmod", "libblkid", "libcrypto")

UNITS = {
    "default": '[unit]\nrequires = ["worker"]\n',
    "worker": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n',
}


def mapped_files(pid):
    with open(f"/proc/{pid}/maps") as f:
        return {line.split()[5] for line in f if len(line.split()) > 5}


def test_pid1_is_fastinit_manager_without_the_device_libraries(fastinit, fastinit_bin):
    manager = os.path.join(os.path.dirname(fastinit_bin), "fastinit-manager")
    assert os.access(manager, os.X_OK), f"{manager} was not built"
    ns = fastinit.boot(UNITS)
    assert os.readlink(f"/proc/{ns.init_pid}/exe") == os.path.realpath(manager)
    heavy = [path for path in mapped_files(ns.init_pid)
             if any(name in os.path.basename(path) for name in HEAVY)]
    assert heavy == [], f"PID 1 maps {heavy}"
    assert ns.unit_status("worker")["state"] == "active"
    # The client verbs, which live in fastinit, reach it.
    assert "worker" in ns.ctl_ok("status").stdout


def test_fastinit_alone_runs_the_manager_itself(fastinit, fastinit_bin, tmp_path):
    alone = tmp_path / "fastinit"
    shutil.copy(fastinit_bin, alone)
    os.chmod(tmp_path, 0o755)
    ns = fastinit.new(UNITS)
    ns.bin = str(alone)
    ns.start()
    assert os.readlink(f"/proc/{ns.init_pid}/exe") == str(alone)
    assert ns.unit_status("worker")["state"] == "active"


def test_the_timeline_says_when_fastinit_began_and_services_do_not_see_how(fastinit):
    ns = fastinit.new()
    env_file = ns.work("env")
    ns.write_units({
        "default": '[unit]\nrequires = ["printenv"]\n',
        "printenv": f"""
            [service]
            type = "oneshot"
            exec = ["/bin/sh", "-c", "env > {env_file}"]
        """,
    })
    ns.start()
    timeline = ns.timeline()
    # fastinit began before the manager it execed, on the same clock.
    assert 0 < timeline["init_start_boottime_us"] < timeline["manager_start_boottime_us"]
    with open(env_file) as f:
        env = f.read()
    assert "PATH=" in env
    assert "FASTINIT_INIT_START_US" not in env


def test_stage1_links_neither_libsystemd_nor_tomlplusplus_and_refuses_other_roles(fastinit_bin):
    stage1 = os.path.join(os.path.dirname(fastinit_bin), "fastinit-stage1")
    assert os.access(stage1, os.X_OK), f"{stage1} was not built"
    ldd = subprocess.run(["ldd", stage1], capture_output=True, text=True, check=True).stdout
    assert "libkmod" in ldd and "libsqlite3" in ldd, ldd
    for library in ("libsystemd", "libtomlplusplus", "libgcrypt"):
        assert library not in ldd, ldd
    # Outside an initramfs it says what it is for and does nothing.
    r = subprocess.run([stage1], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "only as PID 1 of an initramfs" in r.stderr
