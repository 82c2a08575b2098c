"""Roots on storage layers that stage 1 assembles (boot/root_layers.h): on
LVM (a volume group on a virtio disk), booted with a probe and then, after
`fastinit reboot` (kexec), from the device cache's root record; and on a
RAID1 of two virtio disks with one of them missing, booted degraded.

The stacked disks are made in a helper VM (the same kernel, a generic
initramfs carrying mdadm and lvm, a setup script as rdinit): this host's
own md and LVM never see them, and no loop device or volume group is left
on the host if a test fails half way."""

import io
import os
import re
import shutil
import sys
import uuid

import pytest

from conftest import REPO, wait_booted, wait_shell
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
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mkdir -p /run/lvm /run/lock/lvm /run/mdadm
for m in virtio_pci virtio_blk md_mod raid1 dm_mod; do modprobe $m; done
i=0
while [ ! -b /dev/%(last)s ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
"""

SETUP_TAIL = """
sync
echo "SETUP""-DONE"
poweroff -f
"""


def require_tools():
    for program, package in [("mdadm", "mdadm"), ("lvm", "lvm2")]:
        if not shutil.which(program, path="/usr/sbin:/sbin:/usr/bin:/bin"):
            pytest.fail("%s is not installed (apt-get install %s; scripts/install-deps)"
                        % (program, package))


def sparse_disk(images, name, mib):
    path = os.path.join(images.workdir, name)
    with open(path, "wb") as f:
        f.truncate(mib * 1024 * 1024)
    return path


def run_setup(images, name, body, disks, last):
    """Boots the helper VM: /dev/vda is a copy of the demo root disk (the
    filesystem to put on the stack), `disks` follow as vdb, vdc...; `body`
    is the shell run between the common head and tail."""
    base = images.initramfs(name + "-base.img", "--compress", "none", "--storage-tools", "yes")
    tree = Tree()
    tree.add_data("setup", (SETUP_HEAD % {"last": last} + body + SETUP_TAIL).encode(), 0o755)
    raw = io.BytesIO()
    tree.write(raw)
    initrd = os.path.join(images.workdir, name + "-setup.img")
    with open(base, "rb") as f, open(initrd, "wb") as out:
        out.write(f.read())
        out.write(raw.getvalue())
    extra = []
    for disk in disks:
        extra += ["-drive", "file=%s,if=virtio,format=raw" % disk]
    source = images.disk_copy()
    vm = Vm(images.kernel, initrd, source, "rdinit=/setup panic=-1", reboot=False, extra=extra)
    try:
        vm.expect(r"SETUP-DONE", 240)
        vm.wait_exit(60)
    finally:
        vm.close()
        os.remove(source)


def reboot_assembling_from_the_record(vm, kind, before_mount=None):
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
    if before_mount:
        vm.expect(before_mount, 60, mark)
    vm.expect(MOUNTED, 60, mark)
    assert "was not there after" not in vm.console[mark:]
    return mark


def test_root_on_lvm_boots_with_a_probe_then_from_the_cache_after_kexec(boot, images):
    require_tools()
    vg = "fistack" + uuid.uuid4().hex[:8]
    pv = sparse_disk(images, vg + ".img", 160)
    run_setup(images, vg, """
lvm pvcreate --config "%(c)s" -ff -y /dev/vdb
lvm vgcreate --config "%(c)s" %(vg)s /dev/vdb
lvm lvcreate --config "%(c)s" -y -n root -l 100%%FREE %(vg)s
dd if=/dev/vda of=/dev/dm-0 bs=1M
lvm vgchange --config "%(c)s" -an %(vg)s
""" % {"c": LVM_CONFIG, "vg": vg}, [pv], "vdb")

    vm = boot(disk=pv)
    first = vm.expect(DEVICES, 90)
    assert first.group(1) == "probe", first.group(0)
    # No record yet and root=LABEL=: the root is looked for a while first.
    assembling = vm.expect(ASSEMBLING, 60)
    assert assembling.group(1) == "md, lvm", assembling.group(0)
    assert "root=LABEL=fastinit-root was not there after 2s" in assembling.group(2)
    mounted = vm.expect(MOUNTED, 60)
    # The record names the volume, the disk's driver chain and ext4.
    vm.expect(r"recorded what root=LABEL=fastinit-root needs: virtio_pci, virtio_blk and ext4; "
              r"on lvm dm-\d+", 60)
    wait_booted(vm)
    wait_shell(vm)
    status, out = vm.run("cat /proc/mounts")
    assert re.search(r"^%s / ext4" % re.escape(mounted.group(1)), out, re.M), out
    status, out = vm.run("cat /sys/block/dm-0/dm/uuid")
    assert out.strip().startswith("LVM-"), out

    # The record's layer at once, with its own modules only: no grace.
    mark = reboot_assembling_from_the_record(vm, "lvm")
    wait_booted(vm, 120, mark)
    wait_shell(vm)
    status, out = vm.run("fastinit analyze time")
    assert "initrd devices: cache-hit" in out, out
    # md was not needed: only the record's kinds ran.
    status, out = vm.run("grep -c -E '^(md_mod|raid1) ' /proc/modules")
    assert out.strip() == "0", out


def test_root_on_raid1_with_a_disk_missing_boots_degraded_and_says_so(boot, images):
    require_tools()
    name = "fistack" + uuid.uuid4().hex[:8]
    members = [sparse_disk(images, "%s-%d.img" % (name, i), 112) for i in (0, 1)]
    run_setup(images, name, """
mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 \\
      --homehost=any --name=%(name)s --assume-clean /dev/vdb /dev/vdc
dd if=/dev/vda of=/dev/md0 bs=1M
mdadm --stop /dev/md0
""" % {"name": name}, members, "vdc")
    # The second disk is gone.
    os.remove(members[1])

    vm = boot(disk=members[0])
    assembling = vm.expect(ASSEMBLING, 120)
    assert "md" in assembling.group(1), assembling.group(0)
    degraded = vm.expect(r"(md\d+): degraded, 1 of 2 devices", 60)
    mounted = vm.expect(MOUNTED, 60)
    assert mounted.group(1) == "/dev/" + degraded.group(1), mounted.group(0)
    vm.expect(r"recorded what root=LABEL=fastinit-root needs: .*; on md %s\n"
              % degraded.group(1), 60)
    wait_booted(vm)
    wait_shell(vm)
    status, out = vm.run("cat /proc/mdstat")
    assert re.search(r"\[2/1\] \[U_\]", out), out
    # Stage 1 loaded md's core only; the kernel asked for raid1 itself, and
    # the image's /sbin/modprobe answered (boot/kernel_modprobe.h).
    status, out = vm.run("dmesg | grep -F 'fastinit[modprobe]'")
    assert "loaded md-level-1 for the kernel" in out, out

    # The next boot assembles from the record at once, loading only the
    # array's own modules (md_mod, raid1: not raid456 nor device-mapper).
    mark = reboot_assembling_from_the_record(vm, "md", r"md\d+: degraded, 1 of 2 devices")
    wait_booted(vm, 120, mark)
    wait_shell(vm)
    status, out = vm.run("cut -d' ' -f1 /proc/modules")
    loaded = set(out.split())
    assert {"md_mod", "raid1"} <= loaded, out
    assert not loaded & {"raid456", "raid10", "dm_mod"}, out
