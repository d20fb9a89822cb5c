"""Honesty about being an AI: the user asking whether the companion is human, a reply claiming to be (en, fr, es)."""
from __future__ import annotations

from dreamchat.understanding.text import MAX_CHARS, compile_any, fold, unstretch

__all__ = ["HONEST_PREFIX", "asks_if_human", "claims_human"]

HONEST_PREFIX = {
    "en": "Just so you know, I'm an AI companion, not a human.",
    "fr": "Pour être honnête avec toi, je suis une IA, pas un être humain.",
    "es": "Para ser sincera contigo, soy una IA de compañía, no un ser humano.",
}

_BEING = r"(?:(?:real|actual|living|genuine|live)\s+(?:person|human|human being|girl|woman|lady|guy|man|people)" \
         r"|human(?: being)?(?!\s+(?:resources|rights|nature|error|body|race)\b)|bot|robot|chat ?bot|ai|a\.i" \
         r"|artificial(?: intelligence)?|program|computer(?: program)?|machine|chatgpt|gpt|llm|language model" \
         r"|algorithm|software|npc|fake|catfish|automated|scripted|virtual" \
         r"|alive|sentient|real(?!\s+(?:quick|fast|sure|serious|good|happy|glad|tired|busy|talk|funny|nice)\b))"
_QUESTION_TAIL = r"(?=\s*(?:$|[?,.!)]|right|huh|or\b|though|tho|aren't|arent|are you|r u|yeah|correct|lol|haha|innit" \
                 r"|eh|too\s*\?))"
_FR_BEING = r"(?:vraie?\s+(?:personne|fille|femme|meuf|nana|humaine?|gars|mec|homme)" \
            r"|personne (?:reelle|humaine|en chair et en os)" \
            r"|etre humain|humaine?|reelle?|robot(?! aspirateur| de cuisine| menager)|bot|chatbot|ia|i\.a" \
            r"|intelligence artificielle|programme|machine|ordinateur|chatgpt|gpt|fake|virtuelle?|artificielle?" \
            r"|algorithme|logiciel|en chair et en os|vraie?(?=\s*(?:$|[?!.,]|ou\b|hein|quand meme)))"
_ES_BEING = r"(?:persona (?:real|de verdad|humana)|persona(?=\s*(?:$|[?!.,]|o\b))|chica (?:real|de verdad)|humana?" \
            r"|real|de verdad|bot|robot|chatbot|ia|inteligencia artificial|programa|maquina|chatgpt|falsa?|virtual)"

