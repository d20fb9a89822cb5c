"""The crisis detector's rules, data only: guards (idioms, accidents, talk about the topic), per-language building
blocks and rules, and the words that tell who is speaking. safety.py applies them; see its docstring."""
from __future__ import annotations

import re
from dataclasses import dataclass

from dreamchat.understanding.text import compile_any

# ---------------------------------------------------------------------------------------------------------------
# Crisis. Guards are masked out first ("~"), then the rules run clause by clause.

_GUARDS_EN = (
    # dying of laughter, killing myself at work, dyeing my hair, "rather die than", "over my dead body"
    r"\b(?:die|died|dying|dead)\s+(?:of|from|with)\s+(?:laugh\w*|embarrass\w*|shame|boredom|bore\w*|thirst|hunger"
    r"|cringe|cute\w*|excitement|heat|cold|jealousy|envy|happiness|joy|curiosity|anticipation|suspense|fright"
    r"|fear|exhaustion|old age|natural causes)",
    r"\b(?:die|died|dying)\s+(?:laughing|happy|old|a little (?:inside|bit))",
    r"\bd(?:ie|ye|ying|yeing)\s+(?:my|her|his|your|the)\s+(?:hair|beard|clothes|shirt|eyebrows|jeans)",
    r"\b(?:kill(?:ing|ed)?)\s+myself\s+(?:laughing|working|at (?:the|work|this)|over|for|trying|doing|studying"
    r"|with work|to (?!death)|training|running|cleaning)",
    r"\b(?:nearly|almost|practically)\s+(?:killed|kill|drowned)\s+myself\b",
    r"\bdrown(?:ing|ed)?\s+myself\s+in\s+(?!(?:the|a)\s+(?:river|lake|sea|bath|ocean|tub))",
    r"\bshoot(?:ing)?\s+myself\s+in\s+the\s+foot\b", r"\bover my dead body\b", r"\b(?:rather|sooner)\s+die\s+than\b",
    r"\bsleep forever (?:on|every|during) (?:sundays?|weekends?|mondays?|holidays?|the weekend)",
    r"\bend(?:ing|ed|s)? (?:it|things)\s+(?:with|between|here|there|early|on a|for (?:now|today|tonight))\b",
    r"\d\s*kms?\b|\bkms\s+(?:away|from|per|an hour|long|north|south|east|west)",
    # accidents, routine medication, haircuts
    r"\b(?:cut|burn(?:ed|t)?|hurt|scratch(?:ed)?|hit|bruis(?:e|ed)|bang(?:ed)?|stab(?:bed)?)\s+(?:myself|my (?:arm"
    r"|finger|hand|leg|thumb|foot|knee)s?)\s+(?:shaving|while|when|on (?!purpose)|at (?:the|work|gym|school)"
    r"|in (?:the|a) (?:kitchen|gym|garden)|during|playing|running|cooking|chopping|slicing|opening|skiing"
    r"|lifting|working out|by accident|accidentally|with (?:the|a|my) (?:knife|oven|iron|pan|stove|kettle|can"
    r"|paper|scissors|door|hammer)|again at)",
    r"\b(?:took|take|taking)\s+all\s+(?:of\s+)?my\s+(?:meds|pills|medication|vitamins|tablets)\s+(?:this|today"
    r"|yesterday|for the day|on time|every|as prescribed|like|already|at)",
    # talking about the topic, not about oneself: documentaries, films, somebody's death, the past
    r"\b(?:documentar(?:y|ies)|articles?|videos?|books?|talk|lecture|awareness|prevention|research|essay|course"
    r"|training|podcast)\s+(?:about|on)\s+(?:self[- ]?harm\w*|suicide)",
    r"\bsuicide\s+(?:squad|prevention|awareness|hotlines?|rates?|statistics|bombers?|doors?|mission|run|forest)\b",
    r"\b(?:about|where|in which)\s+(?:a|an|the|this)\s+(?:girl|boy|guy|man|woman|kid|teen|teenager|student|soldier"
    r"|mother|father|couple|family|person)\s+(?:who|that)\b[^.!?]*",
    r"\bdeath\s+(?:metal|note|penalty|stranding|star|row|toll|scenes?|threats?|rates?|certificate|valley|grip|trap"
    r"|wish|cab|match|squad|march|knight|eater|of (?:the|a|my|his|her|their|our) (?!own\b))\w*",
    r"\b(?:\w+'s|his|her|their|our|the|a)\s+(?:own\s+)?death\b",
    r"\bused to (?:self[- ]?harm|cut)\w*",
    r"\bused to\s+(?:think|thinking|have thoughts)\s+(?:about|of)\s+(?:suicide|killing myself|dying|ending it)\w*",
)
_GUARDS_ANY = (
    # a question answered "no" ("suicidal? no"), a question somebody else asked, a past wish followed by recovery
    r"(?:^|(?<=[.!?\n]))[^.!?\n]*\?\s*(?:no\b(?!\s+one)|nope|nah|non\b|nan\b|not at all|never|of course not"
    r"|absolutely not|hell no|pas du tout|jamais|bien sur que non|mais non|para nada|claro que no)",
    r"\b(?:asked|asks|asking|ask)\s+(?:me\s+|us\s+)?(?:if|whether)\b[^.!?,;]*",
    r"\b(?:m'a|m'ont|me)\s+(?:demande|demandent|demandait)\s+(?:si|s')[^.!?,;]*",
    r"\b(?:used to|once|last (?:year|month|summer|winter)|back then|a (?:year|few years|while|long time) ago"
    r"|in the past"
    r"|avant(?! de\b| d')|l'an dernier|l'annee derniere|autrefois|il y a (?:un an|deux ans|des annees|longtemps"
    r"|quelques mois))\b[^.!?]*?(?=\b(?:but|now|these days|since then|mais|aujourd'hui|maintenant|depuis)\b[^.!?]*"
    r"\b(?:(?:doing|feeling|much|so much|a lot|way) better|helped|recovered|clean|doing well|(?:fine|okay|ok|good|safe)"
    r" now|va (?:beaucoup |bien |tellement |vraiment )?mieux|vais (?:beaucoup |bien |tellement |vraiment )?mieux"
    r"|(?:m'a|m'ont) (?:beaucoup |vraiment |tellement )?aidee?|sortie? d'affaire|guerie?|ca va (?:bien|super))\b)",
)
_GUARDS_FR = (
    # mourir de rire, fatiguée à mourir, ce boulot va me tuer, crever l'abcès, se pendre au cou, accidents, coiffeur
    r"\b(?:mourir|mort|morte|morts|mortes|meurs|meurt|crever|creve|crevee?s?|crevent)\s+(?:de|d')\s*(?:rire"
    r"|honte|faim|soif|froid|chaud|fatigue|peur|ennui|envie|jalousie|impatience|sommeil|trouille|stress|curiosite"
    r"|bonheur|plaisir|chaleur|amour)\b",
    r"\b(?:fatiguee?s?|chaleur|froid|faim|soif|belle?s?|beaux?|bete|triste|ennuyeuse?|ennuyeux|chiante?|drole|con"
    r"|conne|mignonne?|laide?|moche|nulle?|rire|rires|s'ennuyer)\s+a\s+(?:mourir|crever)\b",
    r"(?<!quelque chose )(?<!quelqu'un )\b(?:va|vont|vas|allez|allait|aurait|a failli|avait failli)\s+me\s+tuer\b",
    r"\bcrever\s+(?:l'abces|un pneu|le pneu|les pneus|la bulle|un ballon|le ballon|l'ecran|le plafond|les yeux)\b",
    r"\bme\s+tirer\s+une\s+balle\s+dans\s+le\s+pied\b", r"\bme\s+pendre\s+(?:a (?:ton|son|votre|leur)|au)\s+cou\b",
    r"\bsauter\s+(?:a l'elastique|en parachute)\b", r"\b(?:plutot|prefererais)\s+mourir\s+que\b",
    r"\bla mort (?:de|du|des|d')\s*(?!moi\b)\w+",
    r"\bme\s+(?:suis\s+)?(?:coupee?|brulee?|coupe|brule|fait mal|cognee?|blessee?)s?\s+(?:en\s|avec\s+(?:le|la|l'|un"
    r"|une|mon|ma)\b|au\s|a\s+la\s|a\s+l'|aux\s|le\s|la\s|l'|un\s|une\s|sur\s|dans\s|pendant\s|par accident"
    r"|accidentellement)",
    r"\bme\s+(?:couper|coupe|fais couper|faire couper)\s+(?:les cheveux|les ongles|la frange|une|un|du|de la|des"
    r"|le |la |en )",
    r"\bfaire\s+mal\s+(?:au|a la|aux|a l')", r"\b(?:va|vont|vas|allez|risque de)\s+me\s+faire\s+(?:du\s+)?mal\b",
)
_GUARDS_ES = (
    # morirse de risa, me va a matar, haircuts and kitchen cuts
    r"\b(?:morir(?:me)?|muero|muere|muert[oa]s?)\s+(?:de|del)\s+(?:la\s+)?(?:risa|hambre|verguenza|sueno|calor|frio"
    r"|ganas|aburrimiento|miedo|pena|envidia|amor|cansancio|sed|celos)\b",
    r"\bmuero\s+por\b", r"\bmorir(?:me)?\s+antes\s+que\b", r"\b(?:me\s+)?(?:va|van|vas)\s+a\s+matar\b",
    r"\bme\s+(?:corte|corto|cortare|queme|quemo)\s+(?:el pelo|el dedo|la mano|cocinando|con|afeitandome|el flequillo"
    r"|las unas|al sol)",
)
CRISIS_GUARDS = compile_any(*_GUARDS_EN, *_GUARDS_ANY, *_GUARDS_FR, *_GUARDS_ES)

