"""Every command in the README's Commands table exists: `python main.py WORDS --help` answers.

The table is read from README.md itself, so a row added for a command that does not exist (or a
command renamed without its row) fails here. Alternatives such as `lobby|sync` expand to each.
"""
from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def readme_commands() -> list[tuple[str, ...]]:
    """The command words of each row of README.md's Commands table, alternatives expanded."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Commands\n(.*?)(?=^## )", text, re.DOTALL | re.MULTILINE)
    assert section, "README.md has no '## Commands' section"
    commands: list[tuple[str, ...]] = []
    for row in re.findall(r"^\| `(kiosk [^`]+)` \|", section.group(1), re.MULTILINE):
        words = []
        for token in row.replace("\\|", "|").split()[1:]:
            if token.startswith(("-", "[")) or token.isupper():
                break  # options and placeholders: the command words come first
            words.append(token.split("|"))
        commands.extend(itertools.product(*words))
    return commands


COMMANDS = readme_commands()


def test_the_table_was_read():
    assert len(COMMANDS) >= 15, COMMANDS  # a changed table layout must not silently test nothing
    assert ("simulate", "printer") in COMMANDS and ("bench", "dossier") in COMMANDS


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_readme_command_answers_help(words: tuple[str, ...]):
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *words, "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("usage: "), proc.stdout[:500]


def test_printer_states_offered_are_the_simulators():
    from devices.cli import PRINTER_STATES
    from devices.printer.simulator import SimState
    assert PRINTER_STATES == tuple(s.value for s in SimState)
