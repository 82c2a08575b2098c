"""Stacked root disks (md RAID, LVM, LUKS) are made inside a helper VM,
never on this host: the same kernel boots a generic fastinit initramfs
carrying the storage tools, with a setup script as rdinit, and the disks to
build as virtio drives. This host's own md, device-mapper and LVM never see
them, and no loop device, mapping or volume group is left behind on the
host when a build fails half way. Shared by the VM tests (tests/vm/stacks.py)
and the benchmarks (bench/initramfs --root lvm-on-luks): standard library
only."""

import io
import os

from cpio import Tree
from vm import Vm

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


def sparse_disk(images, name, mib):
    path = os.path.join(images.workdir, name)
    with open(path, "wb") as f:
        f.truncate(mib * 1024 * 1024)
    return path


def run_setup(images, name, body, disks, last, modules="md_mod raid1 dm_mod", files=(),
              rootdisk=None, timeout=240, image_args=(), qemu_args=()):
    """Boots the helper VM: /dev/vda is a copy of `rootdisk` (default the
    demo root disk: the file system to put on the stack), `disks` follow as
    vdb, vdc...; `body` is the shell run between the common head and tail,
    after `modules` are loaded (each put into the image with what it needs);
    `files` are (path, bytes) or (path, bytes, mode) added to its initramfs
    (a LUKS key; 0600 by default). The image carries every installed
    storage tool (mdadm, cryptsetup, lvm), and what `image_args` (more
    mkinitramfs options) add; `qemu_args` go to QEMU (a TPM). Returns the
    console."""
    extra = []
    for m in modules.split():
        extra += ["--module", m]
    base = images.initramfs(name + "-base.img", "--compress", "none", "--storage-tools", "yes",
                            *extra, *image_args)
    tree = Tree()
    tree.add_data("setup", (SETUP_HEAD % {"last": last, "modules": modules} + body +
                            SETUP_TAIL).encode(), 0o755)
    for path, data, *mode in files:
        tree.add_data(path.lstrip("/"), data, mode[0] if mode else 0o600)
    raw = io.BytesIO()
    tree.write(raw)
    initrd = os.path.join(images.workdir, name + "-setup.img")
    with open(base, "rb") as f, open(initrd, "wb") as out:
        out.write(f.read())
        out.write(raw.getvalue())
    drives = []
    for disk in disks:
        drives += ["-drive", "file=%s,if=virtio,format=raw" % disk]
    copy = images.disk_copy(rootdisk)
    vm = Vm(images.kernel, initrd, copy, "rdinit=/setup panic=-1", reboot=False,
            extra=drives + list(qemu_args))
    try:
        vm.expect(r"SETUP-DONE", timeout)
        vm.wait_exit(60)
        return vm.console
    finally:
        vm.close()
        os.remove(copy)
        for path in (base, initrd):
            os.remove(path)
