"""FastAPI dependencies: the database, and who is calling (device or admin)."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from central.db import Database
from central.devices import cached_device, is_admin, verified_device

bearer = HTTPBearer(auto_error=False, description="device token (from enrolment) or admin token")


@dataclass(frozen=True)
class Caller:
    device_id: str
    centre_id: int
    role: str


# Async (on the event loop) where there is nothing to wait for: a sync dependency is a hand-off to
# the thread pool and back, which costs more than the dependency itself (docs/capacity.md).
async def get_db(request: Request) -> Database:
    return request.app.state.db


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


async def device(creds: HTTPAuthorizationCredentials | None = Depends(bearer), db: Database = Depends(get_db)) -> Caller:
    if creds is None:
        raise _unauthorised("missing bearer token")
    found = cached_device(db, creds.credentials)  # most requests: no database, no thread
    if found is None:
        found = await run_in_threadpool(verified_device, db, creds.credentials)
    if found is None:
        raise _unauthorised("unknown or revoked device token")
    return Caller(found.device_id, found.centre_id, found.role)


def admin(creds: HTTPAuthorizationCredentials | None = Depends(bearer), db: Database = Depends(get_db)) -> None:
    if creds is None:
        raise _unauthorised("missing admin bearer token")
    with db.transaction() as s:
        if not is_admin(s, creds.credentials):
            raise _unauthorised("not an admin token")


def optional_admin(creds: HTTPAuthorizationCredentials | None = Depends(bearer), db: Database = Depends(get_db)) -> bool:
    if creds is None:
        return False
    with db.transaction() as s:
        return is_admin(s, creds.credentials)


def require_role(caller: Caller, *roles: str) -> None:
    if caller.role not in roles:
        raise HTTPException(403, f"this call is for {' or '.join(roles)} devices, not {caller.role}")
