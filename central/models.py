"""Imports every table module so Base.metadata is complete (migrations, tests)."""
from central import (  # noqa: F401
    centres,
    devices,
    diagnostics,
    displays,
    dossier_links,
    dossiers,
    events,
    fleet,
    leases,
    officers,
    queue,
    ratings,
    rollups,
    ticket_pages,
    tickets,
)
from central.notify import outbox as notify_outbox  # noqa: F401
from central import citizen_phones  # noqa: F401
from central.province import outbox as province_outbox  # noqa: F401
from central.web import models as web_models  # noqa: F401
from central.db import Base

metadata = Base.metadata
