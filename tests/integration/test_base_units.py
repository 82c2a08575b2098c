"""The base units shipped in units/ (hostname, machine-id, random seed,
hwclock, sysctl, tmpfiles, udev, loopback, ifupdown).

What this proves: every shipped file parses and the whole set (with the
targets, and with a sample fstab's generated units) has no error or cycle
(`fastinit check`); meson installs every shipped file; and at a boot with
the manager as PID 1 of a PID namespace, every unit is active or skipped
by its condition and none fails. The namespace shares the host's root and
kernel, so the units run relocated: each path their conditions name is
moved under a fake root (in the conditions and everywhere else in the
file), where only harmless programs exist: stubs for hostname, udevd and
udevadm that record their arguments; the real sh and dd, so the
random-seed units really write their seed (in the fake /var/lib); and a
fake /usr/sbin/fastinit that runs the real `fastinit utmp` on the fake
root's utmp and wtmp and `fastinit modules-load` as a dry run. What it
does not prove: that the real sysctl, udevd, hwclock, tmpfiles, ip or ifup
do their job on a real system (the VM test's part)."""

import os
import re
import shutil
import stat
import struct
import subprocess

from conftest import REPO, wait_until

SHIPPED_UNITS = os.path.join(REPO, "units")
BASE_UNITS = [
    "hostname", "machine-id", "machine-id-dbus", "random-seed-load", "random-seed-save",
    "hwclock", "hwclock-save", "sysctl", "tmpfiles-setup", "udevd", "udev-trigger",
    "udev-settle", "loopback", "loopback-ifup", "networking", "modules-load", "utmp",
    "utmp-shutdown", "boot-metrics", "bless",
]
TARGETS = ["default", "multi-user", "basic", "sysinit", "local-fs", "swap", "remote-fs",
           "network"]  # multi-user pulls network in, as networking.service does under systemd
# Pulled in only by what needs a reachable network (_netdev mounts).
NETWORK_TARGETS = ["network-online"]


SBINDIR = "/usr/sbin"  # what meson puts in @SBINDIR@ with --prefix=/usr


def shipped_files():
    """The unit file names meson installs: NAME.toml, and NAME.toml from
    NAME.toml.in (units that name fastinit's own path)."""
    return sorted(n[:-3] if n.endswith(".toml.in") else n for n in os.listdir(SHIPPED_UNITS)
                  if n.endswith(".toml") or n.endswith(".toml.in"))


def render_shipped(to_dir):
    """The shipped units as meson installs them (prefix /usr), into to_dir."""
    for name in os.listdir(SHIPPED_UNITS):
        if name.endswith(".toml") or name.endswith(".toml.in"):
            with open(os.path.join(SHIPPED_UNITS, name)) as f:
                text = f.read().replace("@SBINDIR@", SBINDIR)
            with open(os.path.join(to_dir, name.removesuffix(".in")), "w") as f:
                f.write(text)


def programs_of(units_dir):
    """Every program (first word of exec and of each exec_* command) the
    rendered units name."""
    programs = set()
    for name in os.listdir(units_dir):
        text = open(os.path.join(units_dir, name)).read()
        programs.update(re.findall(r'^exec\w* = \[+"-?(/[^"]+)"', text, re.M))
    return programs