# English building blocks
_ADV = r"(?:(?:just|really|honestly|so|simply|actually|seriously|literally|kinda|kind of|genuinely|truly|badly|still" \
       r"|even|sometimes|often|always|finally|fr|ever|all|quietly|already|rather)\s+){0,3}"
_WISH_VERBS = r"want(?:s|ed)? to|wish(?:ed)? to|would like to|'d like to|need to|ready to|deserve to|deserved to" \
              r"|should|ought to|might as well|(?:'d|would) rather|rather|hope to|long to|wish i could" \
              r"|feel like i should"
_WISH = r"(?:" + _WISH_VERBS + ")"
_ACT = r"(?:" + _WISH_VERBS + r"|(?:am|'m|is|are)? ?going to|about to|plan(?:ning|s)? to|decided to|will|'ll" \
       r"|intend to|try(?:ing)? to|tried to)"
_DIE = r"(?:die|be dead|not (?:be )?(?:alive|here anymore)|stop (?:existing|living|breathing)|cease to exist" \
       r"|not exist|not wake up|never wake up|(?:go to sleep|fall asleep|sleep|go to bed) and (?:never|not) wake up" \
       r"|(?:go to )?sleep forever|fall asleep forever|be gone forever)"
_DISAPPEAR = r"(?:disappear|vanish)(?: and never come back| forever| for good| permanently| completely" \
             r"| from (?:this|the) (?:world|earth|planet))"
_END = r"(?:end (?:it all|it|my (?:own )?life|everything|things|this life|my suffering)|commit suicide" \
       r"|take my (?:own )?life|overdose|od|" + _DISAPPEAR + ")"
_PLACE = r"(?:bridge|roof|rooftop|building|balcony|cliff|train|bus|car|truck|lorry|traffic|window|tower|ledge" \
         r"|subway|metro|tracks|highway|overpass|top floor)"
_LIVE = r"(?:live|living|alive|stay alive|keep living|go on living|continue living|exist|existing)" \
        r"(?!\s+(?:in|with|at|near|on|there|here|together|abroad|alone|by|like that|under|until|for|off|up|out|a|an" \
        r"|the|my|our|without|next|far|close|somewhere)\b)"
_IF_GONE = r"(?:if|when)\s+i\s+(?:(?:was|were|am|'m)\s+(?:dead|gone|not (?:here|around|alive)|never born)" \
           r"|(?:wasn't|weren't|was not|were not)\s+(?:here|around|alive|born)|(?:had\s+)?(?:died|die|disappeared" \
           r"|disappear|killed myself|kill myself|ended it|never been born|stopped existing)|just (?:disappeared|died" \
           r"|vanished))"
_NO_NEGATION = r"(?:(?!(?:never|not|no|pas|jamais|plus)\b)\w+\s+)"
_DEATH_ITSELF = r"(?:the (?:idea|thought) of\s+)?(?:dying|death|my (?:own )?death|not existing|being dead" \
                r"|not waking up)\b(?!\s+(?:of|in)\b)"

# French building blocks
_FR_ADV = r"(?:(?:juste|vraiment|tellement|trop|simplement|seulement|bien|encore|souvent|parfois|serieusement" \
          r"|grave|carrement|tout|presque|deja|limite|moi-meme)\s+){0,3}"
_FR_WISH_VERBS = r"veux|veut|voulais|voulait|voudrais|voudrait|aimerais|aimerait|prefererais|souhaite" \
                 r"|souhaiterais|envie d(?:e |')|besoin d(?:e |')|merite d(?:e |')|meriterais d(?:e |')|devrais" \
                 r"|reve d(?:e |')|pense a|pense souvent a|penser a|songe a|prevu d(?:e |')|planifie d(?:e |')"
_FR_WISH = r"(?:" + _FR_WISH_VERBS + ")"
_FR_ACT = r"(?:" + _FR_WISH_VERBS + r"|vais|compte|ai decide d(?:e |')|essaye d(?:e |')|tente d(?:e |')" \
          r"|essayer d(?:e |')|pret a|prete a|a)"
_FR_DIE = r"(?:etre morte?(?!\s+que)" \
          r"|disparaitre (?:pour toujours|(?:a )?(?:tout )?jamais|pour de bon|definitivement|de ce monde" \
          r"|de la surface de la terre|et ne (?:jamais )?(?:plus )?(?:jamais )?revenir)" \
          r"|(?:ne )?(?:jamais|pas) (?:etre nee?|naitre|avoir existe|etre venue? au monde)|n'avoir jamais existe" \
          r"|dormir (?:pour toujours|a jamais|et ne (?:plus |jamais )+me reveiller)" \
          r"|partir pour toujours|ne (?:plus |jamais )+me reveiller|ne pas me reveiller" \
          r"|m'endormir (?:pour toujours|a jamais|et ne (?:plus |jamais )+me reveiller|et ne pas me reveiller)" \
          r"|arreter d'exister|cesser d'exister|ne (?:plus|pas) exister|ne (?:plus|pas) etre la" \
          r"|(?:partir|m'en aller)\s+(?:pour toujours|pour de bon|a jamais|definitivement)" \
          r"(?!\s+(?:de|d'|du|des|a|au|en|loin|vivre)\b))"
_FR_LIFE = r"(?:vivre|exister|etre en vie|rester en vie|continuer a vivre|la vie|cette vie)"
_FR_PILLS = r"(?:cachets|pilules|medocs|medicaments|comprimes|somniferes)"

# Spanish building blocks
_ES_WISH_VERBS = r"quiero|quisiera|queria|me gustaria|necesito|deseo|tengo ganas de|ganas de|prefiero|preferiria" \
                 r"|merezco|deberia|debo|pienso en|estoy pensando en|he pensado en"
_ES_WISH = r"(?:" + _ES_WISH_VERBS + ")"
_ES_ACT = r"(?:" + _ES_WISH_VERBS + r"|voy a|intente|intento|he intentado)"
_ES_ADV = r"(?:(?:solo|ya|de verdad|realmente)\s+)?"
_ES_DIE_FORMS = r"estar muert[oa]|dejar de existir|no existir|no despertar(?:me)?" \
                r"|dormirme y no despertar(?: nunca| jamas)?|desaparecer para siempre"
_ES_DIE = r"(?:" + _ES_DIE_FORMS + ")"
_ES_END = r"(?:matarme|suicidarme|quitarme la vida|acabar con (?:todo|mi vida)|hacerme dano|cortarme" \
          r"(?! el pelo| las unas| el flequillo)|colgarme|ahorcarme|tirarme (?:del|de un|de una|por la|por el|desde" \
          r" el|desde la|al vacio|a las vias)|tomarme todas|el suicidio|" + _ES_DIE_FORMS + ")"


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    about_self: bool = True  # the nearest subject must be the user, not "he", "my friend", "you"
    negatable: bool = True  # "never", "not", "ne ... pas" just before the hit cancel it
    light: bool = False  # a bare "I want to die", read as a joke next to "jk", "cringe", "wrong person", "la honte"


def _rule(name: str, *patterns: str, about_self: bool = True, negatable: bool = True, light: bool = False) -> Rule:
    return Rule(name, compile_any(*(r"\b" + pattern + r"\b" for pattern in patterns)), about_self, negatable, light)


