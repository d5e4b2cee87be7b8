"""The command line as a user meets it (issue 15): `--version`, `serve --help`, and errors that show the usage."""

import os
import subprocess


def sekisho(*args):
    return subprocess.run([os.environ["SEKISHO_BIN"], *args], capture_output=True, text=True, timeout=10)


def test_version():
    for flag in ("--version", "-V"):
        out = sekisho(flag)
        assert out.returncode == 0 and out.stdout.startswith("sekisho ") and out.stdout.strip().split()[1][0].isdigit()


def test_serve_help_lists_the_options_and_does_not_start():
    out = sekisho("serve", "--help")
    assert out.returncode == 0
    assert out.stdout.startswith("usage: sekisho serve")
    for option in ("--host", "--port", "--config", "SEKISHO_TOKEN"):
        assert option in out.stdout


def test_every_command_has_help():
    for command in ("profiles", "explain"):
        out = sekisho(command, "-h")
        assert out.returncode == 0 and out.stdout.startswith(f"usage: sekisho {command}")


def test_an_unknown_option_shows_the_usage():
    out = sekisho("serve", "--prot", "1")
    assert out.returncode == 2 and "unknown option --prot" in out.stderr and "usage:" in out.stderr
