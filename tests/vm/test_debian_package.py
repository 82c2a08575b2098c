"""fastinit's Debian package (scripts/build-deb, built once per session from
the working tree) installed the Debian way into a copy-on-write view of the
cached Debian 12 root (scripts/fetch-rootfs; the cache itself is never
written): apt-get installs it, replacing initramfs-tools (both provide
linux-initramfs-tool and conflict with it), and the kernel hooks build and
remove /boot/initrd.img-VER as the cached kernel package is removed and
installed again with dpkg. The root then boots in QEMU from the image the
hook made, with fastinit as PID 1 (init=, the admin's choice); finally
`apt-get remove` leaves only the admin's configuration files and `purge`
removes those too. docs/debian.md describes what is checked here."""

import filecmp
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import REPO, wait_booted
from cpio import archive_end
from debian_root import DEBIAN_APPEND, ROOT_UUID, free_port, login_root, ssh_banner

# What the package installs outside /etc; none of it may survive a remove.
PROGRAM_FILES = ["usr/sbin/fastinit", "usr/sbin/fastinit-manager", "usr/sbin/fastinit-stage1",
                 "usr/sbin/fastinit-mkinitramfs", "usr/lib/fastinit",
                 "lib/systemd/system/fastinit-kexec-load.service",
                 "usr/share/man/man8/fastinit.8.gz", "usr/share/doc/fastinit"]
# Its conffiles: kept by remove, removed by purge.
CONFFILES = ["etc/kernel/postinst.d/fastinit", "etc/kernel/postrm.d/fastinit",
             "etc/default/grub.d/fastinit.cfg"]


class Chroot:
    """Runs commands inside `root` as an admin would on that system: /proc,
    /sys and /dev mounted in a mount namespace of the command's own, so
    that nothing stays mounted over the root afterwards."""

    def __init__(self, root):
        self.root = root

    def run(self, command, check=True):
        script = ('mount -t proc proc "$0/proc" && mount -t sysfs sys "$0/sys" && '
                  'mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"')
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
               "DEBIAN_FRONTEND": "noninteractive"}
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            script, self.root] + command, env=env, capture_output=True,
                           text=True, timeout=600)
        if check:
            assert r.returncode == 0, "%s: %s\n%s" % (command, r.stdout[-3000:],
                                                      r.stderr[-3000:])
        return r

    def path(self, rel):
        return os.path.join(self.root, rel)

    def installed(self, package):
        r = self.run(["dpkg-query", "-W", "-f", "${Status}", package], check=False)
        return r.returncode == 0 and r.stdout.endswith(" installed")


def cpio_names(image):
    """The member names of a zstd-compressed initramfs (the default), read
    by zstd(1) and cpio(1) rather than by the package's own reader; an
    early microcode cpio before it (the root has none today) is skipped."""
    with open(image, "rb") as f:
        data = f.read()
    if data.startswith(b"070701"):
        data = data[archive_end(data):]
    data = subprocess.run(["zstd", "-d", "-c"], input=data, capture_output=True,
                          check=True).stdout
    r = subprocess.run(["cpio", "-t", "--quiet"], input=data, capture_output=True, check=True)
    return set(r.stdout.decode().split())


def assert_fastinit_image(image, kver):
    names = cpio_names(image)
    assert "usr/sbin/fastinit-stage1" in names and "etc/initrd-release" in names, sorted(names)
    assert "lib/modules/%s/modules.dep" % kver in names, sorted(names)


@pytest.fixture(scope="module")
def packaged(images, debian_package, tmp_path_factory):
    """The cached root (as an overlay) with the package installed by apt-get,
    then the kernel removed and installed again (the hooks' work checked by
    the test below). Yields (Chroot, facts from the way there)."""
    rootfs = os.environ.get("FASTINIT_ROOTFS")
    if not rootfs:
        pytest.exit("FASTINIT_ROOTFS is not set (scripts/test sets it)", returncode=4)
    base = str(tmp_path_factory.mktemp("deb-root"))
    upper, work, merged = (os.path.join(base, d) for d in ("upper", "work", "root"))
    for d in (upper, work, merged):
        os.mkdir(d)
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    "lowerdir=%s,upperdir=%s,workdir=%s" % (rootfs, upper, work), merged],
                   check=True)
    try:
        yield prepare(Chroot(merged), rootfs, images.kver, debian_package,
                      images.moddir)
    finally:
        if subprocess.run(["umount", merged]).returncode != 0:
            subprocess.run(["umount", "-l", merged])
        shutil.rmtree(base, ignore_errors=True)


