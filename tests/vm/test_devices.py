"""after_devices on a real kernel, with fastinit-manager as PID 1 of the demo
root (which has no udevd): a device that exists (the root disk by its path,
and by its label through libblkid, since no udev links exist), one that
never comes (the unit fails naming it, the boot goes on), and a network
interface that appears while a unit waits (lo renamed: a real uevent)."""

import os
import re

from conftest import wait_booted, wait_shell

DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "units", "demo")


def test_units_wait_for_real_devices(boot, images, tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    for name in os.listdir(DEMO):
        (units / name).write_text(open(os.path.join(DEMO, name)).read())
    oneshot = '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n'
    (units / "on-root.toml").write_text(
        '[unit]\nwanted_by = ["default"]\n'
        'after_devices = ["/dev/vda", "LABEL=fastinit-root", "net:lo"]\n' + oneshot)
    (units / "never.toml").write_text(
        '[unit]\nwanted_by = ["default"]\n'
        'after_devices = ["LABEL=no-such-disk"]\ndevice_timeout = "3s"\n' + oneshot)
    (units / "on-fi0.toml").write_text(
        '[unit]\nafter_devices = ["net:fi0"]\ndevice_timeout = "5min"\n' + oneshot)
    disk = images.make_rootdisk("devices-root.img", units=str(units))
    vm = boot(disk=images.disk_copy(disk))
    booted = wait_booted(vm)
    assert int(booted.group(2)) == 1, booted.group(0)  # never; nothing else failed
    wait_shell(vm)

    status, out = vm.run("fastinit status on-root")
    assert status == 0 and "active" in out, out
    status, out = vm.run("fastinit status never")
    assert "failed (timeout)" in out, out
    assert "Reason: LABEL=no-such-disk did not appear within 3s" in out, out

    status, out = vm.run("fastinit start --no-block on-fi0")
    assert status == 0, out
    status, out = vm.run("fastinit status on-fi0")
    assert "waiting" in out and "Waiting: for net:fi0" in out, out
    status, out = vm.run("ip link set dev lo down && ip link set dev lo name fi0 && echo renamed")
    assert "renamed" in out, out
    for _ in range(50):
        status, out = vm.run("fastinit status on-fi0")
        if re.search(r"State: active", out):
            break
    assert re.search(r"State: active", out), out
    vm.run("ip link set dev fi0 name lo && ip link set dev lo up")
    vm.type("fastinit poweroff")
    assert vm.wait_exit(60) == 0
