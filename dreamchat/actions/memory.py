"""What a companion remembers about the user: facts kept from messages, and the user's corrections on /memory."""
from __future__ import annotations

import sqlalchemy as sa

from dreamchat.extensions import db
from dreamchat.models import Companion, MemoryFact, utcnow
from dreamchat.understanding import extract_facts

MEMORY_LIMIT = 60
facts_table = MemoryFact.__table__
FACT_LINES = (sa.select(facts_table.c.kind, facts_table.c.value)
              .where(facts_table.c.user_id == sa.bindparam("uid"), facts_table.c.companion_id == sa.bindparam("cid"))
              .order_by(facts_table.c.id))


def remember_facts(user_id: int, companion_id: int, text: str) -> None:
    """Keep what the user tells about themselves (name, likes, plans, dates) for later sessions;
    called inside the transaction that stores the message."""
    facts = extract_facts(text)
    if not facts:
        return
    known = {(f.kind, f.value.lower()): f for f in db.session.scalars(sa.select(MemoryFact).where(
        MemoryFact.user_id == user_id, MemoryFact.companion_id == companion_id))}
    now = utcnow()
    for kind, value in facts:
        value = value[:200]
        if kind == "name":
            for (old_kind, _), fact in list(known.items()):
                if old_kind == "name" and fact.value != value:
                    db.session.delete(fact)
        if (kind, value.lower()) in known:
            known[(kind, value.lower())].updated_at = now
            continue
        fact = MemoryFact(user_id=user_id, companion_id=companion_id, kind=kind, value=value, created_at=now,
                          updated_at=now)
        db.session.add(fact)
        known[(kind, value.lower())] = fact
    if len(known) > MEMORY_LIMIT:
        for fact in sorted(known.values(), key=lambda f: f.updated_at)[:len(known) - MEMORY_LIMIT]:
            if fact.kind != "name":
                db.session.delete(fact)


def memory_lines(user_id: int, companion_id: int) -> tuple[str, ...]:
    """What the companion remembers, one "kind: value" line per fact, for the reply providers."""
    facts = db.session.connection().execute(FACT_LINES, {"uid": user_id, "cid": companion_id})
    return tuple(f"{kind}: {value}" for kind, value in facts)


def add_fact(user_id: int, companion: Companion, kind: str, value: str) -> None:
    db.session.add(MemoryFact(user_id=user_id, companion_id=companion.id, kind=kind, value=value.strip()))
    db.session.commit()


def correct_fact(fact: MemoryFact, value: str) -> None:
    fact.value, fact.updated_at = value.strip(), utcnow()
    db.session.commit()


def erase_fact(fact: MemoryFact) -> None:
    db.session.delete(fact)
    db.session.commit()


def erase_all_facts(user_id: int) -> None:
    db.session.execute(sa.delete(MemoryFact).where(MemoryFact.user_id == user_id))
    db.session.commit()
