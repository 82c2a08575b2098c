"""Parallel start of a generated random DAG of oneshot units."""

import random

UNIT_COUNT = 200
DEPTH = 15
SEED = 20240601


def generate_dag(seed=SEED, count=UNIT_COUNT, depth=DEPTH):
    """Returns ({unit: sleep seconds}, {unit: [units it requires]}).

    Units are spread over `depth` layers; every unit past layer 0 requires
    one unit of the layer just before it (so the longest chain has `depth`
    units) and up to two more from any earlier layer.
    """
    rng = random.Random(seed)
    layers = [[] for _ in range(depth)]
    names = [f"u{i:03d}" for i in range(count)]
    for i, name in enumerate(names):
        # The first `depth` units seed one layer each; the rest go anywhere.
        layers[i if i < depth else rng.randrange(depth)].append(name)
    durations = {name: rng.choice([0.01, 0.02, 0.03, 0.04, 0.05]) for name in names}
    requires = {}
    for level, layer in enumerate(layers):
        for name in layer:
            deps = set()
            if level > 0:
                deps.add(rng.choice(layers[level - 1]))
                earlier = [n for lower in layers[:level] for n in lower]
                for _ in range(rng.randrange(3)):
                    deps.add(rng.choice(earlier))
            requires[name] = sorted(deps)
    return durations, requires


def test_random_dag_starts_in_parallel_respecting_order(fastinit):
    durations, requires = generate_dag()
    units = {
        "default": '[unit]\nrequires = [%s]\n' % ", ".join(f'"{n}"' for n in sorted(durations)),
    }
    for name, seconds in durations.items():
        deps = ", ".join(f'"{d}"' for d in requires[name])
        units[name] = (
            f'[unit]\nrequires = [{deps}]\n\n'
            f'[service]\ntype = "oneshot"\nexec = ["/bin/sleep", "{seconds}"]\n'
            f'start_timeout = "60s"\n')
    ns = fastinit.boot(units)
    timeline = ns.timeline()
    by_name = {u["name"]: u for u in timeline["units"]}

    assert set(by_name) == set(durations) | {"default"}
    not_active = {n: (u["state"], u["result"], u.get("reason")) for n, u in by_name.items()
                  if u["state"] != "active"}
    assert not not_active, not_active

    edges = [(name, dep) for name, deps in requires.items() for dep in deps]
    assert len(edges) > UNIT_COUNT
    for dependent, dependency in edges:
        d, p = by_name[dependent], by_name[dependency]
        assert d["started_us"] >= p["ready_us"], (
            f"{dependent} started at {d['started_us']}us, before {dependency} "
            f"was ready at {p['ready_us']}us")
    for name in durations:  # oneshots run at least as long as they sleep
        u = by_name[name]
        assert u["ready_us"] - u["started_us"] >= durations[name] * 1e6 * 0.9, u

    # The longest chain really is DEPTH units long, and was respected.
    longest = {}
    for name in sorted(durations, key=lambda n: by_name[n]["ready_us"]):
        longest[name] = 1 + max((longest[d] for d in requires[name]), default=0)
    assert max(longest.values()) == DEPTH

    # Parallelism: the whole boot took less than running every unit in turn.
    makespan = timeline["makespan_us"]
    nominal_sum = sum(durations.values()) * 1e6
    measured_sum = sum(by_name[n]["ready_us"] - by_name[n]["started_us"] for n in durations)
    assert makespan < nominal_sum, (makespan, nominal_sum)
    assert makespan < measured_sum, (makespan, measured_sum)
    assert by_name["default"]["ready_us"] >= max(by_name[n]["ready_us"] for n in durations)
