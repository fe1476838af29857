"""Files written atomically get the permissions a plain open() would give, not mkstemp's 0600."""

import os
import stat
import sys

import pytest
import torch

from gan_lessons._atomic import temp_file_for
from gan_lessons.checkpoint import save_checkpoint

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def _umask():
    u = os.umask(0)
    os.umask(u)
    return u


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_temp_file_for_follows_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        fd, tmp = temp_file_for(tmp_path / "x.pt")
        os.close(fd)
        assert stat.S_IMODE(os.stat(tmp).st_mode) == 0o666 & ~umask
        assert os.path.dirname(tmp) == str(tmp_path) and os.path.basename(tmp).startswith(".x.pt.")
    finally:
        os.umask(old)


def test_checkpoint_readable_like_any_file(tmp_path):
    path = save_checkpoint(tmp_path / "c.pt", w=torch.zeros(2))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left behind


def test_cli_samples_readable_like_any_file(tmp_path):
    from dataclasses import replace

    from gan_lessons import runs
    from gan_lessons.cli import main
    from gan_lessons.recipes import toy_config

    r = runs.run(replace(toy_config("gaussian"), steps=3), out=tmp_path)
    out = tmp_path / "s.npy"
    assert main(["sample", str(tmp_path / "checkpoint.pt"), "--n", "5", "--out", str(out)]) == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o666 & ~_umask()
    assert r.step == 3
