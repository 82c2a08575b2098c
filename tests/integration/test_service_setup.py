"""What a service starts with besides its argv: environment files and the
user's passwd variables, its runtime/state/logs directories, and process
attributes (limits, umask, nice, I/O class, affinity, OOM score,
no_new_privileges, capabilities), read back by real processes from /proc."""

import os
import shutil
import stat
import uuid

import pytest

from conftest import wait_until

NOBODY = 65534


def read(path):
    with open(path) as f:
        return f.read()


def status_fields(text):
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def env_of(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_environment_files_and_passwd_variables(fastinit):
    ns = fastinit.new()
    first = ns.work("first.env")
    second = ns.work("second.env")
    with open(first, "w") as f:
        f.write('# comment\nFROM_FILE=one\nOVERRIDE=file1\nQUOTED="a  b"\n'
                "this line is broken\nSHELL=/bin/from-file\n")
    with open(second, "w") as f:
        f.write("OVERRIDE=file2\n")
    out = ns.work("env")
    ns.write_units({
        "default": '[unit]\nwants = ["env", "missing"]\n',
        "env": f"""
            [service]
            type = "oneshot"
            user = "nobody"
            environment = {{ OVERRIDE = "table", HOME = "/set/by/unit" }}
            environment_file = ["{first}", "-{ns.work('absent.env')}", "{second}"]
            exec = ["/bin/sh", "-c", "env > {out}"]
        """,
        "missing": f"""
            [service]
            type = "oneshot"
            environment_file = "{ns.work('absent.env')}"
            exec = ["/bin/true"]
        """,
    })
    ns.start()
    ns.wait_state("env", "active")
    env = env_of(read(out))
    assert env["FROM_FILE"] == "one"
    assert env["QUOTED"] == "a  b"
    assert env["OVERRIDE"] == "file2", "later files override earlier ones and the table"
    assert env["USER"] == "nobody" and env["LOGNAME"] == "nobody"
    assert env["HOME"] == "/set/by/unit", "the unit's own environment wins over passwd"
    assert env["SHELL"] == "/bin/from-file", "a file wins over passwd"
    assert env["PATH"].startswith("/usr/local/sbin")
    log = ns.read_log()
    assert f"{first}:5: expected NAME=value" in log, log

    info = ns.wait_state("missing", "failed")
    assert "cannot read the environment file" in info["Reason"], info
    assert "absent.env: No such file" in info["Reason"], info


def test_an_environment_file_cannot_redirect_notifications(fastinit):
    ns = fastinit.new()
    hijack = ns.work("hijack.env")
    with open(hijack, "w") as f:
        f.write("NOTIFY_SOCKET=/tmp/hijack\n")
    out = ns.work("env")
    ns.write_units({
        "default": '[unit]\nwants = ["n"]\n',
        "n": f"""
            [service]
            type = "notify"
            environment_file = "{hijack}"
            exec = ["/bin/sh", "-c", "env > {out}; systemd-notify --ready; exec sleep 100"]
        """,
    })
    ns.start()
    ns.wait_state("n", "active")  # its READY=1 reached the manager
    env = env_of(read(out))
    assert env["NOTIFY_SOCKET"] != "/tmp/hijack", env
    assert env["NOTIFY_SOCKET"], env


def test_hostile_environment_files_fail_the_start_not_the_manager(fastinit):
    ns = fastinit.new()
    fifo = ns.work("fifo.env")
    os.mkfifo(fifo)
    big = ns.work("big.env")
    with open(big, "w") as f:
        f.write("A=" + "x" * (300 * 1024) + "\n")
    binary = ns.work("binary.env")
    with open(binary, "wb") as f:
        f.write(b"\x00\xff\n=\n\"\nOK=1\n" + bytes(range(256)))
    out = ns.work("env")
    ns.write_units({
        "default": '[unit]\nwants = ["fifo", "big", "binary"]\n',
        "fifo": f'[service]\nenvironment_file = "{fifo}"\nexec = ["/bin/sleep", "100"]\n',
        "big": f'[service]\nenvironment_file = "{big}"\nexec = ["/bin/sleep", "100"]\n',
        "binary": f"""
            [service]
            type = "oneshot"
            environment_file = "{binary}"
            exec = ["/bin/sh", "-c", "env > {out}"]
        """,
    })
    ns.start()
    assert "not a regular file" in ns.wait_state("fifo", "failed")["Reason"]
    assert "262144" in ns.wait_state("big", "failed")["Reason"]
    ns.wait_state("binary", "active")
    assert "OK=1" in read(out).splitlines()
    assert f"{binary}:1:" in ns.read_log()


def test_passwd_variables_for_a_user_service(fastinit):
    ns = fastinit.new()
    out = ns.work("env")
    ns.write_units({
        "default": '[unit]\nwants = "u"\n',
        "u": f"""
            [service]
            type = "oneshot"
            user = "nobody"
            exec = ["/bin/sh", "-c", "env > {out}"]
        """,
    })
    ns.start()
    ns.wait_state("u", "active")
    env = env_of(read(out))
    assert env["HOME"] == "/nonexistent"
    assert env["USER"] == "nobody"
    assert env["LOGNAME"] == "nobody"
    assert env["SHELL"] == "/usr/sbin/nologin"


@pytest.fixture
def unique_name():
    name = f"fastinit-test-{uuid.uuid4().hex[:12]}"
    yield name
    for base in ("/run", "/var/lib", "/var/log"):
        shutil.rmtree(os.path.join(base, name), ignore_errors=True)


def test_directories_are_made_owned_and_runtime_ones_removed(fastinit, unique_name):
    ns = fastinit.new()
    name = unique_name
    ns.write_units({
        "default": '[unit]\nwants = "d"\n',
        "d": f"""
            [service]
            user = "nobody"
            runtime_directory = ["{name}", "{name}/sub"]
            runtime_directory_mode = "0700"
            state_directory = "{name}"
            logs_directory = "{name}/app"
            logs_directory_mode = "0750"
            exec = ["/bin/sh", "-c", "touch /run/{name}/sub/sock /var/lib/{name}/db && exec sleep 1000"]
        """,
    })
    ns.start()
    ns.wait_state("d", "active")
    # The manager, as PID 1, mounts a /run of its own: seen through its root.
    run_dir = f"/proc/{ns.init_pid}/root/run/{name}"
    wait_until(lambda: os.path.exists(f"{run_dir}/sub/sock"), 5, "the service to write")
    st = os.stat(run_dir)
    assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY)
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert os.stat(f"{run_dir}/sub").st_uid == NOBODY
    assert os.stat(f"/var/lib/{name}").st_uid == NOBODY
    assert stat.S_IMODE(os.stat(f"/var/lib/{name}").st_mode) == 0o755
    assert os.path.exists(f"/var/lib/{name}/db")
    logs = os.stat(f"/var/log/{name}/app")
    assert logs.st_uid == NOBODY and stat.S_IMODE(logs.st_mode) == 0o750
    assert os.stat(f"/var/log/{name}").st_uid == 0, "a parent made on the way stays root's"

    ns.ctl_ok("stop", "d")
    ns.wait_state("d", "inactive")
    wait_until(lambda: not os.path.exists(run_dir), 5, "the runtime directory to go")
    assert os.path.exists(f"/var/lib/{name}/db"), "state directories stay"
    assert os.path.isdir(f"/var/log/{name}/app"), "logs directories stay"


