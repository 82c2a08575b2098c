"""fstab as units: the manager, PID 1 of a PID namespace (with its own mount
namespace), reads a sample fstab given with --fstab, generates mount units
attached to the shipped targets (units/*.toml) and runs them: the tmpfs is
really mounted in the namespace, a hostile line is reported with file:line
and skipped, and the generated units show in `analyze critical-chain`."""

import os
import re
import shutil
import subprocess

from conftest import REPO

SHIPPED_UNITS = os.path.join(REPO, "units")


def escape(path):
    """The unit-name spelling of a path (initd/unit/fstab_units.h)."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "-"
    out = []
    for part in parts:
        out.append("".join(c if c.isascii() and (c.isalnum() or c == ".") else "_%02x" % ord(c)
                           for c in part))
    return "-".join(out)


def copy_shipped_targets(ns):
    """The shipped targets only: the shipped services (sysctl, udevd,
    tmpfiles, hwclock...) would act on the host, which shares the root
    filesystem and the kernel with the namespace."""
    for name in os.listdir(SHIPPED_UNITS):
        path = os.path.join(SHIPPED_UNITS, name)
        if name.endswith(".toml") and "[service]" not in open(path).read():
            shutil.copy(path, ns.unit_dir)


def mounted_in(ns, path):
    with open(f"/proc/{ns.init_pid}/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == path:
                return line.split(" - ")[1].split()[0]  # the filesystem type
    return None


def prepare(fastinit):
    ns = fastinit.new()
    copy_shipped_targets(ns)
    points = {k: ns.work(k) for k in ("data", "extra", "later")}
    fstab = os.path.join(ns.dir, "fstab")
    with open(fstab, "w") as f:
        f.write("# a sample fstab for the namespace\n")
        f.write(f"tmpfs {points['data']} tmpfs size=1m,mode=0755 0 0\n")
        f.write(f"tmpfs {points['extra']} tmpfs size=1m,nofail,x-test.hint=1 0 0\n")
        f.write(f"tmpfs {points['later']} tmpfs size=1m,noauto 0 0\n")
        f.write("tmpfs /bad\\x41 tmpfs defaults 0 0\n")  # line 5: an unknown escape
    return ns, fstab, points


def test_fstab_lines_become_mount_units_that_mount(fastinit):
    ns, fstab, points = prepare(fastinit)
    ns.start(extra_args=["--fstab", fstab])
    log = ns.read_log()
    assert f"{fstab}:5:1: error: mount point: unknown escape" in log, log
    assert re.search(re.escape(f"{fstab}:3:1: warning: options: unknown option \"x-test.hint\""),
                     log), log

    for key in ("data", "extra"):
        name = "mount-" + escape(points[key])
        ns.wait_state(name, "active")
        assert mounted_in(ns, points[key]) == "tmpfs", key
        # The mount is the namespace's own: the host does not see it.
        assert not os.path.ismount(points[key])
    assert ns.unit_status("local-fs")["state"] == "active"

    # noauto: generated, not pulled in, startable by name.
    later = "mount-" + escape(points["later"])
    assert ns.unit_status(later)["state"] == "inactive"
    assert mounted_in(ns, points["later"]) is None
    ns.ctl_ok("start", later)
    ns.wait_state(later, "active")
    assert mounted_in(ns, points["later"]) == "tmpfs"

    # default ← multi-user ← basic ← sysinit ← local-fs ← a mount unit.
    r = ns.ctl_ok("analyze", "critical-chain")
    names = [line.split()[0] for line in r.stdout.splitlines() if re.match(r"^ *\S+ @", line)]
    assert names[:5] == ["default", "multi-user", "basic", "sysinit", "local-fs"], r.stdout
    assert names[5].startswith("mount-"), r.stdout


def test_check_reports_the_fstab_with_file_and_line(fastinit):
    ns, fstab, points = prepare(fastinit)
    r = ns.ctl("check", ns.unit_dir, "--fstab", fstab)
    assert r.returncode == 1, r
    assert f"{fstab}:5:1: error: mount point: unknown escape" in r.stdout, r.stdout
    assert f"{fstab}:3:1: warning: options: unknown option \"x-test.hint\"" in r.stdout, r.stdout
    # 12 shipped targets and the three mounts.
    assert "15 units loaded, 0 broken: 1 errors, 1 warnings" in r.stdout, r.stdout
    # Without --fstab nothing of it.
    clean = ns.ctl("check", ns.unit_dir)
    assert clean.returncode == 0 and "12 units loaded" in clean.stdout, clean.stdout


def test_fsck_runs_before_the_mount_and_a_failed_check_stops_it(fastinit):
    """Real e2fsprogs on ext4 images (mounted through loop devices in the
    namespace): a clean image is checked and mounted; one with a wiped
    superblock fails its check (fsck status 8), its mount is skipped, and
    nofail keeps local-fs going."""
    ns = fastinit.new()
    copy_shipped_targets(ns)
    images = {}
    for key in ("good", "bad"):
        images[key] = os.path.join(ns.dir, key + ".img")
        subprocess.run(["mkfs.ext4", "-q", "-F", images[key], "8M"], check=True)
    with open(images["bad"], "r+b") as f:
        f.seek(1024)
        f.write(b"\0" * 1024)  # the primary superblock
    fstab = os.path.join(ns.dir, "fstab")
    with open(fstab, "w") as f:
        for key in ("good", "bad"):
            f.write(f"{images[key]} {ns.work(key)} ext4 loop,nofail 0 2\n")
    ns.start(extra_args=["--fstab", fstab])

    good, bad = escape(ns.work("good")), escape(ns.work("bad"))
    ns.wait_state("mount-" + good, "active")
    assert ns.unit_status("fsck-" + good)["state"] == "active"
    assert mounted_in(ns, ns.work("good")) == "ext4"

    info = ns.wait_unit("fsck-" + bad, lambda i: i["state"] == "failed", "failed")
    assert info["state"] == "failed", info
    m = ns.wait_unit("mount-" + bad, lambda i: i["state"] == "skipped", "skipped")
    assert m["result"] == "dependency", m
    assert mounted_in(ns, ns.work("bad")) is None
    assert f"fsck of {images['bad']} failed (status 8)" in ns.read_log()
    assert ns.unit_status("local-fs")["state"] == "active"