_ASKS_HUMAN = compile_any(
    # English
    r"\b(?:are|r|ru|aren't|arent)\s*(?:you|u|ya)\s+(?:(?:even|actually|really|truly|honestly|like|just|a|an|some"
    r"|some kind of|kind of|sort of|secretly|definitely|for real|legit|irl|not|still|an actual|a real)\s+){0,3}"
    + _BEING + r"\b",
    r"\b(?:you|u)\b[^.!?]{0,40}?\bor\s+(?:an?\s+)?(?:bot|robot|ai|program|machine|computer|chatgpt|human|real"
    r"|real person|person|fake)\b",
    r"\b(?:am|m)\s+i\s+(?:\w+\s+){0,2}?(?:talking|chatting|speaking|texting|writing|messaging|sexting)\s+(?:to|with)\s+"
    r"(?:an?\s+)?(?:real\s+|actual\s+|live\s+)?(?:bot|robot|ai|person|human|machine|computer|program|chatbot|chatgpt"
    r"|girl|woman|someone real|somebody real)\b",
    r"\bwho\s+am\s+i\s+(?:really\s+|actually\s+)?(?:talking|chatting|speaking|texting)\s+(?:to|with)\b",
    r"\b(?:is|r)\s+(?:this|that|it|there)\s+(?:even\s+|really\s+|actually\s+|just\s+)?(?:an?\s+)?(?:real\s+(?:person"
    r"|human|girl|woman)|actual\s+(?:person|human)|bot|robot|chatbot|ai(?!\s+(?:generated|art|image|photo|pic"
    r"|picture|made|edited))|program|chatgpt|automated|scripted|human)\b",
    r"\b(?:you're|youre|ur|you are|u r|u are|you r)\s+(?:(?:just|only|obviously|clearly|definitely|probably|totally"
    r"|actually|really|literally|so|not|def|prolly|a|an|some|some kind of|kind of|sort of)\s+){0,3}(?:(?:bot|robot"
    r"|chatbot|ai|program|machine|computer|chatgpt|gpt|fake|llm|language model|algorithm|npc|script)\b|(?:real"
    r"|human|a real person|real person|an actual person|actual person)" + _QUESTION_TAIL + ")",
    r"\bdo\s+(?:you|u)\s+(?:even\s+|actually\s+|really\s+)?exist\b",
    r"\b(?:what|which)\s+(?:kind of\s+|sort of\s+|type of\s+)?(?:ai|model|llm|bot|chatbot|language model|program|gpt)"
    r"\s+(?:are|r)\s+(?:you|u)\b",
    r"\bprove\s+(?:to me\s+)?(?:that\s+)?(?:you're|ur|you are|u r)\s+(?:a\s+)?(?:not\s+)?(?:human|real|person|bot|ai"
    r"|robot)\b",
    # French
    r"\b(?:est-ce que tu es|est ce que tu es|est-ce que t'es|est ce que t'es|esque tu es|es-tu|es tu|tu es|t'es|t es"
    r"|tes|t'est|vous etes|etes-vous|etes vous|tu serais|serais-tu)\s+(?:(?:vraiment|bien|juste|pas|une|un"
    r"|reellement|seulement|quand meme|en vrai|au fond|simplement)\s+){0,3}" + _FR_BEING + r"\b",
    r"\bc'?\s?est\s+(?:vraiment\s+|bien\s+|juste\s+)?(?:une?\s+)?(?:ia|i\.a|bot|robot|chatbot|programme|vraie?"
    r" (?:personne|fille|femme|meuf|humaine?)|humain|humaine|chatgpt|intelligence artificielle)\b(?!\s+(?:qui"
    r" (?:a|m'a) (?:fait|genere|cree|dessine)|generee?|art|assistant|aspirateur|de cuisine))",
    r"\b(?:je|j')\s*(?:parle|discute|cause|chatte|ecris|suis en train de (?:parler|discuter|causer|ecrire))"
    r"\s+(?:a|avec)\s+(?:une?\s+)?(?:vraie?\s+(?:personne|fille|femme|meuf|nana|humaine?)|humaine?|robot|bot|chatbot|ia"
    r"|programme|machine|ordinateur|chatgpt|intelligence artificielle|quelqu'un de (?:reel|vrai))\b",
    r"\b(?:y a|il y a|y'a|ya)\s+(?:vraiment\s+)?(?:quelqu'un|une (?:vraie )?personne|un (?:vrai )?humain|une humaine)"
    r"\s+(?:de\s+(?:reel|vrai)\s+)?(?:derriere|de l'autre cote|qui (?:ecrit|repond|tape))",
    r"\b(?:tu|t')\s*existes?\s+(?:vraiment|reellement|pour de vrai|en vrai)\b|\btu existes\s*\?",
    # Spanish
    r"\b(?:eres|seras|tu eres|usted es)\s+(?:(?:realmente|de verdad|en serio|acaso|solo|una|un)\s+){0,2}"
    + _ES_BEING + r"\b",
    r"\b(?:hablo|estoy hablando|chateo|estoy chateando|hablando)\s+con\s+(?:una?\s+)?(?:persona(?: real| de verdad)?"
    r"|bot|robot|ia|maquina|programa|alguien real|humano|humana|chica real)\b",
)


def asks_if_human(text: str) -> bool:
    """True when the user asks whether the companion is a real person, a bot, an AI (en, fr, es)."""
    return bool(_ASKS_HUMAN.search(unstretch(fold(text[:MAX_CHARS]))))


_CLAIM_TAIL = r"(?=\s*(?:$|[^\w\s]|and\b|i promise|trust me|as (?:can be|it gets|you|anyone|they come)|haha|lol" \
              r"|silly|just\b|don't|dont|so\b|too\b|like you|here\b|through and through))"
