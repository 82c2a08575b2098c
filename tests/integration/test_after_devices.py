"""after_devices: units that wait for a device, with fastinit as PID 1 of a
PID namespace. The devices are stand-ins the test controls: a file path
(present or created later) and the loopback interface (net:lo)."""

import os

from conftest import wait_until


def test_unit_waits_for_a_path_and_starts_when_it_appears(fastinit):
    ns = fastinit.new()
    late = ns.work("dev-late")
    present = ns.work("dev-present")
    open(present, "w").close()
    ns.write_units({
        "default": '[unit]\nwants = ["waiter", "other"]\n',
        "waiter": f"""
            [unit]
            after_devices = ["{present}", "net:lo", "{late}"]
            [service]
            type = "oneshot"
            exec = ["/bin/sh", "-c", "echo ran > {ns.work('ran')}"]
        """,
        "other": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n',
    })
    ns.start(wait=False)
    ns.wait_socket()
    info = ns.wait_state("waiter", "waiting")
    # Only what is missing is shown.
    assert info.get("Waiting") == f"for {late}", info
    ns.wait_state("other", "active")
    assert not os.path.exists(ns.work("ran"))

    open(late, "w").close()
    ns.wait_state("waiter", "active", timeout=10)
    assert open(ns.work("ran")).read() == "ran\n"
    ns.wait_state("default", "active")


def test_a_device_that_never_appears_fails_the_unit_and_wanters_go_on(fastinit):
    ns = fastinit.new()
    never = ns.work("dev-never")
    ns.write_units({
        "default": '[unit]\nwants = ["waiter", "needs-it"]\n',
        "waiter": f"""
            [unit]
            after_devices = ["{never}"]
            device_timeout = "1500ms"
            [service]
            type = "oneshot"
            exec = ["/bin/true"]
        """,
        "needs-it": '[unit]\nrequires = ["waiter"]\n'
                    '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n',
    })
    ns.start(wait=False)
    ns.wait_socket()
    info = ns.wait_state("waiter", "failed", timeout=15)
    assert info["result"] == "timeout", info
    assert info["Reason"] == f"{never} did not appear within 1.5s", info
    assert ns.wait_state("needs-it", "skipped")["result"] == "dependency"
    # default only wants it: the boot goes on.
    ns.wait_state("default", "active")


def test_a_misspelt_device_is_an_error_naming_file_line_and_key(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "default": '[unit]\nwants = ["bad", "good"]\n',
        "bad": '[unit]\ndescription = "x"\nafter_devices = ["LABLE=data"]\n'
               '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n',
        "good": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n',
    })
    ns.start()
    ns.wait_state("good", "active")
    log = ns.read_log()
    assert "bad.toml:3:1: error: unit.after_devices: \"LABLE=data\" is not a device" in log, log
    assert ns.wait_state("bad", "failed")["result"] == "broken"
