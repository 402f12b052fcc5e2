"""The rule reader: regular expressions written from the labeling guide, offline, in microseconds.

Order of reading (the first family that matches decides; `Reading.rule` names the rule):
1. opt-out, certain: a carrier keyword as a whole message or sentence, or a plain request to stop
   texting (remove/delete me, don't text, quit messaging, revoke consent, leave me alone, ...);
2. opt-out, possible: a condition on texting ("only text after 6"), another number or channel
   ("not this number, try my cell"), abuse or a complaint without a request, a stray "stop" —
   the intent is still read, and the contact is held until a person decides;
3. intent: wrong number (wrong person, sold or never-owned house, tenants, business line, owner
   died), then a refusal, then a buying signal, then a question about us, else other.
Negations are handled inside the rules ("no cracks" is not a described problem, "haven't sold"
is not a sold house, "not interested" is never read as interested).
"""
from __future__ import annotations

import re

from .addresses import find_addresses
from .base import Reading
from .categories import OptOutCertainty, ReplyCategory

CERTAIN, POSSIBLE, NONE = OptOutCertainty.CERTAIN, OptOutCertainty.POSSIBLE, OptOutCertainty.NONE

# --- Normalizing ------------------------------------------------------------------------------
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"\s+")
_SPELLING = {
    "pls": "please", "plz": "please", "pleas": "please", "pleae": "please", "plese": "please", "pleeze": "please",
    "u": "you", "ya": "you", "yu": "you", "ur": "your", "yor": "your", "r": "are", "n": "and",
    "thx": "thanks", "thanx": "thanks", "thnx": "thanks", "tx": "thanks", "ty": "thanks", "thks": "thanks",
    "thank": "thanks", "tks": "thanks",
    "txt": "text", "txts": "texts", "txting": "texting", "tex": "text", "texs": "texts", "textes": "texts",
    "msg": "message", "msgs": "messages", "mesage": "message", "mesages": "messages", "messege": "message",
    "messeges": "messages", "massages": "messages", "messaages": "messages", "msging": "messaging",
    "texting": "texting", "textin": "texting", "textn": "texting",
    "num": "number", "numbr": "number", "nmbr": "number", "nbr": "number", "numer": "number", "#": "number",
    "wanna": "want to", "gonna": "going to", "b4": "before", "wat": "what", "wut": "what", "whats": "what is",
    "im": "i am", "iam": "i am", "ive": "i have", "id": "i would", "ill": "i will", "were": "we are",
    "youre": "you are", "theyre": "they are", "hes": "he is", "shes": "she is", "thats": "that is",
    "intrested": "interested", "intersted": "interested", "interseted": "interested", "interested.": "interested",
    "interessted": "interested", "intrested.": "interested", "interestd": "interested", "intereted": "interested",
    "estimte": "estimate", "estamate": "estimate", "estimat": "estimate", "esimate": "estimate",
    "estimite": "estimate", "extimate": "estimate", "quot": "quote", "qoute": "quote",
    "basment": "basement", "bsmt": "basement", "basemnt": "basement", "foundaton": "foundation",
    "foundtion": "foundation", "fondation": "foundation", "crak": "crack", "craks": "cracks", "crak.": "crack",
    "cracs": "cracks", "leek": "leak", "leeks": "leaks", "leeking": "leaking",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tomorow": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow",
    "unsubscibe": "unsubscribe", "unsubcribe": "unsubscribe", "unsuscribe": "unsubscribe", "unsub": "unsubscribe",
    "remve": "remove", "remov": "remove", "delet": "delete", "wrng": "wrong", "wong": "wrong",
    "nope": "no", "nah": "no", "naw": "no", "noo": "no", "nop": "no",
    "yea": "yes", "yeah": "yes", "yep": "yes", "yup": "yes", "ya.": "yes", "yess": "yes", "yas": "yes",
    "ok": "okay", "k": "okay", "kk": "okay", "okey": "okay", "okk": "okay",
    "bc": "because", "cuz": "because", "cause": "because", "abt": "about", "w": "with",
    "gf": "girlfriend", "bf": "boyfriend", "hubby": "husband", "wifey": "wife",
    "alright": "all right", "atm": "right now", "rn": "right now", "asap": "soon",
    "ppl": "people", "sry": "sorry", "srry": "sorry", "pic": "picture", "pics": "pictures",
    "dont": "dont", "doesnt": "doesnt", "didnt": "didnt", "cant": "cant", "wont": "wont", "havent": "havent",
    "dnt": "dont", "don": "dont",
}
# Apostrophes vanish ("don't" -> "dont"); punctuation and the emoji the rules know become words of their own.
_SEPARATE = {ord(c): "" for c in "’‘'`´"} | {ord("-"): " "} | {
    ord(c): f" {c} " for c in ".,!?;:()[]{}\"“”–—/\\*&+=<>~^_|@$%" "👍👌🙏🖕🤬😡👎🛑😊🙂😀"
}


