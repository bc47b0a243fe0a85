"""Every command in the README's Commands table exists: `python main.py WORDS --help` answers.

The table is read from README.md itself, so a row added for a command that does not exist (or a
command renamed without its row) fails here. Alternatives such as `lobby|sync` expand to each.
Every command's help is asked of one fresh interpreter running main.py's own parser (one start-up
instead of one per command: the starts were a minute of the suite); `kiosk --help` itself runs
main.py as a program.
"""
from __future__ import annotations

import itertools
import json
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


# Run by a fresh interpreter: for each command, main.py's main(WORDS --help), its exit code and
# output (argparse prints the help and exits 0; a benchmark's own parser does it for `bench X`).
_HELP_ALL = """
import contextlib, io, json, sys
sys.path.insert(0, sys.argv[1])
import main
results = {}
for words in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    code = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main.main([*words, "--help"])
        except SystemExit as exc:
            code = exc.code
    results[" ".join(words)] = [code, out.getvalue()[:500], err.getvalue()[-2000:]]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def helps() -> dict[str, list]:
    proc = subprocess.run([sys.executable, "-c", _HELP_ALL, str(ROOT)], cwd=ROOT, input=json.dumps(COMMANDS),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_readme_command_answers_help(words: tuple[str, ...], helps: dict[str, list]):
    code, out, err = helps[" ".join(words)]
    assert code == 0, err
    assert out.startswith("usage: "), out


def test_the_kiosk_program_answers_help():
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("usage: kiosk"), proc.stdout[:500]


def test_printer_states_offered_are_the_simulators():
    from devices.cli import PRINTER_STATES
    from devices.printer.simulator import SimState
    assert PRINTER_STATES == tuple(s.value for s in SimState)
