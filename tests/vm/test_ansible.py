"""examples/ansible/rolling-reboot.yml against two QEMU guests of the
Debian root under fastinit (sshd forwarded to 127.0.0.1 ports): Debian's
ansible-core reboots them one after the other through `fastinit reboot`;
each comes back through kexec with a device-cache hit, and the play recap
reports both ok. The kernel-update task is skipped (the guests reach no
package registry)."""

import os
import re
import shutil
import subprocess
import time

from conftest import REPO
from debian_root import free_port, ssh_banner

PLAYBOOK = os.path.join(REPO, "examples", "ansible", "rolling-reboot.yml")
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)"
                   r"\s+skipped=(\d+)", re.M)


def install_key(disk, public_key):
    """root's authorized_keys in an ext4 image, written with debugfs."""
    script = "mkdir /root/.ssh\nwrite %s /root/.ssh/authorized_keys\n" % public_key
    r = subprocess.run(["debugfs", "-w", "-f", "-", disk], input=script, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    listing = subprocess.run(["debugfs", "-R", "ls -l /root/.ssh", disk], capture_output=True,
                             text=True).stdout
    assert "authorized_keys" in listing, listing


def wait_login(guests, key, timeout=180):
    """Until ssh logs in to every guest with the key: sshd drops
    connections at first (MaxStartups, while the banner probes are still
    being answered), and a playbook must not start on an unreachable
    host."""
    deadline = time.monotonic() + timeout
    for name, port, vm in guests:
        while True:
            r = subprocess.run(["ssh", "-i", key, "-p", str(port), "-o", "BatchMode=yes",
                                "-o", "StrictHostKeyChecking=no", "-o",
                                "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=20",
                                "root@127.0.0.1", "true"], capture_output=True, text=True)
            if r.returncode == 0:
                break
            assert time.monotonic() < deadline, "%s: no ssh login: %s" % (name, r.stderr)
            for _, _, other in guests:
                other.drain(1)


def first(pattern, text, start=0):
    m = re.compile(pattern, re.M).search(text, start)
    return m.start() if m else None


def test_the_playbook_reboots_two_guests_one_after_the_other_through_kexec(
        boot, debian, tmp_path):
    assert shutil.which("ansible-playbook"), "install ansible-core (scripts/install-deps)"
    started = time.monotonic()
    key = str(tmp_path / "id_ed25519")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    guests = []
    for name in ("fleet-a", "fleet-b"):
        disk = debian.disk_copy("ansible-%s.img" % name)
        install_key(disk, key + ".pub")
        port = free_port()
        vm = boot(disk=disk, base_append=debian.append_fastinit(), memory=1024,
                  forward={port: 22})
        guests.append((name, port, vm))
    for _, port, vm in guests:
        ssh_banner(vm, port, 300)
    # Both first boots probed and kept their device caches; wait until
    # stage 2 has finished so that the playbook starts on settled machines.
    for _, _, vm in guests:
        vm.expect(r"startup finished in", 300)
    wait_login(guests, key)
    print("guests up after %.0f s" % (time.monotonic() - started))

    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[fleet]\n" + "".join("%s ansible_host=127.0.0.1 ansible_port=%d\n" % (name, port)
                              for name, port, _ in guests) +
        "\n[fleet:vars]\nansible_user=root\nansible_python_interpreter=/usr/bin/python3\n")
    # The example's own ansible.cfg (pipelining), the test's connection.
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(os.path.dirname(PLAYBOOK), "ansible.cfg"),
               ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1",
               ANSIBLE_PRIVATE_KEY_FILE=key, ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
               ANSIBLE_SSH_ARGS="-o ControlMaster=no -o UserKnownHostsFile=/dev/null",
               ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_STDOUT_CALLBACK="default",
               ANSIBLE_SSH_RETRIES="3")
    log = open(tmp_path / "ansible.log", "w+")
    marks = {name: len(vm.console) for name, _, vm in guests}
    play = subprocess.Popen(["ansible-playbook", "-i", str(inventory), PLAYBOOK,
                             "-e", "fastinit_update_kernel=false", "-e",
                             "fastinit_reboot_timeout=400"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    # Read both consoles while it runs: QEMU stops a guest whose serial
    # output nobody reads. When each event appeared, on the host's clock.
    seen, kexec_at = {}, {}
    deadline = time.monotonic() + 480
    try:
        while play.poll() is None:
            assert time.monotonic() < deadline, "the playbook ran past 8 minutes"
            for name, _, vm in guests:
                vm.drain(0.2)
                if (name, "kexec") not in seen:
                    at = first(r"shutting down \(then kexec\)", vm.console, marks[name])
                    if at is not None:
                        seen[(name, "kexec")] = time.monotonic()
                        kexec_at[name] = at
                elif (name, "back") not in seen:
                    if first(r"startup finished in", vm.console, kexec_at[name]) is not None:
                        seen[(name, "back")] = time.monotonic()
    finally:
        if play.poll() is None:
            play.kill()
            play.wait()
    log.seek(0)
    output = log.read()
    print("playbook done after %.0f s" % (time.monotonic() - started))
    assert play.returncode == 0, output[-6000:]

    recap = {m.group(1): m.groups()[1:] for m in RECAP.finditer(output)}
    assert set(recap) == {"fleet-a", "fleet-b"}, output[-3000:]
    for name, (ok, changed, unreachable, failed, skipped) in recap.items():
        assert (unreachable, failed) == ("0", "0") and int(ok) >= 4, (name, output[-3000:])
    assert "kexec, device-cache hit" in output, output[-3000:]

    # One after the other: b went down only once a was back.
    assert seen.get(("fleet-a", "back")) and seen.get(("fleet-b", "kexec")), seen
    assert seen[("fleet-a", "back")] < seen[("fleet-b", "kexec")], seen
    for name, _, vm in guests:
        after = vm.console[marks[name]:]
        devices = re.search(r"devices: (\w[\w-]*) \(", after)
        assert devices and devices.group(1) == "cache-hit", (name, after[-3000:])
        assert "SeaBIOS" not in after, name + ": the firmware ran"
