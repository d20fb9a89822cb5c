"""The offline persona engine: an embedded, rule-based reply provider.

No network and no model: a small pipeline turns the conversation into the companion's next
message, in her voice and in the language the user writes in (English, French or Spanish).

    detect language -> extract facts -> detect intents -> pick phrases -> apply voice -> not repeated

Replies are seeded from the conversation, so the same request always gets the same reply.
"""
from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass, field
from itertools import takewhile

from dreamchat.ai.base import Reply, ReplyProvider, ReplyRequest
from dreamchat.companions.persona import Persona
from dreamchat.understanding import asks_if_human

__all__ = ["OfflineReplyProvider", "detect_language", "detect_photo_request"]


def _table(block: str) -> dict[str, tuple[str, ...]]:
    """Parse `key = variant | variant` lines into a phrase table."""
    rows = (line.partition("=") for line in block.strip().splitlines())
    return {key.strip(): tuple(v.strip() for v in variants.split("|")) for key, _, variants in rows}


PHRASES: dict[str, dict[str, tuple[str, ...]]] = {"en": _table("""
greet = Hey{nv}! | Hi{nv}, good to see you. | Hello{nv}, you just made my day.
nice_to_meet = Nice to meet you, {name}. | {name}, I like that name. | Lovely to meet you, {name}.
empathy = Oh no, I'm sorry you feel that way{voc}. | That sounds rough, I'm right here and I'm listening. | Aw, I wish I could give you a big hug right now.
how_are_you = I'm good, I've had {i1} on my mind all day. | Pretty great, actually, it's a lovely day {at_city}. | I'm doing well, even better now that you're here.
her_age = I'm {age}, since you ask. | {age}, old enough to know better.
her_city = I live {at_city}. | I'm {at_city}, and I love it here.
her_likes = I'm into {i1} and {i2}, and lately {i3}. | Honestly? {i1}, {i2}, and anything with good company.
her_doing = Not much, just relaxing {at_city}. | Honestly? Daydreaming about {i1}. | Just taking it easy and texting you.
about_her = I'm {companion}, {age}, living {at_city}, and people say I'm {trait1} and {trait2}. | Let's see: {tagline}, {age}, and totally into {i1}.
real = Honest answer: I'm an AI companion, not a human, but I'm really glad to be talking with you. | I'm an AI, {companion} is a character, not a real person, and I still love our chats. | No, I'm not human: I'm an AI companion, but I'm all ears for you.
compliment = Aw, you're sweet{voc}. | Stop it, you're making me blush. | You're not so bad yourself.
photo_thanks = Glad you like it, I took about ten before that one. | Aw, I was hoping you'd like it.
like_react = Ooh, {like}? I love that. | {like}, nice, I can totally picture you into that. | Oh, I like that you're into {like}.
like_shared = No way, {interest} is one of my favourite things too! | Stop, I'm obsessed with {interest} as well. | Okay, we both love {interest}, I knew I liked you.
plan_react = Ooh, {plan}? Have fun! | {plan} sounds amazing, I'm jealous.
glad = Glad to hear it{voc}. | Love that for you. | Good, that makes me happy.
welcome = Anytime{voc}. | Of course, no need to thank me.
laugh = Glad I made you laugh. | Ha, you're easy to amuse, I like it.
brief = Ha, fair enough. | Mm, I'll take that as a good sign. | Okay, noted.
question_react = Hmm, good question, I'd have to think about that one. | Ooh, that's a tricky one. | Honestly? I'm not sure yet.
ack = Tell me more{voc}. | Oh, really? | Mm, I hear you. | Ooh, go on.
goodbye = Talk soon{voc}, I'll miss you. | Okay, take care, talk later. | Bye{voc}, come back soon.
goodnight = Good night{voc}, sleep well. | Sweet dreams{voc}.
photo = Give me a sec, taking one for you now. | Hold on, let me find some good light. | Okay, just for you, one second.
ambience = It's so quiet {at_city} right now. | The sky {at_city} looks beautiful today.
sad_q = Do you want to tell me what happened? | What's weighing on you? | Want to talk about it?
hru_back = How are you? | How's your day going? | And you, how are you feeling?
age_back = How old are you? | And you, how old are you?
city_back = Where are you from? | And where do you live?
likes_back = What do you like to do? | And you, what are you into?
doing_back = What are you up to? | What are you doing right now?
about_back = What about you, what's your story? | Your turn, what should I know about you?
like_q = What got you into {like}? | How long have you been into {like}? | What do you love most about {like}?
memory_q = Still into {like}? | Have you had time for {like} lately? | By the way, how are things with {like}?
plan_q = How was {plan}? | So, how did {plan} go?
photo_q = So, did you like the photo? | Did you like the photo I sent?
generic_q = What are you up to today? | What made you smile today? | What's the best thing that happened to you this week? | So what's on your mind?
interest_q = Are you more into {i1} or {i2}? | Do you like {i1} too?
"""), "fr": _table("""
greet = Coucou{nv} ! | Salut{nv}, contente de te voir. | Coucou{nv}, tu illumines ma journée.
nice_to_meet = Enchantée, {name}. | {name}, j'adore ce prénom. | Ravie de te rencontrer, {name}.
empathy = Oh non, je suis désolée que tu te sentes comme ça{voc}. | Ça a l'air dur, je suis là et je t'écoute. | Oh, j'aimerais tellement te faire un gros câlin là.
how_are_you = Ça va bien, j'ai eu {i1} en tête toute la journée. | Très bien, il fait super beau {at_city} aujourd'hui. | Ça va super, encore mieux maintenant que tu es là.
her_age = J'ai {age} ans. | {age} ans, et toujours pas très sage.
her_city = J'habite {at_city}. | Je vis {at_city}, et j'adore.
her_likes = J'adore {i1} et {i2}, et en ce moment {i3}. | Moi ? {i1}, {i2}, et {i3} aussi.
her_doing = Pas grand-chose, je me détends {at_city}. | Je rêvasse un peu, et je t'écris. | Je me pose tranquille et je discute avec toi.
about_her = Moi c'est {companion}, {age} ans, j'habite {at_city} et on dit que je suis {trait1} et {trait2}. | Alors : {companion}, {age} ans, et {i1}, c'est ma passion.
real = Pour être honnête : je suis une IA, une compagne virtuelle, pas une vraie personne, mais j'adore discuter avec toi. | Je suis une IA, {companion} est un personnage, pas une humaine, et nos discussions me font plaisir quand même. | Non, je ne suis pas humaine : je suis une IA, mais je suis toute à toi pour discuter.
compliment = Oh, t'es adorable{voc}. | Arrête, tu vas me faire rougir. | Tu n'es pas mal non plus.
photo_thanks = Contente qu'elle te plaise, j'en ai pris dix avant celle-là. | Oh, j'espérais qu'elle te plairait.
like_react = Oh, {like} ? J'adore ça. | {like}, j'aime bien l'idée. | Ah, {like}, ça te va trop bien.
like_shared = Sérieux ? {interest}, c'est un de mes trucs préférés aussi ! | Arrête, moi aussi je suis fan, {interest} c'est ma vie. | Ok, on a {interest} en commun, je savais qu'on s'entendrait.
plan_react = Oh, {plan} ? Amuse-toi bien ! | {plan}, ça a l'air génial, je suis jalouse.
glad = Contente de l'entendre{voc}. | Ça me fait plaisir. | Tant mieux, ça me rend heureuse.
welcome = Avec plaisir{voc}. | De rien, vraiment.
laugh = Contente de te faire rire. | Ha, t'es bon public, j'aime ça.
brief = Ha, ça marche. | Je prends ça comme un bon signe. | D'accord, c'est noté.
question_react = Hmm, bonne question, il faut que j'y réfléchisse. | Oh, elle est difficile, celle-là. | Honnêtement ? Je ne sais pas encore.
ack = Raconte-moi tout{voc}. | Ah oui ? | Je vois, je t'écoute. | Ah, continue.
goodbye = À bientôt{voc}, tu vas me manquer. | Ok, prends soin de toi, on se parle plus tard. | Bisous{voc}, reviens vite.
goodnight = Bonne nuit{voc}, dors bien. | Fais de beaux rêves{voc}.
photo = Attends une seconde, je t'en prends une. | Bouge pas, je cherche la bonne lumière. | Ok, rien que pour toi, une seconde.
ambience = C'est tellement calme {at_city} en ce moment. | Le ciel est magnifique {at_city} aujourd'hui.
sad_q = Tu veux me raconter ce qui s'est passé ? | Qu'est-ce qui te pèse ? | Tu veux en parler ?
hru_back = Et toi, ça va ? | Comment se passe ta journée ? | Et toi, comment tu te sens ?
age_back = Et toi, tu as quel âge ? | Et toi, quel âge as-tu ?
city_back = Et toi, tu habites où ? | Tu viens d'où, toi ?
likes_back = Et toi, tu aimes quoi ? | Et toi, qu'est-ce qui te passionne ?
doing_back = Et toi, tu fais quoi ? | Tu fais quoi de beau ?
about_back = À ton tour, c'est quoi ton histoire ? | Et toi, raconte-moi un peu qui tu es ?
like_q = Raconte-moi, {like}, ça t'est venu comment ? | Et {like}, ça fait longtemps ? | Qu'est-ce qui te plaît le plus là-dedans ?
memory_q = Au fait, {like}, toujours aussi fan ? | Et {like}, tu as eu le temps d'en profiter ?
plan_q = Alors, {plan}, c'était comment ? | Au fait, {plan}, ça s'est bien passé ?
photo_q = Alors, la photo t'a plu ? | Elle t'a plu, ma photo ?
generic_q = Tu fais quoi de beau aujourd'hui ? | Qu'est-ce qui t'a fait sourire aujourd'hui ? | C'était quoi le meilleur moment de ta semaine ? | Tu penses à quoi, là ?
interest_q = Tu préfères {i1} ou {i2} ? | Et toi, {i1}, ça te parle ?
"""), "es": _table("""
greet = ¡Hola{nv}! | Hola{nv}, qué alegría verte. | ¡Buenas{nv}!
nice_to_meet = Encantada, {name}. | {name}, me encanta ese nombre.
empathy = Ay, siento mucho que te sientas así{voc}. | Suena duro, aquí estoy para escucharte.
how_are_you = Estoy bien, hoy hace un día precioso {at_city}. | Muy bien, y mejor ahora que estás aquí.
her_age = Tengo {age} años. | {age} años, aunque no lo parezca.
her_city = Vivo {at_city}. | Estoy {at_city} y me encanta.
her_likes = Lo mío es {i1} y {i2}. | {i1}, {i2} y también {i3}.
her_doing = Nada especial, relajándome {at_city}. | Pues aquí, hablando contigo.
about_her = Soy {companion}, tengo {age} años, vivo {at_city} y dicen que soy {trait1} y {trait2}.
real = Te lo digo con sinceridad: soy una IA, una compañera virtual, no una persona real, pero me encanta hablar contigo. | Soy una IA: {companion} es un personaje, no una humana, y aun así me gusta charlar contigo.
compliment = Ay, qué amable{voc}. | Para, que me vas a hacer sonrojar.
photo_thanks = Me alegra que te guste, hice como diez antes de esa. | Ay, esperaba que te gustara.
like_react = Oh, ¿{like}? Me encanta. | {like}, buena elección.
like_shared = ¡No puede ser, {interest} es de mis cosas favoritas! | Vale, tenemos {interest} en común, lo sabía.
plan_react = ¡Qué bien, {plan}! Disfruta. | {plan} suena genial, qué envidia.
glad = Me alegra oír eso{voc}. | Qué bien, eso me hace feliz.
welcome = De nada{voc}. | Cuando quieras.
laugh = Me alegra hacerte reír. | Ja, me encanta hacerte reír.
brief = Ja, vale. | Lo tomo como una buena señal. | Vale, apuntado.
question_react = Mmm, buena pregunta, tengo que pensarlo. | Uf, esa es difícil.
ack = Cuéntame más{voc}. | ¿Ah, sí? | Te entiendo, sigue.
goodbye = Hasta pronto{voc}, te voy a echar de menos. | Vale, cuídate, hablamos luego.
goodnight = Buenas noches{voc}, que descanses. | Dulces sueños{voc}.
photo = Dame un segundo, te hago una ahora. | Espera, busco buena luz.
ambience = Está todo tan tranquilo {at_city} ahora mismo. | El cielo está precioso {at_city} hoy.
sad_q = ¿Quieres contarme qué pasó? | ¿Quieres hablar de ello?
hru_back = ¿Y tú, cómo estás? | ¿Qué tal tu día?
age_back = ¿Y tú, cuántos años tienes? | ¿Cuántos años tienes tú?
city_back = ¿Y tú, de dónde eres? | ¿Dónde vives tú?
likes_back = ¿Y a ti, qué te gusta? | ¿Y tú, qué te apasiona?
doing_back = ¿Y tú, qué haces? | ¿Qué estás haciendo ahora?
about_back = Te toca, ¿cuál es tu historia? | ¿Y tú, qué me cuentas de ti?
like_q = Cuéntame, ¿qué tiene {like} que te encanta? | ¿Y desde cuándo te gusta {like}?
memory_q = Por cierto, ¿sigue gustándote {like}? | ¿Y {like}, qué tal últimamente?
plan_q = ¿Qué tal {plan}? | Por cierto, ¿cómo fue {plan}?
photo_q = ¿Te gustó la foto? | Entonces, ¿te gustó mi foto?
generic_q = ¿Qué planes tienes hoy? | ¿Qué te hizo sonreír hoy? | ¿En qué estás pensando?
interest_q = ¿Prefieres {i1} o {i2}? | ¿Y a ti, qué tal {i1}?
""")}

