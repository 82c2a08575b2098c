"""`fastinit daemon-reload`, SIGHUP and the bus's Reload with real
processes: a running service whose file changed keeps running (same pid)
until `restart` starts the new program; an added unit can be started; a
removed unit keeps running until stopped; a broken edit is named with its
file, line and key and the old definition stays; instances made on demand
survive; a storm of reloads does not stall PID 1."""

import os
import signal
import subprocess
import threading

from conftest import wait_until


def web(ns, version):
    """A service that writes which version it runs, then stays."""
    out = ns.work("web.version")
    return ('[unit]\nwanted_by = ["default"]\n\n[service]\n'
            f'exec = ["/bin/sh", "-c", "echo {version} > {out}; exec sleep 1000"]\n')


def version_of(ns):
    try:
        with open(ns.work("web.version")) as f:
            return f.read().strip()
    except OSError:
        return None


def boot_with_web(fastinit, **more):
    ns = fastinit.new({"default": "[unit]\n"})
    ns.write_units({"web": web(ns, "v1"), **more})
    ns.start()
    info = ns.wait_state("web", "active")
    wait_until(lambda: version_of(ns) == "v1", 10, "web v1 to run")
    return ns, info["pid"]


def reload_ok(ns):
    return ns.ctl_ok("daemon-reload").stdout


def test_a_changed_running_service_keeps_running_until_restarted(fastinit):
    ns, pid = boot_with_web(fastinit)
    ns.write_units({"web": web(ns, "v2")})
    out = reload_ok(ns)
    assert "changed: web (restart to apply)" in out, out
    info = ns.unit_status("web")
    assert (info["state"], info["pid"]) == ("active", pid), info
    assert info.get("Pending") == "definition changed; restart to apply", info
    assert version_of(ns) == "v1"

    ns.ctl_ok("restart", "web")
    wait_until(lambda: version_of(ns) == "v2", 10, "web v2 to run")
    info = ns.unit_status("web")
    assert info["state"] == "active" and info["pid"] != pid, info
    assert "Pending" not in info, info
    # Nothing left to report now.
    out = reload_ok(ns)
    assert "changed:" not in out and "2 units unchanged" in out, out


def test_an_added_unit_appears_and_can_be_started(fastinit):
    ns, pid = boot_with_web(fastinit)
    marker = ns.work("added.ran")
    ns.write_units({"added": '[service]\ntype = "oneshot"\n'
                             f'exec = ["/bin/touch", "{marker}"]\n'})
    out = reload_ok(ns)
    assert "added: added" in out, out
    info = ns.unit_status("added")
    assert info["state"] == "inactive", info
    assert not os.path.exists(marker), "a reload starts nothing"
    ns.ctl_ok("start", "added")
    assert os.path.exists(marker)
    assert ns.unit_status("web")["pid"] == pid


def test_a_removed_running_unit_keeps_running_until_stopped(fastinit):
    ns, pid = boot_with_web(fastinit)
    os.remove(os.path.join(ns.unit_dir, "web.toml"))
    out = reload_ok(ns)
    assert "removed: web (running until stopped)" in out, out
    info = ns.unit_status("web")
    assert (info["state"], info["pid"]) == ("active", pid), info
    assert info.get("Pending") == "unit file removed; runs until stopped", info
    host = ns.host_pid(pid)
    assert host is not None

    ns.ctl_ok("stop", "web")
    assert ns.unit_status("web")["state"] == "inactive"
    wait_until(lambda: ns.host_pid(pid) is None, 10, "the removed service's process to end")
    r = ns.ctl("start", "web")
    assert r.returncode != 0 and "no unit file named web.toml" in (r.stdout + r.stderr), r


def test_a_broken_edit_is_named_and_the_old_definition_stays(fastinit):
    ns, pid = boot_with_web(fastinit)
    with open(os.path.join(ns.unit_dir, "web.toml"), "w") as f:
        f.write('[unit]\nwanted_by = ["default"]\n\n[service]\nexec = 5\n')
    r = ns.ctl("daemon-reload")
    assert r.returncode == 0, r
    path = os.path.join(ns.unit_dir, "web.toml")
    assert f"broken: web (old definition kept): {path}:5" in r.stdout, r.stdout
    assert "service.exec" in r.stdout, r.stdout
    assert "changed: web" not in r.stdout
    # The old definition is still the one a restart runs.
    ns.ctl_ok("restart", "web")
    info = ns.wait_state("web", "active")
    assert info["pid"] != pid
    wait_until(lambda: version_of(ns) == "v1", 10, "web v1 to run again")


