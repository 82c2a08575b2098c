"""`fastinit reboot` inside the VM: kexec into the next boot (which then uses
the device cache), one-shot reprobe, and the firmware fallback."""

import re

from conftest import wait_booted, wait_shell

DEVICES = r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded"


def kexec_reboot(vm, command="fastinit reboot"):
    """Types the reboot command; returns the console offset where it began."""
    mark = len(vm.console)
    vm.type(command)
    return mark


def test_kexec_reboot_skips_firmware_and_the_next_boot_uses_the_cache(boot):
    vm = boot()
    assert vm.expect(DEVICES, 90).group(1) == "probe"
    wait_booted(vm)
    wait_shell(vm)
    mark = kexec_reboot(vm)
    vm.expect(r"shutting down \(then kexec\)", 30, mark)
    second = vm.expect(DEVICES, 120, mark)
    assert second.group(1) == "cache-hit", second.group(0)
    assert "SeaBIOS" not in vm.console[mark:second.start()], "the firmware ran"
    booted = wait_booted(vm, 120, mark)
    assert int(booted.group(2)) == 0
    wait_shell(vm)
    status, out = vm.run("fastinit analyze time")
    assert "initrd devices: cache-hit" in out, out


def test_reprobe_is_one_shot(boot):
    vm = boot(append="fastinit.reprobe")
    first = vm.expect(DEVICES, 90)
    assert first.group(1) == "probe"
    wait_booted(vm)
    wait_shell(vm)
    # The first boot wrote a cache; the flag is not carried into the next.
    mark = kexec_reboot(vm)
    second = vm.expect(DEVICES, 120, mark)
    assert second.group(1) == "cache-hit", second.group(0)
    wait_booted(vm, 120, mark)
    wait_shell(vm)
    status, out = vm.run("cat /proc/cmdline")
    assert "fastinit.reprobe" not in out, out
    # --reprobe asks for a probe on the next boot only.
    mark = kexec_reboot(vm, "fastinit reboot --reprobe")
    third = vm.expect(DEVICES, 120, mark)
    assert third.group(1) == "probe" and "reprobe" in third.group(2), third.group(0)


def test_failed_kexec_load_means_a_clean_cold_reboot(boot):
    vm = boot()
    wait_booted(vm)
    wait_shell(vm)
    status, _ = vm.run("echo garbage > /boot/vmlinuz && sync")
    assert status == 0
    mark = kexec_reboot(vm)
    vm.expect(r"rebooting through the firmware instead", 30, mark)
    vm.expect(r"shutting down \(then reboot\)", 30, mark)
    firmware = vm.expect(r"SeaBIOS", 60, mark)
    booted = wait_booted(vm, 150, firmware.end())
    assert int(booted.group(2)) == 0