def normalize(text: str) -> str:
    """Lower case, no apostrophes, stretched letters shortened, common spellings fixed, one space."""
    low = (text or "").lower().translate(_SEPARATE)
    if _REPEATS.search(low):
        low = _REPEATS.sub(r"\1", low)
    spelling = _SPELLING.get
    return " " + " ".join([spelling(word, word) for word in low.split()]) + " "


def _top_level_alternatives(pattern: str) -> list[str]:
    """`a|(b|c)|d` -> ["a", "(b|c)", "d"] (escapes, groups and character classes respected)."""
    parts, current, depth, in_class, i = [], [], 0, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            current.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _rx(parts: dict[str, str]) -> re.Pattern:
    """One alternation of named rules; `match.lastgroup` names the rule that matched.

    Every alternative starts at a word (" word", or "^ word" for the first word); the shared
    leading space is moved in front of the whole alternation, so the regex engine jumps from
    space to space instead of trying every rule at every character (about 40 % faster).
    """
    rules = []
    for name, pattern in parts.items():
        alternatives = []
        for alternative in _top_level_alternatives(pattern):
            if alternative.startswith("^ "):
                alternatives.append("(?<=^ )" + alternative[2:])
            elif alternative.startswith(" "):
                alternatives.append(alternative[1:])
            else:
                raise ValueError(f"Rule {name}: every alternative starts with a space or '^ ': {alternative!r}")
        rules.append(f"(?P<{name}>{'|'.join(alternatives)})")
    return re.compile(" (?:" + "|".join(rules) + ")")


# Vocabulary (on normalized text: lower case, no apostrophes, punctuation as separate tokens).
TEXTS = r"(?:texts?|texting|texted|messages?|messaging|messaged|sms|smss|contact|contacting|contacted|calls?|calling|communications?|correspondence)"
PESTER = r"(?:bother(?:ing)?|bug(?:ging)?|spam(?:ming)?|harass(?:ing)?|pester(?:ing)?|hound(?:ing)?)"
ME = r"(?:me|us|my (?:cell |phone |mobile )?(?:number|phone|cell|info|information|name|contact(?: info)?)|this (?:phone |cell )?number|this phone|my wife|my husband)"
LIST = r"(?:(?:your|the|ur|this|that|contact|mailing|call|text|texting|marketing|sms) (?:\w+ )?list|lists)"
NEG = r"(?:dont|do not|never|dont ever|do not ever|no longer|not)"
SEP = r"(?:^|[.!?,;:\-\n]|\band\b|\bbut\b)"

# --- Certain opt-outs ------------------------------------------------------------------------
_KEYWORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke", "remove"})
_KEYWORD_FILLER = frozenset({"please", "now", "thanks", "thank", "you", "it", "all", "!", ".", "?", ",", "-"})
_SENTENCES = re.compile(r"[.!?;\n,]+")
_LETTER = re.compile(r"[a-z]")