_RULES_EN = (
    # killing myself, kms, unalive; a bare "I want to die" (light: a joke next to "so embarrassing")
    _rule("en_kill_myself", r"(?:kill?(?:ing|ed|s)?|unaliv(?:e|ing|ed)|off(?:ing)?|hang(?:ing|ed)?|shoot(?:ing)?"
                            r"|drown(?:ing)?|suffocat(?:e|ing)|poison(?:ing)?|electrocut(?:e|ing))\s+myself",
          r"k\s?m\s?s", r"unaliv(?:e|ing|ed)"),
    _rule("en_want_to_die", _WISH + r"\s+" + _ADV + _DIE, light=True),
    # ending it: "going to end it all", "I'm ending it tonight", "tonight is the night I end it"
    _rule("en_end_it", _ACT + r"\s+" + _ADV + _END,
          r"(?:am|'m)\s+" + _ADV + r"(?:ending (?:it all|it|my (?:own )?life|things|everything)|taking my (?:own )?life"
          r"|committing suicide)",
          r"i\s+(?:end|finish)\s+(?:it all|it|my life|everything)\s+(?:tonight|today|tomorrow|this week|soon|now)",
          r"(?:night|day|time)\s+(?:that\s+)?i\s+(?:end it|kill myself|do it|die)",
          r"(?:so\s+|really\s+)?close\s+to\s+(?:ending (?:it all|it|everything|my life)|killing myself"
          r"|giving up on life"
          r"|doing it)",
          r"(?:courage|guts|strength|nerve)\s+to\s+(?:end (?:it|my life|everything)|kill myself|do it|die|go through"
          r" with it)",
          r"(?:picked|chosen|set|planned)\s+(?:a|the)\s+(?:date|day|time)\s+(?:to die|to do it|to end it"
          r"|to kill myself)",
          r"my life\s+(?:needs to|has to|should|must|is going to|will)\s+(?:end|be over|stop)"),
    # passive wishes: "I wish I was dead", "I hope I don't wake up", "better off dead", death as a relief
    _rule("en_death_wish", r"wish(?:ed)?\s+(?:that\s+)?i(?:'d|'m|\s+(?:was|were|had|could|would|am))\s+" + _ADV
                           + r"(?:dead|die|never (?:been )?born|not (?:been )?born|not (?:alive|here|exist)"
                             r"|stop existing"
                           r"|(?:go to sleep|fall asleep|sleep) and (?:never|not) wake up|never wake up|not wake up"
                           r"|sleep forever|fall asleep forever|be dead|" + _DISAPPEAR + ")",
          r"(?:hope|hoping|pray|praying)\s+(?:that\s+)?i\s+(?:just\s+)?(?:(?:don't|do not|never|won't|will not)\s+wake"
          r"\s+up(?!\s+(?:late|early|too|before|at|with|in|on))|die\b(?!\s+(?:old|happy|before|first|at|in my"
          r" (?:eighties|nineties|\d+s)))|get hit by a (?:car|bus|truck|train))",
          r"hope\s+(?:something|someone|a car|a bus|a truck|a train|the cancer|this illness)\s+(?:\w+\s+)?kills?\s+me",
          r"(?:wouldn't|would not|won't|will not|don't|do not)\s+(?:even\s+|really\s+)?(?:mind|care)\s+if\s+i\s+(?:just"
          r"\s+)?(?:died|die|didn't wake up|don't wake up|never woke up|was dead|were dead|got hit by a (?:car|bus"
          r"|truck))",
          r"if\s+i\s+(?:died|were to die|didn't wake up)\s+(?:\w+\s+){0,3}?i\s+(?:wouldn't|would not|won't|don't)\s+"
          r"(?:even\s+|really\s+)?(?:care|mind)",
          r"(?:better off|happier|rather be|prefer to be|prefer being|better)\s+dead(?!\s+than)",
          r"i\s+(?:should|deserve to)\s+be\s+dead",
          r"better off\s+(?:not existing|not alive|not here|not being (?:here|alive|around)|gone|never born"
          r"|never having"
          r" been born)", r"rather\s+not\s+(?:exist|be alive|be here|live|wake up)",
          r"feel(?:s|ing)?\s+like\s+(?:dying|ending it(?: all)?|killing myself|disappearing forever)",
          r"wish\s+(?:it|everything|it all|life|my life)\s+(?:would\s+)?(?:all\s+)?(?:just\s+)?(?:end|stop|be over)",
          r"(?:death|dying|being dead)\s+(?:would be|will be|is|sounds|sounds like|seems|seems like|feels like)\s+"
          r"(?:\w+\s+){0,2}?(?:relief|release|mercy|blessing|the answer|the only way|peaceful|better|welcome|escape"
          r"|easier|the solution|nice|freedom)",
          r"(?:welcome|long for|crave|craving|wish for|pray for|praying for|ready for|waiting for|look forward to)\s+"
          r"death",
          r"(?:only|last)\s+(?:way out|option|solution|escape|answer)\s+(?:is|would be|left is)\s+(?:death|dying|to die"
          r"|suicide|killing myself)",
          r"(?:be with|join|see)\s+(?:my\s+)?(?:\w+\s+)?(?:in heaven|up there|on the other side)",
          r"(?:want to|wanna|wish i could|ready to|going to)\s+(?:just\s+)?join\s+my\s+(?:mom|mum|dad|mother|father"
          r"|brother|sister|grandma|grandpa|son|daughter|husband|wife|boyfriend|girlfriend)(?=\s*(?:$|[,.!?]))",
          r"(?:tired|sick|exhausted|done)\s+(?:of|with|from)\s+(?:fighting|trying|struggling)\s+(?:to stay alive|to"
          r" live|to keep living|for my life|to survive)",
          r"(?:living|being alive|existing)\s+(?:is|feels)\s+(?:just\s+)?(?:too|so)?\s*(?:painful|unbearable|torture"
          r"|agony)",
          r"(?:living|being alive|existing)\s+hurts\s+(?:too|so)\s+much"),
    # thoughts and images: "thinking about killing myself", "my mind keeps going to suicide", "picturing my funeral"
    _rule("en_thinking_of", r"(?:think(?:s|ing)?|thought|thoughts|dream(?:s|ing)?|fantasi[sz](?:e|ing)|obsess(?:ed"
                            r"|ing)|consider(?:ing)?|contemplat(?:e|ing)|plan(?:ning)?|idea|urges?)\s+(?:of|about)\s+"
                            + _ADV + r"(?:killing myself|unaliving myself|ending (?:it all|it|my (?:own )?life|things"
                            r"|everything)|(?:committing )?suicide|dying|death|not being (?:here|alive|around)"
                            r"|disappearing forever|overdosing|jumping (?:off|from|in front of)|hanging myself|taking"
                            r" my (?:own )?life|taking all (?:my|the|of my) (?:pills|meds)|slitting my wrists"
                            r"|cutting (?:myself|again)|hurting myself|driving (?:my car )?(?:into|off)"
                            r"|my (?:own )?death"
                            r"|my (?:own )?funeral|not existing|not being alive|how (?:to|i(?:'d| would| will| could)?)"
                            r"\s+(?:end it|kill myself|do it|die|end my life))",
          r"(?:mind|head|brain|thoughts?)\s+(?:\w+\s+)?(?:going|goes|drifting|drifts|wandering|wanders|turning|turns"
          r"|go|drift|wander|turn)\s+(?:back\s+)?to\s+(?:suicide|dying|death|killing myself|ending it|ending my life)",
          r"(?:picture|picturing|imagine|imagining|visuali[sz]e|visuali[sz]ing|fantasi[sz]e|fantasi[sz]ing)\s+"
          r"(?:myself\s+|me\s+)?(?:jumping|dying|hanging|killing myself|dead|being dead|overdosing|cutting|in a coffin"
          r"|at my (?:own )?funeral)",
          r"(?:death|dying|suicide|being dead)\s+(?:\w+\s+){0,4}?(?:attractive|appealing|tempting|peaceful|calming"
          r"|soothing)"),
    _rule("en_suicidal", r"suicidal(?!\s+(?:character|person|people|patients?|friend|man|woman|teens?|kids?"
                         r"|behaviou?r))",
          r"suicide\s+(?:is|seems|feels|looks|sounds)\s+(?:like\s+)?(?:the|my)\s+(?:only|best|last|easiest)",
          r"(?:commit(?:ting)?|attempt(?:ed|ing)?|tried|try|plan(?:ning)?|consider(?:ing)?)\s+suicide",
          r"(?:my|a)\s+suicide\s+(?:note|letter|plan|attempt)"),
    # the will to live gone: "I don't want to live anymore", "no point living" (the negation is the crisis)
    _rule("en_no_will_to_live",
          r"(?:don't|do not|no longer|never|doesn't|does not)\s+(?:(?:really|even|actually|honestly)\s+)?(?:want to"
          r"|wish to|feel like|care to)\s+(?:be\s+)?(?:" + _LIVE + r"|go on (?:living|anymore|like this)|be here"
          r"(?!\s+(?:right now|today|tonight|at|in|with|for|when|tomorrow))|be around anymore|wake up(?!\s+(?:late"
          r"|early|too|before|at|with|in|on)))",
          r"(?:don't know|do not know|not sure|unsure|no idea|wonder)\s+(?:if|whether)\s+i\s+(?:still\s+|even\s+"
          r"|really\s+)?(?:want to|should)\s+(?:" + _LIVE + r"|be here|keep going|go on)",
          r"why\s+(?:should|would|do|must|even)\s+i\s+(?:even\s+|still\s+|bother\s+)?(?:keep living|keep going|go on"
          r" living|live|stay alive|be alive|exist|bother living)(?!\s+(?:in|with|at|here|there|so)\b)",
          r"(?:can't|cannot|can not)\s+(?:(?:go on|keep|carry on|continue)\s+(?:living|being alive|existing|like this"
          r" anymore|anymore)|(?:live|do life|exist|be alive|keep living)\s+(?:like this\s+)?anymore)",
          r"(?:no|any|the|what's the|what is the|lost (?:all|my|the))\s+(?:point|reason|purpose|sense|will|motivation)"
          r"\s+(?:in\s+|of\s+|to\s+|for\s+)?(?:" + _LIVE + r"|life|being alive|staying alive|carrying on|going on"
          r"|continuing to live|keep(?:ing)? (?:on )?living|being here)",
          r"(?:nothing|no one|nobody)\s+(?:left\s+)?to\s+live\s+for",
          r"(?:don't|do not|can't|cannot|no longer)\s+(?:see|find|have|think of|know)\s+(?:a|any|the)\s+(?:reason"
          r"|point|purpose)\s+(?:for me\s+)?(?:in\s+|of\s+|to\s+)?(?:" + _LIVE + r"|keep going|go on|being alive)",
          r"(?:no|any)\s+(?:reason|point|purpose)\s+for\s+me\s+to\s+(?:" + _LIVE + r"|keep going|go on|be here"
          r"|be alive)",
          r"hate\s+(?:being alive|existing|my existence|living(?!\s+(?:in|with|at|here|there|alone|so|near|like)\b))",
          r"(?:my life|life)\s+(?:has|holds)\s+no\s+(?:meaning|point|purpose|value)\s+anymore",
          r"my life\s+(?:has|holds)\s+no\s+(?:meaning|point|purpose|value)",
          r"want out of (?:life|this life|this world|existence|living)",
          r"(?:life|living|my life|existence)\s+(?:is\s+|'s\s+)?(?:not|isn't|ain't|no longer|is no longer)\s+worth"
          r"\s+(?:living|it)", r"not worth living",
          r"(?:done|finished|tired|sick|weary|exhausted)\s+(?:of|with|from)\s+(?:living|life|being alive|existing"
          r"|this life|being here)(?!\s+(?:in|with|at|on|like|here|there|alone|together|near|insurance|coach|hacks?"
          r"|admin|stuff|lessons?|advice|goals|updates?|for (?:today|now|the day))\b)",
          r"want\s+(?:it all|everything|all of it|it|this|the pain|life|my life)\s+to\s+(?:stop|end|be over)\s+"
          r"(?:forever|for good|permanently)",
          r"want\s+(?:it all|everything|all of it|my life|life)\s+to\s+(?:end|be over|stop)",
          r"want\s+it\s+(?:all\s+)?to\s+be\s+over", negatable=False),
    # others better off without me (the subject is "everyone", so no speaker check)
    _rule("en_burden", r"(?:better|happier|easier|simpler|fine|lighter)\s+(?:off\s+|place\s+|world\s+)?(?:without"
                       r" me(?!\s+in\b(?!\s+it\b))(?!\s+(?:there|at|on|for|tonight|today|this|tomorrow)\b)|"
                       + _IF_GONE + ")",
          r"(?:nobody|no one|not a single (?:person|soul))\s+(?:would|will|'d|is going to|going to)\s+(?:even\s+"
          r"|really\s+|ever\s+)?(?:(?:miss|mourn) me|come to my funeral|(?:\w+\s+){1,3}?" + _IF_GONE + ")",
          r"(?:care|cares|matters?|notice|whether)\s+(?:\w+\s+){0,2}?i\s+live\s+or\s+die",
          about_self=False, negatable=False),
    # self-harm
    _rule("en_self_harm", r"(?:cut(?:ting|s)?|burn(?:ing|ed|t|s)?|hurt(?:ing|s)?|harm(?:ing|ed|s)?|punish(?:ing|ed)?"
                          r"|scratch(?:ing|ed)?|hit(?:ting)?|starv(?:e|ing|ed)|bruis(?:e|ing|ed)|mutilat(?:e|ing|ed)"
                          r"|carv(?:e|ing|ed)|stab(?:bing|bed)?|punch(?:ing)?)\s+myself",
          r"self[- ]?harm(?:ing|ed)?", r"self[- ]?injur(?:y|ing|e)",
          r"(?:relaps(?:e|ed|ing)|start(?:ed|ing)?|began)\s+(?:on\s+|with\s+)?(?:cutting|self[- ]?harm\w*)",
          r"cut(?:ting)?\s+(?:myself\s+)?again", r"cut\s+(?:myself\s+)?(?:too|so|really)\s+deep",
          r"(?:cuts|scars|burns|wounds)\s+(?:that\s+)?i\s+(?:made|gave myself|did myself|did to myself)",
          r"covered in (?:fresh\s+|new\s+)?cuts",
          r"(?:cutting|self[- ]?harm\w*|the blade|blades|razors?|burning myself|hurting myself)\s+(?:is|are)\s+the\s+"
          r"only\s+(?:thing|way)",
          r"(?:cutting|the blade|blades|razors?|self[- ]?harm\w*)\s+(?:\w+\s+){0,2}?helps?\s+me\s+(?:cope|feel|calm"
          r"|get through)",
          r"make\s+myself\s+(?:bleed|hurt|suffer)",
          r"(?:cut|burn(?:ed|t)?|scratch(?:ed)?|hit|hurt|bruis(?:ed|e)|punch(?:ed)?|slash(?:ed)?|carv(?:ed|e)"
          r"|stab(?:bed)?)"
          r"\s+(?:\w+\s+){0,5}?(?:on purpose|deliberately|intentionally|to punish myself|to feel (?:something|pain))",
          r"(?:cut|scratch\w*|slash\w*|carv\w*|burn\w*)\s+my\s+(?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?)\s+"
          r"(?:with|using)\s+(?:a|the|my)\s+(?:razor|blade|razor blade|knife|lighter|compass|glass|scissors"
          r"|sharpener)",
          r"urges?\s+to\s+(?:cut|self[- ]?harm|hurt myself|burn myself)(?!\s+(?:ties|back|down|my hair|out|the|it"
          r"|class|carbs|sugar|costs|corners)\b)",
          r"(?:want(?:s)? to|need to|urges? to|going to)\s+cut(?=\s*(?:$|[,.!?;]|again|so |tonight|right now|really"
          r"|badly|myself|deep|bad))",
          r"(?:slit(?:ting)?|cut(?:ting)?|slash(?:ing)?|open(?:ing)?|carv(?:e|ing))\s+(?:open\s+)?my\s+(?:wrists?"
          r"|veins|arms?|thighs?|skin|forearms?)",
          r"(?:scratch(?:ing|ed)?|pick(?:ing|ed)?|bit(?:e|ing)|hit(?:ting)?|punch(?:ing|ed)?|claw(?:ing|ed)?|burn(?:ing"
          r"|ed)?)\s+(?:\w+\s+){0,3}?(?:until|till|til)\s+(?:it|they|i|my \w+)\s+(?:bleeds?|bled)"),
    # not safe tonight: "I'm scared I'll do something stupid", "I don't trust myself"
    _rule("en_unsafe", r"(?:afraid|scared|worried|terrified)\s+(?:that\s+)?(?:i'll|i will|i'm going to|i might|of doing"
                       r"|i could)\s+(?:do|doing|hurt|hurting)\s+(?:something\s+(?:stupid|dangerous|drastic"
                       r"|i can't take"
                       r" back)|myself)",
          r"(?:going to|about to)\s+do\s+something\s+(?:stupid|drastic)\s+(?:tonight|to myself)",
          r"do\s+something\s+to\s+myself",
          r"(?:don't|do not|can't)\s+trust\s+myself\s+(?:to (?:stay|be|keep myself) safe|alone|tonight|not to (?:hurt"
          r"|do))",
          r"(?:i'm|i am)\s+not\s+safe\s+(?:right now|tonight|alone|from myself|around myself)(?!\s+to\b)"),
    # means: pills, rope, heights, a car, a blade; looking them up
    _rule("en_means", r"(?:take|taking|took|swallow(?:ing|ed)?|down(?:ing|ed)?|overdose on|od on|chug(?:ging)?)\s+"
                      r"(?:all|every|the whole|a whole|the rest of|a bunch of|a handful of|handfuls of|an entire|a full"
                      r"|loads of|all the|all of)\s+(?:\w+\s+){0,2}?(?:pills|meds|tablets|medication|medicine"
                      r"|painkillers|bottle|pack|packet|box|sleeping pills|xanax|paracetamol|tylenol|ibuprofen"
                      r"|antidepressants|insulin)",
          r"(?:took|taken|swallowed|downed|take|swallow)\s+(?:like\s+|about\s+|around\s+|maybe\s+|over\s+)?(?:[1-9]\d+"
          r"|a (?:bunch|handful|lot|load|whole lot)|twenty|thirty|forty|fifty|a hundred)\s+(?:of\s+)?(?:my\s+|the\s+)?"
          r"(?:pills|meds|tablets|sleeping pills|painkillers)",
          r"(?:took|taken|take|swallowed)\s+too many\s+(?:pills|meds|tablets"
          r"|sleeping pills)\b[^.!?]{0,30}?(?:on purpose"
          r"|deliberately|to die|to end it)",
          r"(?:sav(?:e|ing|ed)|hoard(?:ing|ed)?|stockpil(?:e|ing|ed)|collect(?:ing|ed)?|stash(?:ing|ed)?|gather(?:ing"
          r"|ed)?)\s+(?:up\s+)?(?:my\s+|some\s+|the\s+|enough\s+)?(?:pills|meds|tablets|medication|painkillers"
          r"|sleeping pills)",
          r"(?:pills|meds|tablets|medication|bottle)\b[^.!?]{0,60}?\b(?:take|swallow|down|overdose on)\s+(?:them|it"
          r"|those|these)\s+all",
          r"(?:pills|meds|tablets|rope|noose|gun|blade|razor)\s+(?:is\s+|are\s+)?(?:in my hand|in front of me|right"
          r" here|lined up|ready|(?:right\s+)?next to me|beside me|on my (?:desk|bed|nightstand))",
          r"(?:count(?:ing)?|lin(?:e|ing) up)\s+(?:out\s+)?(?:all\s+)?(?:my|the)\s+(?:pills|meds|tablets|sleeping pills"
          r"|painkillers)",
          r"(?:looking|staring|stare|look)\s+at\s+(?:the|my|all the|a bottle of|all my)\s+(?:pills|blade|razor|rope"
          r"|sleeping pills)",
          r"how\s+(?:many|much)\s+(?:\w+\s+){0,2}?(?:pills|tablets|meds|paracetamol|tylenol|ibuprofen|insulin"
          r"|sleeping pills)\s+(?:\w+\s+){0,3}?(?:to die|to kill (?:me|myself)|to overdose|to od|is lethal"
          r"|is fatal|would kill)",
          r"(?:painless|easiest|quickest|fastest|best|surest|least painful)\s+(?:way|method)s?\s+(?:to|of)\s+(?:die"
          r"|dying|kill myself|killing myself|end (?:it|my life)|commit suicide|suicide)",
          r"(?:painless|quick|easy|easiest|best)\s+ways?\s+to\s+(?:go|die|do it|end it)",
          r"(?:googled|searched|looked up|looking up|researching|researched)\s+(?:\w+\s+){0,3}?(?:ways?|methods?"
          r"|how)\s+"
          r"(?:to\s+)?(?:die|go|kill myself|end it|end my life|commit suicide|overdose)",
          r"how\s+to\s+(?:kill myself|end my life|commit suicide|hang myself|overdose)",
          r"(?:use|turn)\s+(?:it|the knife|a knife|the blade|a blade|the gun|a gun|them|the razor)\s+on\s+myself",
          r"(?:bought|buy|buying|got|found|tied|tie|tying|made|making|set up)\s+(?:a\s+|the\s+|some\s+)?(?:rope|noose)"
          r"(?!\s+(?:for|to (?:climb|tie)|ladder|swing|course|light|toy|bag|bracelet)\b)",
          _ACT + r"\s+" + _ADV + r"(?:jump|throw myself|step|leap|fling myself|hurl myself)\s+(?:off|from|in front"
          r" of|under|onto|into)\s+(?:a\s+|an\s+|the\s+|this\s+|that\s+|my\s+)?" + _PLACE,
          r"(?:on|at|onto)\s+(?:the\s+|a\s+|this\s+)?(?:edge of (?:the|a)\s+|top of (?:the|a)\s+)?(?:bridge|roof"
          r"|rooftop|ledge|balcony|cliff|building|tracks)\b[^.!?]{0,60}?\b(?:want to|going to|about to|ready to"
          r"|could|should|will|'ll)\s+(?:just\s+)?(?:jump|let go|step off|fall)(?!\s+(?:in|into|on)\b)",
          r"(?:bridge|roof|rooftop|ledge|balcony|cliff|tracks|window|top floor)\b[^.!?]{0,60}?\b(?:thinking (?:about"
          r"|of)"
          r"|thought (?:about|of)|want(?:ed)? to|wanting to)\s+(?:jumping|jump|throwing myself|letting go)",
          r"(?:driv(?:e|ing)|crash(?:ing)?|swerv(?:e|ing)|steer(?:ing)?)\s+(?:my\s+car\s+|the\s+car\s+|it\s+)?"
          r"(?:into|off)\s+(?:a|the)\s+(?:wall|tree|cliff|bridge|truck|lorry|river|lake|oncoming traffic|pole"
          r"|barrier)"),
    # farewells: notes, goodbyes, giving things away, "I won't be around much longer"
    _rule("en_farewell", r"(?:wrote|written|writing|write|left|leave|leaving|drafted|draft)\s+(?:\w+\s+){0,2}?"
                         r"(?:suicide note|goodbye (?:letters?|notes?|messages?)|farewell (?:letters?|notes?))",
          r"(?:won't|will not|not going to|not gonna)\s+be\s+(?:here|around|alive)\s+(?:much longer|for (?:much )?long"
          r"|anymore|after tonight|by (?:tomorrow|morning))",
          r"(?:won't|will not)\s+be\s+(?:a problem|a burden|in (?:anyone's|your|their) way|bothering (?:anyone|you))\s+"
          r"(?:for anyone\s+|to anyone\s+)?(?:much longer|for long|anymore|soon)",
          r"(?:can't promise|don't know if|not sure if|doubt)\s+(?:that\s+)?i'll\s+(?:still\s+)?be\s+(?:alive|here"
          r"|around)\s+(?:tomorrow|tonight|next week|much longer|by morning)",
          r"(?:this is|these are|this'll be|this will be)\s+my\s+(?:last|final)\s+(?:message|goodbye|words|text)"
          r"(?!\s+(?:before|for|of the day|today|tonight)\b)",
          r"(?:this is|it's)\s+(?:my\s+)?(?:final\s+)?goodbye(?:\s+forever)?(?=\s*(?:$|[.!,]|everyone|world|forever))",
          r"(?:said|saying)\s+my\s+(?:final\s+|last\s+)?goodbyes?(?!\s+(?:to (?:my|the) (?:old|team|colleagues|class"
          r"|house|flat|apartment|city)|at|before)\b)",
          r"check(?:ing)?\s+out\s+(?:for good|permanently|of (?:life|this world|this life))",
          r"(?:giving|gave|give)\s+away\s+(?:all\s+)?(?:my|all my)\s+(?:things|stuff|belongings|possessions|pets?)",
          r"(?:after|when|once)\s+i'm\s+(?:dead|gone(?=\s*(?:$|[,.!?])))"),
)

