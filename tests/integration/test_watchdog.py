"""The service watchdog with real processes: a service that stops petting is
killed and restarted with result `watchdog`; one that keeps petting is left
alone; both see WATCHDOG_USEC and their own pid as WATCHDOG_PID."""

# Pets PETS times (forever when negative) at a quarter of the timeout, from
# the main process itself, then hangs; each start appends
# "pid WATCHDOG_PID WATCHDOG_USEC" to LOG.
PETTER = r"""
import os, socket, sys, time
pets, log = int(sys.argv[1]), sys.argv[2]
usec = int(os.environ["WATCHDOG_USEC"])
with open(log, "a") as f:
    f.write(f"{os.getpid()} {os.environ.get('WATCHDOG_PID')} {usec}\n")
address = os.environ["NOTIFY_SOCKET"]
if address.startswith("@"):
    address = "\0" + address[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n = 0
while pets < 0 or n < pets:
    s.sendto(b"WATCHDOG=1", address)
    time.sleep(usec / 4e6)
    n += 1
time.sleep(1000)
"""


def starts(path):
    try:
        with open(path) as f:
            return [line.split() for line in f.read().splitlines()]
    except FileNotFoundError:
        return []


def test_service_that_stops_petting_is_restarted_one_that_pets_is_not(fastinit):
    ns = fastinit.new()
    script = ns.work("petter.py")
    with open(script, "w") as f:
        f.write(PETTER)
    lapses_log, keeps_log = ns.work("lapses.log"), ns.work("keeps.log")
    ns.write_units({
        "default": '[unit]\nwants = ["lapses", "keeps"]\n',
        "lapses": f"""
            [service]
            exec = ["/usr/bin/python3", "{script}", "3", "{lapses_log}"]
            watchdog = "1s"
            restart = "on-failure"
            restart_delay = "2s"
            start_limit_burst = 10
        """,
        "keeps": f"""
            [service]
            exec = ["/usr/bin/python3", "{script}", "-1", "{keeps_log}"]
            watchdog = "1s"
        """,
    })
    ns.start(wait=False)
    info = ns.wait_unit("lapses", lambda i: i["state"] == "restarting", "restarting", timeout=20)
    assert info["result"] == "watchdog", info
    assert "watchdog timeout after 1s" in info.get("Reason", ""), info
    ns.wait_unit("lapses", lambda i: len(starts(lapses_log)) >= 2 and i["state"] == "active",
                 "started again", timeout=20)

    first = starts(lapses_log)[0]
    assert first[1] == first[0], f"WATCHDOG_PID is the service's own pid: {first}"
    assert first[2] == "1000000", first

    # By now (a lapse, a 2 s restart delay) the petting service has outlived
    # several of its 1 s timeouts in one run.
    info = ns.unit_status("keeps")
    assert info["state"] == "active", info
    assert len(starts(keeps_log)) == 1, starts(keeps_log)
    assert info["pid"] == int(starts(keeps_log)[0][0]), info
