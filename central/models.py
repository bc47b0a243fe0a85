"""Imports every table module so Base.metadata is complete (migrations, tests)."""
from central import centres, devices, dossier_links, dossiers, events, fleet, leases, queue, ratings, rollups, tickets  # noqa: F401
from central.province import outbox as province_outbox  # noqa: F401
from central.web import models as web_models  # noqa: F401
from central.db import Base

metadata = Base.metadata