_CERTAIN = _rx({
    "remove_me": (
        rf" (?:remove|delete|erase|scrub|drop|purge|take) (?:\w+ ){{0,2}}?(?:{ME}) (?:\w+ ){{0,3}}?"
        rf"(?:off|from|out of)\b"
        rf"| (?:remove|delete|erase|scrub|purge) (?:{ME})(?! (?:house|home|basement|foundation))\b"
        rf"| (?:remove|delete|take) (?:\w+ ){{0,3}}?(?:off|from|out of) (?:{LIST})"
        rf"| (?:remove|delete|erase) (?:this|my) (?:number|contact|info)"
        rf"| (?:lose|forget) (?:my|this) number| get (?:me|us|my number) off"
        rf"| (?:number|list|contact)\b.* (?:remove|delete) (?:it|this|that|us|them)\b| (?:remove|delete) (?:it|this|that) from (?:your|the|ur) (?:list|system|contacts|records)"
        rf"| (?:off|from) (?:{LIST}) (?:please|now|asap|!|\.|$|thanks)"
        rf"| (?:dont|do not) (?:want|wish) to be on (?:{LIST})"
    ),
    "dont_text": (
        rf" {NEG} (?:\w+ )?{TEXTS} (?:{ME}|again|anymore|any more|ever)\b(?! (?:before|after|until|till|during|on|at|between|so|this early|that early|late|early))"
        rf"| {NEG} (?:ever )?{TEXTS} (?:{ME} )?(?:again|anymore|any more)"
        rf"| (?:dont|do not|never) (?:ever )?{PESTER} (?:{ME})"
        rf"| (?:dont|do not|never) (?:want|need|wish) (?:to (?:get|receive|be sent|have) )?(?:any |these |your |those |the |more |further )?(?:\w+ )?{TEXTS}"
        rf"| (?:dont|do not|never) (?:want|wish) to (?:be )?(?:contacted|texted|messaged|hear from you)"
        rf"| (?:dont|do not|never) (?:want|wish) (?:you )?to (?:text|message|contact) (?:me|us)"
        rf"| do not (?:text|contact|message) (?:list|registry)"
        rf"| {NEG} (?:text|message|contact) this number\b"
    ),
    "quit_texting": (
        rf" (?:stop|quit|cease|halt|discontinue|end) (?:\w+ )?(?:{TEXTS}|sending|{PESTER}|(?:with )?(?:these|the|your|this) (?:\w+ )?(?:texts|messages|spam))"
        rf"| (?:stop|quit|cease) (?:it|this|that)\b(?! (?:leak|crack|water|from|before|happening))"
        rf"| (?:please|plz|just|so|kindly) stop (?:!|\.|$|now|it|this|please|,|already)"
        rf"| (?:please|plz|just|kindly) stop $"
        rf"|^ stop (?:!|\.|,|-|please|now|texting|already|this|it|im|i|we|not|wrong|dont|do|no|you)"
        rf"| stop stop"
    ),
    "revoke_consent": (
        r" (?:revoke|revoking|revoked|withdraw|withdrawing|withdrawn|rescind|rescinding|cancel|take back|pull) "
        r"(?:\w+ ){0,3}?(?:consent|permission|authorization|opt in)"
    ),
    "leave_alone": r" (?:leave|let) (?:me|us|my family|my wife|my husband) (?:the hell |the fuck |tf )?alone| go away\b",
    "no_more_texts": (
        rf" no more (?:\w+ )?{TEXTS}| (?:enough|done) with (?:the |these |your )?(?:texts|messages)"
        rf"| {TEXTS} (?:me|us) no more"
    ),
    "unsubscribe": r" unsubscribe| unsubscribed| opt (?:me )?out| opting out| opted out| optout",
})

# Things that look like a stop request and are not ("stop by", "the leak never stops").
_STRAY_STOP = re.compile(r" (?:stop|stopall|quit|cancel|unsubscribe) ")
_STOP_FALSE_FRIENDS = re.compile(
    r" stop (?:by|over|in|at|out|round|around|the (?:leak|water|crack|damage)|it from|water|leak|from|leaking|cracking|getting|spreading)"
    r"| (?:never|wont|doesnt|didnt|not|cant|to|will|would|it|leak|water|crack) stops?\b"
    r"| cancel (?:the|my|our|thursday|monday|tuesday|wednesday|friday|saturday|sunday|that|this|appointment|visit|it)\b"
    r"| (?:to|would|will|can|could|should|going to) cancel"
    r"| quit (?:my|his|her|their|the) job| quit smoking| (?:to|would|will|can) quit"
)