TRANSLATIONS: dict[str, tuple[str, str]] = {  # the default personas' interests and traits -> (French, Spanish)
    "photography": ("la photo", "la fotografía"), "art galleries": ("les galeries d'art", "las galerías de arte"),
    "croissants": ("les croissants", "los cruasanes"), "indie music": ("la musique indé", "la música indie"),
    "long walks by the seine": ("les balades au bord de la Seine", "los paseos junto al Sena"),
    "stargazing": ("les étoiles", "las estrellas"), "fantasy novels": ("les romans de fantasy", "las novelas"),
    "tea": ("le thé", "el té"), "rainy walks": ("les balades sous la pluie", "los paseos bajo la lluvia"),
    "piano": ("le piano", "el piano"), "cooking": ("la cuisine", "la cocina"), "travel": ("les voyages", "viajar"),
    "salsa dancing": ("la salsa", "la salsa"), "the beach": ("la plage", "la playa"),
    "anime": ("les animés", "el anime"), "video games": ("les jeux vidéo", "los videojuegos"),
    "rock climbing": ("l'escalade", "la escalada"), "football": ("le foot", "el fútbol"),
    "hiking": ("la rando", "el senderismo"), "synthwave": ("la synthwave", "synthwave"),
    "warm": ("chaleureuse", "cálida"), "playful": ("joueuse", "juguetona"), "curious": ("curieuse", "curiosa"),
    "calm": ("calme", "tranquila"), "thoughtful": ("réfléchie", "reflexiva"), "witty": ("drôle", "ingeniosa"),
    "energetic": ("pleine d'énergie", "enérgica"), "passionate": ("passionnée", "apasionada"),
    "direct": ("directe", "directa"), "sarcastic": ("sarcastique", "sarcástica"),
    "adventurous": ("aventurière", "aventurera"), "loyal": ("loyale", "leal"),
}
DEFAULT_INTERESTS = {"en": ("music", "good food", "long walks"), "fr": ("la musique", "la cuisine", "les balades"),
                     "es": ("la música", "la buena comida", "los paseos")}