def fake_root_with(programs, root):
    """A root holding each program as an executable stub: what an image
    with every package installed looks like to `fastinit check --root`."""
    for program in programs:
        path = os.path.join(root, program.lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(path, 0o755)


def test_every_shipped_unit_checks_out(fastinit_bin, tmp_path):
    units_dir = tmp_path / "units"
    units_dir.mkdir()
    render_shipped(units_dir)
    programs = programs_of(units_dir)
    assert "/sbin/agetty" in programs and f"{SBINDIR}/fastinit" in programs, programs
    root = tmp_path / "root"
    fake_root_with(programs, root)
    r = subprocess.run([fastinit_bin, "check", str(units_dir), "--root", str(root)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    units = [n for n in shipped_files() if not n.endswith("@.toml")]  # not templates
    assert f"{len(units)} units loaded, 0 broken: 0 errors, 0 warnings" in r.stdout, \
        r.stdout + r.stderr


def test_the_shipped_units_check_out_with_a_sample_fstab(fastinit_bin, tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    render_shipped(units)
    fstab = tmp_path / "fstab"
    fstab.write_text("UUID=0a3407de-014b-458b-b5c1-848e92a327a3 / ext4 errors=remount-ro 0 1\n"
                     "LABEL=data /srv/data ext4 defaults 0 2\n"
                     "/dev/vda3 none swap sw 0 0\n"
                     "server:/export /mnt/nfs nfs defaults 0 0\n")
    root = tmp_path / "root"
    fake_root_with(programs_of(units), root)
    r = subprocess.run([fastinit_bin, "check", str(units), "--fstab", str(fstab),
                        "--root", str(root)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 errors, 0 warnings" in r.stdout, r.stdout + r.stderr
    assert "cycle" not in r.stdout + r.stderr


def test_meson_installs_every_shipped_unit():
    text = open(os.path.join(SHIPPED_UNITS, "meson.build")).read()
    listed = sorted(set(re.findall(r"'([^']+\.toml)'", text)))
    assert listed == shipped_files()
    for name in BASE_UNITS + TARGETS + NETWORK_TARGETS:
        assert f"{name}.toml" in listed


def relocate(text, fake):
    """Moves every absolute path named in path_exists under `fake`, in the
    whole file, in one pass (so no path is moved twice)."""
    paths = set()
    for line in text.splitlines():
        if line.startswith("path_exists"):
            paths.update(re.findall(r'"!?(/[^"]*)"', line))
    if not paths:
        return text
    pattern = "|".join(re.escape(p) for p in sorted(paths, key=len, reverse=True))
    return re.sub(f"(?<![\\w/.-])({pattern})(?![\\w.-])", lambda m: fake + m.group(1), text)


def write_script(path, body):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)


def kernel_modules_dir():
    """The Debian kernel's module tree that scripts/fetch-kernel keeps."""
    return os.environ.get("FASTINIT_MODULES_DIR") or subprocess.run(
        [os.path.join(REPO, "scripts", "fetch-kernel")], capture_output=True, text=True,
        check=True).stdout.strip()


def utmp_records(path):
    """(ut_type, ut_user) of each struct utmp (384 bytes on Linux x86-64)."""
    data = open(path, "rb").read()
    out = []
    for i in range(0, len(data) - 383, 384):
        ut_type = struct.unpack_from("<h", data, i)[0]
        user = data[i + 44:i + 76].split(b"\0")[0].decode()
        out.append((ut_type, user))
    return out


def prepare(fastinit, fastinit_bin):
    ns = fastinit.new()
    fake = os.path.join(ns.dir, "root")
    render_shipped(ns.unit_dir)
    for name in shipped_files():
        path = os.path.join(ns.unit_dir, name)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(relocate(text, fake))
    log = ns.work("calls")
    for prog in ("bin/hostname", "bin/udevadm"):
        write_script(os.path.join(fake, prog), f'echo "{os.path.basename(prog)} $*" >> {log}\n')
    write_script(os.path.join(fake, "lib/systemd/systemd-udevd"),
                 f'echo "udevd" >> {log}\n{fastinit_bin} notify --ready\nexec sleep 1000\n')
    # fastinit's own verbs, kept off the host: modules-load only resolves
    # (with the fetched kernel's tree), utmp writes the fake root's files.
    write_script(os.path.join(fake, "usr/sbin/fastinit"), f"""
case "$1" in
  modules-load) exec {fastinit_bin} modules-load --dry-run --modules-dir {kernel_modules_dir()} \\
      {fake}/etc/modules ;;
  utmp) exec {fastinit_bin} "$@" --utmp {fake}/run/utmp --wtmp {fake}/var/log/wtmp ;;
  analyze) exec {fastinit_bin} --runtime-dir {ns.runtime_dir} "$@" ;;
  bless) exec {fastinit_bin} --runtime-dir {ns.runtime_dir} "$@" \\
      --trial-record {fake}/var/lib/fastinit/try ;;
esac
exit 99
""")
    os.makedirs(os.path.join(fake, "etc"))
    with open(os.path.join(fake, "etc/hostname"), "w") as f:
        f.write("guest\n")
    with open(os.path.join(fake, "etc/modules"), "w") as f:
        f.write("# as Debian ships it\nloop\n")
    # What tmpfiles-setup would have made.
    for name in ("run/utmp", "var/log/wtmp"):
        os.makedirs(os.path.dirname(os.path.join(fake, name)), exist_ok=True)
        open(os.path.join(fake, name), "w").close()
    os.makedirs(os.path.join(fake, "var/lib/prometheus/node-exporter"))
    for prog in ("bin/sh", "bin/dd"):
        os.symlink("/" + prog, os.path.join(fake, prog))
    return ns, fake, log


def test_boot_with_the_shipped_units_has_each_active_or_skipped(fastinit, fastinit_bin):
    ns, fake, log = prepare(fastinit, fastinit_bin)
    ns.start()
    ns.wait_state("multi-user", "active", timeout=20)
    every = [n[:-5] for n in shipped_files() if not n.endswith("@.toml")]
    assert set(BASE_UNITS + TARGETS + NETWORK_TARGETS) <= set(every)
    # rescue and emergency are other boot targets, shutdown is not started.
    not_pulled = {"rescue", "emergency", "shutdown", "rescue-shell", "emergency-shell"}
    states = {name: ns.unit_status(name) for name in every if name not in not_pulled}
    summary = {n: (i["state"], i["result"]) for n, i in states.items()}
    ran = {"hostname", "random-seed-load", "random-seed-save", "udevd", "udev-trigger",
           "udev-settle", "modules-load", "utmp", "utmp-shutdown", "bless"}
    # boot-metrics waited for the boot to finish, wrote the metrics, ended.
    metrics = os.path.join(fake, "var/lib/prometheus/node-exporter/fastinit.prom")
    wait_until(lambda: os.path.exists(metrics), 20, "the boot's metrics")
    text = open(metrics).read()
    for name in ("hostname", "udevd", "multi-user"):
        assert f'fastinit_unit_state_info{{unit="{name}",state="active",result="success"}} 1' \
            in text, text
    assert 'fastinit_boot_phase_seconds{phase="userspace"}' in text, text
    states["boot-metrics"] = ns.wait_state("boot-metrics", "inactive")
    summary["boot-metrics"] = ("inactive", states["boot-metrics"]["result"])
    for name, info in states.items():
        if name == "boot-metrics":
            assert info["result"] == "success", (name, summary)
        elif name in ran or name in TARGETS:
            assert info["state"] == "active", (name, summary)
        elif name in NETWORK_TARGETS:
            assert info["state"] == "inactive", (name, summary)
        else:
            assert (info["state"], info["result"]) == ("skipped", "condition"), (name, summary)
    assert "failed" not in ns.ctl("status").stdout

    calls = open(log).read().splitlines()
    assert f"hostname -F {fake}/etc/hostname" in calls, calls
    # udevd was ready before the triggers, which came before settle.
    udev = [c for c in calls if c.startswith("udev")]
    assert udev == ["udevd", "udevadm trigger --type=subsystems --action=add",
                    "udevadm trigger --type=devices --action=add", "udevadm settle"], calls
    # Ordered before sysinit and local-fs as systemd does.
    tl = ns.timeline_units()
    for name in ("hostname", "random-seed-load"):
        assert tl[name]["ready_us"] <= tl["sysinit"]["ready_us"], (name, tl[name], tl["sysinit"])
    # udev-settle holds networking only, not local-fs (mounts wait for
    # their own devices).
    # networking (skipped here by its condition) was decided after it.
    assert tl["udev-settle"]["ready_us"] <= tl["networking"]["finished_us"], tl["networking"]
    assert tl["local-fs"]["ready_us"] <= tl["random-seed-load"]["started_us"]

    seed = os.path.join(fake, "var/lib/systemd/random-seed")
    st = os.stat(seed)
    assert st.st_size == 512 and stat.S_IMODE(st.st_mode) == 0o600
    boot_seed = open(seed, "rb").read()
    wtmp = os.path.join(fake, "var/log/wtmp")
    BOOT_TIME, RUN_LVL = 2, 1
    assert utmp_records(wtmp) == [(BOOT_TIME, "reboot"), (RUN_LVL, "runlevel")]
    assert (BOOT_TIME, "reboot") in utmp_records(os.path.join(fake, "run/utmp"))
    ns.stop()
    # utmp-shutdown recorded the shutdown.
    assert utmp_records(wtmp)[-1] == (RUN_LVL, "shutdown")
    # random-seed-save wrote a fresh seed on the way down.
    assert open(seed, "rb").read() != boot_seed
    assert os.stat(seed).st_size == 512


def test_modules_load_resolves_through_libkmod_and_reports_bad_lines(fastinit_bin, tmp_path):
    """`fastinit modules-load --dry-run` with the real libkmod on the Debian
    kernel's module tree scripts/fetch-kernel keeps (loading into the host's
    kernel is not this test's business)."""
    modules_dir = kernel_modules_dir()
    conf = tmp_path / "modules-load.d"
    conf.mkdir()
    (conf / "a.conf").write_text("# comment\nvfat\nbad/name\nnosuchmodule\n")
    (conf / "b.conf").write_text("loop max_loop=8\n")
    etc_modules = tmp_path / "modules"
    etc_modules.write_text("fs-ext4\n")
    r = subprocess.run([fastinit_bin, "modules-load", "--dry-run", "--modules-dir", modules_dir,
                        str(conf), str(etc_modules)], capture_output=True, text=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"vfat: would load vfat ({conf}/a.conf:2)" in r.stdout, r.stdout + r.stderr
    assert f"loop: would load loop ({conf}/b.conf:1)" in r.stdout, r.stdout + r.stderr
    assert f"fs-ext4: would load ext4 ({etc_modules}:1)" in r.stdout, r.stdout + r.stderr
    assert f"{conf}/a.conf:3: error: \"bad/name\" is not a module name" in r.stderr, r.stderr
    assert f"{conf}/a.conf:4: error: no module or alias is called nosuchmodule" in r.stderr
    assert f"{conf}/b.conf:1: warning: parameters \"max_loop=8\"" in r.stderr

    good = tmp_path / "good.conf"
    good.write_text("loop\n")
    r = subprocess.run([fastinit_bin, "modules-load", "--dry-run", "--modules-dir", modules_dir,
                        str(good)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stdout + r.stderr
