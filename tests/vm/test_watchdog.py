"""The hardware watchdog in a VM (QEMU's i6300esb, reset on expiry): PID 1
finds and pets it, and a kexec into a kernel that hangs is reset by the
watchdog armed before the jump, so the machine comes back through the
firmware."""

import re

from conftest import wait_booted, wait_shell

WATCHDOG = ["-device", "i6300esb", "-action", "watchdog=reset"]


def test_a_kexec_into_a_hanging_kernel_comes_back_through_the_firmware(boot, images):
    # The demo root has no modules of its own: the driver comes in the
    # initramfs, left by stage 1 for the real root's fastinit to load. It
    # stops the watchdog at reboot and kexec unless the kernel is told
    # otherwise.
    initrd = images.initramfs("watchdog.img", "--module", "i6300esb")
    vm = boot(initrd=initrd, append="fastinit.watchdog=10s fastinit.reboot_watchdog=20s "
                                    "watchdog.stop_on_reboot=0", extra=WATCHDOG)
    wait_booted(vm)
    wait_shell(vm)
    # Its driver comes from stage 2's device work: the status shows it
    # once PID 1 has found it.
    out = ""
    for _ in range(30):
        status, out = vm.run("fastinit status | head -1", 30)
        if "running" in out:
            break
        vm.drain(1)
    line = re.search(r"Watchdog: running, /dev/watchdog0? \(i6300ESB timer\), timeout 10 s, "
                     r"last pet ([\d.]+) s ago", out)
    assert line, out
    assert float(line.group(1)) <= 10, line.group(0)

    # A kernel whose init is a shell nobody talks to, with panic=0: it never
    # starts anything and never reboots by itself.
    mark = len(vm.console)
    vm.type("fastinit reboot --append 'rdinit=/bin/sh panic=0'")
    vm.expect(r"stays armed through the kexec \(20 s\)", 60, mark)
    firmware = vm.expect(r"SeaBIOS", 180, mark)
    # The jump itself worked (no fallback to the firmware by PID 1): nothing
    # but the watchdog could have reset the hung kernel.
    jump = vm.console[mark:firmware.start()]
    assert "final action: kexec" in jump, jump[-3000:]
    assert "kexec failed" not in jump and "firmware reboot" not in jump, jump[-3000:]
    booted = wait_booted(vm, 180, firmware.end())
    assert int(booted.group(2)) == 0, booted.group(0)