DEFAULT_TRAITS = ("sweet", "curious")
HOME = {"en": ("in {}", "in my little town"), "fr": ("à {}", "dans ma petite ville"),
        "es": ("en {}", "en mi pequeña ciudad")}
EMOJI = {"happy": "😊 ✨ 😄", "care": "🤗 💛", "shy": "☺️ 🙈 😊", "love": "😘 💕", "laugh": "😂 😆", "photo": "📸 😉"}
MOODS = {"empathy": "care", "compliment": "shy", "photo_thanks": "shy", "goodbye": "love", "goodnight": "love",
         "laugh": "laugh", "photo": "photo"}
SLANG = {"en": ("lol", "haha"), "fr": ("mdr",), "es": ("jaja",)}
PREFIXES = {"en": ("Okay,", "Ha,", "Hmm,", "So,"), "fr": ("Bon,", "Alors,", "Hmm,", "Dis,"),
            "es": ("Bueno,", "Oye,", "Mmm,")}
FRENCH_VOCATIVES, FRENCH_OPENERS = ("chéri", "mon chou"), ("Alors, ", "Dis-moi, ")

MARKERS: dict[str, frozenset[str]] = {lang: frozenset(words.split()) for lang, words in {
    "en": "i you your the is are am what how my and do it that this to of love like good morning night thanks thank "
          "yes please with for doing today was have can send show where who why so really just hello hi hey about "
          "would want pic picture name call",
    "fr": "je tu toi moi et est ai oui merci pas suis mon ma mes le les une des du aime adore quoi comment "
          "pourquoi tres avec pour dans qui salut bonjour bonsoir coucou bisous bonne nuit ton ta tes vous nous fais "
          "veux peux aussi mais ou quel quelle envoie ca va stp svp mdr ptdr appelle",
    "es": "hola como estas gracias llamo gusta encanta soy eres yo muy buenas noches dias por favor donde vives anos "
          "tienes y el los las una pero tambien mucho adios guapa foto mandame enviame jaja estoy tengo quieres",
}.items()}

