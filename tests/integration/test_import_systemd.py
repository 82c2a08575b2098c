"""`fastinit import-systemd`: real Debian packages' service files convert to
units that `fastinit check` accepts (programs and users missing from the
unpacked tree are warnings), with what was not carried over named; and a
converted service runs under fastinit as PID 1 of a namespace the way
systemd would run it (ExecStartPre, Environment, $VAR, RuntimeDirectory)."""

import os
import shutil
import subprocess
import uuid

import pytest

from conftest import REPO, wait_until

PACKAGES = ["openssh-server", "cron", "rsyslog", "nginx-common", "redis-server"]


def run_import(fastinit_bin, files, out=None):
    args = [fastinit_bin, "import-systemd", *map(str, files)]
    if out:
        args += ["--out", str(out)]
    return subprocess.run(args, capture_output=True, text=True)


@pytest.fixture(scope="module")
def debian_root():
    """The packages unpacked (scripts/fetch-debs caches them across runs)."""
    # The suite runs on Debian (scripts/install-deps): a package that cannot
    # be fetched is a failure, not a reason to skip the test.
    r = subprocess.run([os.path.join(REPO, "scripts", "fetch-debs"), *PACKAGES],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"cannot fetch the Debian packages: {r.stderr.strip()[-300:]}"
    return r.stdout.strip()


def test_debian_services_convert_and_pass_check(fastinit_bin, debian_root, tmp_path):
    system = os.path.join(debian_root, "lib", "systemd", "system")
    services = sorted(f for f in os.listdir(system) if f.endswith(".service"))
    for expected in ("ssh.service", "cron.service", "rsyslog.service", "nginx.service",
                     "redis-server.service", "redis-server@.service"):
        assert expected in services, services
    out = tmp_path / "out"
    out.mkdir()
    r = run_import(fastinit_bin, [os.path.join(system, s) for s in services], out)
    assert r.returncode == 0, r.stderr
    written = sorted(os.listdir(out))
    assert written == sorted(s[:-len(".service")] + ".toml" for s in services), written

    # The shipped targets (multi-user, network...) are what the units name.
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for name in os.listdir(os.path.join(REPO, "units")):
        if name.endswith(".toml"):
            shutil.copy(os.path.join(REPO, "units", name), shipped / name)
    check = subprocess.run([fastinit_bin, "check", str(out), str(shipped), "--root", debian_root],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert " 0 broken: 0 errors" in check.stdout, check.stdout
    for line in check.stdout.splitlines():
        if str(out) in line and "warning" in line:
            # Only what the unpacked tree lacks: programs of other packages,
            # users the packages' scripts would have made, and units of
            # other packages that are named only for ordering (auditd).
            assert ("cannot be run" in line or "cannot resolve user" in line
                    or ("in after, which does not exist" in line)), line

    ssh = (out / "ssh.toml").read_text()
    assert 'exec_start_pre = [["/usr/sbin/sshd", "-t"]]' in ssh, ssh
    assert 'runtime_directory = ["sshd"]' in ssh, ssh
    assert 'environment_file = ["-/etc/default/ssh"]' in ssh, ssh
    assert 'type = "notify"' in ssh, ssh
    assert 'kill_mode = "process"' in ssh, ssh
    assert 'wanted_by = ["multi-user"]' in ssh, ssh
    assert 'exec = ["/bin/sh", "-c", "exec /usr/sbin/sshd -D $SSHD_OPTS"]' in ssh, ssh
    ssh_notes = [l for l in r.stderr.splitlines() if l.startswith(os.path.join(system, "ssh.service"))]
    lost = sorted(l.split("note: ", 1)[1].split(" (", 1)[0] for l in ssh_notes)
    assert lost == ["Install.Alias", "Service.ExecReload", "Service.ExecStart",
                    "Service.RestartPreventExitStatus", "Unit.Documentation"], ssh_notes
    # The same notes head the file, for whoever reads it later.
    assert "#   Service.RestartPreventExitStatus (line" in ssh, ssh

    # rsyslog's syslog.socket has no counterpart and is named as left out.
    assert any("rsyslog.service: note: Unit.Requires" in l and "syslog.socket" in l
               for l in r.stderr.splitlines()), r.stderr
    template = (out / "redis-server@.toml").read_text()
    assert "%i" in template, template


def test_converted_service_runs_under_fastinit(fastinit, fastinit_bin, tmp_path):
    ns = fastinit.new()
    name = f"fastinit-import-{uuid.uuid4().hex[:12]}"
    marker = ns.work("pre-ran")
    result = ns.work("env")
    service = tmp_path / "demo-daemon.service"
    service.write_text(
        "[Unit]\nDescription=Demo daemon\nAfter=network.target\n\n"
        "[Service]\nType=simple\n"
        f"Environment=GREETING=hello \"WHO=the world\"\n"
        f"ExecStartPre=/bin/touch {marker}\n"
        f"ExecStart=/bin/sh -c 'echo \"$$GREETING $$WHO\" > {result}; exec sleep 300'\n"
        f"RuntimeDirectory={name}\n"
        "Restart=on-failure\nRestartSec=1\nTimeoutStopSec=5s\n\n"
        "[Install]\nWantedBy=multi-user.target\n")
    r = run_import(fastinit_bin, [service], ns.unit_dir)
    assert r.returncode == 0, r.stderr
    toml = open(os.path.join(ns.unit_dir, "demo-daemon.toml")).read()
    ns.write_units({"default": '[unit]\nwants = ["demo-daemon"]\n'})
    ns.start()
    ns.wait_state("demo-daemon", "active")
    assert os.path.exists(marker), ns.read_log()
    with open(result) as f:
        assert f.read() == "hello the world\n", toml
    # The manager, as PID 1, mounts a /run of its own: seen through its root.
    run_dir = f"/proc/{ns.init_pid}/root/run/{name}"
    assert os.path.isdir(run_dir), toml
    ns.ctl_ok("stop", "demo-daemon")
    ns.wait_state("demo-daemon", "inactive")
    wait_until(lambda: not os.path.exists(run_dir), 5, "the runtime directory to go")
