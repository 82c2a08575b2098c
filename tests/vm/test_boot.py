"""Boots of a real Debian kernel with fastinit as /init of the initramfs and
as PID 1 of the demo root disk."""

import os
import re

import pytest

from conftest import wait_booted, wait_shell


def test_first_boot_probes_mounts_root_starts_units_and_writes_the_cache(boot):
    vm = boot()
    m = vm.expect(r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded, (\d+) failed", 90)
    assert m.group(1) == "probe"
    assert "no device cache" in m.group(2)
    assert int(m.group(3)) > 0
    vm.expect(r"root /dev/vda mounted read-write", 30)
    vm.expect(r"switched root; executing /usr/sbin/fastinit-manager", 30)
    booted = wait_booted(vm)
    assert (int(booted.group(2)), int(booted.group(3))) == (0, 0), booted.group(0)
    wait_shell(vm)

    status, out = vm.run("fastinit status")
    assert status == 0
    for unit in ["app", "database", "network", "webserver", "syslog", "default"]:
        assert re.search(r"^%s\s+active" % unit, out, re.M), out
    # The cache the initramfs probe wrote was kept on the root.
    status, out = vm.run("fastinit devices show")
    assert status == 0, out
    assert "virtio_blk" in out, out
    # Its fingerprint is of the initramfs's module index (this demo root has
    # no /lib/modules): status compares with the index stage 1 recorded in
    # initrd.json, so it agrees with the next boot, which uses the cache.
    status, out = vm.run("fastinit devices status")
    assert status == 0 and "valid: the next boot is using the device cache" in out, out
    status, out = vm.run("fastinit analyze time")
    assert re.search(r"kernel [\d.]+ms \+ initrd [\d.]+ms \+ userspace [\d.]+ms", out), out
    assert "initrd devices: probe" in out
    status, out = vm.run("fastinit analyze critical-chain")
    assert status == 0 and "database" in out, out
    # The manager's own messages are in the journal (docs/logging.md).
    status, out = vm.run("fastinit logs fastinit")
    assert status == 0 and re.search(r" fastinit\[1\]: startup finished in ", out), out

    vm.type("fastinit poweroff")
    vm.expect(r"shutting down \(then poweroff\)", 30)
    assert vm.wait_exit(60) == 0


@pytest.mark.parametrize("method", ["zstd", "lz4"])
def test_compressed_image_after_early_microcode_boots_to_the_root(boot, images, tmp_path, method):
    """The kernel unpacks the uncompressed early cpio (microcode; fake
    here, which the loader ignores) and then the compressed archive with
    /init. zstd is the default and what every other test boots; lz4 must
    be the legacy format the kernel reads."""
    for sub, name in [("intel-ucode", "06-8e-09"), ("amd-ucode", "microcode_amd.bin")]:
        (tmp_path / sub).mkdir()
        (tmp_path / sub / name).write_bytes(b"not really microcode " * 64)
    initrd = images.initramfs("%s-ucode.img" % method, "--compress", method,
                              "--microcode-dir", str(tmp_path))
    with open(initrd, "rb") as f:
        assert f.read(6) == b"070701"
    vm = boot(initrd=initrd)
    vm.expect(r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded, (\d+) failed", 90)
    vm.expect(r"root /dev/vda mounted read-write", 30)
    vm.expect(r"switched root; executing /usr/sbin/fastinit-manager", 30)


def test_damaged_cache_in_the_image_means_a_probe_and_a_boot(boot, images, tmp_path):
    garbage = tmp_path / "devices.db"
    garbage.write_bytes(b"this is not an SQLite database\0" * 100)
    initrd = images.initramfs("damaged.img", "--cache", str(garbage))
    vm = boot(initrd=initrd)
    m = vm.expect(r"devices: (\w[\w-]*) \((.*)\), \d+ modules", 90)
    assert m.group(1) == "probe", m.group(0)
    booted = wait_booted(vm)
    assert int(booted.group(2)) == 0


def test_broken_unit_is_reported_and_the_rest_boots(boot, images, tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    for name in os.listdir(os.path.join(os.path.dirname(__file__), "..", "..", "units", "demo")):
        src = os.path.join(os.path.dirname(__file__), "..", "..", "units", "demo", name)
        (units / name).write_text(open(src).read())
    (units / "broken.toml").write_text('[unit]\ndescription = "typo"\nrequirs = ["network"]\n')
    (units / "needs-broken.toml").write_text(
        '[unit]\nrequires = ["broken"]\nwanted_by = ["default"]\n'
        '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n')
    disk = images.make_rootdisk("broken-root.img", units=str(units))
    vm = boot(disk=images.disk_copy(disk))
    vm.expect(r"broken\.toml:3:1: error: unit\.requirs: unknown key \"requirs\" "
              r"\(did you mean \"requires\"\?\)", 90)
    booted = wait_booted(vm)
    assert int(booted.group(1)) >= 7, booted.group(0)
    wait_shell(vm)
    status, out = vm.run("fastinit status needs-broken")
    assert "skipped" in out and "broken" in out, out
    status, out = vm.run("fastinit status app")
    assert status == 0 and "active" in out, out


def test_missing_root_says_what_is_there_and_opens_an_emergency_shell(boot):
    vm = boot(append="root=LABEL=no-such-root fastinit.root_timeout=2s")
    m = vm.expect(r"root device LABEL=no-such-root did not appear within 2s; "
                  r"block devices present: (.*)", 60)
    assert "vda" in m.group(1), m.group(0)
    vm.expect(r"starting an emergency shell", 30)
    # The shell is the initramfs's busybox, on the console.
    status, out = vm.run("cat /etc/initrd-release", 30)
    assert status == 0 and "fastinit initramfs" in out, out


def test_handoff_executes_another_init_on_the_real_root(boot):
    vm = boot(append="fastinit.handoff=/bin/sh")
    vm.expect(r"switched root; executing /bin/sh", 90)
    status, out = vm.run("echo pid=$$; cat /etc/os-release", 30)
    assert "pid=1" in out, out
    assert "fastinit demo root" in out, out


def test_init_on_the_command_line_is_honoured_like_the_handoff(boot):
    vm = boot(append="init=/bin/sh")
    vm.expect(r"switched root; executing /bin/sh", 90)
    status, out = vm.run("echo pid=$$", 30)
    assert "pid=1" in out, out


def test_a_read_only_root_keeps_the_cache_in_run_until_devices_keep(boot):
    # Debian's default command line: the root stays `ro` until local-fs
    # remounts it, so the manager cannot keep the cache at its start.
    vm = boot(append="ro")
    vm.expect(r"root /dev/\w+ mounted read-only", 90)
    booted = wait_booted(vm)
    assert (int(booted.group(2)), int(booted.group(3))) == (0, 0), booted.group(0)
    wait_shell(vm)
    assert "the root is read-only: the device cache stays in /run/fastinit/devices.db" in \
        vm.console, vm.console
    assert "cannot keep the device cache" not in vm.console, vm.console

    status, out = vm.run("fastinit devices keep 2>&1")
    assert status == 1, out
    assert "/var/lib/fastinit/devices.db" in out and "(errno 30)" in out, out
    # What the shipped unit fastinit-devices-keep does after local-fs.
    status, out = vm.run("mount -o remount,rw / && fastinit devices keep 2>&1")
    assert status == 0 and "kept in /var/lib/fastinit/devices.db" in out, out
    status, out = vm.run("cmp /run/fastinit/devices.db /var/lib/fastinit/devices.db && "
                         "fastinit devices status")
    assert status == 0 and "valid: the next boot is using the device cache" in out, out


def test_services_run_in_their_cgroups_with_their_limits(boot):
    # cgroup2 is mounted by PID 1 at /sys/fs/cgroup; the manager is in
    # init.scope, database in database.service with the demo's limits.
    vm = boot()
    booted = wait_booted(vm)
    assert int(booted.group(2)) == 0, booted.group(0)
    wait_shell(vm)
    status, out = vm.run("cat /proc/1/cgroup")
    assert status == 0 and "0::/init.scope" in out, out
    status, out = vm.run("cat /sys/fs/cgroup/database.service/memory.max "
                         "/sys/fs/cgroup/database.service/pids.max")
    assert status == 0 and out.split()[-2:] == ["67108864", "32"], out
    status, out = vm.run("fastinit status database")
    assert status == 0 and "CGroup: /sys/fs/cgroup/database.service" in out, out
    assert re.search(r"^\s+\d+ sleep\s*$", out, re.M), out
    vm.type("fastinit poweroff")
    assert vm.wait_exit(60) == 0