def prepare(root, rootfs, kver, deb, modules_dir):
    facts = {}
    image = root.path("boot/initrd.img-" + kver)
    # No maintainer script may start a daemon on the test host.
    with open(root.path("usr/sbin/policy-rc.d"), "w") as f:
        f.write("#!/bin/sh\nexit 101\n")
    os.chmod(root.path("usr/sbin/policy-rc.d"), 0o755)
    shutil.copy(deb, root.path("tmp"))
    # Offline: what the package recommends and the root lacks is not fetched.
    r = root.run(["apt-get", "install", "-y", "--no-install-recommends",
                  "/tmp/" + os.path.basename(deb)])
    facts["install"] = r.stdout + r.stderr
    facts["initramfs-tools after install"] = root.installed("initramfs-tools")
    facts["image after install is fastinit's"] = cpio_names(image)
    facts["ldd"] = root.run(["ldd", "/usr/sbin/fastinit", "/usr/sbin/fastinit-manager",
                             "/usr/sbin/fastinit-stage1"]).stdout

    # The kernel goes: its postrm.d hook removes fastinit's image.
    package = "linux-image-" + kver
    root.run(["apt-get", "remove", "-y", package])
    facts["image after kernel removal"] = os.path.exists(image)
    facts["kernel-changed after removal"] = os.path.exists(root.path("run/fastinit/kernel-changed"))
    # ...and comes back (the kernel package scripts/fetch-kernel cached,
    # installed with dpkg): its postinst.d hook makes fastinit's image.
    kernel_cache = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        modules_dir))))
    kernel_deb = [f for f in os.listdir(kernel_cache) if f.startswith("linux-image-")
                  and f.endswith(".deb")][0]
    shutil.copy(os.path.join(kernel_cache, kernel_deb), root.path("tmp"))
    r = root.run(["dpkg", "-i", "/tmp/" + kernel_deb])
    facts["kernel install"] = r.stdout + r.stderr
    os.unlink(root.path("tmp/" + kernel_deb))
    return root, facts


def test_apt_installs_the_package_and_its_kernel_hooks_build_and_remove_the_image(
        images, packaged):
    root, facts = packaged
    kver = images.kver
    image = root.path("boot/initrd.img-" + kver)

    # apt replaced initramfs-tools (the documented coexistence: one
    # initramfs tool at a time) and fastinit took over the kernel's image.
    assert "initramfs-tools" in facts["install"], facts["install"]
    assert not facts["initramfs-tools after install"], facts["install"]
    assert "usr/sbin/fastinit-stage1" in facts["image after install is fastinit's"]
    # shlibs named every library: nothing is missing on this root.
    assert "not found" not in facts["ldd"], facts["ldd"]
    assert "libtbb" in facts["ldd"] and "libsqlite3" in facts["ldd"], facts["ldd"]

    # Removing the kernel removed its image; installing it made fastinit's.
    assert not facts["image after kernel removal"]
    assert facts["kernel-changed after removal"]
    assert "/boot/initrd.img-%s" % kver in facts["kernel install"], facts["kernel install"]
    assert_fastinit_image(image, kver)
    root.run(["fastinit-mkinitramfs", "--is-fastinit", "/boot/initrd.img-" + kver])

    # PID 1 stays the admin's choice: /sbin/init is systemd's, the GRUB
    # snippet is there but changes nothing until its line is uncommented.
    assert os.path.realpath(root.path("sbin/init")).endswith("/lib/systemd/systemd")
    with open(root.path("etc/default/grub.d/fastinit.cfg")) as f:
        lines = [line for line in f if line.strip() and not line.lstrip().startswith("#")]
    assert lines == [], lines
    # Companion mode: the units are enabled for systemd.
    for wants, unit in [("sysinit.target.wants", "fastinit-devices-keep.service"),
                        ("multi-user.target.wants", "fastinit-kexec-load.service"),
                        ("paths.target.wants", "fastinit-kexec-load.path")]:
        assert os.path.lexists(root.path("etc/systemd/system/%s/%s" % (wants, unit))), unit


