"""readers/keras/files.py: corrupt and hostile `.keras` archives and `.h5` files are refused with the file
named, no output and no scratch files left; a read that hangs in libhdf5 is stopped."""

import time

import pytest
from keras_sources import FIXTURES, convert_fails, fixture_members, rezip

from tensorweb.converter.errors import MalformedModelError
from tensorweb.converter.readers.keras import files


def test_corrupt_h5_is_reported(tmp_path):
    data = (FIXTURES / "two_branch.h5").read_bytes()
    broken = tmp_path / "broken.h5"
    broken.write_bytes(data[: len(data) // 3])
    convert_fails(broken, tmp_path, MalformedModelError, "broken.h5: not a readable HDF5 file")


def test_corrupt_weights_inside_the_archive_are_reported(tmp_path):
    members = fixture_members()
    members["model.weights.h5"] = members["model.weights.h5"][:2000]
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "model.weights.h5")


def test_truncated_archive_is_reported(tmp_path):
    broken = tmp_path / "broken.keras"
    data = (FIXTURES / "two_branch.keras").read_bytes()
    broken.write_bytes(data[: len(data) - 200])
    convert_fails(broken, tmp_path, MalformedModelError, "broken.keras: not a readable zip archive")


@pytest.mark.parametrize("member", ["../evil.json", "/etc/evil", "C:/evil", "a/../../evil"])
def test_members_pointing_outside_are_refused(member, tmp_path):
    members = fixture_members() | {member: b"{}"}
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "points outside the archive")


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    members = fixture_members() | {"model.weights.h5": bytes(64 << 20)}  # 64 MiB of zeros deflate ~1000:1
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "zip bomb")


def test_member_larger_than_declared_is_refused(tmp_path):
    members = fixture_members()
    members["config.json"] = members["config.json"] + b" " * 5000
    path = rezip(tmp_path, members)
    # shrink the declared size in both headers, as a lying archive would
    data = bytearray(path.read_bytes())
    true_size = len(members["config.json"]).to_bytes(4, "little")
    assert data.count(true_size) >= 2
    data = data.replace(true_size, (100).to_bytes(4, "little"))
    path.write_bytes(bytes(data))
    convert_fails(path, tmp_path, MalformedModelError, "config.json")


def test_archive_without_config_is_not_a_keras_model(tmp_path):
    members = fixture_members()
    del members["config.json"]
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "no config.json")


def test_broken_config_json_is_reported(tmp_path):
    members = fixture_members() | {"config.json": b"{\"class_name\": "}
    convert_fails(rezip(tmp_path, members), tmp_path, MalformedModelError, "config.json: not valid JSON")


def test_a_reader_that_hangs_is_stopped(tmp_path):
    started = time.monotonic()
    with pytest.raises(MalformedModelError, match="did not finish reading it in 1 s"):
        files.isolated(time.sleep, 30, what="slow.h5", timeout=1)
    assert time.monotonic() - started < 10


def test_hdf5_file_that_makes_libhdf5_loop_is_reported(tmp_path, monkeypatch):
    # a mutant of two_branch.h5 on which libhdf5 (2.0 here) spins in C code reading the root's attributes
    monkeypatch.setattr(files, "read_timeout", lambda path: 2)
    convert_fails(FIXTURES / "corrupt_hdf5_loops.h5", tmp_path, MalformedModelError, "corrupt_hdf5_loops.h5")
