"""Centre configuration saved from the web: validated by the shared validator, versioned, diffed, restorable.

A save goes through central.centres.parse_doc (the kiosk's own models, so what the central
accepts every kiosk accepts) and store_doc (new ETag: devices pick it up at their next config
poll). Each save is a numbered version with who, when and the changes; restoring a version
saves it again as a new version, so history only grows.
"""
from __future__ import annotations

import hashlib
import io
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.centres import CentreDoc, CentreRow, parse_doc, store_doc
from central.db import utc_now
from central.web.models import ConfigVersion, OfficerPhoto
from central.web.security import Viewer, audit
from kiosk.contract.config import ConfigError

MAX_PHOTO_BYTES = 1_500_000
MAX_PHOTO_PIXELS = 40_000_000  # refuse decompression bombs before decoding
PHOTO_SIZE = (400, 400)
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoRefused(ValueError):
    pass


def diff(before: Any, after: Any, path: str = "") -> list[list[Any]]:
    """[[key path, before, after], ...]: what changed between two JSON documents. A key that is
    absent on one side and empty on the other (a section added by a newer version, such as
    `calendar: []`) is no change."""
    if before in (None, [], {}) and after in (None, [], {}):
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[list[Any]] = []
        for k in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{k}" if path else str(k)
            out += diff(before.get(k), after.get(k), sub)
        return out
    if isinstance(before, list) and isinstance(after, list) and all(
            isinstance(x, dict) for x in [*before, *after]):
        out = []
        for i in range(max(len(before), len(after))):
            out += diff(before[i] if i < len(before) else None, after[i] if i < len(after) else None, f"{path}[{i}]")
        return out
    return [] if before == after else [[path, before, after]]


def _latest(session: Session, centre_id: int) -> ConfigVersion | None:
    return session.scalar(select(ConfigVersion).where(ConfigVersion.centre_id == centre_id)
                          .order_by(ConfigVersion.version.desc()).limit(1))


def _baseline(session: Session, centre: CentreRow) -> ConfigVersion:
    """Version 1 is the document as it was before the first save from the web (import-config, API)."""
    latest = _latest(session, centre.id)
    if latest is not None and latest.etag == centre.etag:
        return latest
    row = ConfigVersion(centre_id=centre.id, version=(latest.version + 1) if latest else 1, doc=centre.doc,
                        etag=centre.etag, saved_at=centre.updated_at, user_id=None, username="-",
                        note="imported (kiosk central import-config or the admin API)",
                        diff=diff(latest.doc, centre.doc) if latest else [])
    session.add(row)
    session.flush()
    return row


def save(session: Session, centre: CentreRow, document: dict[str, Any], who: Viewer, note: str
         ) -> ConfigVersion | None:
    """Validates and stores a whole document; None when nothing changed. Raises ConfigError."""
    parsed: CentreDoc = parse_doc(document, "form")
    if parsed.config.centre.code != centre.code:
        raise ConfigError(f"form: key `centre.code`: the centre code cannot change here (it is {centre.code})")
    previous = _baseline(session, centre)
    body = parsed.to_json()
    changes = diff(previous.doc, body)
    if not changes:
        return None
    store_doc(session, parsed)
    row = ConfigVersion(centre_id=centre.id, version=previous.version + 1, doc=body, etag=centre.etag,
                        saved_at=utc_now(), user_id=who.user_id, username=who.username, note=note[:200],
                        diff=changes)
    session.add(row)
    audit(session, who, "config.saved", f"{centre.code} v{row.version}", centre.id, note=note[:200],
          changes=len(changes))
    session.flush()
    return row


def versions(session: Session, centre: CentreRow, limit: int = 50) -> list[ConfigVersion]:
    _baseline(session, centre)
    return list(session.scalars(select(ConfigVersion).where(ConfigVersion.centre_id == centre.id)
                                .order_by(ConfigVersion.version.desc()).limit(limit)))


def restore(session: Session, centre: CentreRow, version: int, who: Viewer) -> ConfigVersion | None:
    old = session.scalar(select(ConfigVersion).where(ConfigVersion.centre_id == centre.id,
                                                     ConfigVersion.version == version))
    if old is None:
        raise LookupError(f"no version {version}")
    return save(session, centre, old.doc, who, f"restored version {version}")


def version_count(session: Session, centre_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(ConfigVersion)
                              .where(ConfigVersion.centre_id == centre_id)) or 0)


def resize_photo(data: bytes) -> bytes:
    """A JPEG of at most 400 x 400 from an uploaded JPEG, PNG or WebP; PhotoRefused otherwise."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRefused(f"the photo is larger than {MAX_PHOTO_BYTES // 1000} kB")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise PhotoRefused("the file is not a JPEG, PNG or WebP image")
            if probe.width * probe.height > MAX_PHOTO_PIXELS:
                raise PhotoRefused("the image has too many pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            img = (ImageOps.exif_transpose(opened) or opened).convert("RGB")
            img.thumbnail(PHOTO_SIZE)
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue()
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoRefused("the file is not a JPEG, PNG or WebP image") from None


def store_photo(session: Session, centre: CentreRow, officer_code: str, data: bytes, who: Viewer) -> ConfigVersion | None:
    """Checks, resizes and stores the photo, then points the officer's `photo` at it (a new version)."""
    jpeg = resize_photo(data)
    digest = hashlib.sha256(jpeg).hexdigest()
    document = dict(centre.doc)
    officers = [dict(o) for o in document.get("officers", [])]
    match = [o for o in officers if o.get("code") == officer_code]
    if not match:
        raise LookupError(f"unknown officer {officer_code!r}")
    row = session.get(OfficerPhoto, (centre.id, officer_code))
    if row is None:
        row = OfficerPhoto(centre_id=centre.id, officer_code=officer_code, jpeg=jpeg, digest=digest,
                           uploaded_at=utc_now())
        session.add(row)
    else:
        row.jpeg, row.digest, row.uploaded_at = jpeg, digest, utc_now()
    match[0]["photo"] = f"/photos/{centre.id}/{officer_code}.jpg?v={digest[:12]}"
    document["officers"] = officers
    return save(session, centre, document, who, f"photo of {officer_code}")
