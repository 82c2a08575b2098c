"""A real Debian 12 system under fastinit: the root scripts/fetch-rootfs
debootstraps (openssh-server, cron, rsyslog, udev, ifupdown, e2fsprogs),
fastinit installed into it by meson install, booted with fastinit's
initramfs and Debian's usual `root=UUID=... ro quiet` (plus init=, the
admin's choice of PID 1). Nothing in the root was written for the test:
every unit that runs is one fastinit ships or generates from /etc/fstab."""

import re
import subprocess

from debian_root import ROOT_UUID, free_port, login_root, ssh_banner

UNIT_LINE = re.compile(r"^(\S+)\s+(\w+)\s+(\w*)", re.M)


def unit_states(vm):
    status, out = vm.run("fastinit status", 60)
    assert status == 0, out
    return {m.group(1): (m.group(2), m.group(3)) for m in UNIT_LINE.finditer(out)
            if m.group(1) != "UNIT"}


def assert_healthy(states):
    """Every unit that applies is up, every other one skipped by its
    condition; none failed, none still waiting."""
    bad = {name: s for name, s in states.items()
           if s[0] not in ("active", "skipped") or s[1] not in ("success", "condition")}
    assert not bad, "units not healthy: %r (all: %r)" % (bad, states)
    for unit in ["ssh", "cron", "rsyslog", "udevd", "networking", "remount-root",
                 "tmpfiles-setup", "fastinit-devices-keep", "getty@ttyS0", "dbus",
                 "user-sessions", "multi-user"]:
        assert states.get(unit, ("absent",))[0] == "active", (unit, states)
    # The image's e2fsck checked / before stage 1 mounted it: the
    # manager's check of it is skipped by its condition.
    assert states.get("fsck--") == ("skipped", "condition"), states


def test_debian_boots_under_fastinit_kexecs_with_a_cache_hit_and_powers_off_clean(
        boot, debian):
    port = free_port()
    disk = debian.disk_copy("debian-boot.img")
    vm = boot(disk=disk, base_append=debian.append_fastinit(), memory=1024,
              forward={port: 22})

    # Stage 1 checks the root, then mounts it read-only, as `ro` asks.
    vm.expect(r"root /dev/vda checked in \d+ ms: clean", 120)
    vm.expect(r"root /dev/vda mounted read-only", 60)
    banner, _ = ssh_banner(vm, port, 180)
    assert banner.startswith("SSH-2.0-OpenSSH"), banner
    keys = subprocess.run(["ssh-keyscan", "-p", str(port), "-T", "20", "127.0.0.1"],
                          capture_output=True, text=True, timeout=60).stdout
    assert re.search(r"^\[127\.0\.0\.1\]:%d (ssh-|ecdsa-)\S+ AAAA" % port, keys, re.M), keys
    login_root(vm)

    states = unit_states(vm)
    assert_healthy(states)
    status, out = vm.run("ls /dev/disk/by-uuid; findmnt -no OPTIONS /")
    assert ROOT_UUID in out, out
    assert out.splitlines()[-1].startswith("rw,"), "fstab's remount of /: " + out
    status, out = vm.run("fastinit devices show")
    assert status == 0 and "virtio_blk" in out, out
    status, out = vm.run("fastinit devices status")
    assert status == 0 and "valid: the next boot is using the device cache" in out, out
    assert re.search(r"^root tree /lib/modules/\S+: valid: ", out, re.M), out
    status, out = vm.run("pgrep -c -x sshd; ls /run/utmp; test -S /dev/log && echo log; "
                         "test -e /run/nologin || echo logins-allowed")
    assert out.split()[0] != "0" and "/run/utmp" in out and "log" in out, out
    assert "logins-allowed" in out, "tmpfiles' /run/nologin is never removed: " + out

    mark = len(vm.console)
    vm.type("fastinit reboot")
    vm.expect(r"shutting down \(then kexec\)", 60, mark)
    second = vm.expect(r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded", 180, mark)
    assert second.group(1) == "cache-hit", second.group(0)
    assert "SeaBIOS" not in vm.console[mark:second.start()], "the firmware ran"
    ssh_banner(vm, port, 180)
    login_root(vm, 120, mark)
    assert set(unit_states(vm)) == set(states)
    assert_healthy(unit_states(vm))
    status, out = vm.run("fastinit analyze time")
    assert "initrd devices: cache-hit" in out, out
    # Stage 2's cache of the root's own modules was kept on the `ro` root
    # after local-fs, and this boot used it instead of a probe.
    assert re.search(r"^  from the cache of /lib/modules/\S+: ", out, re.M), out

    # A unit's output reaches Debian's rsyslog, filed under the unit's name,
    # and the journal (docs/logging.md).
    status, out = vm.run(
        "mkdir -p /etc/fastinit/units && printf '[service]\\ntype = \"oneshot\"\\n"
        "exec = [\"/bin/echo\", \"hello-syslog\"]\\n' "
        "> /etc/fastinit/units/hello.toml && fastinit daemon-reload >/dev/null && "
        "fastinit start hello && sleep 3 && grep -h 'hello\\[' /var/log/syslog", 60)
    assert status == 0 and re.search(r" hello\[\d+\]: hello-syslog\r?$", out, re.M), out
    status, out = vm.run("fastinit logs hello")
    assert re.search(r"^\S+ \S+ hello\[\d+\]: hello-syslog\r?$", out, re.M), out

    vm.type("fastinit poweroff")
    vm.expect(r"shutting down \(then poweroff\)", 60)
    assert vm.wait_exit(120) == 0
    fsck = subprocess.run(["e2fsck", "-fn", disk], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
