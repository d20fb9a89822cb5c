"""The offline persona engine: language, memory, intents, voice, photos, determinism."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from dreamchat.ai.base import ChatLine, Reaction, Reply, ReplyRequest
from dreamchat.ai.offline import OfflineReplyProvider
from dreamchat.companions.persona import Persona, load_default_personas, with_default_details
from dreamchat.understanding import claims_human, detect_language, detect_photo_request

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


# A less canned engine: fresh openers and sentences, direct answers, follow-ups, one language, quotes and reactions.

FOREIGN = {"fr": {"the", "you", "your", "and", "what", "with", "my", "is", "are", "i'm", "it's", "that", "this", "how"},
           "en": {"je", "tu", "toi", "moi", "est", "c'est", "et", "avec", "mais", "pas", "suis", "j'ai"}}
LONG_CHAT = ["hi!", "how are you?", "I'm good, just got home", "ok", "lol", "what are you doing tonight?", "nice",
             "ok", "haha", "where do you live?", "cool", "ok", "I had a long day at work", "yeah", "hmm", "ok",
             "what's your favourite food?", "lol", "ok", "what do you do for work?", "nice", "ok", "haha", "hmm",
             "how was your day?", "cool", "ok", "lol", "what are you doing right now?", "ok", "nice", "haha", "ok",
             "what do you like?", "cool", "ok", "lol", "hmm", "ok", "good night"]


def opener(text: str) -> str:
    words = re.split(r"[,.!?;:…]", re.sub(r"^[\W_]+", "", text), maxsplit=1)[0]
    return " ".join(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", words.casefold()))


def sentences(text: str) -> set[str]:
    parts = (" ".join(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", part.casefold()))
             for part in re.split(r"(?<=[.!?…])\s+", text.strip()))
    return {part for part in parts if len(part.split()) >= 2}


@pytest.mark.parametrize("slug", SLUGS)
def test_no_opener_and_no_sentence_comes_back_within_ten_replies(slug: str) -> None:
    replies = [reply.text for reply in chat(slug, *LONG_CHAT).replies]
    for index, reply in enumerate(replies):
        window = replies[max(0, index - 10):index]
        assert opener(reply) not in {opener(old) for old in window}, (reply, window)
        assert not sentences(reply) & {s for old in window for s in sentences(old)}, (reply, window)
    assert len({opener(reply) for reply in replies}) >= 20


def test_a_repeated_message_does_not_get_the_same_small_talk_back() -> None:
    for slug in SLUGS:
        replies = [reply.text for reply in chat(slug, *["ok"] * 25).replies]
        for index, reply in enumerate(replies):
            window = {s for old in replies[max(0, index - 10):index] for s in sentences(old)}
            assert not sentences(reply) & window, (reply, replies[max(0, index - 10):index])


@pytest.mark.parametrize(("slug", "question", "expected", "lang"), [
    ("emma", "tell me about your favourite gallery", ("orsay",), "en"),
    ("emma", "tu fais quoi ce soir ?", ("ce soir",), "fr"),
    ("emma", "what do you study?", ("beaux-arts",), "en"),
    ("luna", "what do you do for work?", ("observatory",), "en"),
    ("luna", "c'est quoi ton livre préféré ?", ("terremer",), "fr"),
    ("luna", "et ta journée ?", ("observatoire", "balade"), "fr"),
    ("sofia", "c'est quoi ton plat préféré ?", ("paella",), "fr"),
    ("sofia", "what are you doing right now?", ("sofrito",), "en"),
    ("zoe", "what are you doing tonight?", ("tonight",), "en"),
    ("zoe", "tu fais quoi dans la vie ?", ("escalade",), "fr"),
    ("zoe", "tu aimes les jeux vidéo ?", ("jeux vidéo", "hollow knight"), "fr"),
    ("luna", "do you like tea?", ("tea", "earl grey"), "en"),
])
def test_direct_questions_are_answered_from_the_persona(slug: str, question: str, expected: tuple[str, ...],
                                                        lang: str) -> None:
    for key in ("k1", "k2", "k3"):
        reply = chat(slug, "hi" if lang == "en" else "salut", key=key).say(question)
        answer = re.split(r"(?<=[.!?])\s+(?=[^.!?]*\?\s*\W*$)", reply)[0].lower()  # not her closing question
        assert any(word in answer for word in expected), reply
        assert detect_language(reply) in (lang, None) and not words(reply) & FOREIGN[lang], reply


def test_a_persona_without_details_still_answers_from_interests_and_city() -> None:
    nova = Persona(slug="nova", name="Nova", age=25, tagline="Baker and night owl", personality="kind",
                   interests=("baking", "chess"), style="", greeting="", city="Lyon")
    evening = Conversation(nova).say("what are you doing tonight?").lower()
    assert "tonight" in evening and ("baking" in evening or "chess" in evening), evening
    favourite = Conversation(nova).say("what's your favourite book?").lower()
    assert "book" in favourite or "baking" in favourite or "chess" in favourite, favourite
    french = Conversation(nova).say("tu fais quoi ce soir ?")
    assert "ce soir" in french.lower() and not words(french) & (FOREIGN["fr"] | {"baking", "chess"}), french


def test_an_imported_persona_keeps_its_own_details() -> None:
    card = Persona.from_dict({"slug": "mia", "name": "Mia", "age": 30, "tagline": "", "personality": "", "greeting": "",
                              "interests": ["chess"], "daily_life": {"evening": "Tonight I play chess at the club."},
                              "favourites": {"food": ["Ramen from the corner shop."]}})
    assert "chess at the club" in Conversation(card).say("any plans tonight?")
    assert "Ramen" in Conversation(card).say("what's your favourite food?")
    french = Conversation(card).say("tu fais quoi ce soir ?")  # her details are English: not said in French
    assert "club" not in french and words(french) & FRENCH, french
    assert hash(card) == hash(Persona.from_dict({"slug": "mia", "name": "Mia", "age": 30, "tagline": "",
                                                 "personality": "", "greeting": "", "interests": ["chess"]}))


def test_stored_default_companions_get_their_details_back() -> None:
    emma = PERSONAS["emma"]
    stored = Persona(slug=emma.slug, name=emma.name, age=emma.age, tagline=emma.tagline,
                     personality=emma.personality, interests=emma.interests, style=emma.style,
                     greeting=emma.greeting, language=emma.language, city=emma.city, traits=emma.traits)
    assert with_default_details(stored).favourites == emma.favourites and emma.favourites
    renamed = Persona(slug="emma", name="Not Emma", age=30, tagline="", personality="", interests=(), style="",
                      greeting="")
    assert with_default_details(renamed) is renamed


@pytest.mark.parametrize(("slug", "told", "then", "expected"), [
    ("emma", "I have an exam tomorrow", "yeah, statistics, ugh", ("revision", "exam")),
    ("luna", "j'ai un partiel lundi", "ouais, en droit", ("révisions", "examen")),
    ("sofia", "I have a first date on Friday", "I'm kinda nervous", ("date",)),
    ("zoe", "I had my job interview this morning", "it was a design studio", ("interview",)),
    ("luna", "j'ai un entretien d'embauche demain", "dans une banque", ("entretien",)),
])
def test_she_follows_up_on_what_the_user_said_the_turn_before(slug: str, told: str, then: str,
                                                              expected: tuple[str, ...]) -> None:
    for key in ("k1", "k2"):
        conversation = chat(slug, "hi" if detect_language(told) == "en" else "salut", told, key=key)
        reply = conversation.say(then).lower()
        assert ends_with_question(reply) and any(word in reply for word in expected), reply
    past = chat("emma", "I had my exam this morning").say("it was ok I guess").lower()
    assert "how" in past and "exam" in past and "revision" not in past, past


def test_she_asks_about_an_event_remembered_from_an_earlier_session() -> None:
    request = ReplyRequest(persona=PERSONAS["luna"], user_name="alex", history=(ChatLine("user", "hey"),),
                           new_messages=("hey",), conversation_key="k", memory=("dates: exam: friday",))
    reply = OfflineReplyProvider().compose(request).text.lower()
    assert "exam" in reply and ends_with_question(reply), reply


@pytest.mark.parametrize("slug", SLUGS)
def test_french_and_english_turns_get_replies_in_one_language(slug: str) -> None:
    turns = [("salut !", "fr"), ("tu fais quoi ce soir ?", "fr"), ("ok", "fr"), ("mdr", "fr"),
             ("hey, let's speak English", "en"), ("what's your favourite food?", "en"), ("ok", "en"),
             ("I have an exam tomorrow", "en"), ("yeah", "en"), ("bon, je reparle français", "fr"),
             ("c'est quoi ton endroit préféré ?", "fr"), ("j'ai un rencard ce soir", "fr"), ("ouais", "fr"),
             ("good night", "en")]
    conversation = Conversation(PERSONAS[slug])
    for text, lang in turns:
        reply = conversation.say(text)
        assert detect_language(reply) in (lang, None), (text, reply)
        assert not words(reply) & FOREIGN[lang], (text, reply)
    assert words(Conversation(PERSONAS["emma"]).say("ok")) & FRENCH  # Emma's own language is the default


def test_a_quoted_message_of_hers_gets_answered() -> None:
    conversation = chat("emma", "hi", "what are you doing tonight?", "ok", "tell me about your favourite gallery",
                        "cool", "hmm")
    hers = [line.content for line in conversation.history if line.sender == "girl"]
    evening, gallery = hers[1], hers[3]
    for key in ("k1", "k2", "k3"):
        for quoted, text in ((evening, "really?"), (gallery, "tell me more")):
            request = ReplyRequest(persona=conversation.persona, user_name="alex",
                                   history=tuple(conversation.history) + (ChatLine("user", text),),
                                   new_messages=(text,), conversation_key=key, quoted=(quoted,))
            reply = OfflineReplyProvider().compose(request).text
            detail = re.split(r"[.:;]", quoted)[0].lower()
            assert detail in reply.lower(), (quoted, reply)  # she stands by what she said, not another story
    own = ReplyRequest(persona=PERSONAS["luna"], user_name="alex",
                       history=(ChatLine("user", "I have an exam tomorrow"), ChatLine("girl", "Good luck."),
                                ChatLine("user", "hi"), ChatLine("girl", "Hello. How was your day?"),
                                ChatLine("user", "well"),), new_messages=("well",), conversation_key="k",
                       quoted=("I have an exam tomorrow",))
    reply = OfflineReplyProvider().compose(own).text.lower()
    assert "exam" in reply or "revision" in reply, reply


def test_a_heart_on_her_message_is_sometimes_acknowledged() -> None:
    conversation = chat("luna", "hi", "I love jazz", "ok")
    last = conversation.history[-1].content

    def replies(*reactions: Reaction) -> list[str]:
        return [OfflineReplyProvider().compose(ReplyRequest(
            persona=conversation.persona, user_name="alex",
            history=tuple(conversation.history) + (ChatLine("user", "ok"),), new_messages=("ok",),
            conversation_key=f"k{n}", reactions=reactions)).text for n in range(12)]
    hearts = replies(Reaction("❤️", "girl", last))
    warm = [reply for reply in hearts if "heart" in reply.lower()]
    assert 2 <= len(warm) < len(hearts), hearts
    assert not any("heart" in reply.lower() for reply in replies() + replies(Reaction("❤️", "user", "ok"))), hearts
    laughs = replies(Reaction("😂", "girl", last))
    assert any("laugh" in reply.lower() or "landed" in reply.lower() for reply in laughs), laughs
    french = chat("luna", "salut", "ok").request("ok")
    assert any("cœur" in OfflineReplyProvider().compose(ReplyRequest(
        persona=french.persona, user_name="alex", history=french.history, new_messages=("ok",),
        conversation_key=f"k{n}", reactions=(Reaction("❤️", "girl", "Coucou"),))).text for n in range(6))


def test_the_honest_ai_answer_survives_a_reaction_and_a_quote() -> None:
    request = ReplyRequest(persona=PERSONAS["emma"], user_name="alex", history=(ChatLine("user", "are you real?"),),
                           new_messages=("are you real?",), conversation_key="k",
                           reactions=(Reaction("❤️", "girl", "Salut"),), quoted=("Salut",))
    reply = OfflineReplyProvider().compose(request).text
    assert re.search(r"\bAI\b", reply) and not claims_human(reply), reply