def test_another_tools_image_is_never_replaced_silently(images, packaged, debian_package):
    root, _ = packaged
    kver = images.kver
    image = root.path("boot/initrd.img-" + kver)
    before = image + ".test-copy"
    shutil.copy(image, before)
    try:
        # initramfs-tools cannot come in beside fastinit: dpkg refuses it.
        debs = subprocess.run([os.path.join(REPO, "scripts", "fetch-debs"), "initramfs-tools",
                               "initramfs-tools-core"], capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]
        cache = os.path.dirname(debs)
        names = [f for f in os.listdir(cache)
                 if f.startswith("initramfs-tools") and f.endswith(".deb")]
        for name in names:
            shutil.copy(os.path.join(cache, name), root.path("tmp"))
        r = root.run(["dpkg", "-i"] + ["/tmp/" + n for n in names], check=False)
        assert r.returncode != 0
        assert "conflicts with linux-initramfs-tool" in r.stdout + r.stderr, r.stdout + r.stderr
        assert root.installed("fastinit") and not root.installed("initramfs-tools")
        assert filecmp.cmp(image, before, shallow=False), "the image changed"

        # An image some other tool wrote (Debian's own, from the cached
        # root) is refused by the hook, loudly, and left as it was.
        stock = os.path.join(os.environ["FASTINIT_ROOTFS"], "boot", "initrd.img-" + kver)
        shutil.copy(stock, image)
        r = root.run(["/etc/kernel/postinst.d/fastinit", kver], check=False)
        assert r.returncode != 0
        assert "made by another tool" in r.stderr and "-u -t -k " + kver in r.stderr, r.stderr
        assert filecmp.cmp(image, stock, shallow=False), "another tool's image was replaced"
        r = root.run(["/etc/kernel/postrm.d/fastinit", kver], check=False)
        assert r.returncode == 0 and "not fastinit's" in r.stderr, r.stderr
        assert os.path.exists(image)
        # Taking over is the admin's explicit choice.
        root.run(["fastinit-mkinitramfs", "-u", "-t", "-k", kver])
        assert_fastinit_image(image, kver)
    finally:
        os.unlink(before)


