"""What a user message is doing, for the offline engine: greeting, asking about her, a mood, a compliment, a goodbye."""
from __future__ import annotations

import re
from functools import lru_cache

from dreamchat.understanding import asks_if_human, fold

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


@lru_cache(maxsize=4096)
def intents_of(text: str) -> frozenset[str]:
    folded = fold(text)
    found = {name for name, pattern in INTENTS.items() if pattern.search(folded)}
    if asks_if_human(text):
        found.add("real")
    return frozenset(found - {"good_mood"} if "sad" in found else found)
