"""The dossier result screen's layout (issue 15): the "dossier-layout" scenario shows a short
record and a long one (a long procedure name, twelve history entries, a late dossier with a new
appointment date, a hostile very long note) with normal and large text, in portrait 1080x1920 and
landscape 1920x1080, and runs screens/lobby/layout_check.py on the live widget tree at the top of
the scrolling part and scrolled to its end: no text over another, none outside its box, the
window or its scroll view, no line silently dropped; the keys always on screen."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.ui, pytest.mark.long]

HEADLESS_ENV = {
    "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "SDL_VIDEODRIVER": "offscreen", "SDL_AUDIODRIVER": "dummy",
    "KIVY_HOME": str(ROOT / ".kivy-home"),
}
CASES = ("short", "long", "short-large", "long-large")
KEYS = ("In phiếu", "Tra cứu hồ sơ khác", "Xong", "Nghe lại", "Nghe đọc", "Cần hỗ trợ", "Chữ lớn")


@pytest.fixture(scope="module", params=["1080x1920", "1920x1080"])
def summary(request, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp(f"dossier-layout-{request.param}")
    proc = subprocess.run([sys.executable, "-m", "screens.cli", "demo", "--headless", "--scenario", "dossier-layout",
                           "--out", str(out), "--size", request.param], cwd=ROOT, env={**os.environ, **HEADLESS_ENV},
                          capture_output=True, text=True, timeout=240)
    path = out / "scenario.json"
    result = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    assert proc.returncode == 0 and result.get("ok"), f"{result.get('error')}\n{proc.stderr[-3000:]}"
    return result


def test_nothing_overlaps_or_is_cut_off(summary: dict):
    layout = summary["layout"]
    assert set(layout) == set(CASES)
    problems = {f"{case} {where}": found for case in CASES for where, found in layout[case]["problems"].items() if found}
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)


def test_the_long_record_scrolls_in_a_view_big_enough_to_drag(summary: dict):
    window_h = summary["layout"]["long"]["window"][1]
    for case in ("long", "long-large"):
        (view,) = summary["layout"][case]["scroll_views"]
        assert view["scrolls"], view
        assert view["height"] >= 0.55 * window_h, view   # most of the screen, not a strip
    # the long record's texts are all there (the hostile note shown as plain text, not dropped)
    texts = summary["layout"]["long"]["texts"]
    assert any(t.startswith("<script>XXXX") for t in texts)
    assert any("Ngày hẹn trả kết quả mới là" in t for t in texts)
    assert sum(t.startswith("Bước xử lý số") for t in texts) == 9   # 10 newest shown, one is the hostile note


def test_the_keys_stay_on_screen_at_full_size(summary: dict):
    width, height = summary["layout"]["short"]["window"]
    for case in CASES:
        keys = summary["layout"][case]["keys"]
        assert set(keys) == set(KEYS), keys
        for text, (x0, y0, x1, y1) in keys.items():
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (case, text)
            # not squeezed: as tall as the access bar's keys in landscape (86 px); 15 mm: the audit
            assert min(x1 - x0, y1 - y0) >= 80 * min(width, height) / 1080, (case, text)


def test_every_layout_screenshot_passes_the_accessibility_audit(summary: dict):
    audits = summary["accessibility"]
    assert len(audits) == 2 * len(CASES)     # each case at its top and scrolled to the end
    assert {name: a["problems"] for name, a in audits.items() if a["problems"]} == {}
