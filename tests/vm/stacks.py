"""Helpers for the VM tests of roots on storage layers (test_root_stack.py,
test_luks.py): the stacked disks are made in a helper VM
(initramfs/setup_vm.py, shared with bench/initramfs), so this host's own
md, dm-crypt and LVM never see them and nothing is left on the host if a
test fails half way; and the kexec reboot into a cache hit that assembles
from the root record."""

import os
import shutil
import sys

import pytest

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "initramfs"))
from setup_vm import LVM_CONFIG, run_setup, sparse_disk  # noqa: E402,F401

DEVICES = r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded"
ASSEMBLING = r"assembling the root's storage layers \(([\w, ]+)\): (.*)"
MOUNTED = r"root (/dev/\S+) mounted read-write after ([\d.]+) ms in the initramfs"


def require_tools(tools=(("mdadm", "mdadm"), ("lvm", "lvm2"))):
    """Fails (not skips) when a (program, Debian package) is missing."""
    for program, package in tools:
        if not shutil.which(program, path="/usr/sbin:/sbin:/usr/bin:/bin"):
            pytest.fail("%s is not installed (apt-get install %s; scripts/install-deps)"
                        % (program, package))


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