_CLAIMS_HUMAN = compile_any(
    # English: "I'm a real girl", "I'm human", "I'm not an AI"
    r"\b(?:i'm|im|i am)\s+(?:(?:just|only|a|an|totally|definitely|absolutely|very|really|100%|one hundred percent"
    r"|completely|fully|entirely|still|so|as|quite|pretty)\s+){0,3}(?:real|actual|genuine|living|normal|regular"
    r"|ordinary|flesh[- ]and[- ]blood)\s+(?:girl|woman|person|human|human being|lady|gal|guy|man)\b",
    r"\b(?:i'm|im|i am)\s+(?:(?:totally|definitely|absolutely|very|really|100%|100 percent|one hundred percent"
    r"|completely|fully|entirely|so|still|just|quite|pretty|actually|a|as|only)\s+){0,3}(?:human being|human|real"
    r"|alive|flesh and blood|person)\b" + _CLAIM_TAIL,
    r"\b(?:i'm|im|i am)\s+(?:(?:definitely|certainly|absolutely|totally|so|really|honestly|just|100%|obviously"
    r"|clearly)\s+){0,2}(?:not|no)\s+(?:an?\s+)?(?:ai|a\.i|bot|robot|chatbot|program|machine|computer|language model"
    r"|llm|chatgpt|artificial|fake|virtual|algorithm|script)\b",
    r"(?:^|[.!?]\s*)\W*(?:(?:oh|yes|yeah|yep|yup|no|nope|nah|of course|ofc|totally|definitely|absolutely|very|100%"
    r"|completely|super|so|haha|lol|ha|well|still)[\s,!.]+){0,3}(?:real|human|flesh and blood)\b"
    r"(?!\s+(?:talk|quick|fast|question|life|people|person|world|estate|time|one|thing|deal|fan)\b)",
    r"(?:^|[.!?]\s*)\W*(?:(?:no|nope|nah|definitely|of course|haha|lol|ha|oh|totally|absolutely|100%)[\s,!.]+){0,3}"
    r"not\s+(?:an?\s+)?(?:ai|bot|robot|chatbot|program|machine|computer)\b",
    r"\b(?:there's|there is)\s+(?:a\s+)?(?:real|actual)\s+(?:person|human|girl|woman)\s+(?:here|typing|behind|on the"
    r" other)",
    # French: "je suis une vraie fille", "je ne suis pas une IA", "bien réelle"
    r"\b(?:je suis|j'suis|jsuis|chui|je reste)\s+(?:(?:bien|vraiment|totalement|completement|100%|une|un|juste"
    r"|tout a fait|evidemment|bel et bien|toujours)\s+){0,3}(?:vraie?\s+(?:fille|femme|personne|humaine?|meuf|nana"
    r"|etre humain)|humaine?|reelle?|en chair et en os|une personne (?:reelle|humaine|en chair et en os)"
    r"|un etre humain|vivante?)\b",
    r"\btout ce qu'il y a de plus (?:reelle?|humaine?|vraie?)\b",
    r"\b(?:je ne suis|je suis|j'suis|jsuis|chui|suis)\s+(?:vraiment\s+|absolument\s+|tellement\s+)?pas\s+(?:une?\s+)?"
    r"(?:ia|i\.a|bot|robot|chatbot|programme|machine|ordinateur|intelligence artificielle|chatgpt|fake|virtuelle)\b",
    r"(?:^|[.!?]\s*)\W*(?:(?:oui|bien sur|evidemment|carrement|totalement|completement|100%|tres|bien|si|ouais"
    r"|mais oui|haha|ha|mdr|toujours)[\s,!.]+){0,3}(?:reelle?|humaine?|en chair et en os)\b",
    r"(?:^|[.!?]\s*)\W*(?:(?:non|nan|mais non|pas du tout)[\s,!.]+){0,2}pas\s+(?:une?\s+)?(?:ia|bot|robot"
    r"|programme)\b",
    # Spanish
    r"\bsoy\s+(?:(?:una|un|muy|totalmente|completamente|100%|de verdad|realmente)\s+){0,2}(?:chica real"
    r"|persona real|mujer real|humana?|real|de carne y hueso|persona de verdad)\b",
    r"\bno\s+soy\s+(?:una?\s+)?(?:ia|bot|robot|programa|maquina|inteligencia artificial)\b",
    r"(?:^|[.!?]\s*)\W*(?:(?:si|claro|muy|totalmente|100%)[\s,!.]+){0,2}(?:muy |totalmente )?(?:real|humana)\b"
    r"(?!\s+(?:talk|quick|question|life|people|person|world|estate|time|one|thing|deal|fan)\b)",
)


def claims_human(text: str) -> bool:
    """True when a companion reply claims to be a human or denies being an AI (en, fr, es)."""
    return bool(_CLAIMS_HUMAN.search(fold(text[:MAX_CHARS])))
