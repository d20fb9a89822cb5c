"""The full-text index over messages.content and the search over it.

SQLite: an FTS5 external-content table (messages_fts, columns owner and content, over the view
messages_search_source) kept in sync by triggers on messages, so every write (the writer's batches,
replies, edits, deletes, account deletion) updates it in its own transaction. PostgreSQL: a column
search_vector filled by a trigger when content changes, with a GIN index (ix_messages_search), both
outside the models. Migration 0012_message_search creates either and fills it.

Both indexes hold the message's owner as a word ('u' || user_id: FTS5's owner column, a lexeme of weight
A in the tsvector) that every search requires, so the index intersects the user's messages with the
matches of the words: a user's search does not walk the other users' matches. The words are confined
to the content (FTS5 column filter, tsquery weight D), so searching for "u5" never matches the owner.

A user's text never reaches the query language: it is cut into words, each quoted (FTS5) or passed as
a plain lexeme (tsquery), all required, the last one also as a prefix ("gal" finds "gallery").
Snippets are plain text with the ranges of the matched words, made here the same way for both
databases: the caller escapes or renders them with textContent.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa

from dreamchat.extensions import db
from dreamchat.models import Group, GroupMember, GroupMessage, Message, isoformat

FTS_TABLE = "messages_fts"
POSTGRES_INDEX = "ix_messages_search"
MAX_TERMS = 12
MIN_PREFIX = 2  # a single letter is a word, not a prefix: it would start most words of every user
SNIPPET_CHARS = 160

# A column set by a trigger (migration 0012), outside the models.
POSTGRES_VECTOR = "messages.search_vector"

WORD = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 and PostgreSQL's parser cut words


class QueryError(ValueError):
    """The user's query has nothing to search for."""


@dataclass(frozen=True)
class Terms:
    words: tuple[str, ...]  # lower case
    prefix_last: bool

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(fold(word) for word in self.words)

    def fts5(self, user_id: int) -> str:
        """The user's messages ({owner}) holding every word in their content."""
        quoted = ['"' + word.replace('"', '""') + '"' for word in self.words]
        if self.prefix_last:
            quoted[-1] += "*"
        return f'{{owner}}: "{owner_word(user_id)}" AND {{content}}: ({" ".join(quoted)})'

    def tsquery(self) -> str:
        """Every word, in the content only (weight D: the owner lexeme has weight A)."""
        parts = [f"'{word}':" + ("*D" if self.prefix_last and i == len(self.words) - 1 else "D")
                 for i, word in enumerate(self.words)]
        return " & ".join(parts)

    def owned_tsquery(self, user_id: int) -> str:
        return f"'{owner_word(user_id)}':A & {self.tsquery()}"

    def matches(self, word: str) -> bool:
        folded, terms = fold(word), self.folded
        return folded in terms or (self.prefix_last and folded.startswith(terms[-1]))


def owner_word(user_id: int) -> str:
    """The word that stands for the owner in both indexes (migration 0012 writes it the same way)."""
    return f"u{int(user_id)}"


