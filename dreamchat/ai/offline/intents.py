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
    "goodnight": r"\b(good ?night|gn|night night|sleep well|bonne nuit|dors bien|buenas noches|que descanses"
                 r"|(i )?(should|have to|gotta|need to|going to|must) (go to )?(sleep|bed)|off to bed"
                 r"|je vais (dormir|me coucher)"
                 r"|je vais au lit|me voy a dormir)\b",
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
    "her_evening": r"\b((doing|up to|plans?|planned)\b[^.?!]{0,20}\b(tonight|this evening)"
                   r"|(tonight|this evening)\b[^.?!]{0,12}\b(plans?|doing)"
                   r"|(what'?s|what is) (the plan|your plan) tonight|(tu fais|vous faites|que fais[- ]tu"
                   r"|tu as prevu|t'as prevu|qu'est[- ]ce que tu fais|des plans?|tes plans?|programme)\b[^.?!]{0,15}"
                   r"\bce soir|ce soir\b[^.?!]{0,12}\b(tu fais|programme|des plans?)|que haces esta noche"
                   r"|planes para esta noche)\b",
    "her_weekend": r"\b((doing|up to|plans?)\b[^.?!]{0,20}\b(this|the) weekend|(tu fais|des plans?|tes plans?|programme"
                   r"|tu as prevu)\b[^.?!]{0,15}\b(ce|le) week-?end|que haces (este|el) fin de semana)\b",
    "her_day": r"\b(how('?s| is| was) your day|how did your day go|what did (you|u) do today|your day (been|going)"
               r"|(comment s'est passee|comment se passe|c'etait comment|comment etait|comment va) ta journee"
               r"|ta journee (s'est|c'etait|etait|ca va)|tu as fait quoi aujourd'hui|t'as fait quoi aujourd'hui"
               r"|qu'as[- ]tu fait aujourd'hui|que tal tu dia|que hiciste hoy|(and|what about|how about) your day"
               r"|et (ta|toi,? ta) journee|ta journee\s*\?)",
    "her_work": r"\b(what do (you|u) do for (a living|work)|what('?s| is) your (job|work)|where do (you|u) (work|study)"
                r"|do (you|u) (work|study)|what do (you|u) (study|do all day)"
                r"|are (you|u) (a )?(student|studying|working)"
                r"|your (job|studies|classes)|tu fais quoi dans la vie|tu travailles|tu bosses|tu etudies"
                r"|c'est quoi ton"
                r" (travail|boulot|metier|job)|tu es etudiante|t'es etudiante|tes etudes|en quoi tu travailles"
                r"|a quoi tu travailles|que haces en la vida|en que trabajas|estudias)\b",
    "her_fav": r"\b(favou?rites?|fave|fav|(do|would) (you|u) (like|prefer) (the )?most|preferee?s?|favorit[oa]s?)\b",
}.items()}
FAVOURITE_TOPICS: dict[str, frozenset[str]] = {topic: frozenset(words.split()) for topic, words in {
    "gallery": "gallery galleries museum museums exhibition exhibitions galerie galeries musee musees expo exposition "
               "expos art",
    "food": "food dish dishes meal meals eat restaurant restaurants plat plats bouffe manger resto restos comida "
            "recipe recette pastry pastries cake",
    "music": "music song songs band bands artist singer album musique chanson chansons groupe groupes chanteur "
             "chanteuse album musica cancion piece",
    "book": "book books novel novels read reading author livre livres roman romans lire lecture auteur libro novela",
    "film": "film films movie movies cinema series serie pelicula",
    "place": "place places spot spots neighbourhood neighborhood area corner endroit endroits coin quartier lieu "
             "lieux sitio lugar beach plage",
    "drink": "drink drinks coffee tea cocktail wine boisson boissons cafe vin bebida",
    "game": "game games jeu jeux videogame videogames juego",
    "anime": "anime animes manga",
    "sport": "sport sports team teams club equipe equipo match",
    "travel": "trip trips travel destination country voyage voyages destination pays viaje",
    "photo": "photographer photographers photo photos picture pictures photographe photographes",
    "star": "star stars constellation planet etoile etoiles planete estrella",
}.items()}
FOLLOW_TOPICS: dict[str, re.Pattern[str]] = {topic: re.compile(pattern) for topic, pattern in {
    "exam": r"\b(exams?|midterms?|finals|tests?|quiz|revis\w*|partiels?|examens?|exams?|controles?|bac|reviser"
            r"|revisions?|examen(es)?)\b",
    "interview": r"\b(job interview|interviews?|entretiens?( d'embauche)?|entrevista)\b",
    "date": r"\b(a date|first date|rendez-vous galant|un date|une date|un rencard|rencard|cita)\b",
    "trip": r"\b(trip|flight|holiday|holidays|vacation|travel(l?ing)?|voyage|vacances|vol|viaje|vacaciones)\b",
    "sick": r"\b(sick|ill|flu|a cold|fever|headache|malade|grippe|rhume|fievre|mal a la tete|enfermo|enferma)\b",
    "work": r"\b(work|job|boss|office|shift|meeting|deadline|taf|boulot|travail|bureau|patron|reunion|bosse|bosser"
            r"|taffe|trabajo|jefe)\b",
    "gym": r"\b(gym|workout|run|running|training|match|game tonight|salle de sport|muscu|entrainement|footing"
           r"|gimnasio|entreno)\b",
    "party": r"\b(party|birthday|wedding|concert|festival|soiree|fete|anniversaire|mariage|fiesta|cumpleanos|boda)\b",
    "move": r"\b(moving|move out|new flat|new apartment|demenag\w*|mudanza)\b",
}.items()}
ABOUT_HER = ("how_are_you", "about_her", "her_age", "her_city", "her_likes", "her_doing", "real", "her_evening",
             "her_weekend", "her_day", "her_work", "her_fav")