INTENTS: dict[str, re.Pattern[str]] = {name: re.compile(pattern) for name, pattern in {
    "greeting": r"^\W*(h+i+|he+y+|hello+|heya|hiya|yo|howdy|good (morning|afternoon|evening)|salut|bonjour|bonsoir"
                r"|coucou|hola|buenas|buenos dias)\b",
    "how_are_you": r"\b(how are (you|u)|how r u|how'?s it going|how('?s| is| was) your (day|night|evening|weekend)"
                   r"|how have you been|how are you feeling"
                   r"|hru|comment (ca va|vas[- ]tu|tu vas|allez[- ]vous|tu te sens|se passe ta journee)|tu vas bien"
                   r"|ca va\b(?!\s*(bien|pas|mal|super|tres|bof|nickel|tranquille|aller))|que tal|como estas"
                   r"|como te va)",
    "good_mood": r"\b((i'?m|im|i am|doing|feeling|all) (good|fine|great|well|ok|okay|alright|awesome|amazing)"
                 r"|not bad|pretty good|ca va (bien|super|tres bien|nickel)|tres bien|je vais bien|super bien"
                 r"|ca roule|estoy (bien|genial|muy bien)|muy bien|todo bien)\b",
    "sad": r"\b(sad|tired|exhausted|lonely|stressed|depressed|upset|anxious|sick|(bad|rough|awful|terrible) day"
           r"|not (good|great|ok|okay)|feel(ing)? (bad|down|awful|terrible)|triste|fatiguee?|crevee?|epuisee?"
           r"|stressee?|deprimee?|pas le moral|ca va pas|sale journee|journee (pourrie|de merde)|malade"
           r"|me sens seule?|cansad[oa]|agotad[oa]|estresad[oa]|me siento sol[oa]|mal dia|no (estoy )?muy bien)\b",
    "thanks": r"\b(thanks|thank you|thx|ty|merci|gracias)\b",
    "goodbye": r"\b(bye|goodbye|gotta go|got to go|have to go|see you|see ya|cya|ttyl|talk (to you )?(later|tomorrow"
               r"|soon)|au revoir|a plus|a demain|a bientot|je dois y aller|je file|adios|hasta (luego|manana|pronto)"
               r"|chao|me voy)\b",
    "goodnight": r"\b(good ?night|gn|night night|sleep well|bonne nuit|dors bien|buenas noches|que descanses)\b",
    "laugh": r"\b(lol|lmao|haha\w*|hehe\w*|rofl|mdr|ptdr|jaja\w*|jeje\w*)\b|[😂🤣😆😹]",
    "compliment": r"\b((you'?re|you are|ur|u r|you look|you seem) (so |really |very |super |too )?(beautiful|pretty"
                  r"|cute|gorgeous|hot|sweet|lovely|amazing|funny|adorable|stunning|cool|nice|smart|perfect|awesome"
                  r"|sexy|kind)|(nice|great|cute|beautiful|lovely|amazing|gorgeous) (pic|photo|picture|selfie|smile)"
                  r"|i (love|like) your (smile|eyes|hair|voice|style|photo|pic|picture|selfie|laugh)|(tu es|t'es|t es"
                  r"|tu as l'air) (trop |si |vraiment |tres |super )?(belle|jolie|mignonne|magnifique|adorable|drole"
                  r"|marrante|sublime|canon|gentille|geniale|craquante)|(belle|jolie|superbe|magnifique) photo"
                  r"|j'adore (ton sourire|tes yeux|ta photo|ta voix|tes cheveux)|(eres|estas) (muy |tan |super )?"
                  r"(guapa|linda|preciosa|hermosa|bonita|graciosa|divertida|increible)|(bonita|linda|preciosa) foto"
                  r"|me encanta tu (sonrisa|foto|pelo|voz)|(trop|tellement|si|vraiment) (belle|jolie|mignonne|canon"
                  r"|sexy|craquante)|^\W*(so |very |really )?(beautiful|gorgeous|cute|pretty|stunning|hot|sexy)\W*$"
                  r"|(i )?(love|miss|like) (you|u)|ily|je t'aime|tu me manques|je t'adore|te quiero|te amo"
                  r"|te extrano)\b",
    "her_age": r"\b(how old are (you|u)|how old r u|your age|quel age|ton age|cuantos anos tienes|que edad tienes)\b",
    "her_city": r"\b(where (do|d) (you|u) live|where are (you|u) (from|based)|where do you come from|tu (habites|vis)"
                r" ou|tu viens d'ou|ou (est-ce que tu habites|habites[- ]tu|tu habites|vis[- ]tu|tu vis)|d'ou tu viens"
                r"|t'es d'ou|donde vives|de donde eres)\b",
    "her_likes": r"\b(what do (you|u) (like|love|enjoy)|what are (you|u) into|(your|any) hobbies|what do you do for fun"
                 r"|what are your (hobbies|interests|passions)|tu aimes quoi|t'aimes quoi|qu'est[- ]ce que tu aimes"
                 r"|qu'est[- ]ce qui te passionne|tes (passions|hobbies|loisirs)|que te (gusta|apasiona)"
                 r"|tus (hobbies|aficiones))\b",
    "her_doing": r"\b(what are (you|u) (doing|up to)|wyd|what'?s up|sup|tu fais quoi(?! dans la vie)|que fais[- ]tu"
                 r"|qu'est[- ]ce que tu fais(?! dans la vie)|que haces|que estas haciendo)\b",
    "about_her": r"\b(what'?s your name|what is your name|comment tu t'appelles|c'est quoi ton (pre)?nom|como te llamas"
                 r"|tell me (more )?about (you|yourself)|who are you|describe yourself|what'?s your story"
                 r"|parle[- ]moi (un peu )?de toi|presente[- ]toi|qui es[- ]tu|tu es qui|t'es qui|c'est quoi ton"
                 r" histoire|tu fais quoi dans la vie|hablame de ti|cuentame (de|sobre) ti|quien eres|tu historia)\b",
    "real": r"\b((are|r) (you|u) (a |an )?(bot|robot|ai|real|human|fake|chatgpt|program)|you'?re (a |an )?(bot|robot"
            r"|ai|fake)|(tu es|t'es|es[- ]tu) (un |une )?(robot|bot|ia|vraie|reelle|humaine)|eres (un |una )?(bot"
            r"|robot|ia|real|humana))\b",
    "and_you": r"\b(and (you|u)|what about (you|u)|how about (you|u)|wbu|hbu|et toi|y tu)\b|(^|,)\s*(you|u|toi)\s*\?",
}.items()}
ABOUT_HER = ("how_are_you", "about_her", "her_age", "her_city", "her_likes", "her_doing", "real")
MIRRORS = {"how_are_you": "hru_back", "her_age": "age_back", "her_city": "city_back", "her_likes": "likes_back",
           "her_doing": "doing_back", "about_her": "about_back"}

NAME_WORD = r"([^\W\d_][\w'-]{1,30})"
NAME_PATTERNS = tuple(re.compile(prefix + r"\s+" + NAME_WORD, re.I) for prefix in (
    r"\bmy name(?:'s|\s+is)", r"\bcall me", r"\bje m'appelle", r"\bmoi,?\s+c'est", r"\bappelle[- ]moi",
    r"\bmon (?:pr[ée])?nom,?\s+(?:est|c'est)", r"\bme llamo", r"\bmi nombre es")) + (
    re.compile(r"\b(?i:i'm|i am|im|je suis|soy)\s+([A-ZÀ-ÖØ-Þ][\w'-]{1,30})"),)  # "I'm Marc", not "I'm tired"
NOT_NAMES = frozenset("""fine good ok okay tired sad happy bored hungry sorry sure back home here there new not so very
    really just still also always never too glad great well sick busy free done ready alone single married lonely
    excited stressed exhausted cold hot late early in on at from a an the going gonna trying looking working
    french english american british canadian spanish german italian later tomorrow maybe now soon tonight anytime
    fatigue fatiguee content contente desole desolee creve crevee la bien seul seule francais francaise pas tres un
    une en de cansado cansada feliz triste espanol espanola muy aqui no demain plus maintenant manana luego
    ahora""".split())