def test_sighup_reloads_like_the_verb(fastinit):
    ns, pid = boot_with_web(fastinit)
    ns.write_units({"web": web(ns, "v2")})
    os.kill(ns.init_pid, signal.SIGHUP)
    ns.wait_unit("web", lambda i: i.get("Pending") == "definition changed; restart to apply",
                 "changed by the SIGHUP's reload")
    assert ns.unit_status("web")["pid"] == pid
    wait_until(lambda: "changed: web (restart to apply)" in ns.read_log(), 10,
               "the reload's report in the log")
    assert "not supported" not in ns.read_log()


def test_the_bus_method_and_who_may_call_it(fastinit):
    ns, pid = boot_with_web(fastinit)
    ns.write_units({"web": web(ns, "v2")})
    r = subprocess.run(
        ["nsenter", "-t", str(ns.init_pid), "-p", "-m", "busctl",
         f"--address=unix:path={ns.socket_path}", "call", "org.fastinit1", "/org/fastinit1",
         "org.fastinit1.Manager", "Reload"],
        capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith('s "') and "changed: web (restart to apply)" in r.stdout, r.stdout
    os.chmod(ns.socket_path, 0o666)  # so that nobody can connect and be refused
    r = ns.ctl("daemon-reload", user="nobody")
    assert r.returncode == 1 and "only root may reload" in r.stderr, r
    assert ns.unit_status("web")["pid"] == pid


def test_instances_made_on_demand_survive_a_reload(fastinit):
    ns = fastinit.new({"default": "[unit]\n",
                       "worker@": '[service]\nexec = ["/bin/sleep", "1000"]\n'})
    ns.start()
    ns.ctl_ok("start", "worker@one")
    pid = ns.wait_state("worker@one", "active")["pid"]
    out = reload_ok(ns)
    assert "worker@one" not in out, out
    info = ns.unit_status("worker@one")
    assert (info["state"], info["pid"]) == ("active", pid), info


def test_a_reload_storm_does_not_stall_pid1(fastinit):
    ns, pid = boot_with_web(fastinit)
    for i in range(50):
        ns.write_units({f"extra{i}": '[service]\nexec = ["/bin/sleep", "1"]\n'})
    results = []

    def call():
        results.append(ns.ctl("daemon-reload", timeout=60))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for _ in range(300):
        os.kill(ns.init_pid, signal.SIGHUP)
    # PID 1 still answers while the storm is on.
    assert ns.unit_status("web")["pid"] == pid
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 8
    for r in results:
        assert r.returncode == 0 and " unchanged" in r.stdout, r
    # A SIGHUP's reload may be the one that finds the new units; then every
    # call is answered by a later reload that finds nothing new. Either way
    # they are added exactly once.
    log = ns.read_log()
    assert log.count("added: extra0") == 1, log
    info = ns.unit_status("web")
    assert (info["state"], info["pid"]) == ("active", pid), info
    # Coalesced: far fewer reloads than requests.
    reloads = log.count("reloaded units in")
    assert 1 <= reloads < 100, reloads


def test_a_huge_and_hostile_unit_dir_does_not_hurt_pid1(fastinit):
    ns, pid = boot_with_web(fastinit)
    for i in range(1500):
        ns.write_units({f"many{i}": f'[unit]\nwants = ["many{i + 1}"]\n'})
    with open(os.path.join(ns.unit_dir, "huge.toml"), "w") as f:
        f.write("[unit]\ndescription = \"" + "x" * (8 << 20) + "\"\n")
    with open(os.path.join(ns.unit_dir, "binary.toml"), "wb") as f:
        f.write(bytes(range(256)) * 64)
    with open(os.path.join(ns.unit_dir, "deep.toml"), "w") as f:
        f.write("a = " + "[" * 100000 + "\n")
    r = ns.ctl("daemon-reload", timeout=120)
    assert r.returncode == 0, r
    for name in ("huge", "binary", "deep"):
        assert f"broken: {name} (not loaded)" in r.stdout, r.stdout
    assert "added: many0" in r.stdout
    info = ns.unit_status("web")
    assert (info["state"], info["pid"]) == ("active", pid), info
    # Back to a small directory: every extra unit goes.
    for name in os.listdir(ns.unit_dir):
        if name.startswith(("many", "huge", "binary", "deep")):
            os.remove(os.path.join(ns.unit_dir, name))
    r = ns.ctl_ok("daemon-reload", timeout=120)
    assert "removed: many0" in r.stdout, r.stdout
    assert ns.unit_status("web")["pid"] == pid