# --- Possible opt-outs -------------------------------------------------------------------------
_POSSIBLE = _rx({
    "text_only_when": (
        rf" (?:only|just) {TEXTS} (?:me )?(?:after|before|between|on|at|during|in)"
        rf"| {TEXTS} (?:me )?only (?:after|before|between|on|at|during|in)"
        rf"| (?:dont|do not|never|not) (?:\w+ )?{TEXTS} (?:\w+ )?(?:before|after|until|till|during|on|at|between|so early|this early|that early|late|early|while)"
        rf"| (?:not|never) (?:during|at|while (?:i am )?at) (?:work|night|dinner)"
        rf"| too (?:early|late) (?:to|for) (?:text|message)"
    ),
    "other_channel": (
        r" not this (?:number|phone|line)| (?:try|use|text|call|contact) (?:my|me on my|me at my) (?:other|cell|mobile|work|email|husband|wife|son|daughter)"
        r"| (?:this is|its|it is) (?:a )?landline| (?:email|mail|call) me instead| instead of (?:texting|text)"
        r"| (?:dont|do not) (?:text|message)(?: me)?,? (?:just )?(?:call|email)| (?:different|another|other|new) number"
        r"| (?:prefer|rather) (?:a )?(?:call|email|phone call|letter)| (?:call|phone)(?: me)?(?: ,)? (?:dont|do not|not|no) (?:text|texts|texting)"
    ),
    "abuse": (
        r" fuck| f off| fu | stfu| wtf| shit| asshole| bitch| scam| spam| spammer| harass| harrass| sue you| suing"
        r"| lawyer| attorney| report(?:ed|ing)? (?:you|this|to)| fcc| tcpa| block(?:ed|ing)? (?:you|this|your)| go to hell"
        r"| piss off| screw you| get lost| annoying| how many times| why (?:do|does|are) you (?:\w+ )?(?:keep|keeps|still)"
        r"| keep (?:texting|messaging|contacting|bothering)| didnt (?:sign up|ask|consent|opt in)| never (?:signed up|gave you (?:permission|consent|my number)|consented|opted in)"
        r"| enough already| 🖕| 🤬| 😡"
    ),
    "stray_stop": r" (?:stop|stopall|quit|unsubscribe) ",
})