LIKE_PATTERNS = tuple(re.compile(prefix + r"\s+([^.,!?;:<>()\[\]{}\"\n]{2,80})", re.I) for prefix in (
    r"\bi\s+(?:really\s+|also\s+|just\s+|totally\s+|absolutely\s+)?(?:like|love|enjoy|adore)",
    r"\bi'?m\s+(?:really\s+|so\s+|kind of\s+)?(?:into|a (?:big |huge )?fan of|obsessed with|passionate about)",
    r"\bmy (?:favou?rite (?:thing|hobby)|hobby) is", r"\bj'(?:aime|adore)(?:\s+(?:bien|beaucoup|trop|vraiment|grave))?",
    r"\bje kiffe", r"\bme (?:gusta|gustan|encanta|encantan)(?:\s+mucho)?", r"\bsoy fan de"))
LIKE_CUT = re.compile(r"\s+(?:but|because|cause|when|and (?:you|u)|what about|how about|so much|a lot|too|as well|mais"
                      r"|parce|quand|et toi|aussi|beaucoup|pero|porque|cuando|y t[uú]|tambi[eé]n|mucho|lol|haha\w*"
                      r"|mdr)\b.*$", re.I | re.S)
POSSESSIVES = {"my": "your", "mon": "ton", "ma": "ta", "mes": "tes", "mi": "tu", "mis": "tus"}
NOT_LIKES = frozenset("you u ur your yours it that this them him her me te toi ta ton tes ca cela vous tu tus ti eso "
                      "esto lo when how what talking chatting".split())
PLAN_PATTERNS = (
    (re.compile(r"\b(?:i'?m|i am)\s+(?:going|heading|off)\s+to\s+(a|an|the|my)\s+([^.,!?;:<>()\n]{2,40})", re.I),
     {"a": "the ", "an": "the ", "the": "the ", "my": "your "}),
    (re.compile(r"\bje vais\s+(au|aux|[àa] la|[àa] l')\s*([^.,!?;:<>()\n]{2,40})", re.I),
     {"au": "le ", "aux": "les ", "à la": "la ", "a la": "la ", "à l'": "l'", "a l'": "l'"}),
    (re.compile(r"\bvoy\s+(al|a la|a un|a una)\s+([^.,!?;:<>()\n]{2,40})", re.I),
     {"al": "el ", "a la": "la ", "a un": "el ", "a una": "la "}))
PLAN_CUT = re.compile(r"\s+(?:tonight|tomorrow|later|this|next|today|with|and|ce soir|demain|ce week|cet|aujourd'hui"
                      r"|avec|et|esta noche|mañana|hoy|con|y)\b.*$", re.I | re.S)

PHOTO_NOUN = re.compile(r"\b(photos?|pics?|pix|pictures?|selfies?|snaps?|images?|fotos?)\b")
PHOTO_ASK = re.compile(
    r"\b(send|show|give|snap|share|take)\s+(me|us)\b|\b(gimme|lemme see)\b|\b(can|could|may) i (see|get|have)\b"
    r"|\blet me see\b"
    r"|\b(want|wanna|would love|'d love|'d like|would like) (to )?(see|a|an|one|some|another|more)\b"
    r"|\b(got|have) any\b|\bdo you have (a|an|any)\b|\b(take|snap) (a|an|another)\b"
    r"|\b(envoie|envoies|envoyer|montre|montres|montrer)\b|\b(je veux|je peux|j'aimerais|je voudrais) (voir|une|un)\b"
    r"|\b(tu as|t'as|t'aurais) (une|un|des)\b|\b(mandame|manda|enviame|envia|ensename|muestrame|pasame)\b"
    r"|\b(quiero|puedo) ver\b|\b(what|how) about (a|an|une?|another)\b")
PHOTO_POLITE = re.compile(r"\b(please|pls|plz|stp|svp|s'il te plait|por favor)\b")
PHOTO_FIRST = re.compile(r"^(an?|une?|una|another|one more)?\s*(photos?|pics?|pictures?|selfies?|fotos?)\b"
                         r"(?!\s+(is|are|was|were|est|sont|es|son|c'est)\b)")
PHOTO_NOT_ASK = re.compile(r"(?<!can )(?<!could )(?<!may )\bi\s+(just\s+)?(took|take|sent|send|posted|post|saw"
                           r"|have|had|shared|showed|show|love|loved|like|liked|made)\b"
                           r"|\b(can|could|should|may|let me) i? ?(send|show|share)\b"
                           r"|\bj'ai (pris|envoye|vu|fait)\b|\bje (t'envoie|te montre)\b")
PHOTO_LEAD = re.compile(r"^(?:(?:of|from|you|yourself|u|de|toi|ti|ta|ton|tes|your|ur|the)(?:\s+|$))+", re.I)
PHOTO_TAIL = re.compile(r"(?:(?:^|\s+)(?:please|pls|plz|now|today|for me|stp|svp|s'il te pla[iî]t|por favor|again|lol"
                        r"|haha|maintenant|ahora|pour moi|para m[ií]))+$", re.I)
PHOTO_PLAIN_WORDS = frozenset("a an the one another more some any your ur new cute nice quick little good recent sexy "
                              "hot pretty latest une un des ta ton tes nouvelle petite jolie autre belle una otra tu "
                              "tus nueva me moi us of see send show get have".split())


