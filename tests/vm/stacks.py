"""Helpers for the VM tests of roots on storage layers (test_root_stack.py,
test_luks.py): the stacked disks are made in a helper VM (the same kernel,
a generic initramfs carrying mdadm, cryptsetup and lvm, a setup script as
rdinit), so this host's own md, dm-crypt and LVM never see them and
nothing is left on the host if a test fails half way; and the kexec
reboot into a cache hit that assembles from the root record."""

import io
import os
import shutil
import sys

import pytest

from conftest import REPO
from vm import Vm

sys.path.insert(0, os.path.join(REPO, "initramfs"))
from cpio import Tree  # noqa: E402

DEVICES = r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded"
ASSEMBLING = r"assembling the root's storage layers \(([\w, ]+)\): (.*)"
MOUNTED = r"root (/dev/\S+) mounted read-write after ([\d.]+) ms in the initramfs"

# LVM with no udev, as stage 1 runs it (boot/real_stage1_system.cpp).
LVM_CONFIG = ("devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 } "
              "activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }")

SETUP_HEAD = """#!/bin/sh
set -e
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# cryptsetup and lvm without udev: they make their /dev nodes themselves.
export DM_DISABLE_UDEV=1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mkdir -p /run/lvm /run/lock/lvm /run/mdadm /run/cryptsetup
for m in virtio_pci virtio_blk %(modules)s; do modprobe $m; done
i=0
while [ ! -b /dev/%(last)s ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
"""

SETUP_TAIL = """
sync
echo "SETUP""-DONE"
poweroff -f
"""


def require_tools(tools=(("mdadm", "mdadm"), ("lvm", "lvm2"))):
    """Fails (not skips) when a (program, Debian package) is missing."""
    for program, package in tools:
        if not shutil.which(program, path="/usr/sbin:/sbin:/usr/bin:/bin"):
            pytest.fail("%s is not installed (apt-get install %s; scripts/install-deps)"
                        % (program, package))


def sparse_disk(images, name, mib):
    path = os.path.join(images.workdir, name)
    with open(path, "wb") as f:
        f.truncate(mib * 1024 * 1024)
    return path


def run_setup(images, name, body, disks, last, modules="md_mod raid1 dm_mod", files=(),
              rootdisk=None):
    """Boots the helper VM: /dev/vda is a copy of `rootdisk` (default the
    demo root disk: the filesystem to put on the stack), `disks` follow as
    vdb, vdc...; `body` is the shell run between the common head and tail,
    after `modules` are loaded; `files` are (path, bytes) added to its
    initramfs (a LUKS key)."""
    base = images.initramfs(name + "-base.img", "--compress", "none", "--storage-tools", "yes")
    tree = Tree()
    tree.add_data("setup", (SETUP_HEAD % {"last": last, "modules": modules} + body +
                            SETUP_TAIL).encode(), 0o755)
    for path, data in files:
        tree.add_data(path, data, 0o600)
    raw = io.BytesIO()
    tree.write(raw)
    initrd = os.path.join(images.workdir, name + "-setup.img")
    with open(base, "rb") as f, open(initrd, "wb") as out:
        out.write(f.read())
        out.write(raw.getvalue())
    extra = []
    for disk in disks:
        extra += ["-drive", "file=%s,if=virtio,format=raw" % disk]
    source = images.disk_copy(rootdisk)
    vm = Vm(images.kernel, initrd, source, "rdinit=/setup panic=-1", reboot=False, extra=extra)
    try:
        vm.expect(r"SETUP-DONE", 240)
        vm.wait_exit(60)
    finally:
        vm.close()
        os.remove(source)


def reboot_assembling_from_the_record(vm, kind, before_mount=None, on_the_way=None):
    """`fastinit reboot` (kexec) into a cache hit whose root record has the
    layer `kind` assembled at once, without the grace; returns the console
    mark the reboot started at. `before_mount`: a line expected between the
    assembly and the root's mount."""
    mark = len(vm.console)
    vm.type("fastinit reboot")
    vm.expect(r"shutting down \(then kexec\)", 30, mark)
    second = vm.expect(DEVICES, 120, mark)
    assert second.group(1) == "cache-hit", second.group(0)
    again = vm.expect(ASSEMBLING, 60, mark)
    assert (again.group(1), again.group(2)) == (kind, "the device cache's root record"), \
        again.group(0)
    if on_the_way:
        on_the_way(vm, mark)
    if before_mount:
        vm.expect(before_mount, 60, mark)
    vm.expect(MOUNTED, 60, mark)
    assert "was not there after" not in vm.console[mark:]
    return mark
