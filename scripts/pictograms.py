"""Rasterise the lobby's pictograms from the Tabler icon set (MIT) into PNGs shipped in the repo.

Kivy cannot draw SVG, so this runs once, at development time, when the list below changes:

    npm pack @tabler/icons@3.52.0 && tar xzf tabler-icons-3.52.0.tgz
    python3 scripts/pictograms.py package      # needs rsvg-convert (Debian: librsvg2-bin)

Icons are drawn white (the screens tint them with Image.color) at 192 px, and the set's licence
is copied beside them. A service names its pictogram in the config (`services[].pictogram`).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "screens" / "lobby" / "pictograms"
SIZE = 192
# Service areas of one-stop centres, then the lobby's own keys.
NAMES = (
    "certificate", "users-group", "map-2", "building", "crane", "building-store", "heart-handshake",
    "car", "bus", "home", "leaf", "first-aid-kit", "stethoscope", "school", "plant", "receipt-tax", "coin",
    "building-factory", "palette", "ball-football", "file-certificate", "id", "briefcase", "scale", "seedling",
    "tractor",
    "volume", "repeat", "lifebuoy", "text-increase", "hourglass", "clock",
)


def main(package: Path) -> int:
    source = package / "icons" / "outline"
    if not source.is_dir():
        print(f"{source}: not found (unpack the @tabler/icons npm package first)", file=sys.stderr)
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        svg = (source / f"{name}.svg").read_text(encoding="utf-8").replace("currentColor", "#FFFFFF")
        subprocess.run(["rsvg-convert", "-w", str(SIZE), "-h", str(SIZE), "-o", str(TARGET / f"{name}.png")],
                       input=svg.encode("utf-8"), check=True)
    shutil.copyfile(package / "LICENSE", TARGET / "LICENSE")
    version = __import__("json").loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    (TARGET / "README.md").write_text(
        f"PNG renderings of Tabler Icons {version} (https://tabler.io/icons, MIT licence: LICENSE),\n"
        "made by scripts/pictograms.py. Add a name there and rerun it to ship another one.\n", encoding="utf-8")
    print(f"{len(NAMES)} pictograms in {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "package")))
