from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import DeclarativeBase

from kiosk.contract.sqlstore import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime()}
