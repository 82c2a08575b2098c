"""Devices the initramfs has no module for: the real root's fastinit loads
them from the root's own module tree, beside the units (stage 2)."""

import os
import re
import shutil
import subprocess

from conftest import wait_booted, wait_shell


def root_module_tree(images, tmp_path, modules):
    """A module tree for the root disk holding only `modules` (paths under
    kernel/), indexed with depmod as a distribution's would be; returns
    mkrootdisk --extra arguments."""
    base = tmp_path / "rootmods"
    tree = base / "lib" / "modules" / images.kver
    for name in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
        tree.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(images.moddir, name), tree / name)
    for path in modules:
        (tree / os.path.dirname(path)).mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(images.moddir, path), tree / path)
    subprocess.run(["depmod", "-b", str(base), images.kver], check=True, capture_output=True)
    extras = []
    for directory, _, files in os.walk(base):
        for name in files:
            src = os.path.join(directory, name)
            extras.append("%s:/%s" % (src, os.path.relpath(src, base)))
    return extras


def test_the_real_root_loads_what_the_initramfs_has_no_module_for(boot, images, tmp_path):
    pcspkr = "kernel/drivers/input/misc/pcspkr.ko"
    # dummy: no device asks for it; modules-load.d lists it.
    extras = root_module_tree(images, tmp_path, [pcspkr, "kernel/drivers/net/dummy.ko"])
    listing = tmp_path / "dummy.conf"
    listing.write_text("# a module no device asks for\ndummy\n")
    extras.append("%s:/etc/modules-load.d/dummy.conf" % listing)
    disk = images.make_rootdisk("with-modules.img", extra=extras)
    vm = boot(disk=images.disk_copy(disk))
    m = vm.expect(r"devices: probed with /lib/modules/\S+ in [\d.]+ ms: (.*)", 120)
    assert re.search(r"loaded (\S+, )*pcspkr", m.group(1)), m.group(0)
    assert "dummy" in m.group(1), "modules-load.d's module in stage 2's batch: " + m.group(0)
    booted = wait_booted(vm)
    assert int(booted.group(2)) == 0
    wait_shell(vm)
    status, out = vm.run("grep -c '^pcspkr ' /proc/modules")
    assert out.strip() == "1", out
    # Stage 2's report is part of `analyze time`.
    status, out = vm.run("fastinit analyze time")
    assert status == 0, out
    assert re.search(r"^stage 2 devices: @[\d.]+ms \+[\d.]+ms\s*$", out, re.M), out
    assert re.search(r"^  probed with /lib/modules/\S+: loaded .*pcspkr", out, re.M), out

    # The root tree's cache (boot/stage2.h): kept on the root, and the next
    # boot loads pcspkr from it without a probe.
    status, out = vm.run("fastinit devices status")
    assert re.search(r"^root tree /lib/modules/\S+: valid: ", out, re.M), out
    mark = len(vm.console)
    vm.type("fastinit reboot")
    vm.expect(r"shutting down \(then kexec\)", 60, mark)
    m = vm.expect(r"devices: (from the cache of|probed with) /lib/modules/\S+ in [\d.]+ ms: (.*)",
                  180, mark)
    assert m.group(1) == "from the cache of", vm.console[mark:]
    assert re.search(r"loaded (\S+, )*pcspkr", m.group(2)), m.group(0)
    assert "dummy" in m.group(2), m.group(0)
    wait_booted(vm, 180, mark)
    wait_shell(vm)
    status, out = vm.run("fastinit analyze time")
    assert re.search(r"^  from the cache of /lib/modules/\S+: loaded .*pcspkr", out, re.M), out
