"""The front ends take event names, states and languages from the generated files, and those are fresh."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.paths import PROJECT_ROOT
from bot.core.shared_constants import TARGETS, render

FRONT_END_DIRS = [
    PROJECT_ROOT / "web_widget" / "src",
    PROJECT_ROOT / "web_widget" / "demo",
    PROJECT_ROOT / "handoff" / "console",
    PROJECT_ROOT / "bot" / "staff" / "pages",
    PROJECT_ROOT / "bot" / "trainer" / "page",
    PROJECT_ROOT / "bot" / "analytics" / "dashboard",
]
#: socket.io's own events, which no enum of ours names.
SOCKET_IO_EVENTS = {"connect", "disconnect", "connect_error"}
# socket.emit("name", ...), .on('name', ...), .timeout(5000).emit(`name`, ...)
EVENT_LITERAL = re.compile(r"""\.(?:emit|emitWithAck|on|once|off)\(\s*(["'`])([^"'`]+)\1""")


def front_end_scripts() -> list[Path]:
    return sorted(path for directory in FRONT_END_DIRS for path in directory.rglob("*.js") if path.is_file())


@pytest.mark.parametrize("target", TARGETS, ids=lambda path: str(path.relative_to(PROJECT_ROOT)))
def test_generated_constants_are_fresh(target: Path) -> None:
    assert target.read_text(encoding="utf-8") == render(), "regenerate with: python -m bot.core.shared_constants"


def test_no_front_end_script_spells_an_event_name_by_hand() -> None:
    assert front_end_scripts(), "no scripts found: did the front-end folders move?"
    spelled = [
        f"{path.relative_to(PROJECT_ROOT)}:{text[: match.start()].count(chr(10)) + 1}: {match.group(2)}"
        for path in front_end_scripts()
        for text in [path.read_text(encoding="utf-8")]
        for match in EVENT_LITERAL.finditer(text)
        if match.group(2) not in SOCKET_IO_EVENTS and path.name != "constants.js"
    ]
    assert spelled == [], "import the name from the generated constants.js instead"


def test_the_scan_catches_a_hand_spelled_event() -> None:
    assert EVENT_LITERAL.search('socket.emit("user_uttered", payload)')
    assert EVENT_LITERAL.search("socket.timeout(5000).emit('claim', {})")
    assert not EVENT_LITERAL.search("socket.emit(CustomerEvent.USER_UTTERED, payload)")
