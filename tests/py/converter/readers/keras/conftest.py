import tempfile

import pytest


@pytest.fixture(autouse=True)
def scratch_space(tmp_path, monkeypatch):
    """A temporary-files folder of this test's own, to see that the reader's scratch files are removed."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