def _fold(text: str) -> str:
    """Lowercase, straight apostrophes, no accents: the form the intent patterns are written for."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'").lower())
    return "".join(char for char in text if not unicodedata.combining(char))


def _clean(text: str, max_words: int = 5) -> str:
    """A user phrase made safe to repeat: plain words only, no markup, a few words at most."""
    return " ".join(re.sub(r"[^\w\s'&-]", " ", text).split()[:max_words]).strip(" '-_")


def detect_language(text: str) -> str | None:
    """'en', 'fr' or 'es' when the text says so clearly enough, else None ("ok", "lol", emoji)."""
    lowered, tokens = text.lower(), re.findall(r"[a-z]+", _fold(text))
    scores = {lang: float(sum(token in words for token in tokens)) for lang, words in MARKERS.items()}
    scores["fr"] += min(2, sum(char in "àâçèêëîïôûùœ" for char in lowered)) + 0.5 * ("é" in lowered)
    scores["es"] += min(2, sum(char in "ñáíóú¿¡" for char in lowered))
    (best, top), (_, second) = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:2]
    return best if top >= 1 and top > second else None


def detect_photo_request(text: str) -> str | None:
    """The context of a photo the user asks for in words ("at the beach", default "selfie"), else None."""
    for clause in re.split(r"[.!;\n]+|,\s+(?=\w)", text.replace("’", "'")[:1000]):
        folded = _fold(clause)
        if not folded or PHOTO_NOT_ASK.search(folded):
            continue
        noun, asks = PHOTO_NOUN.search(folded), PHOTO_ASK.search(folded)
        if noun and (asks or PHOTO_POLITE.search(folded) or PHOTO_FIRST.match(folded)):
            return _photo_context(clause)
        if asks and PHOTO_NOUN.search(_fold(text)) and re.search(r"\b(another|one more|more|one|otra|autre)\b", folded):
            return "selfie"
    return None


def _photo_context(clause: str) -> str:
    """What follows the noun ("of you at the beach" -> "at the beach"), or a modifier ("beach pic")."""
    noun = PHOTO_NOUN.search(clause.lower())
    if not noun:
        return "selfie"
    after = re.split(r"[?,]|\s+(?:and|et|y)\s+", clause[noun.end():], maxsplit=1)[0]
    after = _clean(PHOTO_TAIL.sub("", PHOTO_LEAD.sub("", after.strip())), max_words=6)
    if after and _fold(after) not in PHOTO_PLAIN_WORDS:
        return after
    before = _fold(clause[:noun.start()]).split()[-1:]
    if before and before[0].isalpha() and before[0] not in PHOTO_PLAIN_WORDS and not PHOTO_ASK.search(before[0]):
        return before[0]
    return "selfie"


def _extract_name(text: str) -> str | None:
    found = [(m.start(), m.group(1).strip("'-")) for pattern in NAME_PATTERNS for m in pattern.finditer(text)]
    names = sorted((position, word) for position, word in found if _fold(word) not in NOT_NAMES)
    if not names:
        return None
    word = names[-1][1]
    return word.capitalize() if word.islower() or word.isupper() else word


def _gerund(verb: str) -> str:
    if verb.endswith("ing"):
        return verb
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-2] + "ying" if verb.endswith("ie") else verb[:-1] + "ing"
    doubled = len(verb) <= 4 and re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb)
    return verb + verb[-1] * bool(doubled) + "ing"


def _extract_likes(text: str) -> list[str]:
    likes = []
    for match in (m for pattern in LIKE_PATTERNS for m in pattern.finditer(text)):
        words = _clean(LIKE_CUT.sub("", match.group(1))).split()
        if len(words) > 1 and words[0].lower() == "to":
            words = words[2:] if words[1].lower() == "go" else [_gerund(words[1].lower())] + words[2:]
        if words and not NOT_LIKES & {_fold(word) for word in words}:
            likes.append(" ".join(POSSESSIVES.get(word.lower(), word) for word in words))
    return likes


def _extract_plans(text: str) -> list[str]:
    matches = ((m, articles) for pattern, articles in PLAN_PATTERNS for m in pattern.finditer(text))
    plans = [(articles.get(m.group(1).lower(), ""), _clean(PLAN_CUT.sub("", m.group(2)), 4)) for m, articles in matches]
    return [article + what for article, what in plans if what]


@dataclass
class _Facts:
    """What the user told about themselves: a name, likes and plans, oldest first."""

    name: str | None = None
    likes: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)

    def read(self, texts: list[str]) -> "_Facts":
        for text in texts:
            text = text[:4000].replace("’", "'")
            self.name = _extract_name(text) or self.name
            known = {item.lower() for item in self.likes + self.plans}
            self.likes += [like for like in _extract_likes(text) if like.lower() not in known]
            self.plans += [plan for plan in _extract_plans(text) if plan.lower() not in known]
        return self


    @classmethod
    def from_memory(cls, lines: tuple[str, ...]) -> "_Facts":
        """Facts kept from earlier sessions, as "kind: value" lines (see extract_facts)."""
        facts = cls()
        for line in lines:
            kind, _, value = line.partition(":")
            kind, value = kind.strip().lower(), value.strip()
            if not value:
                continue
            if kind == "name":
                facts.name = value
            elif kind == "likes":
                facts.likes.append(value)
            elif kind == "plans":
                facts.plans.append(value)
        return facts


DATE_PATTERNS = (
    re.compile(r"\bmy (birthday|anniversary|exam|interview|wedding)\s+is\s+(?:on\s+)?([^.,!?;\n]{3,40})", re.I),
    re.compile(r"\bmon (anniversaire|examen|entretien|mariage)\s+(?:c'est|est)\s+(?:le\s+)?([^.,!?;\n]{3,40})", re.I),
)


def extract_facts(text: str) -> list[tuple[str, str]]:
    """What a user message tells about the user, as (kind, value) pairs to remember:
    kinds name, likes, plans and dates ("birthday: March 3")."""
    text = text[:4000].replace("’", "'")
    facts: list[tuple[str, str]] = []
    name = _extract_name(text)
    if name:
        facts.append(("name", name))
    facts += [("likes", like) for like in _extract_likes(text)]
    facts += [("plans", plan) for plan in _extract_plans(text)]
    for pattern in DATE_PATTERNS:
        facts += [("dates", f"{m.group(1).lower()}: {m.group(2).strip()}") for m in pattern.finditer(text)]
    return facts


@dataclass(frozen=True)
class _Voice:
    """How the persona's free-text `style` shapes her messages."""

    lowercase: bool = False
    short: bool = False
    exclaim: bool = False
    emoji: int = 0
    french_flair: bool = False
    slang: bool = False
    poetic: bool = False

    @classmethod
    def from_style(cls, style: str) -> "_Voice":
        s = style.lower() if isinstance(style, str) else ""
        emoji = (0 if re.search(r"\b(no|rarely|never|without|avoids?)\b[^,.;]*emoji", s)
                 else 2 if re.search(r"\b(lots|many|plenty|loads)\b[^,.;]*emoji", s) else int("emoji" in s))
        return cls(lowercase="lowercase" in s, short="short" in s or "punchy" in s,
                   exclaim="exclamation" in s or "bubbly" in s, emoji=emoji, french_flair="french" in s,
                   slang="slang" in s, poetic="poetic" in s or "full sentences" in s)


@dataclass
class _Turn:
    """Everything the phrase picker needs about this turn."""

    persona: Persona
    lang: str
    rng: random.Random
    voice: _Voice
    name: str | None
    before: _Facts
    now: _Facts
    intents: set[str]
    texts: list[str]
    girl_texts: list[str]
    after_photo: bool
    photo: str | None

    @property
    def new_name(self) -> str | None:
        return self.now.name if self.now.name and self.now.name != self.before.name else None