def test_hostile_directory_names_are_refused_at_parse_time(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "default": '[unit]\nwants = ["up", "abs"]\n',
        "up": '[service]\nruntime_directory = "../etc"\nexec = ["/bin/true"]\n',
        "abs": '[service]\nstate_directory = "/etc"\nexec = ["/bin/true"]\n',
    })
    ns.start()
    assert '".." component' in ns.wait_state("up", "failed")["Reason"]
    assert "absolute" in ns.wait_state("abs", "failed")["Reason"]


def test_process_attributes_as_root(fastinit):
    ns = fastinit.new()
    out = ns.work("attrs")
    script = (f"cat /proc/self/status > {out}.status; cat /proc/self/limits > {out}.limits; "
              f"cat /proc/self/oom_score_adj > {out}.oom; nice > {out}.nice; "
              f"ionice > {out}.ionice")
    ns.write_units({
        "default": '[unit]\nwants = "a"\n',
        "a": f"""
            [service]
            type = "oneshot"
            limit_nofile = "1000:2000"
            limit_core = "infinity"
            limit_stack = "4M"
            limit_nproc = 4321
            umask = "0027"
            nice = 7
            io_class = "best-effort"
            io_priority = 6
            cpu_affinity = [0]
            oom_score_adj = 250
            no_new_privileges = true
            capability_bounding_set = ["CAP_CHOWN", "CAP_KILL"]
            exec = ["/bin/sh", "-c", "{script}"]
        """,
    })
    ns.start()
    ns.wait_state("a", "active")
    fields = status_fields(read(out + ".status"))
    assert fields["Umask"] == "0027"
    assert fields["NoNewPrivs"] == "1"
    assert fields["Cpus_allowed_list"] == "0"
    assert int(fields["CapBnd"], 16) == (1 << 0) | (1 << 5)  # CAP_CHOWN, CAP_KILL
    assert int(fields["CapEff"], 16) == (1 << 0) | (1 << 5), "root keeps only the bounding set"
    limits = {}
    for line in read(out + ".limits").splitlines()[1:]:
        parts = line[26:].split()
        limits[line[:26].strip()] = parts[:2]
    assert limits["Max open files"] == ["1000", "2000"]
    assert limits["Max core file size"] == ["unlimited", "unlimited"]
    assert limits["Max stack size"] == [str(4 << 20), str(4 << 20)]
    assert limits["Max processes"] == ["4321", "4321"]
    # Raised: lowering it needs CAP_SYS_RESOURCE, which a container may lack.
    assert read(out + ".oom").strip() == "250"
    assert read(out + ".nice").strip() == "7"
    assert read(out + ".ionice").strip() == "best-effort: prio 6"


