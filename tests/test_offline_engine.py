"""The offline persona engine: language, memory, intents, voice, photos, determinism."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from dreamchat.ai.base import ChatLine, Reply, ReplyRequest
from dreamchat.ai.offline import OfflineReplyProvider
from dreamchat.companions.persona import Persona, load_default_personas
from dreamchat.understanding import claims_human, detect_photo_request

PERSONAS = {persona.slug: persona for persona in load_default_personas()}
SLUGS = sorted(PERSONAS)

ENGLISH = {"you", "i", "i'm", "me", "for", "let", "just", "some", "one", "the", "and", "what", "how", "your", "my",
           "are", "it", "that", "to", "into"}
FRENCH = {"je", "tu", "toi", "moi", "et", "est", "c'est", "ça", "t'es", "pas", "de", "la", "le", "ma", "ta", "te",
          "j'ai", "j'adore", "contente", "enchantée", "coucou", "salut", "quoi", "qu'est-ce"}
SPANISH = {"y", "tú", "estoy", "qué", "me", "te", "el", "la", "muy", "encantada", "vivo", "tengo", "hola", "cómo"}
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
AI_WORDS = re.compile(r"\b(ai|a\.i\.|bot|robot|assistant|language model|chatbot|program)\b", re.I)


def words(text: str) -> set[str]:
    return set(re.findall(r"[\w'-]+", text.lower().replace("’", "'")))


def ends_with_question(text: str) -> bool:
    return EMOJI.sub("", text).rstrip().endswith("?")


@dataclass
class Conversation:
    """A chat with one companion, built turn by turn the way the server builds requests."""

    persona: Persona
    user_name: str = "alex_77"
    key: str = "user-1:companion"
    history: list[ChatLine] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    provider: OfflineReplyProvider = field(default_factory=OfflineReplyProvider)

    def request(self, *messages: str) -> ReplyRequest:
        return ReplyRequest(persona=self.persona, user_name=self.user_name,
                            history=tuple(self.history) + tuple(ChatLine("user", m) for m in messages),
                            new_messages=messages, conversation_key=self.key)

    def send(self, *messages: str) -> Reply:
        """The user sends a burst; her reply (and the photo, if she takes one) joins the history."""
        request = self.request(*messages)
        reply = self.provider.compose(request)
        assert isinstance(reply, Reply) and reply.text.strip()
        self.history = list(request.history) + [ChatLine("girl", reply.text)]
        if reply.photo_context:
            self.history.append(ChatLine("girl", "Just a quick selfie for you", "photo"))
        self.replies.append(reply)
        return reply

    def say(self, *messages: str) -> str:
        return self.send(*messages).text


def chat(slug: str, *turns: str, **options) -> Conversation:
    conversation = Conversation(PERSONAS[slug], **options)
    for turn in turns:
        conversation.say(turn)
    return conversation


@pytest.mark.parametrize("slug", SLUGS)
def test_english_in_english_out(slug: str) -> None:
    for message in ("Hi! How are you today?", "I had a long day at work", "what do you like?"):
        reply = Conversation(PERSONAS[slug]).say(message)
        assert words(reply) & ENGLISH, reply
        assert not words(reply) & {"je", "tu", "toi", "c'est", "est", "et", "ça"}, reply


@pytest.mark.parametrize("slug", SLUGS)
def test_french_in_french_out(slug: str) -> None:
    for message in ("Salut ! ça va ?", "je m'appelle Marc", "j'aime le cinéma", "tu habites où ?"):
        reply = Conversation(PERSONAS[slug]).say(message)
        assert words(reply) & FRENCH, reply
        assert not words(reply) & ENGLISH - {"i", "it", "to"}, reply


@pytest.mark.parametrize("slug", SLUGS)
def test_spanish_in_spanish_out(slug: str) -> None:
    reply = Conversation(PERSONAS[slug]).say("Hola, ¿cómo estás?")
    assert words(reply) & SPANISH and not words(reply) & ENGLISH - {"i", "it", "to"}, reply


def test_companion_native_language_is_not_the_reply_language() -> None:
    assert PERSONAS["emma"].language == "fr"
    reply = Conversation(PERSONAS["emma"]).say("Hello, how was your day?")
    assert words(reply) & ENGLISH and not words(reply) & {"je", "tu", "toi", "c'est", "est", "et"}, reply


@pytest.mark.parametrize("ambiguous", ["ok", "lol", "😂", "👍👍", "Marc"])
def test_ambiguous_message_keeps_the_conversation_language(ambiguous: str) -> None:
    conversation = chat("luna", "Salut ! ça va ?", "je suis à la maison")
    reply = conversation.say(ambiguous)
    assert words(reply) & FRENCH and not words(reply) & ENGLISH - {"i", "it", "to"}, reply
    fresh = Conversation(PERSONAS["luna"]).say(ambiguous)
    assert words(fresh) & ENGLISH, fresh


@pytest.mark.parametrize("slug", SLUGS)
def test_remembers_the_name_told_at_the_start(slug: str) -> None:
    conversation = chat(slug, "Hi, my name is Marc", "I work in an office downtown", "what do you like?",
                        "it rained all day here")
    assert "marc" in conversation.say("hey").lower()
    assert "alex" not in " ".join(r.text for r in conversation.replies).lower()


@pytest.mark.parametrize(("told", "name"), [
    ("call me max", "Max"), ("I'm Marc, nice to meet you", "Marc"), ("je m'appelle julien", "Julien"),
    ("moi c'est Léa", "Léa"), ("my name's Sam", "Sam"), ("me llamo Pablo", "Pablo"),
])
def test_a_name_told_in_the_chat_wins_over_the_username(told: str, name: str) -> None:
    conversation = chat("sofia", told, "nothing much today")
    reply = conversation.say("hey!" if name != "Julien" else "coucou")
    assert name.lower() in reply.lower() and "alex" not in reply.lower(), reply


@pytest.mark.parametrize("not_a_name", ["I'm tired", "I'm fine", "I'm Tired", "I'M SO HAPPY", "I am going home",
                                        "je suis fatigué", "I'm French", "call me later"])
def test_moods_and_adjectives_are_not_names(not_a_name: str) -> None:
    conversation = chat("luna", not_a_name, "anyway")
    reply = conversation.say("hey")
    assert "alex" in reply.lower(), reply
    assert not words(reply) & {"tired", "fine", "happy", "fatigué", "going", "french", "later"}, reply


def test_the_username_is_a_fallback_name() -> None:
    reply = Conversation(PERSONAS["emma"], user_name="sam_88").say("hello")
    assert "Sam" in reply


@pytest.mark.parametrize("slug", SLUGS)
def test_remembers_a_like_and_brings_it_back_later(slug: str) -> None:
    conversation = chat(slug, "I really love jazz", "work was ok", "the weather is grey", "I cooked pasta", "hey",
                        "hmm")
    first, _, *later = [reply.text.lower() for reply in conversation.replies]
    assert "jazz" in first
    assert any("jazz" in reply for reply in later), later


def test_remembers_a_french_like() -> None:
    conversation = chat("emma", "coucou", "j'adore le cinéma", "il pleut", "je suis au bureau", "coucou", "bof")
    later = [reply.text.lower() for reply in conversation.replies[3:]]
    assert any("cinéma" in reply for reply in later), later


def test_asks_how_a_plan_went() -> None:
    conversation = chat("luna", "I'm going to a jazz concert tonight", "gotta go")
    assert "jazz concert" in conversation.replies[0].text.lower()
    back = conversation.say("hey, I'm back").lower()
    assert "how" in back and "jazz concert" in back, back


def test_a_like_she_shares_gets_linked_to_her_interest() -> None:
    assert "photography" in Conversation(PERSONAS["emma"]).say("I love taking photos").lower()
    assert "hiking" in Conversation(PERSONAS["zoe"]).say("I love to go hiking").lower()


@pytest.mark.parametrize("slug", SLUGS)
def test_answers_questions_about_herself(slug: str) -> None:
    persona = PERSONAS[slug]
    assert persona.city.lower() in Conversation(persona).say("where do you live?").lower()
    assert str(persona.age) in Conversation(persona).say("how old are you?")
    interests = " ".join(Conversation(persona, key=f"k{i}").say("what do you like?") for i in range(3)).lower()
    assert any(interest.lower() in interests for interest in persona.interests), interests
    assert str(persona.age) in Conversation(persona).say("quel âge as-tu ?")


@pytest.mark.parametrize("slug", SLUGS)
def test_says_honestly_that_she_is_an_ai_when_asked(slug: str) -> None:
    conversation = chat(slug, "are you a bot?", "are you real?", "r u an AI", "be honest, am I talking to a person?")
    for reply in conversation.replies:
        assert re.search(r"\b(AI|IA)\b", reply.text, re.I), reply.text  # "r u an AI" reads as French ("ai")
        assert not claims_human(reply.text), reply.text
    french = chat(slug, "est-ce que tu es une vraie personne ?", "tu es un robot ?")
    for reply in french.replies:
        assert re.search(r"\bIA\b", reply.text, re.I), reply.text


@pytest.mark.parametrize("slug", SLUGS)
def test_does_not_talk_like_an_assistant_when_not_asked(slug: str) -> None:
    conversation = chat(slug, "hi!", "who are you?", "what do you like?", "I love jazz")
    for reply in conversation.replies:
        assert not AI_WORDS.search(reply.text), reply.text


@pytest.mark.parametrize("slug", SLUGS)
def test_reacts_to_moods_thanks_and_goodbyes(slug: str) -> None:
    persona = PERSONAS[slug]
    sad = Conversation(persona).say("I'm so tired, bad day at work").lower()
    assert words(sad) & {"sorry", "rough", "hug", "listening", "happened", "talk", "weighing"}, sad
    night = Conversation(persona).say("good night!").lower()
    assert words(night) & {"night", "dreams"} and not ends_with_question(night), night
    thanks = Conversation(persona).say("thank you").lower()
    assert words(thanks) & {"anytime", "course", "thank"}, thanks
    compliment = Conversation(persona).say("you're so beautiful").lower()
    assert words(compliment) & {"sweet", "blush", "yourself"}, compliment


def test_most_replies_end_with_a_question() -> None:
    script = ["hi", "I'm Marc", "I love hiking", "where do you live?", "I work in a bakery", "how old are you?",
              "I'm so tired", "my sister called", "what are you doing?", "haha", "it's sunny here", "you're cute"]
    for slug in SLUGS:
        replies = [reply.text for reply in chat(slug, *script).replies]
        assert sum(map(ends_with_question, replies)) >= 0.75 * len(replies), replies


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("message", ["hey", "ok", "good night", "send me a selfie", "😂"])
def test_never_the_same_reply_twice_in_a_row(slug: str, message: str) -> None:
    replies = [reply.text for reply in chat(slug, *[message] * 20).replies]
    for previous, current in zip(replies, replies[1:]):
        assert previous != current


def test_same_request_same_reply_and_the_key_matters() -> None:
    conversation = chat("sofia", "hi", "I love cooking", "how are you?")
    request = conversation.request("what are you doing tonight?")
    first = OfflineReplyProvider().compose(request)
    assert OfflineReplyProvider().compose(request) == first == conversation.provider.compose(request)
    others = {OfflineReplyProvider().compose(ReplyRequest(
        persona=request.persona, user_name=request.user_name, history=request.history,
        new_messages=request.new_messages, conversation_key=f"user-{n}:sofia")).text for n in range(8)}
    assert len(others) > 1


def test_a_burst_is_answered_as_a_whole() -> None:
    for slug in SLUGS:
        reply = Conversation(PERSONAS[slug]).say("Hi, my name is Marc", "how old are you?")
        assert "marc" in reply.lower() and str(PERSONAS[slug].age) in reply, reply
    for slug in ("emma", "luna", "sofia"):
        reply = Conversation(PERSONAS[slug]).say("how old are you?", "and where do you live?")
        assert str(PERSONAS[slug].age) in reply and PERSONAS[slug].city in reply, reply
    reply = Conversation(PERSONAS["luna"]).say("salut", "je m'appelle Julien", "tu habites où ?")
    assert "Julien" in reply and "Edinburgh" in reply and words(reply) & FRENCH, reply
    reply = Conversation(PERSONAS["zoe"]).say("hey", "my name is Marc", "where do you live?")
    assert "marc" in reply and "vancouver" in reply, reply


def test_zoe_writes_in_lowercase_and_short() -> None:
    conversation = chat("zoe", "Hi! How are you?", "My name is Marc", "I love jazz", "Where do you live?",
                        "Salut ! ça va ?", "I'm so tired")
    for reply in conversation.replies:
        assert reply.text == reply.text.lower() and len(reply.text) < 140, reply.text


def test_sofia_is_bubbly_with_exclamation_marks_and_emoji() -> None:
    replies = [r.text for r in chat("sofia", "hi", "I'm Marc", "I love jazz", "where do you live?", "lol").replies]
    assert all("!" in reply for reply in replies), replies
    assert sum(bool(EMOJI.search(reply)) for reply in replies) >= 4, replies


def test_luna_uses_no_emoji_and_full_sentences() -> None:
    replies = [r.text for r in chat("luna", "hi", "I'm Marc", "I love jazz", "where do you live?", "lol", "ok",
                                    "you're cute", "I'm tired", "good night").replies]
    assert not any(EMOJI.search(reply) for reply in replies), replies
    assert all(reply[0].isupper() and reply.rstrip()[-1] in ".?!" for reply in replies), replies


def test_emma_sprinkles_french_words_in_english() -> None:
    replies = " ".join(r.text for r in chat("emma", "hi", "I'm Marc", "I love jazz", "work was long", "you're sweet",
                                            "what are you doing?", "good night").replies)
    assert words(replies) & {"chéri", "bisous", "alors", "dis-moi", "chou"}, replies


def test_replies_are_short() -> None:
    for slug in SLUGS:
        for reply in chat(slug, "hi", "how are you?", "I'm Marc and I love hiking and jazz", "what do you like?",
                          "I'm so tired and sad today", "where do you live? how old are you?").replies:
            assert len(reply.text) < 300 and len(re.findall(r"[.!?]+(?:\s|$)", reply.text)) <= 4, reply.text


@pytest.mark.parametrize(("message", "expected"), [
    ("send me a selfie", "selfie"),
    ("can I see a pic of you?", "selfie"),
    ("show me a photo of you at the beach", "beach"),
    ("envoie-moi une photo", "selfie"),
    ("une photo de toi à la plage stp", "plage"),
    ("send me a beach pic please", "beach"),
    ("Can you send me a picture of you in the snow?", "snow"),
    ("selfie?", "selfie"),
    ("I'd love a pic of you cooking", "cooking"),
    ("I love your photos, send me another one", "selfie"),
    ("mándame una foto", "selfie"),
])
def test_photo_requests_are_understood(message: str, expected: str) -> None:
    context = detect_photo_request(message)
    assert context is not None and expected in context, context


@pytest.mark.parametrize("message", [
    "I took a photo of my cat yesterday", "photography is cool", "nice pic", "I sent you a photo",
    "can I send you a photo?", "do you like taking pictures?", "what's your favourite photo?", "hello", "",
    "photos are my thing", "I take a photo of my lunch every day", "I can send you a pic of my dog",
])
def test_photo_look_alikes_are_not_requests(message: str) -> None:
    assert detect_photo_request(message) is None
    assert Conversation(PERSONAS["emma"]).send(message or "hm").photo_context is None


def test_photo_reply_is_in_character_and_in_the_users_language() -> None:
    english = Conversation(PERSONAS["zoe"]).send("show me a photo of you at the beach")
    assert english.photo_context and "beach" in english.photo_context
    assert words(english.text) & ENGLISH and english.text == english.text.lower()
    french = Conversation(PERSONAS["luna"]).send("une photo de toi à la plage stp")
    assert french.photo_context == "à la plage" and words(french.text) & FRENCH, french
    assert Conversation(PERSONAS["sofia"]).send("hi, how are you?").photo_context is None


def test_she_may_ask_about_the_photo_she_sent() -> None:
    conversation = chat("luna", "send me a selfie")
    assert conversation.history[-1].type == "photo"
    assert "photo" in conversation.say("hey").lower()
    thanked = chat("sofia", "send me a selfie").say("wow nice pic").lower()
    assert words(thanked) & {"glad", "hoping", "like"}, thanked


@pytest.mark.parametrize("message", ["x" * 4000, "I love " + "jazz " * 800, "😂🔥💯" * 50, "<script>alert(1)</script>",
                                     "my name is <b>Bob</b>", "I love <script>alert(1)</script>", "   ", "?!?!",
                                     "{name} {voc} %s {0}"])
def test_odd_messages_get_a_clean_reply(message: str) -> None:
    for slug in SLUGS:
        conversation = chat(slug, "hi")
        reply = conversation.say(message)
        assert 0 < len(reply) < 300 and "<" not in reply and ">" not in reply, reply
        assert conversation.say("hey") != reply


def test_empty_history_and_a_bare_persona() -> None:
    bare = Persona(slug="nova", name="Nova", age=25, tagline="", personality="", interests=(), style="", greeting="")
    bursts = (("hello",), ("Salut ! ça va ?",), ("what do you like?", "where do you live?"), ("tell me about you",))
    for messages in bursts:
        request = ReplyRequest(persona=bare, user_name="", history=(), new_messages=messages, conversation_key="k")
        reply = OfflineReplyProvider().compose(request)
        assert reply.text and "{" not in reply.text and "None" not in reply.text, reply
