"""The images a fastinit VM boots: a Debian kernel (unpacked by
scripts/fetch-kernel), a generic fastinit initramfs and the demo root disk,
built into a work directory. Shared by the demo, the VM tests and the
benchmarks."""

import os
import subprocess
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

# The kernel command line every boot starts from.
BASE_APPEND = "quiet root=LABEL=fastinit-root rw fastinit.root_timeout=20s"


class Images:
    """The kernel, a generic initramfs and a pristine root disk, built once
    (the root disk carries the kernel and initramfs in /boot, for kexec)."""

    def __init__(self, workdir, fastinit, modules_dir):
        self.workdir = workdir
        self.fastinit = fastinit
        self.kver = os.path.basename(modules_dir.rstrip("/"))
        root = os.path.dirname(os.path.dirname(os.path.dirname(modules_dir.rstrip("/"))))
        self.kernel = os.path.join(root, "boot", "vmlinuz-" + self.kver)
        self.moddir = modules_dir
        self.initrd = self.initramfs("initrd.img")
        self.rootdisk = self.make_rootdisk("root.img")

    def initramfs(self, name, *extra):
        out = os.path.join(self.workdir, name)
        subprocess.run([os.path.join(REPO, "initramfs", "mkinitramfs"), "-o", out,
                        "--kver", self.kver, "--moddir", self.moddir, "--busybox",
                        "--fastinit", self.fastinit, *extra],
                       check=True, stdout=subprocess.DEVNULL)
        return out

    def make_rootdisk(self, name, units=None, extra=(), size_mib=None):
        out = os.path.join(self.workdir, name)
        args = [os.path.join(REPO, "initramfs", "mkrootdisk"), "-o", out,
                "--units", units or os.path.join(REPO, "units", "demo"),
                "--fastinit", self.fastinit,
                "--extra", self.kernel + ":/boot/vmlinuz",
                "--extra", self.initrd + ":/boot/initrd.img"]
        for e in extra:
            args += ["--extra", e]
        if size_mib:
            args += ["--size", str(size_mib)]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return out

    def disk_copy(self, source=None):
        fd, path = tempfile.mkstemp(dir=self.workdir, suffix=".img")
        os.close(fd)
        subprocess.run(["cp", "--sparse=always", source or self.rootdisk, path], check=True)
        return path
