"""Docs stay honest: every CLI command is in the README with help text; the README's commands exist."""
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from app.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def commands(group: click.Group = cli, prefix: str = "jixiao") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            out.extend(commands(cmd, path))
        else:
            out.append((path, cmd))
    return out


@pytest.mark.parametrize("path,cmd", commands(), ids=[p for p, _ in commands()])
def test_every_command_is_documented_and_has_help(path, cmd):
    assert f"`{path}" in README, f"{path} is missing from the README's CLI reference"
    assert cmd.help and len(cmd.help.split()) >= 4
    args = path.split()[1:] + ["--help"]
    r = CliRunner().invoke(cli, args, obj={})
    assert r.exit_code == 0 and "Usage:" in r.output


def test_readme_starts_with_the_two_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    assert first_block.splitlines()[0].startswith("make run") and first_block.splitlines()[1].startswith("make test")
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text("utf-8")


def test_readme_names_no_command_that_does_not_exist():
    known = {p for p, _ in commands()} | {"jixiao"}
    for m in re.finditer(r"`(jixiao(?: [a-z]+){1,2})", README):
        named = m.group(1)
        assert any(named == k or named.startswith(k + " ") or k.startswith(named) for k in known), named
