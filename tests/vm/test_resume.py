"""Resuming from hibernation in stage 1 (boot/resume.h): a VM with a swap
disk boots with resume= naming it (no image yet: it boots as usual), keeps
a marker only in RAM (a file in a tmpfs), hibernates (QEMU exits once the
image is written), and boots again with the same command line: stage 1
hands the swap to the kernel before it touches the root, the kernel
resumes, and the marker is there. Two boots; 512 MiB of RAM as the other
tests, a 256 MiB swap for the image."""

import os
import subprocess
import uuid

from conftest import wait_booted, wait_shell

SWAP_LABEL = "fastinit-swap"


def test_hibernate_then_resume_brings_back_what_was_only_in_ram(boot, images):
    disk = images.disk_copy()
    swap = os.path.join(images.workdir, "swap-%s.img" % uuid.uuid4().hex[:8])
    subprocess.run(["truncate", "-s", "256M", swap], check=True)
    subprocess.run(["mkswap", "-L", SWAP_LABEL, swap], check=True, capture_output=True)
    drive = ["-drive", "file=%s,if=virtio,format=raw" % swap]
    append = "resume=LABEL=%s" % SWAP_LABEL
    marker = uuid.uuid4().hex

    vm = boot(disk=disk, append=append, extra=drive)
    vm.expect(r"looking for a hibernation image on LABEL=%s \((\d+:\d+)\)" % SWAP_LABEL, 90)
    vm.expect(r"no hibernation image on LABEL=%s; booting" % SWAP_LABEL, 30)
    wait_booted(vm)
    wait_shell(vm)
    status, out = vm.run("swapon /dev/vdb && mkdir -p /ram && mount -t tmpfs ram /ram && "
                         "echo %s > /ram/marker" % marker)
    assert status == 0, out
    vm.type("sync; echo disk > /sys/power/state")
    assert vm.wait_exit(300) == 0
    vm.close()

    again = boot(disk=disk, append=append, extra=drive)
    again.expect(r"looking for a hibernation image on LABEL=%s" % SWAP_LABEL, 90)
    wait_shell(again, 180)
    status, out = again.run("cat /ram/marker")
    assert status == 0 and marker in out, out
    assert "no hibernation image" not in again.console
    assert "root /dev/vda mounted" not in again.console, "the root was touched before resuming"
    again.type("fastinit poweroff")
    assert again.wait_exit(60) == 0
