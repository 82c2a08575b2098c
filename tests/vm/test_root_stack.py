"""Roots on storage layers that stage 1 assembles (boot/root_layers.h): on
LVM (a volume group on a virtio disk), booted with a probe and then, after
`fastinit reboot` (kexec), from the device cache's root record; and on a
RAID1 of two virtio disks with one of them missing, booted degraded.

The stacked disks are made in a helper VM (stacks.py): this host's own md
and LVM never see them."""

import os
import re
import uuid

from conftest import wait_booted, wait_shell
from stacks import (DEVICES, ASSEMBLING, MOUNTED, LVM_CONFIG, reboot_assembling_from_the_record,
                    require_tools, run_setup, sparse_disk)


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
    assert assembling.group(1) == "md, luks, lvm", assembling.group(0)
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

    # The next boot assembles from the record at once, loading only the
    # array's own modules (md_mod, raid1: not raid456 nor device-mapper).
    mark = reboot_assembling_from_the_record(vm, "md", r"md\d+: degraded, 1 of 2 devices")
    wait_booted(vm, 120, mark)
    wait_shell(vm)
    status, out = vm.run("cut -d' ' -f1 /proc/modules")
    loaded = set(out.split())
    assert {"md_mod", "raid1"} <= loaded, out
    assert not loaded & {"raid456", "raid10", "dm_mod"}, out
