"""A software TPM 2.0 for a VM (swtpm, Debian's swtpm package): one swtpm
process per QEMU run, its state (the TPM's seeds, hence what it sealed) in
a directory that outlives it, so a helper VM can seal a key the test's VM
then unseals; a fresh directory is another TPM."""

import os
import shutil
import subprocess
import time

import pytest


class Swtpm:
    def __init__(self, state_dir):
        if not shutil.which("swtpm"):
            pytest.fail("swtpm is not installed (apt-get install swtpm swtpm-tools; "
                        "scripts/install-deps)")
        os.makedirs(state_dir, exist_ok=True)
        self.socket = os.path.join(state_dir, "ctrl.sock")
        if os.path.exists(self.socket):
            os.remove(self.socket)
        # --terminate: it ends with the QEMU that used it.
        self.process = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state_dir, "--terminate",
             "--ctrl", "type=unixio,path=" + self.socket],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):
            if os.path.exists(self.socket) or self.process.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(self.socket):
            self.close()
            pytest.fail("swtpm did not start: %s" % self.process.stderr.read().decode())

    def qemu_args(self):
        """QEMU's TPM TIS device backed by this swtpm."""
        return ["-chardev", "socket,id=chrtpm,path=" + self.socket,
                "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                "-device", "tpm-tis,tpmdev=tpm0"]

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
