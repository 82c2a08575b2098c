"""VM tests: a real Debian kernel boots in QEMU (software emulation) with a
fastinit initramfs and the demo root disk or a real Debian 12 root. Needs
FASTINIT_BIN (the fastinit binary to put in the images; its meson build
directory is installed into the Debian root), FASTINIT_MODULES_DIR (an
unpacked Debian kernel package with its modules indexed: scripts/fetch-kernel
prints it) and FASTINIT_ROOTFS (scripts/fetch-rootfs prints it)."""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "initramfs"))
from debian_root import DebianRoot  # noqa: E402
from images import BASE_APPEND, Images  # noqa: E402,F401
from vm import Vm  # noqa: E402


def _required_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit("%s is not set (scripts/test sets it)" % name, returncode=4)
    return value


@pytest.fixture(scope="session")
def images():
    workdir = tempfile.mkdtemp(prefix="fastinit-vm.")
    try:
        yield Images(workdir, _required_env("FASTINIT_BIN"),
                     _required_env("FASTINIT_MODULES_DIR"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def debian(images):
    """The Debian 12 root disk (scripts/fetch-rootfs's root, FASTINIT_ROOTFS)
    with the build of FASTINIT_BIN installed into it by meson install."""
    build_dir = os.path.dirname(os.path.dirname(os.path.abspath(images.fastinit)))
    return DebianRoot(images.workdir, _required_env("FASTINIT_ROOTFS"), build_dir,
                      images.kver, images.initrd)


@pytest.fixture(scope="session")
def debian_package(images):
    """fastinit's Debian package: FASTINIT_DEB when set (scripts/test builds
    it once), else built from this working tree by scripts/build-deb, once
    per session."""
    deb = os.environ.get("FASTINIT_DEB")
    if deb:
        return deb
    r = subprocess.run([os.path.join(REPO, "scripts", "build-deb"),
                        os.path.join(images.workdir, "deb")], capture_output=True, text=True)
    assert r.returncode == 0, "scripts/build-deb failed:\n" + r.stderr[-3000:]
    return r.stdout.strip().splitlines()[-1]


@pytest.fixture
def boot(images, request):
    """boot(disk=None, initrd=None, append="") → a running Vm; closed after
    the test, with its console attached to a failure report."""
    vms = []

    def start(disk=None, initrd=None, append="", firmware="seabios", disk_bus="virtio",
              base_append=BASE_APPEND, memory=512, forward=None, extra=()):
        # FASTINIT_VM_CONSOLE_LOG: every console appended to one file (for
        # reading boot times off a whole run).
        vm = Vm(images.kernel, initrd or images.initrd, disk or images.disk_copy(),
                (base_append + " " + append).strip(), firmware=firmware, disk_bus=disk_bus,
                memory=memory, forward=forward, extra=extra,
                log=os.environ.get("FASTINIT_VM_CONSOLE_LOG") or None)
        vms.append(vm)
        return vm

    yield start
    failed = getattr(request.node, "rep_call", None)
    for vm in vms:
        if failed is not None and failed.failed:
            request.node.add_report_section("call", "console", vm.console[-20000:])
        vm.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def wait_booted(vm, timeout=120, start=0):
    """Waits for stage 2's "startup finished" line; returns the match."""
    return vm.expect(r"startup finished in [\d.]+ ms: (\d+) units active, (\d+) failed, "
                     r"(\d+) skipped", timeout, start)


def wait_shell(vm, timeout=60):
    """Waits until the console shell answers."""
    vm.wait_shell(timeout)