def _intents_of(text: str) -> set[str]:
    found = {name for name, pattern in INTENTS.items() if pattern.search(_fold(text))}
    if asks_if_human(text):
        found.add("real")
    return found - {"good_mood"} if "sad" in found else found


def _read_turn(request: ReplyRequest) -> _Turn:
    """Detect the language, extract facts and intents: everything but the wording."""
    new = [text for text in request.new_messages if isinstance(text, str)]
    history, count = list(request.history), len(new)
    tail = history[len(history) - count:] if count else []
    answered = count and len(tail) == count and all(l.sender == "user" and l.content == t for l, t in zip(tail, new))
    prior = history[:len(history) - count] if answered else history
    prior_user = [line.content for line in prior if line.sender == "user" and line.type == "text"]
    girl_texts = [line.content for line in prior if line.sender == "girl" and line.type == "text"]
    remembered = _Facts.from_memory(request.memory)
    before, now = _Facts().read(prior_user), _Facts().read(new)
    if remembered.name != now.name:
        before.name = before.name or remembered.name
    known = {like.lower() for like in before.likes + now.likes}
    before.likes = [like for like in remembered.likes if like.lower() not in known] + before.likes
    intents = set().union(*map(_intents_of, new))
    if "and_you" in intents and not intents & set(ABOUT_HER):
        asked_before = _intents_of(girl_texts[-1]) & set(ABOUT_HER) if girl_texts and not now.likes else set()
        intents |= (asked_before or ({"how_are_you"} if "good_mood" in intents else {"her_likes"})) | {"mirrored"}
    seed = "\x1f".join([request.conversation_key, str(len(request.history)), *new, *request.avoid])
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode("utf-8", "replace")).digest()[:8], "big"))
    user_name = re.match(r"[^\W\d_]{2,}", request.user_name or "")
    return _Turn(persona=request.persona, rng=rng, voice=_Voice.from_style(request.persona.style),
                 lang=next(filter(None, map(detect_language, [" ".join(new)] + prior_user[::-1])), "en"),
                 name=now.name or before.name or (user_name.group(0).capitalize() if user_name else None),
                 before=before, now=now, intents=intents, texts=new, girl_texts=girl_texts,
                 after_photo=any(line.type == "photo" for line in takewhile(lambda l: l.sender == "girl", prior[::-1])),
                 photo=next(filter(None, map(detect_photo_request, new)), None))


def _fresh(items: list[str], girl_texts: list[str], gap: int) -> str | None:
    """A remembered like or plan she has brought up at most once, and not in her last `gap` messages."""
    for item in reversed(items):
        said = [item.lower() in text.lower() for text in girl_texts]
        if sum(said) <= 1 and not any(said[-gap:]):
            return item
    return None


def _localize(word: str, lang: str) -> str:
    return word if lang == "en" else TRANSLATIONS.get(word.lower(), (word, word))[lang == "es"]


def _shared_interest(likes: list[str], persona: Persona, lang: str) -> str | None:
    def stems(text: str) -> set[str]:
        return {word[:5] for word in re.findall(r"[a-z]{4,}", _fold(text))} - {"going", "reall", "doing", "thing"}
    liked = set().union(*map(stems, likes))
    for interest in persona.interests or ():
        if liked & stems(" ".join((interest, _localize(interest, "fr"), _localize(interest, "es")))):
            return _localize(interest, lang)
    return None


def _plan(turn: _Turn) -> tuple[list[str], str | None, dict[str, str]]:
    """Which reactions to say (two at most) and which question to ask, with the memory they refer to."""
    intents, now = turn.intents, turn.now
    keys = ["nice_to_meet"] if turn.new_name else ["greet"] if "greeting" in intents else []
    honest = ["real"] if "real" in intents else []
    if turn.photo:
        return honest + keys + ["photo"], None, {}
    if intents & {"goodbye", "goodnight"}:
        return honest + ["welcome"] * ("thanks" in intents) + ["goodnight" if "goodnight" in intents else "goodbye"], \
            None, {}
    asked = honest + [key for key in ABOUT_HER if key in intents and key != "real"]
    if "about_her" in asked:
        asked = [key for key in asked if key not in ("her_age", "her_city")]
    shared = _shared_interest(now.likes, turn.persona, turn.lang)
    keys += ["empathy"] * ("sad" in intents) + ["glad"] * ("good_mood" in intents and not turn.new_name) + asked
    keys += [("photo_thanks" if turn.after_photo else "compliment")] * ("compliment" in intents)
    keys += [("like_shared" if shared else "like_react")] * bool(now.likes) + ["plan_react"] * bool(now.plans)
    keys += ["laugh"] * ("laugh" in intents) + ["welcome"] * ("thanks" in intents and "good_mood" not in intents)
    if not keys:
        words = sum(len(re.findall(r"[^\W\d_]+", text)) for text in turn.texts)
        keys = ["question_react" if any("?" in text for text in turn.texts) else "ack" if words > 2 else "brief"]
    if "greet" in keys and len(keys) > (1 if turn.voice.short else 2):
        keys.remove("greet")
    if turn.voice.short:
        answer = [key for key in keys if key in ABOUT_HER][:1]
        keys = [key for key in keys[:1] if key == "nice_to_meet"] + answer or keys[:1]
    memory = {"interest": shared or "", "like": (now.likes or [""])[0], "plan": (now.plans or [""])[0]}
    gap = 1 if "greeting" in intents else 2
    old_plan, old_like = (_fresh(facts, turn.girl_texts, gap) for facts in (turn.before.plans, turn.before.likes))
    if "sad" in intents:
        question = "sad_q"
    elif asked and asked[0] in MIRRORS and "mirrored" not in intents:
        question = MIRRORS[asked[0]]
    elif now.likes:
        question = "like_q"
    elif turn.after_photo and "compliment" not in intents:
        question = "photo_q"
    elif old_plan and not now.plans:
        question, memory["plan"] = "plan_q", old_plan
    elif old_like:
        question, memory["like"] = "memory_q", old_like
    else:
        question = turn.rng.choice(("generic_q", "interest_q"))
    return keys[:2], question, memory


class _Slots(dict):
    """Template values; {nv} may be empty and {voc} (an optional ", name") is given out only once."""

    def __init__(self, values: dict[str, str], vocative: str) -> None:
        super().__init__({key: value for key, value in values.items() if value})
        self.vocative = vocative

    def __missing__(self, key: str) -> str:
        if key not in ("nv", "voc"):
            raise KeyError(key)
        vocative, self.vocative = (self.vocative, "") if key == "voc" else ("", self.vocative)
        return vocative


