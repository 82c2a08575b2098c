"""`fastinit devices reindex`, what mkinitramfs --cache runs on its copy of
a cache: a golden cache (`devices probe --no-load` against a module tree)
moves onto a re-indexed copy of part of that tree, as an initramfs holds,
and the boot's check then calls it valid; a cache of another tree is left
byte for byte as it was."""

import json
import os
import shutil
import subprocess

import pytest


def run(fastinit_bin, *args):
    return subprocess.run([fastinit_bin, "devices", *args], capture_output=True, text=True,
                          timeout=60)


def image_tree(source, modules, base):
    """What mkinitramfs makes: `modules` (paths in `source`) copied and
    indexed by depmod; returns the copy's directory."""
    release = os.path.basename(source.rstrip("/"))
    tree = os.path.join(base, "lib", "modules", release)
    os.makedirs(tree)
    for name in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
        if os.path.exists(os.path.join(source, name)):
            shutil.copy(os.path.join(source, name), tree)
    for path in modules:
        os.makedirs(os.path.join(tree, os.path.dirname(path)), exist_ok=True)
        shutil.copy(os.path.join(source, path), os.path.join(tree, path))
    subprocess.run(["depmod", "-b", base, release], check=True, capture_output=True)
    return tree


def test_a_golden_cache_takes_the_image_index_and_no_other_cache_does(fastinit_bin, tmp_path):
    source = os.environ.get("FASTINIT_MODULES_DIR")
    if not source:
        pytest.skip("FASTINIT_MODULES_DIR is not set (scripts/test sets it)")
    cache = str(tmp_path / "golden.db")
    r = run(fastinit_bin, "probe", "--no-load", "--modules-dir", source, "--cache", cache)
    assert r.returncode == 0, r.stderr
    shown = run(fastinit_bin, "show", "--json", "--cache", cache, "--modules-dir", source)
    paths = [m["path"] for m in json.loads(shown.stdout)["modules"]]
    image = image_tree(source, paths, str(tmp_path / "image"))

    # Unchanged, the image's boot would call it stale: another module index.
    r = run(fastinit_bin, "status", "--cache", cache, "--modules-dir", image)
    assert r.returncode == 1 and "module index" in r.stdout, r.stdout + r.stderr

    r = run(fastinit_bin, "reindex", "--cache", cache, "--modules-dir", image,
            "--source-modules-dir", source)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "now names the image's module index (%d modules)" % len(paths) in r.stdout, r.stdout
    r = run(fastinit_bin, "status", "--cache", cache, "--modules-dir", image)
    assert r.returncode == 0 and "valid: the next boot is using the device cache" in r.stdout, \
        r.stdout + r.stderr
    r = run(fastinit_bin, "reindex", "--cache", cache, "--modules-dir", image,
            "--source-modules-dir", source)
    assert r.returncode == 0 and "already names the image's module index" in r.stdout, r.stdout

    # A golden cache packed from another tree than it was made against
    # (here: --source-modules-dir names the image's copy, and the new image
    # holds one module more, so its index is a third one): untouched.
    fresh = str(tmp_path / "fresh.db")
    r = run(fastinit_bin, "probe", "--no-load", "--modules-dir", source, "--cache", fresh)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(source, "modules.dep")) as f:
        extra = next(line.split(":")[0] for line in f if line.split(":")[0] not in paths)
    other = image_tree(source, paths + [extra], str(tmp_path / "other"))
    before = open(fresh, "rb").read()
    r = run(fastinit_bin, "reindex", "--cache", fresh, "--modules-dir", other,
            "--source-modules-dir", image)
    assert r.returncode == 1 and "another module index" in r.stdout, r.stdout + r.stderr
    assert "left as it is" in r.stdout, r.stdout
    assert open(fresh, "rb").read() == before

    r = run(fastinit_bin, "reindex", "--cache", cache, "--modules-dir", image)
    assert r.returncode == 2 and "--source-modules-dir" in r.stderr, r.stderr
