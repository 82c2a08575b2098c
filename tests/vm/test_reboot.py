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
    # Once the root is mounted, stage 1 learns what it took.
    vm.expect(r"recorded what root=LABEL=fastinit-root needs: virtio_pci, virtio_blk and ext4", 60)
    wait_booted(vm)
    wait_shell(vm)
    # QEMU's loader put this kernel in memory, after SeaBIOS ran.
    status, out = vm.run("fastinit analyze --format=prometheus")
    assert 'fastinit_boot_path_info{path="firmware"} 1' in out, out
    mark = kexec_reboot(vm)
    vm.expect(r"shutting down \(then kexec\)", 30, mark)
    second = vm.expect(DEVICES, 120, mark)
    assert second.group(1) == "cache-hit", second.group(0)
    assert "SeaBIOS" not in vm.console[mark:second.start()], "the firmware ran"
    # Root first: the root's chain and filesystem, the rest later.
    line = vm.console[second.start():vm.console.find("\n", second.start())]
    assert re.search(r"the root's first \(.*virtio_blk.*ext4.*\), [1-9]\d* more later", line), line
    # The real root's fastinit loads what stage 1 left, beside the units.
    left = vm.expect(r"(\d+) modules left for the real root's fastinit to load \((.*)\)", 60, mark)
    assert "ata_piix" in left.group(2), left.group(0)
    done = vm.expect(r"devices: completed what the initramfs left in [\d.]+ ms: "
                     r"(\d+) modules in the kernel, (\d+) failed", 120, mark)
    assert done.group(2) == "0", done.group(0)
    booted = wait_booted(vm, 120, mark)
    assert int(booted.group(2)) == 0
    wait_shell(vm)
    status, out = vm.run("fastinit analyze time")
    assert "initrd devices: cache-hit" in out, out
    # The kernel knows it was entered by kexec (boot_params' loader ID).
    status, out = vm.run("fastinit analyze --format=prometheus")
    assert 'fastinit_boot_path_info{path="kexec"} 1' in out, out
    assert 'fastinit_boot_devices_info{mode="cache-hit"' in out, out
    status, out = vm.run("grep -c -E '^(ata_piix|virtio_blk|ext4) ' /proc/modules; "
                         "ls /run/fastinit/initrd-modules")
    assert out.splitlines()[0].strip() == "3", out
    assert "No such file" in out, "the copy of the modules is removed: " + out


def test_a_root_first_boot_into_another_init_loads_everything_before_switching(boot):
    vm = boot()
    wait_booted(vm)
    wait_shell(vm)
    mark = kexec_reboot(vm, "fastinit reboot --append fastinit.handoff=/bin/sh")
    second = vm.expect(DEVICES, 120, mark)
    assert second.group(1) == "cache-hit", second.group(0)
    done = vm.expect(r"devices: all (\d+) modules loaded, (\d+) failed", 60, mark)
    vm.expect(r"switched root; executing /bin/sh", 60, mark)
    assert "left for the real root" not in vm.console[mark:], "nobody would load them"
    status, out = vm.run("grep -c -E '^(ata_piix|virtio_blk|ext4) ' /proc/modules", 30)
    assert out.strip() == "3", out + done.group(0)


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
