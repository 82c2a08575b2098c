"""Drop-ins with real processes: a drop-in under the admin's directory (the
first --units, as /etc/fastinit/units) changes a shipped unit's program and
environment (in the last one, as /usr/lib/fastinit/units), and the service
runs with them; `fastinit status` lists the drop-ins; a broken drop-in
leaves its unit out with the drop-in's file, line and key in the log, and
the rest of the boot goes on."""

import os


SHIPPED = '''[unit]
wanted_by = ["default"]

[service]
type = "oneshot"
exec = ["/bin/sh", "-c", "echo shipped $GREETING > {out}"]
environment = {{ GREETING = "hello" }}
'''


def shipped_dir(ns, units):
    lib = os.path.join(ns.dir, "lib-units")
    os.makedirs(lib, exist_ok=True)
    for name, text in units.items():
        with open(os.path.join(lib, name), "w") as f:
            f.write(text)
    return lib


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def test_a_dropin_changes_a_shipped_units_program_and_environment(fastinit):
    ns = fastinit.new({"default": "[unit]\n"})
    out = ns.work("greeting")
    lib = shipped_dir(ns, {"greet.toml": SHIPPED.format(out=out)})
    # The shipped drop-in is hidden by the admin's of the same name.
    write(os.path.join(lib, "greet.toml.d", "50-env.toml"),
          '[service]\nenvironment = { GREETING = "from-lib" }\n')
    write(os.path.join(ns.unit_dir, "greet.toml.d", "50-env.toml"),
          '[service]\nenvironment = { GREETING = "from-etc" }\n')
    write(os.path.join(ns.unit_dir, "greet.toml.d", "60-exec.toml"),
          f'[service]\nexec = ["/bin/sh", "-c", "echo dropin $GREETING > {out}"]\n')
    ns.start(extra_args=("--units", lib))
    ns.wait_state("greet", "active")
    with open(out) as f:
        assert f.read() == "dropin from-etc\n"
    r = ns.ctl_ok("status", "greet")
    etc_dropins = os.path.join(ns.unit_dir, "greet.toml.d")
    assert (f"Drop-ins: {etc_dropins}/50-env.toml, {etc_dropins}/60-exec.toml"
            in r.stdout), r.stdout


def test_a_broken_dropin_leaves_its_unit_out_and_the_boot_goes_on(fastinit):
    ns = fastinit.new({"default": '[unit]\nwants = ["greet", "other"]\n',
                       "other": '[service]\ntype = "oneshot"\nexec = ["/bin/true"]\n'})
    out = ns.work("greeting")
    lib = shipped_dir(ns, {"greet.toml": SHIPPED.format(out=out)})
    dropin = os.path.join(ns.unit_dir, "greet.toml.d", "10-typo.toml")
    write(dropin, '# the admin\'s change\n[service]\nrestrat = "always"\n')
    ns.start(extra_args=("--units", lib))
    ns.wait_state("other", "active")
    log = ns.read_log()
    assert (f'{dropin}:3:1: error: service.restrat: unknown key "restrat" '
            '(did you mean "restart"?)') in log, log
    assert not os.path.exists(out)
    # `fastinit check` says the same.
    r = ns.ctl("check", ns.unit_dir, lib)
    assert r.returncode == 1, r.stdout
    assert f"{dropin}:3:1: error: service.restrat" in r.stdout, r.stdout


def test_a_template_dropin_applies_to_each_instance(fastinit):
    ns = fastinit.new({"default": '[unit]\nwants = ["echo@a", "echo@b"]\n'})
    write(os.path.join(ns.unit_dir, "echo@.toml"),
          f'[service]\ntype = "oneshot"\nexec = ["/bin/sh", "-c", "echo %i > {ns.work("%i")}"]\n')
    write(os.path.join(ns.unit_dir, "echo@.toml.d", "10.toml"),
          f'[service]\nexec = ["/bin/sh", "-c", "echo all-%i > {ns.work("%i")}"]\n')
    write(os.path.join(ns.unit_dir, "echo@b.toml.d", "10.toml"),
          f'[service]\nexec = ["/bin/sh", "-c", "echo only-%i > {ns.work("%i")}"]\n')
    ns.start()
    ns.wait_state("echo@a", "active")
    ns.wait_state("echo@b", "active")
    with open(ns.work("a")) as f:
        assert f.read() == "all-a\n"
    with open(ns.work("b")) as f:
        assert f.read() == "only-b\n"