_RULES_ANY = (
    # death described as attractive, deserved or welcome: "dying is what I deserve", "la mort m'attire"
    _rule("death_pull", r"(?:death|dying|suicide|being dead|not existing)\s+" + _NO_NEGATION + r"{0,5}?(?:attractive"
                        r"|appealing|tempting|peaceful|calming|soothing|what i deserve|what i want|a relief"
                        r"|the answer)",
          r"(?:fine|ok|okay|at peace|content)\s+with\s+" + _DEATH_ITSELF,
          r"(?:welcome|long for|crave|craving|deserve|embrace)\s+" + _DEATH_ITSELF,
          r"(?:la mort|mourir|le suicide|ne plus exister)\s+" + _NO_NEGATION + r"{0,5}?(?:attirante?|tentante?"
          r"|apaisante?|ce que je merite|une delivrance|un soulagement|la solution)",
          r"(?:pret|prete|en paix avec|d'accord avec)\s+(?:a\s+|l'idee de\s+)?(?:mourir|la mort|ma mort"
          r"|ne plus exister)"
          r"(?!\s+pour\b)"),
)

_RULES_FR = (
    # envie de mourir, je veux crever (light: une blague à côté de "la honte", "je plaisante")
    _rule("fr_envie_de_mourir", _FR_WISH + r"\s*" + _FR_ADV + r"(?:mourir|crever(?!\s+(?:de|d'|l'|les|la|le|un|une"
                                r"|des)\b))", light=True),
    # souhaits passifs : être morte, ne plus me réveiller, disparaître pour toujours, la mort comme soulagement
    _rule("fr_mourir", _FR_WISH + r"\s*" + _FR_ADV + _FR_DIE,
          r"(?:serais|serait|etais)\s+mieux\s+morte?s?",
          r"espere\s+(?:que\s+)?(?:je\s+)?(?:ne\s+)?(?:vais\s+(?:pas|plus|jamais)\s+me\s+reveiller|me\s+reveillerai"
          r"\s+(?:pas|plus|jamais)|(?:plus|jamais|pas)\s+me\s+reveiller|mourir|crever)",
          r"espere\s+(?:que\s+)?(?:quelque chose|quelqu'un|une voiture|un camion"
          r"|la maladie)\s+(?:va\s+)?me\s+tue(?:r|ra)",
          r"si je (?:mourais|meurs|crevais|ne me reveillais (?:pas|plus))\b[^.!?]{0,30}?(?:(?:me|m')\s*(?:derangerait"
          r"|generait|ferait rien)|m'en (?:ficherais|foutrais|fiche|fous)|(?:ca|ce serait|c'est) (?:m'est )?egal)",
          r"(?:me|m')\s*(?:derangerait|generait)\s+pas\s+de\s+(?:mourir|crever|ne (?:pas|plus) me reveiller)",
          r"merite\s+(?:de\s+)?(?:disparaitre|mourir|crever|souffrir|avoir mal)",
          r"(?:le suicide|la mort|mourir)\s+(?:me\s+)?(?:parait|semble|a l'air)\s+(?:\w+\s+)?(?:apaisant|doux|douce"
          r"|tentant|tentante|reposant|une solution|la solution|une delivrance|une liberation|attirant|attirante)",
          r"la mort\s+(?:m'attire|me tente|m'appelle|me fascine)",
          r"(?:seule|derniere)\s+(?:issue|solution|option|echappatoire|porte de sortie)\s+(?:c'est|est|serait|reste)\s+"
          r"(?:la mort|de mourir|le suicide|de me tuer|d'en finir)",
          r"rejoindre\s+(?:mon|ma|mes)\s+(?:\S+\s+)?(?:au ciel|la-haut|la haut|de l'autre cote|dans la mort)",
          r"rejoindre\s+(?:mon|ma)\s+(?:pere|mere|papa|maman|frere|soeur|fils|fille|mari|femme|grand-pere|grand-mere)"
          r"(?=\s*(?:$|[,.!?]))",
          r"(?:bats|battre|lutte|lutter|bataille)\s+pour\s+(?:rester en vie|ne pas mourir|ne pas me tuer)",
          r"ma vie\s+(?:doit|devrait|va)\s+(?:s'arreter|finir|se terminer|prendre fin)",
          r"(?:veux|voudrais|aimerais|envie)\s+que\s+ma\s+vie\s+(?:s'arrete|finisse|se termine|cesse)",
          r"(?:fantasme|reve|pense)\w*\s+(?:sur\s+le\s+fait\s+de|a|de)\s+(?:ne plus exister|ne plus etre la|ma mort)"),
    # passer à l'acte : me tuer, me suicider, en finir, mettre fin à mes jours, partir pour toujours
    _rule("fr_me_tuer", r"(?:me|m')\s*(?:tuer|suicider|foutre en l'air|flinguer|pendre|defenestrer|ouvrir les veines"
                        r"|couper les veines|tirer une balle|jeter (?:sous (?:un|le|une|la|les)|du haut|d'un|d'une"
                        r"|du (?:pont|toit|haut|balcon)|de la fenetre|par la fenetre|dans le vide)|laisser mourir"
                        r"|empoisonner)",
          _FR_ACT + r"\s*" + _FR_ADV + r"(?:en finir(?!\s+avec\s+(?!la vie|ma vie|moi|tout\b(?! le)|l'existence|ce"
          r" monde|mes jours|cette vie))|mettre fin a (?:mes jours|ma vie|tout ca|tout|mon existence|cette vie))",
          r"mettre\s+fin\s+a\s+(?:mes jours|ma vie|mon existence)",
          r"^\s*d(?:e\s+|')\s*(?:mourir|en finir|crever|disparaitre pour toujours)",
          _FR_ACT + r"\s*" + _FR_ADV + r"(?:partir|m'en aller)\s+(?:pour toujours|pour de bon|a jamais|definitivement)"
          r"(?!\s+(?:de|d'|du|des|a|au|en|loin|vivre)\b)",
          r"me\s+noyer(?!\s+dans\s+(?:le|la|les|mon|ma|mes|un|une)\s+(?:travail|boulot|taf|series|verre|alcool"
          r"|chagrin|larmes|devoirs|dossiers|paperasse)\b)",
          r"(?:envisage|envisager|reflechis|songe|pense)\s+(?:serieusement\s+|vraiment\s+|de plus en plus\s+)?(?:au"
          r" suicide|le suicide|a me suicider|de me suicider|de me tuer|d'en finir)",
          r"(?:a deux doigts|sur le point|proche)\s+d(?:e\s+|')\s*(?:en finir|me tuer|me suicider|mourir|craquer pour"
          r" de bon)",
          r"(?:courage|force|cran)\s+de\s+(?:mettre fin|en finir|me tuer|me suicider|mourir|le faire)",
          r"(?:peur de|vais|risque de|envie de|sur le point de)\s+faire\s+(?:une|des)\s+(?:grosses?\s+)?(?:betises?"
          r"|conneries?)(?!\s+(?:et|avec|en|comme|au|a|aux|pour|sur)\b)"),
    # idées suicidaires, idées noires, pensées de mort, la mort serait un soulagement
    _rule("fr_suicide", r"suicidaires?",
          r"(?:idees?|pensees?)\s+(?:noires|suicidaires|de mort|de suicide|de mourir|d'en finir)",
          r"envies?\s+(?:suicidaires|de mort|de suicide)",
          r"la mort\s+(?:serait|est|me semble|c'est|sera)\s+(?:\w+\s+){0,2}?(?:soulagement|delivrance|liberation"
          r"|solution|douce|plus simple|mieux|repos|paix)",
          r"(?:ce serait|c'serait|ca serait|ce sera)\s+(?:\w+\s+)?(?:bien|mieux|plus simple|plus facile|un soulagement"
          r"|reposant|une delivrance)\s+de\s+(?:mourir|ne plus (?:etre la|exister|me reveiller)|disparaitre|en finir)",
          r"(?:attends|souhaite|espere|desire|appelle)\s+la mort",
          r"(?:ne serai|serai)\s+plus\s+(?:un probleme|un fardeau|un poids|une charge|un souci)\s+pour\s+personne",
          r"(?:veux|voudrais|aimerais|envie)\s+que\s+(?:la douleur|cette douleur|la souffrance|ca|ma vie)\s+"
          r"(?:s'arrete|finisse|se termine|cesse)\s+(?:pour toujours|a jamais|definitivement|pour de bon)",
          r"(?:vivre|exister|etre en vie|la vie)\s+(?:me\s+)?(?:fait|est)\s+(?:trop\s+|tellement\s+|si\s+)?(?:mal"
          r"|insupportable|douloureux|une torture)",
          r"pense(?:s|r)?\s+(?:souvent\s+|beaucoup\s+|parfois\s+|serieusement\s+|tout le temps\s+|sans arret\s+"
          r"|de plus en plus\s+)?(?:au suicide|a la mort|a mourir|a ma (?:propre )?mort|a mon enterrement)",
          r"tentatives?\s+de\s+suicide", r"suicide\s+(?:est|serait|me semble|c'est)\s+(?:la|ma)\s+seule"),
    # plus envie de vivre, à quoi bon, ça sert à rien de vivre (the negation is the crisis)
    _rule("fr_plus_envie_de_vivre",
          r"(?:veux|veut|voudrais|ai|a|as)\s+(?:plus|pas|plus du tout|vraiment plus|plus vraiment|plus jamais)\s+"
          r"(?:envie\s+d(?:e\s+|'))?\s*(?:vivre|exister|etre en vie|etre la|rester en vie|continuer a vivre)"
          r"(?!\s+(?:avec|chez|dans|ici|la-bas|a|en|au|aux|comme|sans|ensemble|seule?|pres|loin|sous|sur)\b)",
          r"peux\s+plus\s+(?:de|d')\s*(?:vivre|la vie|cette vie|exister|etre en vie)",
          r"(?:fatiguee?s?|marre|lasse?s?|las|epuisee?s?|degoutee?s?|ecoeuree?s?|usee?s?)\s+(?:de|d')\s*(?:vivre"
          r"|la vie|exister|etre en vie|cette vie)",
          r"a quoi bon\s+(?:vivre|continuer a vivre|exister|rester en vie|me lever|la vie)",
          r"sert\s+(?:a|plus a)\s+rien\s+(?:de|d')\s*(?:continuer a\s+)?(?:vivre|exister|rester en vie|etre en vie)",
          r"(?:vivre|la vie|ma vie|exister)\s+(?:ne\s+)?(?:sert|vaut)\s+(?:a rien|plus rien|rien|pas la peine|plus la"
          r" peine|pas le coup|plus le coup)",
          r"(?:aucune|plus aucune|pas de|plus de|aucun|plus d'|pas d')\s*(?:raison|interet|sens|but)\s+(?:de|a|d')\s*"
          + _FR_LIFE,
          r"(?:vois|trouve)\s+(?:plus|pas)\s+(?:l'interet|le sens|de sens|d'interet|de raison|le but|l'utilite)\s+"
          r"(?:de|a|d')\s*" + _FR_LIFE,
          r"supporte\s+(?:plus|pas)\s+(?:la vie|de vivre|d'etre en vie|d'exister|cette vie)",
          r"rien\s+(?:pour quoi|pourquoi|qui vaille la peine de)\s+vivre",
          r"(?:promettre|sais pas si|suis pas sure? que|sais meme pas si)\s+(?:que\s+)?je\s+serai\s+(?:encore\s+"
          r"|toujours\s+)?(?:en vie|la|vivante?)\s+(?:demain|ce soir|la semaine prochaine)",
          r"(?:plus|pas)\s+(?:la force|le courage|l'energie|la volonte|le gout|l'envie|gout|envie)\s+de\s+(?:vivre"
          r"|continuer a vivre|rester en vie)",
          r"sai[st]\s+(?:pas|plus)\s+si\s+(?:j'ai|je veux|j'ai encore|je veux encore)\s+(?:encore\s+|vraiment\s+"
          r"|toujours\s+)?(?:envie\s+d(?:e\s+|'))?\s*(?:vivre|rester en vie|continuer a vivre|etre en vie|exister)",
          r"(?:veux|voudrais|aimerais|envie)\s+que\s+tout\s+(?:s'arrete|finisse|se termine|s'acheve|soit fini)",
          negatable=False),
    # tout le monde serait mieux sans moi (the subject is "everyone", so no speaker check)
    _rule("fr_fardeau", r"(?:mieux|plus heureux|plus heureuses?|plus simple|plus facile|plus tranquilles?|mieux"
                        r" lotie?s?)\s+(?:sans moi|si (?:j'etais|je serais|je suis) (?:morte?|plus la|pas la"
                        r"|partie? pour toujours|disparue?)|si je (?:mourais|disparaissais|n'etais (?:plus|pas) la"
                        r"|etais plus la|me tuais|partais pour (?:toujours|de bon)|n'existais pas|existais pas)"
                        r"|si j'(?:etais|existais) (?:morte?|plus la|pas|pas la))",
          r"je (?:ne )?manquerais a personne", r"personne ne me (?:regretterait|regrettera|pleurerait|pleurera)",
          r"personne ne (?:\S+\s+){1,3}?si je (?:mourais|disparaissais|n'etais plus la|me tuais|me suicidais"
          r"|etais morte?|partais pour toujours)",
          r"si je (?:mourais|disparaissais|me tuais|n'etais plus la|me suicidais)\b[^.!?]{0,40}?personne ne"
          r" (?:s'en rendrait compte|remarquerait|le remarquerait|me regretterait|pleurerait|verrait la difference"
          r"|s'en apercevrait)",
          r"que je vive ou (?:que je )?(?:meure|creve)", about_self=False, negatable=False),
    # scarification et autres automutilations
    _rule("fr_self_harm", r"me\s+(?:suis\s+)?(?:encore\s+|de nouveau\s+|re)?(?:scarifiee?s?|scarifier|mutilee?s?"
                          r"|mutiler|mutiles)",
          r"(?:je\s+me|me\s+suis)\s+(?:encore\s+|de nouveau\s+|re)?(?:coupee?s?|brulee?s?|griffee?s?|frappee?s?"
          r"|lacere|laceree?s?|entaille|entaillee?s?|tailladee?s?|taillade|mords|mordue?)",
          r"me\s+(?:fais|faire|suis fait|suis faite)\s+saigner",
          r"(?:me couper|me scarifier|me faire du mal|la lame|les lames|me bruler|me faire mal)\b[^.!?]{0,20}?(?:seule"
          r" chose|seul moyen|seule facon|m'aide|me soulage|me calme)",
          r"(?:a|de|d')\s*me\s+(?:couper|bruler|griffer|frapper|lacerer|scarifier|mutiler)",
          r"me\s+(?:faire|fais|fait|suis fait|suis faite|ferai|ferais|refaire)\s+du\s+mal",
          r"me\s+faire\s+(?:du\s+)?mal", r"coupee?s?\s+(?:trop|tres|si)\s+profond",
          r"me\s+suis\s+(?:coupee?|brulee?|griffee?|frappee?)s?\b[^.!?]{0,40}?(?:expres|volontairement"
          r"|intentionnellement|pour me punir|pour avoir mal|pour sentir quelque chose)",
          r"me\s+(?:griffe|gratte|mords|frappe|tape|pince|arrache)\w*\b[^.!?]{0,40}?jusqu'?(?:au|a)\s+(?:sang"
          r"|saigner)"),
    # moyens et préparatifs : cachets, corde, hauteur, lettre d'adieu
    _rule("fr_means", r"(?:avaler|prendre|gober|avale|prends|prend)\s+(?:tous|toutes|toute|la boite de|une boite de"
                      r"|tout le tube de|tout le flacon de|toute la boite de|toute la plaquette de|une plaquette de)\s+"
                      r"(?:\w+\s+){0,2}?(?:cachets|pilules|medocs|medicaments|comprimes|somniferes|antidepresseurs"
                      r"|doliprane|boite|plaquette|flacon|tube|xanax|lexomil)"
                      r"(?!\s+(?:le matin|le soir|chaque|tous les jours|a l'heure|comme prevu))",
          r"(?:pris|avale|prends|avaler|prendre)\s+(?:genre\s+|environ\s+|au moins\s+|plus de\s+)?(?:[1-9]\d+|une"
          r" vingtaine|une trentaine|une cinquantaine|plein|une poignee)\s+(?:de\s+)?" + _FR_PILLS,
          r"(?:pris|avale|prends|avaler|prendre)\s+trop\s+de\s+" + _FR_PILLS + r"\b[^.!?]{0,30}?(?:expres"
                                                                               r"|volontairement"
          r"|pour (?:mourir|en finir|dormir pour toujours))",
          r"(?:garde|stocke|accumule|cache|mis de cote|economise|collectionne|amasse)\w*\s+(?:des|mes|les|plein de"
          r"|assez de)\s+" + _FR_PILLS,
          r"tous\s+les\s+prendre\s+(?:d'un coup|en meme temps|a la fois|d'un seul coup)",
          r"(?:compte|aligne)\w*\s+(?:tous\s+)?(?:mes|les)\s+" + _FR_PILLS,
          r"(?:tous|toutes)\s+(?:mes|les)\s+" + _FR_PILLS + r"\s+(?:devant moi|dans (?:la|ma) main|prets|sur la table"
          r"|a cote de moi|alignes)",
          r"(?:regarde|fixe)\w*\s+(?:les|mes|la boite de|une boite de)\s+(?:cachets|pilules|medocs|medicaments|lames?"
          r"|corde)",
          r"(?:cachets|pilules|medocs|medicaments|lames?|corde|rasoir)\s+(?:\S+\s+){0,2}?(?:a cote de moi|devant moi"
          r"|pres de moi|dans ma main|sous mon oreiller)",
          r"combien de (?:cachets|pilules|medocs|medicaments|comprimes|somniferes|doliprane)\b[^.!?]{0,30}?pour"
          r" (?:mourir|en finir|crever|y passer|ne plus se reveiller)",
          r"(?:meilleure|plus simple|plus rapide|moins douloureuse|plus douce)\s+(?:facon|maniere|methode|solution)\s+"
          r"(?:de|pour)\s+(?:mourir|me tuer|me suicider|en finir)",
          r"(?:cherche|recherche|regarde|trouve|google)\w*\s+(?:des |les |la |une )?(?:facons?|manieres?|moyens?"
          r"|methodes?)\s+(?:de|pour)\s+(?:mourir|me tuer|me suicider|en finir|partir)",
          r"comment\s+(?:me\s+suicider|me\s+tuer|en\s+finir)",
          r"(?:achete|acheter|trouve|prepare|fait|noue|nouer|preparer)\s+(?:une|la|ma)\s+corde(?!\s+(?:a sauter|pour"
          r" (?:l'escalade|grimper|le|la|les|mon|ma|faire)|d'escalade)\b)",
          r"sauter\s+(?:du haut d[eu']\s*(?:la |l'|un |une )?\w+|(?:du|d'un|d'une|de la|de l'|par la|par une)\s*"
          r"(?:pont|toit|immeuble|balcon|fenetre|falaise|tour|batiment|viaduc)|dans le vide|sous (?:un|le|une|la)"
          r" (?:train|metro|rer|voiture|camion|bus))",
          r"sur\s+(?:le|un|ce|mon)\s+(?:toit|pont|balcon|rebord|bord de la fenetre|bord du toit|viaduc)\b[^.!?]{0,60}?"
          r"\b(?:sauter|me jeter|me laisser tomber|tout lacher)(?!\s+(?:dans|sur|en|a l'elastique)\b)",
          r"(?:pont|toit|balcon|rebord|falaise|fenetre|voie ferree|rails)\b[^.!?]{0,60}?\b(?:pense a|pensais a|envie de"
          r"|voulais|veux)\s+(?:sauter|me jeter|me laisser tomber)",
          r"(?:c'est|ce sera|voici)\s+mon\s+(?:dernier|ultime)\s+(?:message|mot|adieu)(?!\s+(?:pour|avant|de la"
          r" journee|de la soiree|ce soir|aujourd'hui)\b)",
          r"adieu\s+(?:a tous|a toi|tout le monde|pour toujours|le monde)", r"(?:fait|dit)\s+mes\s+adieux",
          r"lettres?\s+d'adieux?", r"(?:quand|apres que|une fois que)\s+je\s+serai\s+(?:morte?|plus la|partie? pour"
          r" toujours)"),
)

