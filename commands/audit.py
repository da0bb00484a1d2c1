"""The audit trail of a province (or of the cycle-wide actions): who did what, when, with which token."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from store.tables import ActionRow


def audit_trail(engine: Engine, year: int, province: str | None) -> list[dict[str, Any]]:
    """In the order the actions happened; ``province`` None: pre-meeting attendance and replies."""
    with Session(engine) as db:
        query = select(ActionRow).where(ActionRow.year == year)
        query = query.where(
            ActionRow.province == province if province is not None else ActionRow.province.is_(None)
        )
        return [
            {
                "at": row.at.isoformat() + "Z",
                "action": row.action,
                "actor": row.actor,
                "token_id": row.token_id,
                "detail": row.detail,
                "update_id": row.update_id,
                "portal_session": row.portal_session,
                "ip": row.ip,
                "user_agent": row.user_agent,
            }
            for row in db.scalars(query.order_by(ActionRow.at, ActionRow.ordinal, ActionRow.update_id))
        ]