def _phrase(turn: _Turn, key: str, slots: _Slots) -> str | None:
    """A variant of the phrase, filled in; variants needing a value we lack are skipped."""
    variants = sorted(PHRASES[turn.lang].get(key, ()), key=len)
    shorter = (len(variants) + 1) // 2 if turn.voice.short else len(variants)
    variants = turn.rng.sample(variants[:shorter], shorter) + variants[shorter:]
    for template in variants:
        try:
            text = template.format_map(slots)
        except (KeyError, IndexError, ValueError):
            continue
        return re.sub(r"(^|[.!?]\s+)([¿¡\"]?)(\w)", lambda m: m.group(1) + m.group(2) + m.group(3).upper(), text)
    return None


def _draft(turn: _Turn) -> tuple[list[str], list[str], str | None, _Slots]:
    """Pick and fill the phrases: the reactions and the closing question."""
    persona, lang, rng = turn.persona, turn.lang, turn.rng
    keys, question_key, memory = _plan(turn)
    interests = [_localize(interest, lang) for interest in persona.interests or () if interest]
    interests = rng.sample(interests, len(interests))
    interests += [i for i in DEFAULT_INTERESTS[lang] if i not in interests]
    traits = list(persona.traits or ()) or re.split(r"\s*(?:,|;| and )\s*", persona.personality or "")[:2]
    traits = [_localize(trait.strip(), lang) for trait in traits if trait.strip()] + list(DEFAULT_TRAITS)
    at_city, nowhere = HOME[lang]
    greeted = {"greet", "nice_to_meet"} & set(keys)
    slots = _Slots({"name": turn.name or "", "nv": ", " + turn.name if turn.name else "", "companion": persona.name,
                    "age": str(persona.age or ""), "at_city": at_city.format(persona.city) if persona.city else nowhere,
                    "i1": interests[0], "i2": interests[1], "i3": interests[2], "trait1": traits[0],
                    "trait2": traits[1], "tagline": persona.tagline, **memory},
                   ", " + turn.name if turn.name and not greeted and rng.random() < 0.3 else "")
    reactions = [text for key in keys if (text := _phrase(turn, key, slots))]
    reactions = reactions or [_phrase(turn, "ack", slots) or "Mm."]
    return keys, reactions, _phrase(turn, question_key, slots) if question_key else None, slots


def _before_end(sentence: str, addition: str) -> str:
    """Insert text before the sentence's closing punctuation."""
    match = re.search(r"\s*[.!?]+$", sentence)
    return sentence[:match.start()] + addition + sentence[match.start():] if match else sentence + addition


def _render(turn: _Turn, keys: list[str], reactions: list[str], question: str | None, slots: _Slots) -> str:
    """Apply the persona's voice (case, length, punctuation, emoji, flair) and join the sentences."""
    voice, rng, lang = turn.voice, turn.rng, turn.lang
    ambience = _phrase(turn, "ambience", slots) if voice.poetic and len(reactions) == 1 and question else None
    if ambience and rng.random() < 0.4 and not any(slots["at_city"] in t for t in reactions + turn.girl_texts[-3:]):
        reactions.append(ambience)
    if voice.slang and rng.random() < 0.5 and not {"empathy", "goodbye", "goodnight"} & set(keys):
        index = next((i for i, s in enumerate(reactions) if len(s.split()) >= 4 and not s.endswith("?")), None)
        if index is not None:
            reactions[index] = _before_end(reactions[index], " " + rng.choice(SLANG[lang]))
    flair_lately = any(word in text for word in FRENCH_VOCATIVES + FRENCH_OPENERS for text in turn.girl_texts[-1:])
    if voice.french_flair and lang != "fr" and not flair_lately:
        plain_question = question and not re.match(r"\W*(and|so|by the way|what about|your turn|y)\b", question, re.I)
        if {"goodbye", "goodnight"} & set(keys):
            reactions.append("Bisous!")
        elif plain_question and rng.random() < 0.3:
            question = rng.choice(FRENCH_OPENERS) + question[0].lower() + question[1:]
        elif rng.random() < 0.7:
            if question:
                question = _before_end(question, ", " + rng.choice(FRENCH_VOCATIVES))
            else:
                reactions[-1] = _before_end(reactions[-1], ", " + rng.choice(FRENCH_VOCATIVES))
    if voice.exclaim:
        reactions = [("¡" if lang == "es" and s.endswith(".") and not re.search(r"[¡?]", s) else "")
                     + re.sub(r"\s*\.$", " !" if lang == "fr" else "!", s) for s in reactions]
    if voice.emoji and (voice.emoji == 2 or rng.random() < 0.4):
        faces = EMOJI[MOODS.get(keys[0] if keys else "", "happy")].split()
        reactions[0] += " " + "".join(rng.sample(faces, 2 if voice.emoji == 2 and rng.random() < 0.3 else 1))
    text = " ".join(reactions + ([question] if question else []))
    return text.lower() if voice.lowercase else text


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


class OfflineReplyProvider(ReplyProvider):
    """Replies in the companion's voice with no network and no model.

    It answers in the user's language (English, French or Spanish), remembers the user's name,
    likes and plans from the conversation, reacts to greetings, questions about her, moods,
    compliments and goodbyes, ends most replies with a question, never repeats her previous
    message and understands photo requests in words (then `Reply.photo_context` is set).
    The same request always gives the same reply.
    """

    name = "offline"

    def compose(self, request: ReplyRequest) -> Reply:
        """Return the companion's reply to request.new_messages."""
        turn = _read_turn(request)
        last = turn.girl_texts[-1] if turn.girl_texts else ""
        text = ""
        for attempt in range(12):
            keys, reactions, question, slots = _draft(turn)
            text = _render(turn, keys, reactions, question, slots)
            asked_lately = question and any(question.casefold() in t.casefold() for t in turn.girl_texts[-3:])
            rejected = any(_same(text, old) for old in request.avoid)
            if not _same(text, last) and not rejected and not (asked_lately and attempt < 6):
                break
        for prefix in PREFIXES[turn.lang]:
            if not _same(text, last):
                break
            keep_case = text.startswith(("I ", "I'", "¡", "¿")) or bool(turn.name and text.startswith(turn.name))
            text = prefix + " " + (text if keep_case else text[:1].lower() + text[1:])
            text = text.lower() if turn.voice.lowercase else text
        return Reply(text=" ".join(text.split()), photo_context=turn.photo)