# --- Intent ------------------------------------------------------------------------------------
HOUSE = r"(?:house|home|property|place|building|the address|that address|this address|it|that one|that house)"
_WRONG = _rx({
    "wrong_number": (
        r" wrong (?:number|person|house|guy|lady|people|address|text|contact|phone)| wrong number| you have the wrong"
        r"| (?:got|have|texting|texted|messaging|reached) the wrong| not (?:the right|who you think)| no one (?:here |there )?(?:by that name|named|called|with that name)| nobody (?:here |there )?(?:named|called)"
        r"| nobody (?:here )?(?:by|named) | (?:i|we) (?:dont|do not) know (?:a|any|who|anyone|any one|him|her|them|this person)"
        r"| (?:no|not) (?:\w+ )?by that name| there is no [a-z]+ (?:at|here|living|on|in)\b| (?:this|that) is not (?:him|her|them)| (?:this|that) isnt (?:him|her)"
        r"| (?:i|we) (?:am|are) not (?:him|her|them|the owner|the homeowner|the home owner|the landlord)| not the (?:home ?owner|owner|landlord)"
        r"|^ (?:i am|this is) not (?!interested|sure|home|available|the |a |in |at |ready|looking|selling)[a-z]+(?: [.!]+)? $| not this (?:number|phone)| (?:he|she|they) (?:doesnt|does not|dont|do not) (?:live|own)"
    ),
    "not_owner": (
        r" (?:i|we) (?:dont|do not|never|no longer|didnt|did not) (?:\w+ )?(?:own|owned|live|lived)\b(?! (?:it )?(?:yet|long))"
        r"| (?:not|isnt|no longer|never was|never been) (?:my|our) (?:house|home|property|place)"
        r"| sold (?:the|that|this|my|our) (?:house|home|property|place|condo)| sell (?:the|that|this|my|our) (?:house|home|property|place|condo)(?! (?:soon|next|this|in|anyway|anyways))"
        r"| (?:i|we|they|he|she|owner|mom|dad) (?:already |just |recently )?sold (?:it|the|that|this|our|my|his|her|their|last|in|a|two|\d)"
        r"| (?:i|we) (?:have |already )?sold(?: it)?(?: [.,!]| $| years| months| back| long| a while)"
        r"| (?:been|was|got) sold| (?:moved|moving) (?:out|away)\b(?! (?:soon|next))| (?:i|we) moved (?:from|to|in \d|years|last|a|two|three|out)"
        r"| (?:dont|do not|no longer|doesnt) live (?:there|here|at)| (?:new|different) owners?\b"
        r"| (?:the )?previous owner| never (?:lived|owned)| (?:i|we) (?:just )?(?:rent|lease)\b(?! (?:it|them|the (?:unit|apartment|basement)|out|to))"
        r"| (?:i|we) (?:am|are) (?:a |the |just )?(?:tenants?|renters?|renting)| (?:tenant|renter)s? (?:here|now|only)"
        r"| (?:ask|contact|talk to|tell|call) (?:the|my|our) (?:landlord|property manager|owner|management)"
        r"| (?:im|i am|we are|just) (?:renting|leasing)| we rent\b(?! out| it| to)| i rent\b(?! out| it| to)| (?:my|our) landlord"
    ),
    "business_line": r" youve reached| you have reached| (?:this is|its|it is) (?:a |the )?(?:business|office|company|work|store|shop|church|school|clinic)\b| business (?:line|number|phone)",
    "owner_deceased": (
        r" (?:passed away|passed on|has passed|had passed|died|dead|deceased|is gone|passed (?:last|in|a|two|three|\d))"
        r"| (?:no longer|not) with us| rest in peace| \brip\b| (?:his|her|the) estate\b| estate of"
    ),
})
_NOT_INTERESTED = _rx({
    "refusal": (
        r" not (?:really |at all |even |very |too |that |remotely )?interested| no interest| not interest\b| uninterested| disinterested"
        r"| no(?:,)? thanks?(?: you)?\b| no thank you| thanks,? but no| thanks but no| no(?:,)? (?:we|i) are (?:good|fine|all set|ok|okay)"
        r"| (?:we|i) are (?:good|fine|all set|ok|okay|set)(?: (?:for now|thanks|thank you|[.!,]|$))| (?:we|i) am (?:good|fine|all set|set)(?: (?:for now|thanks|thank you|[.!,]|$))"
        r"| all set| all good| not (?:now|at this time|right now|currently|anytime soon|this year|at the moment|looking|for me|for us|today)"
        r"| (?:dont|do not|doesnt) need| no need| (?:dont|do not|doesnt|dont really) (?:want|have a need)| not in the market"
        r"| pass\b| ill pass| (?:no|not) (?:\w+ ){0,2}(?:money|budget|funds)| cant afford| cannot afford| too expensive| out of (?:my|our) budget"
        r"| (?:were|we are|im|i am|going to be|about to|planning to) (?:be )?(?:selling|moving|listing)| selling (?:it|the house|anyway|soon)| (?:house|home) is (?:for sale|on the market|under contract)| (?:up for|for) sale| on the market"
        r"| (?:already|just) (?:had|have|got|did|hired|fixed|repaired|done|sealed|waterproofed|taken care|handled|took care|paid)"
        r"| (?:(?:has|have|was|were|been|got) (?:been |already |all |just )?(?:fixed|repaired|sealed|taken care of|handled|done|waterproofed))"
        r"| (?:have|got|use|using) (?:a|our|my) (?:own |regular )?(?:guy|contractor|company|handyman)(?! (?:to|look|come|check))| already have (?:someone|somebody)| (?:have|got) (?:someone|somebody) (?:already|for that|who does)"
        r"| (?:my|our|a) (?:\w+ ){0,3}?(?:does|do|did|will do|handles) (?:that|this|it|our|the|all) (?:kind of |sort of |type of )?(?:work|stuff|for us|himself|herself)"
        r"| (?:had|got) (?:it|that|them|the \w+) (?:\w+ )?(?:fixed|repaired|sealed|waterproofed|done|taken care of|inspected)"
        r"| (?:no|not any|dont have any|do not have any|havent had any|never had any|never had) (?:\w+ )?(?:cracks?|leaks?|water|problems?|issues?|basement|moisture|foundation (?:issues?|problems?))"
        r"| (?:basement|foundation) is (?:fine|dry|good|solid|perfect|great|ok|okay|in good shape)| nothing wrong"
        r"| no basement| (?:on|is|built on) a slab| dont bother| maybe next (?:year|spring|summer|fall|winter)(?=.* (?:not|no)\b)| not (?:doing|going to do) (?:it|that|anything)"
        r"| never mind| nevermind| no way| not happening| (?:i|we) will pass| not at (?:this|the) (?:time|moment)"
        r"| (?:i|we) (?:would|will) not| do it (?:myself|ourselves)| diy| (?:doing|do) it myself| (?:i|we) are (?:a )?(?:contractor|in the business)"
    ),
    "bare_no": r"^ (?:no|nope|not really|negative|no sir|no maam|no ma am|nah|n)(?: [.!,]*| thanks| thank you| sorry)* $|^ no [.!,]+ (?!problem|worries|rush)",
})
_INTERESTED = _rx({
    "yes": (
        r"^ (?:yes|yes please|sure|absolutely|definitely|of course|please do|yes sir|yes maam|y|yess|yah|yeah|yessir|for sure|certainly|interested|ok sure|okay sure)\b(?! (?:thanks|thank you)(?: [.!]*)? $)"
        r"| (?:i am|we are|am|were|we would be|i would be|i might be|might be|maybe|possibly|very|definitely|somewhat|def|kinda|kind of) interested"
        r"|^ interested| interested in| (?:sounds|sound) (?:good|great|interesting)| (?:would|could) (?:like|love|use|be great)| (?:i|we) (?:need|want|would like) (?:an? |someone|somebody|you to|help|it (?:fixed|looked|checked|done|repaired)|to (?:get|have|fix|schedule|book|set)|that|this|some|the)"
        r"| (?:get|getting|have|having) (?:it|that|the \w+|our \w+|my \w+) (?:\w+ )?(?:looked at|checked|fixed|repaired|inspected|done)"
        r"| (?:lets|let us) do (?:it|this)| sign me up| (?:that|which) (?:would|will) be (?:great|good|helpful)|^ yes\b| please (?:do|send|call|contact|reach)"
        r"| go ahead| (?:i|we) (?:am|are) in\b"
    ),
    "visit_or_price": (
        r" (?:estimate|estimates|quote|quotes|inspection|inspect|assessment|evaluation|appointment|appt|consultation|consult|site visit|walkthrough|walk through)"
        r"| (?:come|stop|swing|drop|pop) (?:out|by|over|look|and look|take a look|see|check|round|around)| take a look| have a look| look at (?:it|my|our|the)"
        r"| how much| what (?:do|does|would|will) (?:it|you|that|this) (?:cost|charge|run)| (?:price|pricing|prices|cost|costs|rates?|charge|fees?)\b"
        r"| when (?:can|could|would|are) (?:you|someone|somebody|your)| how (?:soon|quickly|long|fast)| (?:are you|is someone) available| availability"
        r"| (?:call|text|phone|ring|email) (?:me|us|my (?:cell|wife|husband))\b(?! (?:instead|only|after|before))| give (?:me|us) a call"
        r"| (?:i am|we are|im) (?:free|home|available|around)| (?:free|available|home) (?:on |this |next |after |any ?)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|morning|afternoon|evening|week|day|time)"
        r"| (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|this week|next week|weekend)(?! is (?:bad|no good))"
        r"| schedule| book| set up| setup| send (?:someone|somebody|a guy|a tech|info|information|details|more|me)| more (?:info|information|details)"
        r"| (?:do|can|could|will|would) you (?:guys )?(?:fix|repair|do|handle|seal|waterproof|work on|help|offer|inject|install|take care|deal with|service)"
        r"| warranty| guarantee| financing| payment plan| (?:what|how) (?:is|does) (?:the|your) (?:process|method|repair|fix)| how do you (?:fix|repair|seal)"
    ),
    "problem_described": (
        r" (?:crack|cracks|cracked|cracking|leak|leaks|leaky|leaking|leaked|seep|seeps|seeping|seepage|wet|damp|dampness|moisture|mold|moldy|mildew|musty|flood|floods|flooded|flooding|puddle|puddles|efflorescence|bowing|bowed|buckling|sinking|settling|sagging|shifting|heaving|sump|water (?:in|coming|comes|gets|getting|seeping|leaking|on|after)|standing water)\b"
        r"| foundation (?:issue|problem|damage|work|repair)| water problem| water issue| bulkhead| (?:my|our|the) (?:basement|foundation) (?:has|is|gets|wall)"
    ),
    "address_given": r" (?:my|our|the) address(?: is)?| (?:we are|im|i am|house is|home is|property is) (?:at|on) \d",
})
_QUESTION = _rx({
    "about_us": (
        r" who (?:is|are|r) (?:this|you|u|these|yall)| whos this| who dis| who is texting| who (?:sent|gave|is sending)"
        r"| (?:how|howd|how did|how do|how would|where did|where do|where would) (?:you|u|ya) (?:get|got|find|have) (?:my|this|our)| how do you (?:have|know)| got my number"
        r"| is this (?:real|legit|legitimate|a scam|spam|a bot|a real|a person|automated|a robot|a joke)| are you (?:a |guys )?(?:real|legit|bot|robot|person|human|local|licensed|insured|company|with)"
        r"| (?:what|which) (?:company|business)| name of (?:your|the|this) (?:company|business)| (?:your|the) company name| what is (?:this|the company|your company|your name|this about|this regarding)| whatis this"
        r"| (?:what|who) (?:do you|are you) (?:work for|represent)| where are you (?:located|based|from|guys)| what (?:town|city|area) are you"
        r"| (?:licensed|insured|bbb|reviews?|references?|website|web site)| how long (?:have you been|has your company)| what do you (?:do|guys do)\b(?! (?:about|for|with))"
        r"| do i know you| have we (?:met|spoken|talked)| why (?:are you|did you|you) (?:texting|contacting|messaging|text)"
    ),
})
_OTHER = _rx({
    "deferral": (
        r" (?:let me|i will|ill|i need to|need to|have to|gotta|got to|i have to|we will|we need to|going to) (?:think|talk|ask|check|discuss|see|get back|look into|consider|run it by|mull)"
        r"| (?:my|the) (?:wife|husband|spouse|partner|son|daughter|mom|dad|mother|father|boyfriend|girlfriend) (?:decides|handles|makes|takes care|deals|is the one|does|will decide|would have to)"
        r"| (?:ask|check with|talk to|discuss with|run it by) (?:my|the) (?:wife|husband|spouse|partner|son|daughter|mom|dad|mother|father|boyfriend|girlfriend)"
        r"| maybe (?:later|next|in|some|another|down the road)| (?:not sure|unsure|dont know)(?! (?:who|a |any|this person|him|her))| later\b| busy"
        r"| get back to you| (?:will|ill) (?:let you know|think|consider|keep)| keep (?:you|your number|it) in mind| (?:will|ill) reach out"
    ),
    "acknowledgement": r" thanks| thank you| ok| okay| got it| received| noted| 👍| 👌| 🙏| cool| great| k\b| appreciate",
})