def test_ambient_capabilities_for_a_user_service(fastinit):
    ns = fastinit.new()
    out = ns.work("caps")
    bind = ("import socket, errno\n"
            "s = socket.socket()\n"
            "try:\n"
            "    s.bind(('127.0.0.1', 977)); print('bound')\n"
            "except OSError as e:\n"
            "    print(errno.errorcode[e.errno])\n")
    with open(ns.work("bind.py"), "w") as f:
        f.write(bind)
    ns.write_units({
        "default": '[unit]\nwants = ["caps", "plain"]\n',
        "caps": f"""
            [service]
            type = "oneshot"
            user = "nobody"
            ambient_capabilities = ["CAP_NET_BIND_SERVICE"]
            capability_bounding_set = ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]
            exec = ["/bin/sh", "-c", "cat /proc/self/status > {out}; /usr/bin/python3 {ns.work('bind.py')} > {out}.bind"]
        """,
        "plain": f"""
            [service]
            type = "oneshot"
            user = "nobody"
            exec = ["/bin/sh", "-c", "cat /proc/self/status > {out}.plain; /usr/bin/python3 {ns.work('bind.py')} > {out}.plain.bind"]
        """,
    })
    ns.start()
    ns.wait_state("caps", "active")
    ns.wait_state("plain", "active")
    fields = status_fields(read(out))
    bind_service = 1 << 10
    assert fields["Uid"].split()[0] == str(NOBODY)
    assert int(fields["CapAmb"], 16) == bind_service
    assert int(fields["CapEff"], 16) == bind_service
    assert int(fields["CapPrm"], 16) == bind_service
    assert int(fields["CapBnd"], 16) == bind_service | (1 << 13)
    assert read(out + ".bind").strip() in ("bound", "EADDRINUSE")
    plain = status_fields(read(out + ".plain"))
    assert int(plain["CapAmb"], 16) == 0 and int(plain["CapEff"], 16) == 0
    assert read(out + ".plain.bind").strip() == "EACCES", "without it, the port is refused"


def test_attribute_the_kernel_refuses_fails_the_start_with_a_reason(fastinit):
    ns = fastinit.new()
    ns.write_units({
        "default": '[unit]\nwants = "far"\n',
        # A CPU this machine does not have: sched_setaffinity refuses it.
        "far": '[service]\ncpu_affinity = [1000]\nexec = ["/bin/sleep", "100"]\n',
    })
    ns.start()
    info = ns.wait_state("far", "failed")
    assert "cannot set its CPU affinity" in info["Reason"], info


def test_a_limit_above_what_the_kernel_grants_is_lowered_and_logged(fastinit):
    """As systemd does: a hard limit the kernel will not raise (above
    fs.nr_open, or without CAP_SYS_RESOURCE) is kept where it is, the
    service runs, and the log says so."""
    ns = fastinit.new()
    out = ns.work("limits")
    with open("/proc/sys/fs/nr_open") as f:
        nr_open = int(f.read())
    ns.write_units({
        "default": '[unit]\nwants = "big"\n',
        "big": f"""
            [service]
            type = "oneshot"
            limit_nofile = "1024:{nr_open + 1}"
            exec = ["/bin/sh", "-c", "cat /proc/self/limits > {out}"]
        """,
    })
    ns.start()
    ns.wait_state("big", "active")
    with open(f"/proc/{ns.init_pid}/limits") as f:
        manager = {line[:26].strip(): line[26:].split()[:2] for line in f.readlines()[1:]}
    limits = {line[:26].strip(): line[26:].split()[:2] for line in read(out).splitlines()[1:]}
    assert limits["Max open files"] == ["1024", manager["Max open files"][1]], limits
    log = ns.read_log()
    assert (f"big: limit_nofile 1024:{nr_open + 1} is above the hard limit this manager may "
            f"grant; /bin/sh runs with 1024:{manager['Max open files'][1]} instead") in log, log