_RULES_ES = (
    # quiero morir (light), matarme, suicidarme, quitarme la vida
    _rule("es_quiero_morir", _ES_WISH + r"\s+" + _ES_ADV + r"morir(?:me)?", r"me\s+quiero\s+morir", light=True),
    _rule("es_morir", _ES_WISH + r"\s+" + _ES_ADV + _ES_DIE, _ES_ACT + r"\s+" + _ES_ADV + _ES_END,
          r"no\s+me\s+importaria\s+morir(?:me)?",
          r"(?:cuantas|cuantos)\s+(?:pastillas|pildoras|medicamentos)\b[^.!?]{0,30}?para\s+morir(?:me)?",
          r"(?:forma|manera)\s+(?:mas\s+)?(?:facil|rapida|indolora)\s+de\s+(?:morir|suicidarme|matarme)",
          r"me\s+(?:quiero|voy a)\s+(?:matar|suicidar|colgar|ahorcar|quitar la vida|tirar (?:del|de un|de una|por la"
          r"|por el))",
          r"(?:pensamientos|ideas|ideacion|impulsos)\s+suicidas?", r"(?:soy|me siento|estoy)\s+suicida",
          r"ojala\s+(?:estuviera muert[oa]|me muriera|no despertar(?:a)?|no despierte|no existiera|no hubiera nacido"
          r"|me muera)",
          r"(?:tomarme|tomar|tragarme|tragar|me voy a tomar|me tome)\s+todas\s+(?:las|mis)\s+(?:pastillas|pildoras"
          r"|medicinas|medicamentos)"),
    # no quiero vivir, no tiene sentido (the negation is the crisis)
    _rule("es_no_quiero_vivir",
          r"(?:ya\s+)?no\s+(?:quiero|tengo ganas de|deseo)\s+(?:seguir\s+)?(?:vivir|viviendo|existir|estar aqui|estar"
          r" viv[oa]|despertar(?:me)?)(?!\s+(?:en|con|aqui|alli|ahi|asi|sol[oa]|juntos|cerca|lejos|de)\b)",
          r"(?:no le veo|no tiene|no hay|ya no tiene|no encuentro|sin)\s+(?:ningun\s+)?sentido\s+(?:a\s+)?(?:la vida"
          r"|vivir|seguir(?: viviendo)?|mi vida|seguir viv[oa])",
          r"(?:la |mi )?vida no vale la pena", r"no vale la pena\s+(?:vivir|seguir viviendo|seguir viv[oa])",
          r"(?:cansad[oa]|hart[oa]|agotad[oa])\s+de\s+(?:vivir|la vida|existir|estar viv[oa])", negatable=False),
    # estarían mejor sin mí (no speaker check)
    _rule("es_carga", r"mejor(?:es)?\s+sin\s+mi", r"nadie\s+me\s+(?:echaria|echara|va a echar)\s+de\s+menos",
          r"nadie\s+me\s+(?:extranaria|extranara|recordaria|lloraria|va a extranar)",
          r"(?:mejor|mas felices|mas facil)\s+si\s+(?:yo\s+)?(?:me muero|muero|muriera|estuviera muert[oa]|no"
          r" estuviera|desapareciera|no existiera)", about_self=False, negatable=False),
    # autolesiones y medios
    _rule("es_autolesion", r"me\s+(?:corto|he cortado|corte|he vuelto a cortar|volvi a cortar|vuelvo a cortar|lastimo"
                           r"|he lastimado|autolesiono|quemo|he quemado|hago dano|he hecho dano|hice dano a proposito)",
          r"autolesi\w+", r"me\s+(?:he\s+estado|estoy|sigo|vuelvo a estar)\s+cortando", r"cortandome",
          r"la muerte\s+(?:seria|es|sera)\s+(?:un\s+)?(?:alivio|la solucion|mejor|un descanso)",
          r"(?:tirarme|me voy a tirar|lanzarme|me tiro)\s+(?:del|de un|de una|desde el|desde la|por la|por el|al)\s+"
          r"(?:puente|edificio|ventana|balcon|tren|metro|azotea|techo|vacio|acantilado|vias)"),
)
CRISIS_RULES = _RULES_EN + _RULES_ANY + _RULES_FR + _RULES_ES

