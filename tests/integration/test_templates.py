"""Unit templates: NAME@.toml made into NAME@INSTANCE with %i and %I."""

import os
import shutil
import subprocess

from conftest import REPO


def test_template_instantiated_twice_runs_each_with_its_argument(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "default": '[unit]\nwants = ["echo@one", "echo@dev-tty\\\\x2d1"]\n',
        "echo@": f"""
            [unit]
            description = "echo for %i"
            [service]
            exec = ["/bin/sh", "-c", "echo \\"$0 %I\\" > {ns.work()}/$0; exec sleep 1000", "%i"]
        """,
    })
    ns.start()
    one = ns.wait_state("echo@one", "active")
    two = ns.wait_state("echo@dev-tty\\x2d1", "active")
    assert one["pid"] and two["pid"] and one["pid"] != two["pid"]
    assert "echo for one" in one["header"], one
    assert ns.cmdline_of_ns_pid(one["pid"])[-1] == "1000"

    def written(name):
        path = ns.work(name)
        return open(path).read() if os.path.exists(path) else None

    from conftest import wait_until
    assert wait_until(lambda: written("one"), 5, "echo@one's file") == "one one\n"
    assert wait_until(lambda: written("dev-tty\\x2d1"), 5,
                      "the escaped instance's file") == "dev-tty\\x2d1 dev/tty-1\n"
    # The template is no unit of its own.
    assert ns.ctl("status", "echo@").returncode != 0


def test_a_bad_instance_is_refused_and_the_rest_goes_on(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "default": '[unit]\nwants = ["pass@..", "pass@fine"]\n',
        "pass@": """
            [service]
            type = "oneshot"
            exec = ["/bin/true", "%I"]
        """,
    })
    ns.start()
    ns.wait_state("pass@fine", "active")
    log = ns.read_log()
    assert "default.toml: error: cannot make pass@.. from" in log, log
    assert "\"..\" segment" in log, log


def test_unknown_specifier_names_file_line_and_key(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "default": '[unit]\nwants = ["clock@x", "ok"]\n',
        "clock@": '[service]\nexec = ["/bin/date", "+%s"]\n',
        "ok": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n',
    })
    ns.start()
    ns.wait_state("ok", "active")
    log = ns.read_log()
    assert "clock@.toml:2:1: error: service.exec: unknown specifier \"%s\"" in log, log


def test_shipped_getty_template_checks_out(fastinit_bin, tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    shutil.copy(os.path.join(REPO, "units", "getty@.toml"), units)
    (units / "default.toml").write_text('[unit]\nwants = "getty@ttyS0"\n')
    r = subprocess.run([fastinit_bin, "check", str(units)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "target default pulls in 2 units" in r.stdout, r.stdout


def test_the_boot_target_may_be_an_instance(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "mark@": f"""
            [service]
            type = "oneshot"
            exec = ["/bin/sh", "-c", "echo %i > {ns.work()}/mark"]
        """,
    })
    ns.start(target="mark@booted")
    ns.wait_state("mark@booted", "active")
    with open(ns.work("mark")) as f:
        assert f.read() == "booted\n"


def test_each_kernel_console_gets_a_getty_wanted_by_multi_user(fastinit):
    ns = fastinit.new()
    active = ns.work("console-active")
    with open(active, "w") as f:
        f.write("tty0 ttyS0 ../etc\n")
    ns.write_units({
        "default": '[unit]\nrequires = "multi-user"\n',
        "multi-user": "[unit]\n",
        # A stand-in for agetty that says which terminal it was given.
        "getty@": f"""
            [service]
            exec = ["/bin/sh", "-c", "echo $0 > {ns.work()}/$0; exec sleep 1000", "%I"]
        """,
    })
    ns.start(extra_args=["--console-active", active])
    ns.wait_state("getty@tty1", "active")
    ns.wait_state("getty@ttyS0", "active")
    from conftest import wait_until
    wait_until(lambda: os.path.exists(ns.work("ttyS0")), 5, "getty@ttyS0 to run")
    log = ns.read_log()
    assert "console \"../etc\" gets no getty" in log, log
    assert ns.ctl("status", "getty@..-etc").returncode != 0


def test_start_makes_an_instance_no_unit_names(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "default": '[unit]\nwants = ["base"]\n',
        "base": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n',
        "echo@": f"""
            [unit]
            description = "echo for %i"
            requires = ["base"]
            [service]
            exec = ["/bin/sh", "-c", "echo \\"$0 %I\\" > {ns.work()}/$0; exec sleep 1000", "%i"]
        """,
    })
    ns.start()
    ns.wait_state("default", "active")
    assert ns.ctl("status", "echo@later").returncode != 0  # not made yet
    ns.ctl_ok("start", "echo@later")
    info = ns.wait_state("echo@later", "active")
    assert "echo for later" in info["header"], info
    assert info["pid"] and ns.cmdline_of_ns_pid(info["pid"])[-1] == "1000"
    from conftest import wait_until
    path = ns.work("later")
    assert wait_until(lambda: os.path.exists(path) and open(path).read(), 5,
                      "the instance's file") == "later later\n"
    # Hostile instance names are refused with the reason, and nothing is made.
    r = ns.ctl("start", "echo@..")
    assert r.returncode != 0 and '".."' in r.stderr, r
    r = ns.ctl("start", "nosuch@x")
    assert r.returncode != 0 and "no such unit" in r.stderr, r
    assert ns.ctl("status", "echo@..").returncode != 0
    ns.ctl_ok("stop", "echo@later")
    ns.wait_state("echo@later", "inactive")
