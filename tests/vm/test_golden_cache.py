"""A golden device cache for a fleet of identical machines (docs/fleet.md):
the image build runs `fastinit devices probe --no-load` on one machine (A),
`mkinitramfs --host-only --cache` packs it; an identical machine boots with
a cache hit at once, a machine that differs probes, boots, keeps a cache of
its own, and its next (kexec) boot hits that one."""

import os
import shutil
import subprocess

from conftest import REPO, wait_booted, wait_shell

DEVICES = r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded"

# The fleet's hardware: virtio disk and NIC. The machine that differs has
# another disk controller (virtio SCSI) and NIC model (an Intel e1000).
FLEET_NIC = ("-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0")
OTHER_NIC = ("-netdev", "user,id=n0,restrict=on", "-device", "e1000,netdev=n0")

# The image's module tree: a distribution's would hold every module; this
# part of the Debian kernel's keeps the root disk small and still has
# drivers for both machines' hardware.
TREE_MODULES = ["virtio_pci", "virtio_blk", "virtio_scsi", "sd_mod", "virtio_net", "e1000",
                "ata_piix", "ahci", "ext4", "crc32c_generic", "pcspkr", "button"]


def module_tree(images, base):
    """/lib/modules/VER under `base`: TREE_MODULES with their dependencies,
    indexed by depmod; returns the tree's directory."""
    deps, paths = {}, {}
    with open(os.path.join(images.moddir, "modules.dep")) as f:
        for line in f:
            path, rest = line.split(":", 1)
            name = os.path.basename(path).split(".ko")[0].replace("-", "_")
            paths[name] = path
            deps[name] = [os.path.basename(p).split(".ko")[0].replace("-", "_")
                          for p in rest.split()]
    todo, wanted = [m for m in TREE_MODULES if m in paths], set()
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += deps.get(name, [])
    tree = os.path.join(base, "lib", "modules", images.kver)
    for name in ("modules.builtin", "modules.builtin.modinfo", "modules.order",
                 "modules.softdep"):
        os.makedirs(tree, exist_ok=True)
        if os.path.exists(os.path.join(images.moddir, name)):
            shutil.copy(os.path.join(images.moddir, name), tree)
    for name in wanted:
        os.makedirs(os.path.join(tree, os.path.dirname(paths[name])), exist_ok=True)
        shutil.copy(os.path.join(images.moddir, paths[name]), os.path.join(tree, paths[name]))
    subprocess.run(["depmod", "-b", base, images.kver], check=True, capture_output=True)
    return tree


def tree_extras(base):
    extras = []
    for directory, _, files in os.walk(base):
        for name in files:
            src = os.path.join(directory, name)
            extras.append("%s:/%s" % (src, os.path.relpath(src, base)))
    return extras


def dump(disk, path, out):
    subprocess.run(["debugfs", "-R", "dump %s %s" % (path, out), disk], check=True,
                   capture_output=True)
    assert os.path.getsize(out) > 0, path


def wait_for_stage2(vm):
    """Stage 2 probes the root's own tree in the background on a first boot
    and keeps its cache: its lines on the console would otherwise land in
    the middle of a shell command's output."""
    vm.expect(r"devices: (from the cache of|probed with) /lib/modules/\S+", 120)
    vm.expect(r"device cache \S+ kept in /var/lib/fastinit/devices-root\.db", 60)


def test_a_golden_cache_hits_on_identical_machines_and_others_keep_their_own(
        boot, images, tmp_path):
    base = str(tmp_path / "tree")
    tree = module_tree(images, base)
    extras = tree_extras(base)
    build_root = images.make_rootdisk("golden-build.img", extra=extras)

    # The image build, on machine A's hardware: probe without loading.
    disk_a = images.disk_copy(build_root)
    a = boot(disk=disk_a, extra=FLEET_NIC)
    wait_booted(a)
    wait_shell(a)
    status, out = a.run("fastinit devices probe --no-load --cache /var/lib/fastinit/golden.db",
                        90)
    assert status == 0, out
    assert "virtio_net" in out and "virtio_blk" in out, out
    a.type("fastinit poweroff")
    assert a.wait_exit(90) == 0
    golden = str(tmp_path / "golden.db")
    dump(disk_a, "/var/lib/fastinit/golden.db", golden)

    image = str(tmp_path / "golden.img")
    made = subprocess.run(
        [os.path.join(REPO, "initramfs", "mkinitramfs"), "-o", image, "--kver", images.kver,
         "--moddir", tree, "--host-only", "--cache", golden, "--busybox",
         "--fastinit", images.fastinit], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert "now names the image's module index" in made.stderr, made.stderr
    # The fleet's disk: the same root with the golden image to boot (and to
    # kexec: /boot/initrd.img); no device cache of its own.
    fleet_root = images.make_rootdisk("golden-fleet.img",
                                      extra=extras + [image + ":/boot/initrd.img"])

    # An identical machine: the golden cache, from its first boot on.
    same = boot(disk=images.disk_copy(fleet_root), initrd=image, extra=FLEET_NIC)
    m = same.expect(DEVICES, 120)
    assert m.group(1) == "cache-hit", m.group(0)
    wait_for_stage2(same)
    booted = wait_booted(same)
    assert int(booted.group(2)) == 0
    wait_shell(same)
    status, out = same.run("grep -c '^virtio_net ' /proc/modules")
    assert out.strip() == "1", out
    same.close()

    # A machine that differs: the fingerprint says so, it probes (the image
    # carries the generic storage set and the tree's other drivers), boots,
    # and keeps the cache it wrote.
    other = boot(disk=images.disk_copy(fleet_root), initrd=image, disk_bus="scsi",
                 extra=OTHER_NIC)
    m = other.expect(DEVICES, 120)
    assert m.group(1) == "probe", m.group(0)
    assert "the machine changed" in m.group(2), m.group(0)
    other.expect(r"root /dev/sda mounted", 60)
    wait_for_stage2(other)
    booted = wait_booted(other)
    assert int(booted.group(2)) == 0
    wait_shell(other)
    status, out = other.run("grep -c '^e1000 ' /proc/modules; fastinit devices status")
    assert out.splitlines()[0].strip() == "1", out
    assert status == 0 and "valid: the next boot is using the device cache" in out, out
    # Its next boot (kexec: the image, then its own cache appended) hits.
    mark = len(other.console)
    other.type("fastinit reboot")
    second = other.expect(DEVICES, 150, mark)
    assert second.group(1) == "cache-hit", second.group(0)
    booted = wait_booted(other, 120, mark)
    assert int(booted.group(2)) == 0
