"""A group chat's turn: who speaks (ai/group_turns.py), then each speaker's reply, composed with her own
persona and memory, checked, and stored one by one (actions/groups.py), so a turn cut short by a
restart resumes where it stopped and never stores a reply twice. Safety first, as one-to-one: a
crisis turn gets one careful reply with the crisis lines, nothing else. No transaction is open while
a provider composes.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from dreamchat import quotas
from dreamchat.actions import groups, memory, photos
from dreamchat.ai import ChatLine, ReplyRequest
from dreamchat.ai.group_turns import Speaker, plan_turn
from dreamchat.companions import directory
from dreamchat.extensions import db
from dreamchat.models import UNANSWERED_WHERE, GroupMember, GroupMessage, Sender, User
from dreamchat.providers import ProviderError
from dreamchat.safety import CRISIS, check_messages, crisis_reply, keep_honest, resources_for
from dreamchat.tasks import claims
from dreamchat.tasks.reply import provider_failure_message
from dreamchat.understanding import detect_language, photo_requested

if TYPE_CHECKING:
    from dreamchat.tasks.scheduler import TaskScheduler

log = logging.getLogger(__name__)

HISTORY_FOR_REPLY = 40
table = GroupMessage.__table__
UNANSWERED = (sa.select(table.c.id, table.c.content, table.c.turn_id).where(
    table.c.group_id == sa.bindparam("gid"), sa.text(UNANSWERED_WHERE))
    .order_by(table.c.id))
RECENT = (sa.select(table.c.sender, table.c.companion_id, table.c.content).where(
    table.c.group_id == sa.bindparam("gid"), table.c.id < sa.bindparam("before"))
    .order_by(table.c.id.desc()).limit(HISTORY_FOR_REPLY))
MEMBERS = (sa.select(GroupMember.__table__.c.companion_id).where(GroupMember.__table__.c.group_id == sa.bindparam("gid"))
           .order_by(GroupMember.__table__.c.position))
USER_NAME = sa.select(User.__table__.c.username).where(User.__table__.c.id == sa.bindparam("uid"))


class TurnFailed(Exception):
    """The model failed (or wrote nothing) and there is no fallback: the turn is reported and backed off."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(str(error))
        self.error = error


class ClaimLost(Exception):
    """Another process took the group over (this one's lease lapsed): the turn stops here."""


@dataclass(frozen=True)
class Turn:
    turn_id: int  # the newest user message the turn answers
    answered_ids: list[int]
    new_messages: tuple[str, ...]
    history: list[tuple[int | None, str]]  # (companion_id or None for the user, text), oldest first
    members: list  # CompanionRef, in the group's order
    user_name: str
    language: str
    crisis: bool
    plan: tuple[Speaker, ...]
    more_waiting: bool = False  # user messages after this turn's own (a resumed turn): the next turn at once


