"""The kiosks' dossier look-up with the province's system behind it.

The central's own `dossiers` rows are the cache: a row younger than `cache_ttl_s` is answered at
once; an older or missing one is asked of the province (within `timeout_s`) and stored. When that
system is down, slow or garbled, a stored row is answered however old (yesterday's status beats
no answer); with nothing stored the kiosk gets 503 and says the look-up is unavailable. "No such dossier" is remembered
`miss_ttl_s`, so a mistyped code does not cost the province a request per tap.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy.exc import IntegrityError

from central.db import Database, utc_now
from central.dossiers import Dossier, find_dossier, public_json
from central.province.client import ProvinceDossier, ProvinceError, ProvinceSystem
from central.province.settings import ProvinceSettings
from kiosk.contract.dossier import parse_code

MAX_MISSES = 10_000
MAX_HOT = 5_000  # answers kept in memory (a centre looks up a few hundred dossiers a day)
NO_NAME = "(chưa rõ tên thủ tục)"  # the kiosk shows a record only with a procedure name


class Unavailable(Exception):
    """The province cannot answer and the central holds nothing for this code."""


class LookupCache:
    def __init__(self, db: Database, system: ProvinceSystem, settings: ProvinceSettings) -> None:
        self.db, self.system, self.s = db, system, settings
        self._misses: dict[tuple[int, str], float] = {}
        self._hot: OrderedDict[tuple[int, str], tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = {"fresh": 0, "asked": 0, "stale": 0, "missing": 0, "errors": 0}

    def answer(self, centre_id: int, code: str) -> dict[str, Any] | None:
        """The dossier's JSON for a device, None when there is no such dossier; raises Unavailable."""
        parsed = parse_code(code)
        if parsed is None:
            return None
        key = (centre_id, parsed.code)
        with self._lock:
            hot = self._hot.get(key)
            if hot is not None and hot[0] > time.monotonic():
                self._hot.move_to_end(key)
                self.stats["fresh"] += 1
                return hot[1]
        with self.db.transaction() as s:
            row = find_dossier(s, centre_id, code=parsed.code)
            stored = public_json(row) if row is not None else None
            age = (utc_now() - row.updated_at).total_seconds() if row is not None else None
        if stored is not None and age is not None and age < self.s.cache_ttl_s:
            self.stats["fresh"] += 1
            self._keep(key, stored, self.s.cache_ttl_s - age)
            return stored
        with self._lock:
            missed_until = self._misses.get(key, 0.0)
        if missed_until > time.monotonic():
            self.stats["missing"] += 1
            return stored
        try:
            found = self.system.lookup(parsed.code)
        except ProvinceError:
            self.stats["errors"] += 1
            if stored is not None:
                self.stats["stale"] += 1
                return stored
            raise Unavailable(parsed.code) from None
        self.stats["asked"] += 1
        if found is None:
            self._missed(key)
            return stored  # an imported row stays the answer
        return self._store(centre_id, found)

    def _keep(self, key: tuple[int, str], answer: dict[str, Any], fresh_s: float) -> None:
        """The answer in memory while it is fresh: a fresh look-up then touches no database."""
        with self._lock:
            self._hot[key] = (time.monotonic() + fresh_s, answer)
            self._hot.move_to_end(key)
            while len(self._hot) > MAX_HOT:
                self._hot.popitem(last=False)

    def _missed(self, key: tuple[int, str]) -> None:
        with self._lock:
            if len(self._misses) >= MAX_MISSES:
                now = time.monotonic()
                self._misses = {k: v for k, v in self._misses.items() if v > now}
                if len(self._misses) >= MAX_MISSES:
                    self._misses.clear()
            self._misses[key] = time.monotonic() + self.s.miss_ttl_s

    def _store(self, centre_id: int, found: ProvinceDossier) -> dict[str, Any]:
        rec = found.record
        try:
            with self.db.transaction() as s:
                row = find_dossier(s, centre_id, code=rec.code)
                if row is None:
                    row = Dossier(centre_id=centre_id, code=rec.code, procedure_name=rec.procedure_name or NO_NAME)
                    s.add(row)
                row.status, row.received_date = rec.status, rec.received_date
                row.due_date, row.finished_date = rec.due_date, rec.finished_date
                row.new_due_date = rec.new_due_date
                row.procedure_name = rec.procedure_name or row.procedure_name or NO_NAME
                row.external_id = rec.external_id or row.external_id
                row.office = found.office
                row.updated_at = utc_now()
                s.flush()
                answer = public_json(row)
            self._keep((centre_id, rec.code), answer, self.s.cache_ttl_s)
            return answer
        except IntegrityError:  # another look-up stored the same code a moment ago
            with self.db.transaction() as s:
                again = find_dossier(s, centre_id, code=rec.code)
                assert again is not None
                return public_json(again)
