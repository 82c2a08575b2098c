"""Running a VM for fastinit's demo, tests and benchmarks: QEMU with software
emulation (-accel tcg), the serial console readable line by line and
typeable; no network, or QEMU's user-mode network with guest ports
forwarded to 127.0.0.1 (nothing leaves the host)."""

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd"


def qemu_command(kernel, initrd, disk=None, append="", firmware="seabios", memory=512,
                 vars_copy=None, reboot=True, disk_bus="virtio", forward=None, extra=(),
                 nic=None):
    cmd = [
        "qemu-system-x86_64", "-accel", "tcg", "-m", str(memory), "-smp", "1",
        "-nographic", "-nodefaults", "-serial", "stdio", "-monitor", "none",
        "-kernel", kernel, "-initrd", initrd,
        "-append", ("console=ttyS0 panic=-1 " + append).strip(),
    ]
    if nic:
        # A network of the caller's own (-nic's value), e.g. user-mode
        # networking with a guestfwd to another VM.
        cmd += ["-nic", nic]
    elif forward:
        # User-mode networking: the guest is 10.0.2.15 behind QEMU's own
        # NAT; each {host port: guest port} is reachable on 127.0.0.1 only.
        fwd = "".join(",hostfwd=tcp:127.0.0.1:%d-:%d" % (h, g) for h, g in forward.items())
        cmd += ["-nic", "user,model=virtio-net-pci,restrict=on" + fwd]
    else:
        # No network: the demo's VM needs none.
        cmd += ["-nic", "none"]
    if disk and disk_bus == "virtio":
        cmd += ["-drive", "file=%s,if=virtio,format=raw" % disk]
    elif disk and disk_bus == "scsi":
        # Other hardware for the same disk: a virtio SCSI controller (sda).
        cmd += ["-device", "virtio-scsi-pci,id=scsi0",
                "-drive", "file=%s,if=none,id=root,format=raw" % disk,
                "-device", "scsi-hd,drive=root,bus=scsi0.0"]
    elif disk:
        raise ValueError("disk_bus must be virtio or scsi")
    if not reboot:
        cmd += ["-no-reboot"]
    # More devices and options (a watchdog: -device i6300esb -action ...).
    cmd += list(extra)
    if firmware == "ovmf":
        if not os.path.exists(OVMF_CODE):
            raise SystemExit("qemu-run: OVMF firmware missing (apt-get install ovmf)")
        cmd += ["-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
                "-drive", "if=pflash,format=raw,file=" + vars_copy]
    return cmd


class Vm:
    """A running VM whose serial console can be read line by line and typed
    into. Always call close()."""

    def __init__(self, kernel, initrd, disk=None, append="", firmware="seabios", memory=512,
                 log=None, reboot=True, disk_bus="virtio", forward=None, extra=(), nic=None):
        self.vars_copy = None
        if firmware == "ovmf":
            self.vars_copy = "/tmp/qemu-run-ovmf-vars.%d.fd" % os.getpid()
            shutil.copy(OVMF_VARS, self.vars_copy)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            qemu_command(kernel, initrd, disk, append, firmware, memory, self.vars_copy,
                         reboot, disk_bus, forward, extra, nic),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.console = ""  # everything printed so far
        self._pending = b""
        self._log = open(log, "a") if log else None
        self.echo = False

    def _read(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return False
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        if not chunk:
            return None  # QEMU exited
        text = chunk.decode("utf-8", "replace").replace("\r", "")
        self.console += text
        if self._log:
            self._log.write(text)
            self._log.flush()
        if self.echo:
            sys.stdout.write(text)
            sys.stdout.flush()
        return True

    def expect(self, pattern, timeout=60, start=None):
        """Waits for `pattern` (a regex) in the complete lines of the console
        after offset `start` (default: anywhere); returns the match. Raises with the console's
        tail on timeout or if the VM exits first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        start = 0 if start is None else start
        while True:
            # Complete lines only: the serial line delivers a line in
            # pieces, and a pattern ending in (.*) must not match half of it.
            m = regex.search(self.console, start, self.console.rfind("\n") + 1)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no %r within %ss; console:\n%s" %
                                   (pattern, timeout, self.console[-6000:]))
            if self._read(min(left, 0.5)) is None:
                raise RuntimeError("VM exited before %r; console:\n%s" %
                                   (pattern, self.console[-6000:]))

    def expect_prompt(self, pattern, timeout=60, start=0):
        """Like expect(), for a prompt: the match may end an incomplete
        line (getty's "login: " waits for input with no newline)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while not (m := regex.search(self.console, start)):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no prompt %r within %ss; console:\n%s" %
                                   (pattern, timeout, self.console[-6000:]))
            if self._read(min(left, 0.5)) is None:
                raise RuntimeError("VM exited before %r; console:\n%s" %
                                   (pattern, self.console[-6000:]))
        return m

    def wait_shell(self, timeout=60):
        """Waits until the console shell answers (getty discards what was
        typed before it opened the line, so ask again until it does)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.run("true", 5)[0] == 0:
                    return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise

    def drain(self, seconds):
        """Reads the console for up to `seconds` (raises if QEMU exited)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._read(left) is None:
                raise RuntimeError("VM exited; console:\n%s" % self.console[-6000:])

    def type(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def run(self, command, timeout=60):
        """Runs a shell command on the guest's console shell; returns
        (exit status, output). The markers are typed with quotes split so
        that the echo of the typed line never matches them."""
        self._commands = getattr(self, "_commands", 0) + 1
        n = self._commands
        start = len(self.console)
        self.type('echo "@@B""%d@@"; %s; echo "@@E""%d-$?@@"' % (n, command, n))
        begin = self.expect(r"@@B%d@@\n" % n, timeout, start)
        end = self.expect(r"@@E%d-(\d+)@@" % n, timeout, begin.end())
        return int(end.group(1)), self.console[begin.end():end.start()]

    def wait_exit(self, timeout=60):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError("VM still running after %ss; console:\n%s" %
                                   (timeout, self.console[-6000:]))
            self._read(0.2)
        while self._read(0) is True:
            pass
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        if self._log:
            self._log.close()
        if self.vars_copy and os.path.exists(self.vars_copy):
            os.remove(self.vars_copy)