def _keyword_opt_out(norm: str) -> bool:
    """A carrier keyword as the whole message, or as a whole sentence of it ("No thanks. STOP")."""
    if _KEYWORDS.isdisjoint(norm.split()) and " opt out " not in norm:
        return False
    for sentence in _SENTENCES.split(norm):
        words = sentence.split()
        if not words:
            continue
        if "opt" in words and "out" in words:
            words = [w for w in words if w not in ("opt", "out")] + ["optout"]
        words = [w for w in words if _LETTER.search(w)]  # emoji and marks around a keyword do not matter
        if any(w in _KEYWORDS for w in words) and all(w in _KEYWORDS or w in _KEYWORD_FILLER for w in words):
            # "please end" / "cancel please" / "STOP STOP": keywords and politeness only
            if len(words) <= 4:
                return True
    return False


def _intent(norm: str, addresses, whole: str = "") -> tuple[str, str]:
    match = _WRONG.search(whole or norm)
    if match:
        return ReplyCategory.WRONG_NUMBER, f"wrong_number.{match.lastgroup}"
    match = _NOT_INTERESTED.search(norm)
    if match:
        # "no problem, come by" / "no worries, when can you come" are not refusals
        return ReplyCategory.NOT_INTERESTED, f"not_interested.{match.lastgroup}"
    match = _INTERESTED.search(norm)
    if match:
        return ReplyCategory.INTERESTED, f"interested.{match.lastgroup}"
    if addresses:
        return ReplyCategory.INTERESTED, "interested.address_given"
    match = _QUESTION.search(norm)
    if match:
        return ReplyCategory.QUESTION, f"question.{match.lastgroup}"
    match = _OTHER.search(norm)
    if match:
        return ReplyCategory.OTHER, f"other.{match.lastgroup}"
    if "?" in norm:
        return ReplyCategory.QUESTION, "question.unclear"
    return ReplyCategory.OTHER, "other.nothing_matched"