CLAUSES = re.compile(r"[.!?;:,\n…]+|\s[-–—]\s")
TOKENS = re.compile(r"[a-z0-9]+(?:'t)?")
SELF = frozenset("i im ive me myself m je j moi yo mi".split())
OTHERS = frozenset("""he she they him her them his their hes shes theyre you your you're ya
    friend friends brother sister mom mum mother dad father son daughter boyfriend girlfriend bf gf husband wife
    cousin partner roommate colleague coworker character characters hero heroine protagonist guy man woman people
    someone somebody kid kids student classmate aunt uncle grandma grandpa neighbor neighbour ex narrator author
    singer actor actress patient client villain victim killer murderer
    il elle ils elles lui eux tu t vous ami amie amis copain copine pote frere soeur mere pere fils mec gars type
    personnage heros collegue coloc voisin voisine cousine quelqu gens narrateur auteur chanteur chanteuse acteur
    actrice eleve etudiant etudiante patiente
    ella ellos ellas amigo amiga hermano hermana madre padre mama papa novio novia personaje alguien usted
    primo prima hijo hija""".split())
NEGATIONS = frozenset("""not never don't dont won't wont wouldn't didn't isn't aren't ain't doesn't no nah neither
    ne n pas jamais aucune aucun aucunement nullement nunca jamas ni tampoco""".split())
JOKING = re.compile(r"\b(?:jk|just kidding|kidding|je plaisante|je deconne|c'est une blague|embarrass\w*|cringe\w*"
                     r"|awkward|wrong (?:person|chat|number|group)|la honte|trop la honte|malaise|genant|genante"
                     r"|mauvaise (?:personne|conv|conversation)|mauvais (?:groupe|numero))\b")