MIRRORS = {"how_are_you": "hru_back", "her_age": "age_back", "her_city": "city_back", "her_likes": "likes_back",
           "her_doing": "doing_back", "about_her": "about_back", "her_evening": "evening_back",
           "her_weekend": "weekend_back", "her_day": "day_back", "her_work": "work_back", "her_fav": "fav_back"}
# A more precise question hides the looser one it also matches ("what are you doing tonight" is not "right now").
HIDES = {"her_evening": ("her_doing",), "her_weekend": ("her_doing",), "her_day": ("how_are_you", "her_doing"),
         "her_work": ("about_her", "her_doing"), "her_fav": ("her_likes",)}


@lru_cache(maxsize=4096)
def intents_of(text: str) -> frozenset[str]:
    folded = fold(text)
    found = {name for name, pattern in INTENTS.items() if pattern.search(folded)}
    if asks_if_human(text):
        found.add("real")
    if "her_fav" in found and not re.search(r"\?|\b(what|which|who|whats|tell|quel|quelle|quels|quelles|c'est quoi|cual"
                                            r"|dis|raconte|parle)\b", folded):
        found.discard("her_fav")
    for precise, loose in HIDES.items():
        if precise in found:
            found.difference_update(loose)
    return frozenset(found - {"good_mood"} if "sad" in found else found)


@lru_cache(maxsize=4096)
def topics_of(text: str) -> tuple[str, ...]:
    """Favourite topics a text mentions ("gallery", "food", ...), in the order of FAVOURITE_TOPICS."""
    words = set(re.findall(r"[a-z]+", fold(text)))
    return tuple(topic for topic, names in FAVOURITE_TOPICS.items() if words & names)


@lru_cache(maxsize=4096)
def follow_topics_of(text: str) -> tuple[str, ...]:
    """Life events a text mentions that deserve a follow-up question later ("exam", "interview", ...)."""
    folded = fold(text)
    return tuple(topic for topic, pattern in FOLLOW_TOPICS.items() if pattern.search(folded))