class GroupReplyTask:
    def __init__(self, scheduler: TaskScheduler, user_id: int, group_id: int) -> None:
        self.scheduler, self.app = scheduler, scheduler.app
        self.user_id, self.group_id = user_id, group_id

    def run(self) -> bool:
        """Answer the group's turns until none is left (True); on an unexpected error, False and a
        chat_error. When another process takes the group over (its lease lapsed), the turn stops at
        once, before storing anything more (True: that process answers)."""
        key = ("group", self.group_id)
        try:
            while True:
                if not self.scheduler.renew_group_claim(self.group_id):
                    return self.scheduler._finish_unclaimed(key)
                self.scheduler.pause(1.2)
                self.scheduler.wait_while_user_types(key)  # the user still typing in the group: the turn waits
                with self.scheduler.cpu_slot():
                    turn = self._load_turn()
                    db.session.close()
                if turn is not None and (self._answer(turn) or turn.more_waiting):
                    continue  # ended early for a crisis message, or messages wait after it: the next turn now
                if self.scheduler.finish_or_continue(key):
                    return True
        except TurnFailed as failed:
            db.session.rollback()
            error = failed.error
            log.warning("group reply provider failed (%s) for group=%s: %s", error.kind, self.group_id, error)
            groups.report_group_failure(self.user_id, self.group_id, error.kind, provider_failure_message(error))
            # Not retaken by every sweep of every process: GROUP_RETRY_SECONDS later, or at a new message.
            claims.back_off_group(self.group_id, self.scheduler.worker_id, self.app.config["GROUP_RETRY_SECONDS"])
            db.session.close()
            return False  # a message that came meanwhile retries at once (it may take the back-off claim)
        except ClaimLost:
            db.session.rollback()
            log.warning("group %s was taken over by another process mid-turn; this one stops", self.group_id)
            return self.scheduler._finish_unclaimed(key)
        except Exception:
            db.session.rollback()
            log.exception("group reply failed for user=%s group=%s", self.user_id, self.group_id)
            try:
                groups.report_group_failure(self.user_id, self.group_id, "internal", "The reply could not be written.")
            except Exception:  # noqa: BLE001 - the account may be gone
                db.session.rollback()
            return False

    def _keep_claim(self, lease=None) -> None:
        """Renew the group's claim, or stop the turn (ClaimLost) when another process holds it now."""
        kept = self.scheduler.renew_group_claim(self.group_id, lease)
        db.session.close()
        if not kept:
            raise ClaimLost(self.group_id)

    def _load_turn(self) -> Turn | None:
        connection = db.session.connection()
        unanswered = connection.execute(UNANSWERED, {"gid": self.group_id}).all()
        if not unanswered:
            return None
        waiting = len(unanswered)
        if unanswered[0].turn_id is not None:
            # A turn begun before (a reply stored, then a restart): exactly its own messages.
            unanswered = [row for row in unanswered if row.turn_id == unanswered[0].turn_id]
        else:
            unanswered = [row for row in unanswered if row.turn_id is None]
        members = [directory.by_id(cid) for cid in connection.execute(MEMBERS, {"gid": self.group_id}).scalars()]
        members = [member for member in members if member is not None]
        user_name = connection.execute(USER_NAME, {"uid": self.user_id}).scalar()
        if len(members) < 2 or user_name is None:
            return None
        recent = connection.execute(RECENT, {"gid": self.group_id, "before": unanswered[0].id}).all()
        recent.reverse()
        history = [(row.companion_id if row.sender == Sender.COMPANION else None, row.content) for row in recent]
        new_messages = tuple(row.content for row in unanswered)
        turn_id = unanswered[0].turn_id or unanswered[-1].id
        earlier = [text for cid, text in reversed(history) if cid is None]
        language = next(filter(None, map(detect_language, [" ".join(new_messages), *earlier])), "en")
        safety = check_messages(new_messages, language)
        last_speakers = tuple(member.slug for cid, _ in history for member in members if member.id == cid)
        plan = turn_plan(self.app, [(member.slug, member.name) for member in members], " ".join(new_messages),
                         last_speakers, turn_id, safety.crisis)
        return Turn(more_waiting=len(unanswered) < waiting, turn_id=turn_id, answered_ids=[row.id for row in unanswered], new_messages=new_messages,
                    history=history, members=members, user_name=user_name, language=language, crisis=safety.crisis,
                    plan=plan)

    def _answer(self, turn: Turn) -> bool:
        """Each speaker of the plan in order; the replies this turn already stored are skipped (their
        text still goes into the history the next speaker reads). Before each speaker: the claim is
        renewed (lost: stop), and a crisis message that came meanwhile ends the turn at once (True:
        the next turn starts now)."""
        done = groups.stored_turn_replies(turn.turn_id)
        db.session.close()
        by_slug = {member.slug: member for member in turn.members}
        history = list(turn.history) + [(None, text) for text in turn.new_messages]
        for index, speaker in enumerate(turn.plan):
            companion = by_slug[speaker.slug]
            last = index == len(turn.plan) - 1
            if index in done:
                history.append(done[index])
                continue
            self._keep_claim()
            if self._crisis_came_meanwhile(turn):
                # Safety first: no more casual replies. What this turn already stored answers its
                # messages; the next turn (at once) is the careful one. Nothing stored yet: the
                # next turn answers everything, carefully.
                if done:
                    groups.end_turn_early(self.group_id, turn.answered_ids)
                    db.session.close()
                return True
            self.scheduler.pause(0.6)
            groups.set_group_typing(self.user_id, self.group_id, companion.slug, True)
            if index == 0 and not turn.crisis:
                # Before her reply is stored, so a turn resumed after a restart asks again (the same
                # request_id: made once).
                self._photo_asked_in_words(turn, companion)
            try:
                text, safety, resources = self._compose(turn, companion, speaker, history)
                self.scheduler.pause(min(1.0 + len(text) * 0.035, 5.0))
            finally:
                groups.set_group_typing(self.user_id, self.group_id, companion.slug, False)
            self._keep_claim()  # lost during her model call: another process answers, nothing stored here
            stored = groups.store_group_reply(self.user_id, self.group_id, companion, text, turn.turn_id, index,
                                              turn.answered_ids, last, safety=safety, resources=resources)
            db.session.close()
            if stored is None:
                # Already stored (this turn, elsewhere): the stored text is what the others read.
                kept = groups.stored_turn_replies(turn.turn_id).get(index)
                db.session.close()
                history.append(kept or (companion.id, text))
            else:
                history.append((companion.id, stored["content"]))
            done[index] = history[-1]
        return False

    def _crisis_came_meanwhile(self, turn: Turn) -> bool:
        """A user message newer than the turn's, not answered yet, that is a crisis (the current turn
        is not already the careful one)."""
        if turn.crisis:
            return False
        rows = db.session.connection().execute(UNANSWERED, {"gid": self.group_id}).all()
        db.session.close()
        newer = tuple(row.content for row in rows if row.id not in turn.answered_ids)
        return bool(newer) and check_messages(newer, turn.language).crisis

    def _photo_asked_in_words(self, turn: Turn, companion) -> None:
        """"Luna, send us a photo": the first speaker (the one addressed) sends it, within the same
        limits as one-to-one; delivered in the group."""
        context = photo_requested(turn.new_messages)
        request_id = f"group-{turn.turn_id}"
        if context is None or photos.find_photo(self.user_id, request_id) is not None:
            return
        try:
            quotas.check(self.user_id, "photo")
        except quotas.LimitReached as refused:
            groups.report_group_failure(self.user_id, self.group_id, "rate_limited", refused.message)
            return
        photos.request_photo(self.user_id, companion, context, request_id=request_id,
                             group_id=self.group_id)
        db.session.close()

    def _compose(self, turn: Turn, companion, speaker: Speaker, history) -> tuple[str, str | None, dict | None]:
        if turn.crisis:
            text = crisis_reply(turn.language, seed=f"{self.user_id}:group{self.group_id}:{turn.turn_id}")
            resources = resources_for(self.app.extensions["crisis_resources"], turn.language)
            return keep_honest(text, turn.language), CRISIS, resources
        names = {member.id: member.name for member in turn.members}
        persona = directory.persona(companion.id)
        lines = tuple(
            ChatLine(sender="user", content=text) if cid is None else
            ChatLine(sender="girl", content=text if cid == companion.id else f"{names.get(cid, '')}: {text}")
            for cid, text in history)
        request = ReplyRequest(
            persona=persona, user_name=turn.user_name, history=lines, new_messages=turn.new_messages,
            conversation_key=f"{self.user_id}:group{self.group_id}:{companion.slug}:{turn.turn_id}",
            memory=memory.memory_lines(self.user_id, companion.id),
            group=tuple(member.name for member in turn.members if member.id != companion.id),
            brief=speaker.brief)
        # The model call (and the wait for a CPU slot) is covered by a lease as long as the provider may take.
        self._keep_claim(self.scheduler.reply_lease)
        try:
            with self.scheduler.cpu_slot():
                self._keep_claim(self.scheduler.reply_lease)
                text = self.app.extensions["reply_provider"].compose(request).text.strip()
            if not text:
                raise ProviderError("malformed", "The model sent an empty reply.", retryable=False)
        except ProviderError as error:
            fallback = self.app.extensions.get("fallback_reply_provider")
            if fallback is None:
                raise TurnFailed(error) from error
            log.warning("group reply provider failed (%s); answering with the offline engine", error.kind)
            text = fallback.compose(request).text.strip()
            if not text:
                raise TurnFailed(error) from error
        return keep_honest(text, turn.language), None, None


def turn_plan(app, members, text, last_speakers, seed, crisis) -> tuple[Speaker, ...]:
    """plan_turn, or for tests the fixed order GROUP_TEST_SPEAKERS (slugs, addressed ones first)."""
    fixed = app.config.get("GROUP_TEST_SPEAKERS")
    if fixed and not crisis:
        from dreamchat.ai.group_turns import addressed
        slugs = [slug for slug, _ in members]
        order = [s for s in addressed(members, text) if s in slugs]
        order += [s for s in fixed if s in slugs and s not in order]
        return tuple(Speaker(slug) for slug in order[:2])
    return plan_turn(members, text, last_speakers, seed, crisis)
