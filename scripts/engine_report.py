#!/usr/bin/env python
"""Plays the fixed user turns of tests/data/engine_turns.json through a reply engine and prints how canned it sounds.

Each conversation is played turn by turn with its history carried, the way the server builds requests. Figures:
- opener repetition: share of replies whose opener (first clause, lowercase words only) opened one of the previous
  10 replies of the conversation; sentence repetition: share of replies with a sentence (two words or more) said in
  the previous 10;
- question relevance: share of direct questions about her (day, evening, city, interests, favourites, work, now)
  whose reply contains one of the turn's keywords; follow-up rate: share of the turns after the user told about an
  event (an exam, a date...) whose reply asks about it;
- language mismatch: share of replies not in the turn's language (detected as the other language, or carrying
  its function words); distinct openers over all replies; median and p95 compose time.
Asserts nothing. Run: `.venv/bin/python scripts/engine_report.py [--provider module:Class] [--path DIR]`
(--path puts DIR first on sys.path, e.g. to measure an older copy of the engine).
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dreamchat.ai.base import ChatLine, ReplyRequest  # noqa: E402
from dreamchat.companions.persona import load_default_personas  # noqa: E402
from dreamchat.understanding import detect_language, fold  # noqa: E402

TURNS_FILE = ROOT / "tests" / "data" / "engine_turns.json"
WINDOW = 10
EMOJI = "😊✨😄🤗💛☺️🙈😘💕😂😆📸😉"
FOREIGN = {"fr": frozenset("the you your and what with my is are i'm i it's that this for how".split()),
           "en": frozenset("je tu toi moi est c'est et avec mais pas suis j'ai".split())}


def normalized(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text.casefold()))


def opener_of(text: str) -> str:
    return normalized(re.split(r"[,.!?;:…]", re.sub(r"^[\W_]+", "", text), maxsplit=1)[0])


def sentences_of(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?…])\s+", text.strip())
    return [words for part in parts if len((words := normalized(part)).split()) >= 2]


def mismatched(reply: str, lang: str) -> bool:
    """The reply is not in the turn's language: detected as another one, or carrying its function words."""
    detected = detect_language(reply)
    words = set(re.findall(r"[\w'-]+", reply.lower().replace("’", "'")))
    return detected not in (None, lang) or bool(words & FOREIGN.get(lang, frozenset()))


def contains_any(reply: str, keywords: list[str], answer: bool = False) -> bool:
    """One of the keywords is in the reply; for an answer, not only in the question she closes with."""
    parts = re.split(r"(?<=[.!?…])\s+", reply.strip())
    if answer and len(parts) > 1 and parts[-1].rstrip(" " + "".join(EMOJI)).endswith("?"):
        reply = " ".join(parts[:-1])
    folded = fold(reply)
    return any(fold(keyword) in folded for keyword in keywords)


def play(provider, data: dict) -> list[dict]:
    """Every turn with the reply, its compose time and the replies before it in the conversation."""
    personas = {persona.slug: persona for persona in load_default_personas()}
    played = []
    for index, conversation in enumerate(data["conversations"]):
        persona, history, replies = personas[conversation["companion"]], [], []
        for turn in conversation["turns"]:
            request = ReplyRequest(persona=persona, user_name=conversation.get("user_name", "alex"),
                                   history=tuple(history) + (ChatLine("user", turn["text"]),),
                                   new_messages=(turn["text"],), conversation_key=f"report-{index}:{persona.slug}")
            started = time.perf_counter()
            reply = provider.compose(request)
            elapsed = time.perf_counter() - started
            played.append({**turn, "reply": reply.text, "seconds": elapsed, "before": replies[-WINDOW:]})
            history = list(request.history) + [ChatLine("girl", reply.text)]
            if reply.photo_context:
                history.append(ChatLine("girl", "Just a quick selfie for you", "photo"))
            replies.append(reply.text)
    return played


def share(hits: int, total: int) -> str:
    return f"{hits / total:6.1%}  ({hits}/{total})" if total else "     -"


def report(played: list[dict], show: bool) -> None:
    opener_repeats = [t for t in played if opener_of(t["reply"]) in {opener_of(r) for r in t["before"]}]
    sentence_repeats = [t for t in played
                        if set(sentences_of(t["reply"])) & {s for r in t["before"] for s in sentences_of(r)}]
    questions = [t for t in played if t["kind"] == "question"]
    answered = [t for t in questions if contains_any(t["reply"], t["keywords"], answer=True)]
    followups = [t for t in played if t["kind"] == "followup"]
    followed = [t for t in followups if contains_any(t["reply"], t["keywords"])]
    mismatches = [t for t in played if mismatched(t["reply"], t["lang"])]
    times = sorted(t["seconds"] * 1000 for t in played)
    print(f"turns                      {len(played)}")
    print(f"opener repetition (10)     {share(len(opener_repeats), len(played))}")
    print(f"sentence repetition (10)   {share(len(sentence_repeats), len(played))}")
    print(f"question relevance         {share(len(answered), len(questions))}")
    print(f"follow-up rate             {share(len(followed), len(followups))}")
    print(f"language mismatch          {share(len(mismatches), len(played))}")
    print(f"distinct openers           {len({opener_of(t['reply']) for t in played})}")
    print(f"compose time median        {statistics.median(times):.3f} ms (p95 {times[int(len(times) * 0.95)]:.3f} ms)")
    if show:
        for title, rows in (("opener repeated", opener_repeats), ("sentence repeated", sentence_repeats),
                            ("question not answered", [t for t in questions if t not in answered]),
                            ("no follow-up", [t for t in followups if t not in followed]),
                            ("language mismatch", mismatches)):
            print(f"\n{title}:")
            for t in rows:
                print(f"  [{t['lang']}] {t['text']!r}\n       -> {t['reply']!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", default="dreamchat.ai.offline:OfflineReplyProvider",
                        help="module:Class of the reply provider to measure")
    parser.add_argument("--path", help="a directory to import the provider from first")
    parser.add_argument("--turns", default=str(TURNS_FILE), help="the turns file")
    parser.add_argument("--show", action="store_true", help="print the failing turns and their replies")
    args = parser.parse_args()
    if args.path:
        sys.path.insert(0, args.path)
    module, _, name = args.provider.partition(":")
    provider = getattr(importlib.import_module(module), name)()
    data = json.loads(Path(args.turns).read_text("utf-8"))
    provider.compose(ReplyRequest(persona=load_default_personas()[0], user_name="warm", history=(),
                                  new_messages=("hi",), conversation_key="warm-up"))
    report(play(provider, data), args.show)


if __name__ == "__main__":
    main()