_WHEN_WORDS = re.compile(
    r"(?: (?:please|thanks|weekends?|weekdays?|nights?|mornings?|evenings?|afternoons?|\d+\w*|pm|am|oclock|noon|only|on|the|work|hours|[.!,]))*"
)

# A request to stop taken back in the same message ("STOP no wait, call me").
_RETRACTED = re.compile(r" (?:no wait|wait no|jk|just kidding|j k|never mind|nevermind|scratch that|disregard)\b")

# "Is this a scam?" asks about us; it is not abuse.
_ASKING_IF_REAL = re.compile(
    r" (?:is|are) (?:this|you|these|it) (?:a |an )?(?:scam|spam|real|legit)(?: or (?:a |an )?(?:scam|spam|real|legit|not))?"
)

# Questions about us that the intent rules would otherwise read as a buying signal.
_QUESTION_FIRST = re.compile(
    r" (?:who (?:is|are) (?:this|you)|whos this|who dis|how did you get (?:my|this)|where did you get (?:my|this)"
    r"|is this (?:real|legit|a scam|spam)|what company)"
)


def read_with_rules(text: str) -> Reading:
    """The rule reading of one message (see the module docstring for the order)."""
    norm = normalize(text)
    addresses = find_addresses(text)
    certain_rule = ""
    if _keyword_opt_out(norm):
        certain_rule = "opt_out.keyword"
    else:
        match = _CERTAIN.search(norm)
        if match and not (
            match.lastgroup == "quit_texting" and _STOP_FALSE_FRIENDS.search(norm[match.start():match.end() + 12])
        ):
            certain_rule = f"opt_out.{match.lastgroup}"
    if certain_rule:
        if not _RETRACTED.search(norm):
            return Reading(ReplyCategory.OPT_OUT, CERTAIN, certain_rule, addresses)
        # "STOP no wait, I'm interested": a person decides, nothing goes out meanwhile.
        category, rule = _intent(_RETRACTED.split(norm, 1)[-1], addresses)
        return Reading(category, POSSIBLE, f"possible.retracted+{rule}", addresses)
    opt_out, possible_rule = NONE, ""
    for possible in _POSSIBLE.finditer(_ASKING_IF_REAL.sub(" ", norm)):
        if possible.lastgroup == "stray_stop" and _STOP_FALSE_FRIENDS.search(norm[max(0, possible.start() - 12):possible.end() + 16]):
            continue
        opt_out, possible_rule = POSSIBLE, f"possible.{possible.lastgroup}"
        break
    rest = norm
    if possible_rule in ("possible.text_only_when", "possible.other_channel"):
        # A condition on texting or a request for another channel is not itself a buying signal:
        # the intent is read from the rest (a wrong number is still read from the whole text).
        tail = _WHEN_WORDS.match(norm, possible.end())
        rest = norm[:possible.start()] + " " + norm[tail.end() if tail else possible.end():]
    if _QUESTION_FIRST.search(rest) and not _WRONG.search(rest):
        category, rule = ReplyCategory.QUESTION, "question.about_us"
    else:
        category, rule = _intent(rest, addresses, whole=norm)
    if possible_rule == "possible.abuse" and category == ReplyCategory.OTHER:
        category, rule = ReplyCategory.NOT_INTERESTED, "not_interested.abuse"
    if possible_rule:
        rule = f"{possible_rule}+{rule}"
    return Reading(category, opt_out, rule, addresses)


class RuleReader:
    """The default reader: the rules above (offline, explainable)."""

    name = "rules"

    def read(self, text: str) -> Reading:
        return read_with_rules(text)
