"""What every hostile-file test of the converter checks, whatever the format: `tensorweb convert`
on the bytes either succeeds or fails with one clean error line and leaves no output folder."""

from tensorweb.converter.cli import main


def convert_bytes(data: bytes, tmp_path, capsys, *, suffix: str) -> tuple[int, str]:
    """Converts `data`, saved as model`suffix`; returns the exit status and stderr."""
    source = tmp_path / f"model{suffix}"
    source.write_bytes(data)
    out = tmp_path / "out"
    status = main(["convert", str(source), str(out), "--force"])
    err = capsys.readouterr().err
    if status != 0:
        assert not out.exists()
        assert err.startswith("tensorweb convert: error: "), err
        assert err.count("\n") == 1 or "cannot be converted" in err, err  # only op lists take more lines
    assert "Traceback" not in err and "internal error" not in err, err
    return status, err
