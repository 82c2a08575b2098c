"""Crash dumps in the VM: a kernel with memory reserved for a crash kernel
(crashkernel=256M) arms fastinit's capture image, panics through sysrq, the
crash kernel's stage 1 saves the vmcore and the crashed kernel's log on the
root disk and reboots through the firmware, and the next boot lists the
dump. Without crashkernel= `kdump status` says what to add."""

import os
import re

from conftest import wait_booted, wait_shell

KDUMP_TOML = """\
kernel = "/boot/vmlinuz"
initrd = "/boot/initrd-kdump.img"
timeout = "5min"
"""


def test_a_panic_saves_a_dump_that_the_next_boot_lists(images, boot):
    capture = images.initramfs("initrd-kdump.img", "--kdump")
    config = os.path.join(images.workdir, "kdump.toml")
    with open(config, "w") as f:
        f.write(KDUMP_TOML)
    # Room for the dump (a sparse image: only what is written takes space).
    disk = images.make_rootdisk("root-kdump.img", extra=[
        capture + ":/boot/initrd-kdump.img", config + ":/etc/fastinit/kdump.toml"],
        size_mib=1536)
    vm = boot(disk=images.disk_copy(disk), append="crashkernel=256M", memory=1024)
    wait_booted(vm, 180)
    wait_shell(vm)
    status, out = vm.run("fastinit kdump status")
    assert status == 3 and "256 MiB reserved for a crash kernel" in out, out
    assert "no crash kernel is loaded" in out, out
    status, out = vm.run("fastinit kdump load", 120)
    assert status == 0, out
    assert "crash kernel armed" in out, out
    cmdline = re.search(r"cmdline: *(.*)", out)
    assert cmdline and "fastinit.kdump" in cmdline.group(1), out
    assert "crashkernel=" not in cmdline.group(1), out
    status, out = vm.run("fastinit kdump status")
    assert status == 0 and "a crash kernel is loaded" in out, out

    mark = len(vm.console)
    vm.type("echo c > /proc/sysrq-trigger")
    vm.expect(r"sysrq: Trigger a crash", 60, mark)
    vm.expect(r"crash kernel: capturing the dump", 240, mark)
    saved = vm.expect(r"crash dump saved in /root/var/crash/(\S+) \((makedumpfile[^,]*), "
                      r"(\d+) bytes\)", 600, mark)
    assert int(saved.group(3)) > 0, saved.group(0)
    # The capture ends in a firmware reboot, then an ordinary boot.
    vm.expect(r"SeaBIOS", 120, saved.end())
    wait_booted(vm, 240, saved.end())
    wait_shell(vm)
    status, out = vm.run("fastinit kdump list")
    assert status == 0, out
    assert "/var/crash/" + saved.group(1) in out, out
    assert "vmcore:  vmcore" in out and "dmesg:   dmesg.txt" in out, out
    status, out = vm.run("grep -c 'sysrq: Trigger a crash' /var/crash/%s/dmesg.txt" % saved.group(1))
    assert status == 0 and int(out.strip()) >= 1, out
    # The first boot after the capture says so (kdump load noted it).
    status, out = vm.run("fastinit kdump load >/dev/null 2>&1; fastinit analyze time", 120)
    assert "previous boot: a crash capture" in out, out


def test_without_crashkernel_status_says_what_to_add_and_the_boot_is_unaffected(boot):
    vm = boot()
    booted = wait_booted(vm, 180)
    assert int(booted.group(2)) == 0, booted.group(0)
    wait_shell(vm)
    status, out = vm.run("fastinit kdump status")
    assert status == 3, out
    assert "add crashkernel=256M" in out, out
    status, out = vm.run("fastinit kdump load")
    assert status == 1 and "crashkernel=256M" in out, out
