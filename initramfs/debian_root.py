"""A real Debian 12 root disk for the Debian VM tests and benchmark: the root
scripts/fetch-rootfs caches, with fastinit installed into it by `meson
install` (as docs/debian.md tells an admin to) and fastinit's initramfs as
/boot/initrd.img-VER, where a kernel hook puts it and where `fastinit
reboot` finds it. Debian's own initramfs-tools image is kept aside for the
comparison boots.

The same disk boots three ways (the `boot_*` command lines below):
fastinit's initramfs with fastinit as PID 1, fastinit's initramfs handing
over to systemd, and Debian's stock initramfs-tools with systemd."""

import json
import os
import select
import shutil
import socket
import subprocess
import time

# scripts/fetch-rootfs writes this UUID into /etc/fstab; the disk gets it.
ROOT_UUID = "6a1d5f0e-7c1b-4f6e-9a43-0f1a5e7d2c11"
# Debian's usual kernel command line (what its installer writes), plus a
# bounded wait for the root so that a broken boot fails a test, not hangs it.
DEBIAN_APPEND = "root=UUID=%s ro quiet" % ROOT_UUID


def meson_prefix(build_dir):
    """The prefix a meson build directory installs to (/usr for Debian)."""
    out = subprocess.run(["meson", "introspect", build_dir, "--buildoptions"],
                         capture_output=True, text=True, check=True).stdout
    for option in json.loads(out):
        if option["name"] == "prefix":
            return option["value"]
    raise RuntimeError("%s has no prefix option" % build_dir)


class DebianRoot:
    """Builds the disk once; disk_copy() gives each boot its own copy."""

    def __init__(self, workdir, rootfs, build_dir, kver, fastinit_initrd):
        self.workdir = workdir
        self.kver = kver
        self.prefix = meson_prefix(build_dir)
        self.fastinit_init = os.path.join(self.prefix, "sbin", "fastinit")
        # Debian's own image, made by the kernel package's postinst.
        self.stock_initrd = os.path.join(workdir, "initrd.img-initramfs-tools")
        shutil.copy(os.path.join(rootfs, "boot", "initrd.img-" + kver), self.stock_initrd)
        self.disk = os.path.join(workdir, "debian.img")
        self._build(rootfs, build_dir, fastinit_initrd)

    def _build(self, rootfs, build_dir, fastinit_initrd):
        staging = os.path.join(self.workdir, "debian-root")
        subprocess.run(["cp", "-a", "--sparse=always", rootfs, staging], check=True)
        try:
            # The documented install: meson install into the root.
            subprocess.run(["meson", "install", "-C", build_dir, "--no-rebuild", "--quiet",
                            "--destdir", staging], check=True, stdout=subprocess.DEVNULL)
            # Companion mode, as docs/units.md says: when systemd is init,
            # its unit keeps the device cache.
            subprocess.run(["systemctl", "--root", staging, "enable",
                            "fastinit-devices-keep.service"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.copy(fastinit_initrd, os.path.join(staging, "boot", "initrd.img-" + self.kver))
            used = int(subprocess.run(["du", "-sm", staging], capture_output=True, text=True,
                                      check=True).stdout.split()[0])
            size = used + max(used // 2, 512)
            subprocess.run(["mkfs.ext4", "-q", "-F", "-U", ROOT_UUID, "-d", staging,
                            self.disk, "%dM" % size], check=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def disk_copy(self, name):
        path = os.path.join(self.workdir, name)
        subprocess.run(["cp", "--sparse=always", self.disk, path], check=True)
        return path

    # The three ways to boot the same disk.
    def append_fastinit(self, extra=""):
        return ("%s init=%s %s" % (DEBIAN_APPEND, self.fastinit_init, extra)).strip()

    def append_systemd(self, extra=""):
        return ("%s %s" % (DEBIAN_APPEND, extra)).strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ssh_banner(vm, port, timeout):
    """Waits until an SSH server answers on 127.0.0.1:port of `vm` (reading
    its console meanwhile, so that QEMU never blocks on it); returns the
    banner line and the time.monotonic() it arrived.

    QEMU accepts each TCP connection itself and passes it on to the guest:
    a guest port nobody listens on closes it at once, a guest whose network
    is not up yet leaves it hanging until its SYN gets through, and sshd
    sends its banner only after forking (and re-executing) a child for the
    connection, which takes seconds under TCG. So connections are kept open
    while a new one is started every half second, and the first banner on
    any of them is the answer."""
    deadline = time.monotonic() + timeout
    pending = []  # (socket, opened at)
    next_open = 0.0
    try:
        while time.monotonic() < deadline:
            now = time.monotonic()
            if now >= next_open and len(pending) < 16:
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", port))
                pending.append((s, now))
                next_open = now + 0.5
            readable, _, _ = select.select([s for s, _ in pending], [], [], 0.05)
            for s in readable:
                try:
                    data = s.recv(256)
                except OSError:
                    data = b""
                if data.startswith(b"SSH-"):
                    return data.split(b"\r\n")[0].decode(), time.monotonic()
                s.close()
                pending = [(p, t) for p, t in pending if p is not s]
            # A connection that got nothing for 30 s is given up.
            for s, opened in [(s, t) for s, t in pending if now - t > 30]:
                s.close()
                pending.remove((s, opened))
            vm.drain(0.05)
    finally:
        for s, _ in pending:
            s.close()
    raise TimeoutError("no SSH banner on 127.0.0.1:%d within %ss" % (port, timeout))


def login_root(vm, timeout=120, start=0):
    """Logs in as root on the serial console's getty (root has no password
    in this root) and waits until the shell answers."""
    vm.expect_prompt(r"login: ", timeout, start)
    vm.type("root")
    vm.wait_shell(60)