@pytest.fixture(scope="module")
def packaged_disk(images, packaged, tmp_path_factory):
    """The packaged root as a disk image, and the image the hook made."""
    root, _ = packaged
    workdir = tmp_path_factory.mktemp("deb-disk")
    initrd = str(workdir / "initrd.img")
    shutil.copy(root.path("boot/initrd.img-" + images.kver), initrd)
    assert_fastinit_image(initrd, images.kver)
    disk = str(workdir / "packaged.img")
    used = int(subprocess.run(["du", "-sm", root.root], capture_output=True, text=True,
                              check=True).stdout.split()[0])
    subprocess.run(["mkfs.ext4", "-q", "-F", "-U", ROOT_UUID, "-d", root.root, disk,
                    "%dM" % (used + max(used // 2, 512))], check=True)
    return disk, initrd


def boot_packaged(boot, packaged_disk, tmp_path, append=""):
    disk, initrd = packaged_disk
    copy = str(tmp_path / "disk.img")
    subprocess.run(["cp", "--sparse=always", disk, copy], check=True)
    port = free_port()  # a NIC for eth0, which /etc/network/interfaces brings up
    vm = boot(disk=copy, initrd=initrd, memory=1024, forward={port: 22},
              base_append=("%s %s" % (DEBIAN_APPEND, append)).strip())
    vm.expect(r"root /dev/vda mounted read-only", 120)
    return vm, port


def test_the_root_boots_under_fastinit_from_the_image_the_hook_made(boot, packaged_disk,
                                                                    tmp_path):
    vm, port = boot_packaged(boot, packaged_disk, tmp_path, "init=/usr/sbin/fastinit")
    finished = wait_booted(vm, 300)
    banner, _ = ssh_banner(vm, port, 180)
    assert banner.startswith("SSH-2.0-OpenSSH"), banner
    login_root(vm)
    status, out = vm.run("fastinit status", 60)
    assert status == 0, out
    assert int(finished.group(1)) > 10 and finished.group(2) == "0", finished.group(0) + out


def test_companion_units_stage_the_kernel_for_systemctl_kexec(images, boot, packaged_disk,
                                                              tmp_path):
    """systemd is PID 1 (no init=): the package's units kept the device
    cache and staged the next kernel, the path unit stages it again after
    a kernel hook ran, and `systemctl kexec` jumps into it (no firmware)
    with the device cache handed over."""
    vm, _ = boot_packaged(boot, packaged_disk, tmp_path)
    login_root(vm, 300)
    # No init=: the root's /sbin/init (systemd), although fastinit is there.
    status, out = vm.run("cat /proc/1/comm; systemctl is-system-running --wait; "
                         "cat /sys/kernel/kexec_loaded; "
                         "fastinit kexec status; echo staged=$?; "
                         "test -s /var/lib/fastinit/devices.db && echo cache-kept", 180)
    assert out.split()[0] == "systemd", out
    assert "staged=0" in out and "cache-kept" in out, out
    started = "systemctl show -P ExecMainStartTimestampMonotonic fastinit-kexec-load.service"
    _, first = vm.run(started)
    # A kernel update's hook (the kernel package is already there: the
    # hook rebuilds its image) and then the path unit's run.
    status, out = vm.run("/etc/kernel/postinst.d/fastinit %s; echo hook=$?" % images.kver, 240)
    assert "hook=0" in out, out
    for _ in range(60):
        _, again = vm.run("sleep 1; " + started)
        if again.split()[-1:] != first.split()[-1:]:
            break
    assert again.split()[-1:] != first.split()[-1:], (first, again)
    status, out = vm.run("systemctl show -P Result fastinit-kexec-load.service; "
                         "fastinit kexec status; echo staged=$?")
    assert "success" in out and "staged=0" in out, out

    mark = len(vm.console)
    vm.type("systemctl kexec")
    second = vm.expect(r"devices: (\w[\w-]*) \((.*)\), (\d+) modules loaded", 240, mark)
    assert second.group(1) == "cache-hit", second.group(0)
    assert "SeaBIOS" not in vm.console[mark:second.start()], "the firmware ran"


def test_remove_leaves_only_the_admins_configuration_and_purge_removes_it(images, packaged):
    root, _ = packaged
    kver = images.kver
    root.run(["apt-get", "remove", "-y", "fastinit"])
    left = [f for f in PROGRAM_FILES if os.path.lexists(root.path(f))]
    assert left == [], left
    for f in CONFFILES:
        assert os.path.exists(root.path(f)), f
    # The hooks stay as conffiles but do nothing without the package; the
    # kernel keeps the image it boots with.
    r = root.run(["/etc/kernel/postrm.d/fastinit", kver])
    assert os.path.exists(root.path("boot/initrd.img-" + kver))
    root.run(["apt-get", "purge", "-y", "fastinit"])
    left = [f for f in CONFFILES + ["var/lib/fastinit"] if os.path.lexists(root.path(f))]
    assert left == [], left
    r = root.run(["dpkg-query", "-W", "fastinit"], check=False)
    assert r.returncode != 0 or r.stdout.strip() == "", r.stdout


def test_lintian_reports_no_errors(debian_package):
    r = subprocess.run(["lintian", "--fail-on", "error", debian_package], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0 and not any(line.startswith("E: ") for line in
                                         r.stdout.splitlines()), r.stdout + r.stderr