def fold(text: str) -> str:
    """Lower case without diacritics, as unicode61 remove_diacritics 2 compares words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_query(text: str) -> Terms:
    """The words of the user's query (at most MAX_TERMS, duplicates dropped). Every other character,
    the query languages' syntax included, separates words. The last word is a prefix unless the
    query ends with a space or a punctuation mark, or it is shorter than MIN_PREFIX."""
    words: list[str] = []
    for word in WORD.findall(text.lower()):
        if word not in words:
            words.append(word)
    if not words:
        raise QueryError("Type a word to search for.")
    words = words[:MAX_TERMS]
    prefix_last = bool(WORD.fullmatch(text[-1])) and len(words[-1]) >= MIN_PREFIX
    return Terms(tuple(words), prefix_last)


@dataclass
class Hit:
    message: Message
    snippet: str
    highlights: list[tuple[int, int]]


def search(user_id: int, terms: Terms, limit: int, window: int = 0) -> list[Hit]:
    """The user's finished messages holding every term, best first (bm25 / ts_rank), newest first
    among equals. Only the newest `window` matches are ranked (0: all of them): a word in most
    messages would otherwise have every one of them scored."""
    window = max(window, limit) if window else -1
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        ids = postgres_ids(user_id, terms, limit, window if window > 0 else None)
    else:
        ids = sqlite_ids(user_id, terms, limit, window)
    if not ids:
        return []
    by_id = {m.id: m for m in db.session.scalars(sa.select(Message).where(Message.id.in_(ids)))}
    hits = []
    for message_id in ids:
        message = by_id.get(message_id)
        if message is not None:
            text, ranges = snippet(message.content, terms)
            hits.append(Hit(message, text, ranges))
    return hits


def sqlite_statement() -> sa.TextClause:
    """FTS5 intersects the owner's list with the words' and hands the matches newest first (rowid DESC,
    no sort); the scan stops after :window of them; bm25 orders those (the owner column weighs 0)."""
    return sa.text(
        f"SELECT id FROM (SELECT messages.id AS id, bm25({FTS_TABLE}, 0.0, 1.0) AS score "
        f"FROM {FTS_TABLE} JOIN messages ON messages.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH :query AND messages.user_id = :user_id AND messages.status = 'done' "
        f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT :window) ORDER BY score, id DESC LIMIT :limit")


def sqlite_ids(user_id: int, terms: Terms, limit: int, window: int) -> list[int]:
    return list(db.session.scalars(sqlite_statement(), {"query": terms.fts5(user_id), "user_id": user_id,
                                                        "limit": limit, "window": window}))


def postgres_statement() -> sa.TextClause:
    """The newest :window matches (the GIN index intersecting the owner's lexeme with the words', or
    newest first along the primary key when the words are common), ranked on the words alone."""
    return sa.text(
        f"SELECT id FROM (SELECT messages.id AS id, {POSTGRES_VECTOR} AS vector "
        f"FROM messages WHERE {POSTGRES_VECTOR} @@ to_tsquery('simple'::regconfig, :query) "
        f"AND messages.user_id = :user_id AND messages.status = 'done' "
        f"ORDER BY messages.id DESC LIMIT :window) AS candidates "
        f"ORDER BY ts_rank(vector, to_tsquery('simple'::regconfig, :words)) DESC, id DESC LIMIT :limit")


def postgres_ids(user_id: int, terms: Terms, limit: int, window: int) -> list[int]:
    return list(db.session.scalars(postgres_statement(), {
        "query": terms.owned_tsquery(user_id), "words": terms.tsquery(), "user_id": user_id,
        "limit": limit, "window": window}))


def snippet(content: str, terms: Terms, width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """Up to `width` characters of content around its first matched word, on word boundaries, with
    the [start, end) ranges of every matched word in it (offsets in the snippet, in code points)."""
    words = list(WORD.finditer(content))
    matched = [(m.start(), m.end()) for m in words if terms.matches(m.group())]
    start = 0
    if matched and len(content) > width:
        first = matched[0][0]
        start = max(0, first - width // 3)
        if start:
            before = content.rfind(" ", 0, start + 1)
            start = before + 1 if before >= 0 and first - before < width // 2 else start
    end = min(len(content), start + width)
    if end < len(content):
        space = content.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    text = content[start:end]
    ranges = [(a - start, b - start) for a, b in matched if a >= start and b <= end]
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(content) else ""
    shift = len(lead)
    return lead + text + tail, [(a + shift, b + shift) for a, b in ranges]


@dataclass
class GroupHit:
    """A group chat's message found by search (group chats are searched apart: search_groups)."""

    message: dict
    group_id: int
    group_name: str
    speaker: str | None  # her slug; None for the user's
    speaker_name: str | None
    first_member: str
    created_at: object
    snippet: str
    highlights: list[tuple[int, int]]


def search_groups(user_id: int, terms: Terms, limit: int, scan: int) -> list[GroupHit]:
    """The user's group chat messages holding every term, newest first. Group messages have no
    full-text index: the newest `scan` of them (SEARCH_GROUP_SCAN; 0: none) are read and matched
    word by word as the indexes do (fold, prefix of the last word)."""
    if not scan or limit <= 0:
        return []
    from dreamchat.companions import directory

    groups = {row.id: row for row in db.session.execute(
        sa.select(Group.id, Group.name).where(Group.user_id == user_id))}
    if not groups:
        return []
    table = GroupMessage.__table__
    rows = db.session.execute(sa.select(table.c.id, table.c.group_id, table.c.companion_id, table.c.sender,
                                        table.c.content, table.c.created_at)
                              .where(table.c.group_id.in_(list(groups)), table.c.content != "")
                              .order_by(table.c.id.desc()).limit(scan)).all()
    members = GroupMember.__table__
    firsts = dict(db.session.execute(sa.select(members.c.group_id, members.c.companion_id).where(
        members.c.group_id.in_(list(groups)), members.c.position == 0)).all())
    hits = []
    for row in rows:
        words = {fold(m.group()) for m in WORD.finditer(row.content)}
        if not all(term in words or (terms.prefix_last and index == len(terms.words) - 1
                                     and any(word.startswith(term) for word in words))
                   for index, term in enumerate(terms.folded)):
            continue
        speaker = directory.by_id(row.companion_id) if row.companion_id else None
        first = directory.by_id(firsts.get(row.group_id, 0))
        text, ranges = snippet(row.content, terms)
        hits.append(GroupHit(
            message={"id": row.id, "group_id": row.group_id, "girl_id": speaker.slug if speaker else None,
                     "sender": row.sender, "content": row.content, "created_at": isoformat(row.created_at)},
            group_id=row.group_id, group_name=groups[row.group_id].name,
            speaker=speaker.slug if speaker else None, speaker_name=speaker.name if speaker else None,
            first_member=first.slug if first else "", created_at=row.created_at, snippet=text, highlights=ranges))
        if len(hits) >= limit:
            break
    return hits
