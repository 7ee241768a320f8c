import subprocess
import sys
from pathlib import Path

import pytest

from tensorweb.cli import EXIT_USAGE, build_parser, main

SUBCOMMANDS = ["convert", "verify", "serve", "bench", "examples"]


def test_help_lists_every_subcommand():
    result = subprocess.run([sys.executable, "-m", "tensorweb", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in SUBCOMMANDS:
        assert command in result.stdout


def test_console_script_is_installed():
    result = subprocess.run([str(Path(sys.executable).parent / "tensorweb"), "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("tensorweb ")


def test_no_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([])
    assert exit_info.value.code == EXIT_USAGE
    assert "COMMAND" in capsys.readouterr().err


def test_unknown_subcommand_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == EXIT_USAGE


@pytest.mark.parametrize("command", ["bench", "examples"])
def test_pending_subcommand_says_so_and_exits_2(command, capsys):
    assert main([command]) == EXIT_USAGE
    assert "not available yet" in capsys.readouterr().err
