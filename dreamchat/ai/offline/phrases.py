"""The offline engine's words: phrase variants per language and key, translations of the default personas' interests,
and the small tables of her voice (emoji, slang, openers). Data only."""
from __future__ import annotations


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
compliment = Aw, you're sweet{voc}. | Stop it, you're making me blush. | You're not so bad yourself. | You're too sweet to me. | Careful, I blush easily.
photo_thanks = Glad you like it, I took about ten before that one. | Aw, I was hoping you'd like it.
like_react = Ooh, {like}? I love that. | {like}, nice, I can totally picture you into that. | Oh, I like that you're into {like}.
like_shared = No way, {interest} is one of my favourite things too! | Stop, I'm obsessed with {interest} as well. | Okay, we both love {interest}, I knew I liked you.
plan_react = Ooh, {plan}? Have fun! | {plan} sounds amazing, I'm jealous.
glad = Glad to hear it{voc}. | Love that for you. | Good, that makes me happy. | That's so nice to hear. | Yay, that's the best news.
welcome = Anytime{voc}. | Of course, no need to thank me. | No need to thank me, really{voc}.
laugh = Glad I made you laugh. | Ha, you're easy to amuse, I like it. | Your laugh is contagious, even in text. | See, I'm funny sometimes.
brief = Ha, fair enough. | I'll take that as a good sign. | Okay, noted. | Short and sweet, I like it. | Fair. | Got it{voc}.
question_react = Good question, I'd have to think about that one. | That's a tricky one. | Honestly? I'm not sure yet. | You're making me think now. | Let me think about that for a second.
ack = Tell me more{voc}. | Oh, really? | I hear you. | Go on, I'm listening. | Wait, really? | That makes sense{voc}. | Interesting, keep going. | Okay, now I'm curious.
goodbye = Talk soon{voc}, I'll miss you. | Okay, take care, talk later. | Bye{voc}, come back soon. | See you later{voc}, don't be a stranger.
goodnight = Good night{voc}, sleep well. | Sweet dreams{voc}. | Night night{voc}, sleep tight. | Sleep well and sweet dreams{voc}.
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
generic_q = What are you up to today? | What made you smile today? | What's the best thing that happened to you this week? | So what's on your mind? | What's the plan for the rest of your day? | What are you looking forward to this week? | Anything fun coming up? | What's the last song you listened to? | Coffee or tea person? | What would your perfect weekend look like? | What did you have for dinner?
interest_q = Are you more into {i1} or {i2}? | Do you like {i1} too? | Is {i1} your kind of thing? | What do you think about {i2}?
her_evening = Tonight? Probably {i1}, then a quiet night {at_city}. | No big plans tonight, maybe {i1} and an early night. | Tonight I'm keeping it simple: {i1}, and chatting with you.
her_weekend = This weekend I want to make time for {i1}. | Weekend plans? {i1}, and sleeping in.
her_day = My day was calm, I made time for {i1} and a walk {at_city}. | Pretty good, I finally got some {i1} in today.
her_work = Day to day? I'm a {tagline_lc}, so there's always something going on. | I keep busy, and {i1} takes up most of my free time.
her_fav = Hard to pick a favourite {thing}, but {i1} always wins me over. | A favourite {thing}? I'd have to think, {i1} is more my world. | Honestly, my favourite thing in the world is {i1}.
her_interest = Oh yes, {asked_interest} is one of my favourite things. | {asked_interest}? I love it, honestly. | Yes, {asked_interest} is a big part of my life.
again = Like I said: {again} | As I told you: {again}
evening_back = And you, any plans tonight? | What about your evening? | Your turn: what are you doing tonight?
weekend_back = And you, plans for the weekend? | What about your weekend?
day_back = And how was your day? | What about you, good day? | How was yours?
work_back = And you, what do you do? | What about you, work or studies?
fav_back = What's yours? | And your favourite? | Your turn, what's your favourite?
follow_exam = So, how did the exam go? | Tell me, how was the exam?
follow_exam_soon = How's the revision going? | Are you feeling ready for your exam? | So, how's the exam prep going?
follow_interview = How did the interview go? | So, tell me about the interview?
follow_interview_soon = Are you feeling ready for the interview? | Nervous about the interview?
follow_date = So, how did the date go? | Tell me, how was the date?
follow_date_soon = Do you know what you'll wear for the date? | Excited about the date?
follow_trip = How was the trip? | Tell me about the trip?
follow_trip_soon = Is the trip all planned? | Are you excited about the trip?
follow_sick = Are you feeling any better? | How are you feeling now, better?
follow_work = How did work go in the end? | Did work calm down a bit?
follow_gym = How was the workout? | Did the training go well?
follow_party = So, how was the {event}? | Did you have fun at the {event}?
follow_party_soon = Excited about the {event}? | Who's going to the {event} with you?
follow_move = How's the move going? | Are you all settled in?
topic_exam = An exam? You've totally got this. | Ugh, exams, I'm keeping my fingers crossed for you.
topic_interview = An interview, that's exciting, they'd be lucky to have you. | Good luck with the interview, you'll be great.
topic_date = A date? I want all the details. | Look at you, going on a date.
topic_trip = A trip, I'm so jealous. | Travelling? Take me with you.
topic_move = Moving is so much work, good luck with the boxes.
topic_sick = Oh no, being sick is the worst, take care of yourself.
react_love = I saw the heart you left on my message, that made me smile. | Thank you for the little heart. | That little heart of yours made my day.
react_laugh = Glad my message made you laugh. | I see that one landed, ha.
react_other = I saw your reaction to my message. | You reacted to my message, I noticed.
quote_lead = Ah, you picked up on that. | Oh, that? Yes. | You noticed that one.
quote_yours = I remember you said that. | Yes, I remember that one.
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
compliment = Oh, t'es adorable{voc}. | Arrête, tu vas me faire rougir. | Tu n'es pas mal non plus. | Toi, tu sais parler aux filles.
photo_thanks = Contente qu'elle te plaise, j'en ai pris dix avant celle-là. | Oh, j'espérais qu'elle te plairait.
like_react = Oh, {like} ? J'adore ça. | {like}, j'aime bien l'idée. | Ah, {like}, ça te va trop bien.
like_shared = Sérieux ? {interest}, c'est un de mes trucs préférés aussi ! | Arrête, moi aussi je suis fan, {interest} c'est ma vie. | Ok, on a {interest} en commun, je savais qu'on s'entendrait.
plan_react = Oh, {plan} ? Amuse-toi bien ! | {plan}, ça a l'air génial, je suis jalouse.
glad = Contente de l'entendre{voc}. | Ça me fait plaisir. | Tant mieux, ça me rend heureuse. | Trop bien, j'adore ça.
welcome = Avec plaisir{voc}. | De rien, vraiment.
laugh = Contente de te faire rire. | Ha, t'es bon public, j'aime ça. | Tu vois, je suis drôle parfois.
brief = Ha, ça marche. | Je prends ça comme un bon signe. | D'accord, c'est noté. | Court et efficace, j'aime bien. | Je vois{voc}.
question_react = Bonne question, il faut que j'y réfléchisse. | Oh, elle est difficile, celle-là. | Honnêtement ? Je ne sais pas encore. | Tu me fais réfléchir, là. | Laisse-moi y penser une seconde.
ack = Raconte-moi tout{voc}. | Ah oui ? | Je t'écoute. | Vas-y, continue. | Attends, c'est vrai ? | Ça se comprend{voc}. | Intéressant, dis-m'en plus. | Là, tu m'intrigues.
goodbye = À bientôt{voc}, tu vas me manquer. | Ok, prends soin de toi, on se parle plus tard. | Bisous{voc}, reviens vite.
goodnight = Bonne nuit{voc}, dors bien. | Fais de beaux rêves{voc}. | Douce nuit{voc}, à demain.
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
generic_q = Tu fais quoi de beau aujourd'hui ? | Qu'est-ce qui t'a fait sourire aujourd'hui ? | C'était quoi le meilleur moment de ta semaine ? | Tu penses à quoi, là ? | C'est quoi le programme pour la suite de ta journée ? | Qu'est-ce que tu attends avec impatience cette semaine ? | Tu as prévu un truc sympa bientôt ? | C'est quoi la dernière chanson que tu as écoutée ? | Plutôt café ou thé ? | Ton week-end idéal, il ressemblerait à quoi ? | Tu as mangé quoi ce soir ?
interest_q = Tu préfères {i1} ou {i2} ? | Et toi, {i1}, ça te parle ? | Et {i1}, c'est ton truc ? | Et {i2}, tu en penses quoi ?
her_evening = Ce soir ? Sûrement {i1}, puis une soirée tranquille {at_city}. | Pas de grands projets ce soir, peut-être {i1} et au lit tôt. | Ce soir, je fais simple : {i1}, et discuter avec toi.
her_weekend = Ce week-end, j'aimerais prendre du temps pour {i1}. | Le week-end ? {i1}, et une grasse matinée.
her_day = Ma journée était calme, j'ai pris du temps pour {i1}. | Plutôt bien, avec {i1} et une balade {at_city}.
her_work = Au quotidien, {i1} prend une bonne partie de mon temps. | Je suis toujours occupée, et {i1}, c'est ma passion.
her_fav = Difficile de choisir, côté {thing}, mais {i1}, ça gagne toujours. | Mon truc préféré au monde ? {i1}, sans hésiter.
her_interest = Oh oui, {asked_interest}, c'est un de mes trucs préférés. | {asked_interest} ? J'adore, honnêtement. | Oui, {asked_interest}, ça compte beaucoup pour moi.
again = Comme je te disais : {again} | Je te l'ai dit : {again}
evening_back = Et toi, tu fais quoi ce soir ? | Et ta soirée, prévue comment ? | À toi : des plans pour ce soir ?
weekend_back = Et toi, des plans pour le week-end ? | Et ton week-end, il s'annonce comment ?
day_back = Et toi, ta journée ? | Et la tienne, elle s'est bien passée ? | Et toi, bonne journée ?
work_back = Et toi, tu fais quoi dans la vie ? | Et toi, boulot ou études ?
fav_back = Et toi, c'est quoi le tien ? | Et ton préféré à toi ? | À ton tour, c'est quoi ton préféré ?
follow_exam = Alors, cet examen, ça s'est passé comment ? | Raconte, ton exam, c'était comment ?
follow_exam_soon = Alors, les révisions, ça avance ? | Tu te sens comment pour ton examen ? | Ça avance, les révisions pour ton exam ?
follow_interview = Ça s'est passé comment, ton entretien ? | Raconte, cet entretien ?
follow_interview_soon = Alors, cet entretien, tu te sens comment ? | Pas trop stressé pour l'entretien ?
follow_date = Alors, ce rencard, c'était comment ? | Raconte, ton rendez-vous, ça s'est bien passé ?
follow_date_soon = Tu sais déjà ce que tu vas mettre pour ton rencard ? | Tu as hâte, pour ce rendez-vous ?
follow_trip = C'était comment, ce voyage ? | Raconte-moi ton voyage ?
follow_trip_soon = Alors, ce voyage, tout est prêt ? | Tu as hâte de partir en voyage ?
follow_sick = Tu te sens un peu mieux ? | Ça va mieux aujourd'hui ?
follow_work = Alors, le boulot, ça s'est calmé ? | Ta journée de travail s'est bien finie ?
follow_gym = C'était bien, ta séance ? | Alors, l'entraînement, ça a donné quoi ?
follow_party = Alors, c'était comment, ta soirée ? | Raconte, c'était bien, la fête ?
follow_party_soon = Tu as hâte d'y être ? | Tu y vas avec qui ?
follow_move = Alors, ce déménagement, ça avance ? | Tu es bien installé dans ton nouveau chez-toi ?
topic_exam = Un examen ? Tu vas assurer. | Oh, les exams, je croise les doigts pour toi.
topic_interview = Un entretien, c'est excitant, ils auraient de la chance de t'avoir. | Bonne chance pour l'entretien, tu vas être super.
topic_date = Un rencard ? Je veux tous les détails. | Un rendez-vous, rien que ça !
topic_trip = Un voyage, je suis jalouse. | Partir en voyage ? Emmène-moi.
topic_move = Un déménagement, quel boulot, bon courage pour les cartons.
topic_sick = Oh non, être malade, c'est nul, prends bien soin de toi.
react_love = J'ai vu ton cœur sur mon message, ça m'a fait sourire. | Merci pour le petit cœur. | Ton petit cœur a illuminé ma journée.
react_laugh = Contente que mon message t'ait fait rire. | Je vois que ça t'a fait rire, ha.
react_other = J'ai vu ta réaction à mon message. | Tu as réagi à mon message, j'ai remarqué.
quote_lead = Ah, tu as relevé ça. | Ce que je disais ? Oui. | Tu as remarqué, hein.
quote_yours = Je me souviens que tu as dit ça. | Oui, je m'en souviens.
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
her_evening = ¿Esta noche? Seguramente {i1} y una noche tranquila {at_city}. | Sin grandes planes esta noche, quizá {i1}.
her_weekend = Este fin de semana quiero tiempo para {i1}. | ¿El finde? {i1} y dormir mucho.
her_day = Mi día fue tranquilo, con tiempo para {i1}. | Bastante bien, hoy por fin hubo {i1}.
her_work = Siempre estoy ocupada, y {i1} llena mi tiempo libre. | Mi día a día gira alrededor de {i1}.
her_fav = Me cuesta elegir, pero {i1} siempre gana. | ¿Mi cosa favorita? {i1}, sin duda.
her_interest = ¡Sí, {asked_interest} es una de mis cosas favoritas! | ¿{asked_interest}? Me encanta.
again = Como te decía: {again}
evening_back = ¿Y tú, qué haces esta noche? | ¿Y tu noche, qué planes?
weekend_back = ¿Y tú, planes para el finde?
day_back = ¿Y tu día, qué tal? | ¿Y tú, buen día?
work_back = ¿Y tú, a qué te dedicas?
fav_back = ¿Y el tuyo? | ¿Cuál es tu favorito?
follow_exam = ¿Qué tal va el estudio para el examen? | ¿Cómo llevas el examen?
follow_interview = ¿Cómo te sientes con la entrevista?
follow_date = ¿Y qué tal la cita?
follow_trip = ¿Ya tienes todo listo para el viaje?
follow_sick = ¿Te encuentras mejor?
follow_work = ¿Qué tal el trabajo al final?
follow_gym = ¿Qué tal el entreno?
follow_party = ¿Qué tal la fiesta?
follow_move = ¿Qué tal va la mudanza?
topic_exam = ¿Un examen? Lo vas a bordar.
topic_interview = Suerte con la entrevista, vas a estar genial.
topic_date = ¿Una cita? Quiero todos los detalles.
topic_trip = Un viaje, qué envidia.
react_love = Vi el corazón en mi mensaje, me hizo sonreír. | Gracias por el corazoncito.
react_laugh = Me alegra que mi mensaje te hiciera reír.
react_other = Vi tu reacción a mi mensaje.
quote_lead = Ah, te fijaste en eso. | ¿Eso? Sí.
quote_yours = Me acuerdo de que dijiste eso.
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
# Said first when her reply would otherwise open the way one of her last replies did.
INTERJECTIONS = {
    "en": ("Mm.", "Oh!", "Ha!", "Aw.", "Hmm.", "Okay!", "Well.", "Honestly?", "Ooh.", "Right.", "So!", "Oh wow.", "Heh.",
           "Yes!", "Alright.", "Aha.", "Oh hey.", "Hm, okay."),
    "fr": ("Hmm.", "Oh !", "Ah !", "Bon.", "Alors !", "Tiens !", "Eh bien.", "Ouh.", "Oh là.", "Ah oui.", "Bref.", "Mmh.",
           "Oh la la.", "Ah ben.", "Haha.", "Écoute.", "Dis donc !", "Oh, tiens."),
    "es": ("Mmm.", "¡Oh!", "¡Ay!", "Bueno.", "¡Vaya!", "Oye.", "Pues.", "¡Anda!", "Vale.", "¡Uy!", "Jaja.", "Mira.", "¡Hala!",
           "Ah, vale."),
}
# What to call a topic she has no favourite for: "a favourite {thing}?".
TOPIC_NAMES = {
    "en": {"gallery": "gallery", "food": "dish", "music": "song", "book": "book", "film": "film", "place": "place",
           "drink": "drink", "game": "game", "anime": "anime", "sport": "team", "travel": "trip", "photo": "photographer",
           "star": "star"},
    "fr": {"gallery": "galeries", "food": "cuisine", "music": "musique", "book": "livres", "film": "films",
           "place": "endroits", "drink": "boissons", "game": "jeux", "anime": "animés", "sport": "sport",
           "travel": "voyages", "photo": "photo", "star": "étoiles"},
}
# A voice note she could not hear (no transcription): she says she got it and asks what it said.
VOICE_NOTE = {
    "en": ("I got your voice note! I can't listen to it right now though, what did you say?",
           "Ooh, a voice note! I can't play it here, tell me what it said?",
           "Aw, you sent me a voice note. I can't hear it at the moment, can you write it for me?"),
    "fr": ("J'ai bien reçu ton message vocal ! Je ne peux pas l'écouter là, qu'est-ce que tu disais ?",
           "Oh, un vocal ! Je n'arrive pas à l'écouter ici, tu me dis ce qu'il y avait dedans ?",
           "Tu m'as envoyé un message vocal, c'est mignon. Je ne peux pas l'entendre pour l'instant, tu me l'écris ?"),
    "es": ("¡Me llegó tu nota de voz! Ahora no puedo escucharla, ¿qué me decías?",
           "¡Una nota de voz! No puedo reproducirla aquí, ¿me cuentas qué decía?"),
}
