"""Word lists behind the labeling functions (resources, in Snorkel's sense).

Kept apart from the functions so a user can read or extend them in one place.
All entries are lower case; multi-word entries are matched as phrases.
"""

# Reporting verbs and their forms: the cue of an attribution.
CUE_VERBS = {
    "say", "says", "said", "saying", "tell", "tells", "told", "report", "reports", "reported", "reporting",
    "claim", "claims", "claimed", "write", "writes", "wrote", "note", "notes", "noted", "describe",
    "describes", "described", "describing", "condemn", "condemns", "condemned", "warn", "warns", "warned",
    "explain", "explains", "explained", "add", "adds", "added", "adding", "state", "states", "stated",
    "announce", "announces", "announced", "announcing", "reveal", "reveals", "revealed", "confess",
    "confessed", "admit", "admits", "admitted", "accuse", "accuses", "accused", "insist", "insists",
    "insisted", "deny", "denies", "denied", "stress", "stressed", "quote", "quoted", "assert", "asserted",
    "argue", "argues", "argued", "confirm", "confirms", "confirmed", "acknowledge", "acknowledged",
    "allege", "alleges", "alleged", "recall", "recalled", "observe", "observed", "boast", "boasted",
    "imply", "implied", "reiterate", "reiterated", "indicate", "indicates", "unveil", "unveiled",
    "charge", "charged", "blame", "blames", "blamed", "believe", "believes", "suggest", "suggested",
    "estimate", "estimated", "praise", "praised", "criticize", "criticized", "criticise", "criticised",
    "urge", "urged", "advise", "advised", "call", "called", "demand", "demanded", "declare", "declared",
}
# Forms that are mostly nouns in news ("a police state", "no claim", "terror charges").
CUE_VERBS -= {"state", "states", "note", "notes", "report", "reports", "claim", "claims", "call", "charge",
              "quote", "stress", "add", "estimate", "demand", "believe", "plot"}
CUE_PHRASES = ("according to", "quoted as saying", "as saying", "cited by", "citing", "in a statement",
               "in an interview", "speaking on condition of anonymity")
# Hedges that attribute without naming a source.
HEDGES = ("reportedly", "allegedly", "purportedly", "suspected", "suspected of", "believed to", "is said to",
          "are said to", "was said to", "were said to", "accused of", "alleged", "widely suspected",
          "is thought to", "are thought to", "apparently", "rumored", "rumoured")

# Specific wrongful, criminal, violent or corrupt acts.
WRONGDOING = (
    "assassinat", "kill", "murder", "shot", "shoot", "sniper", "torture", "kidnap", "abduct", "massacre",
    "attack", "bomb", "rocket", "terror", "smuggl", "traffick", "narcotic", "embezzl", "corrupt", "brib",
    "launder", "fraud", "abuse", "crime", "criminal", "repress", "suppress", "crack down", "crackdown",
    "target", "stormed", "threaten", "intimidat", "forced", "coerc", "violat", "war crime", "atrocit",
    "extort", "loot", "persecut", "invasion", "invade", "plot", "sabotag", "illegal", "unlawful",
    "weapons", "missiles", "meddl", "intervened", "instigat", "foment", "quash", "put down", "deployed snipers",
)
ACCUSATION_CUES = ("accuse", "accused", "accusation", "charge", "charges", "charged", "blame", "blamed",
                   "confess", "confession", "admitted", "indict", "convicted", "alleg")

# Official actors: bodies and roles that speak on the record.
OFFICIAL_ACTORS = (
    "ministry", "minister", "government", "military", "army", "armed forces", "security forces", "police",
    "spokesman", "spokeswoman", "spokesperson", "president", "prime minister", "supreme leader", "parliament",
    "mp", "lawmaker", "senator", "congress", "commander", "general", "gen.", "state department", "pentagon",
    "white house", "judiciary", "judicial", "court", "prosecutor", "united nations", "u.n.", "embassy",
    "ambassador", "officials", "official", "authorities", "governor", "mayor", "cabinet", "commission",
    "committee", "committees", "council", "khamenei", "ayatollah", "department", "agency", "administration",
    "member of parliament", "foreign office", "interior", "defense", "defence",
)
# Markers that an official speaks off the record (spec: such content is not an official statement).
ANONYMITY = (
    "condition of anonymity", "spoke anonymously", "speaking anonymously", "on condition of", "sources",
    "source familiar", "sources familiar", "familiar with", "who declined to be named", "not authorized",
    "not authorised", "unnamed", "anonymous", "a source", "one source", "the source", "security source",
)
# Outlets and other non-official speakers (used by the attributed_claim functions).
MEDIA = (
    "reuters", "associated press", "the ap", "ap ", "afp", "al arabiya", "al-arabiya", "al jazeera", "tv",
    "news", "daily", "newspaper", "media", "agency", "radio", "website", "outlet", "report", "analyst",
    "analysts", "observers", "witness", "activist", "activists", "protesters", "ynet", "fars", "post",
)

# --- span rules only (the class functions above do not read these) ----------
# Reporting verbs of the span rules: CUE_VERBS plus forms that PolNeAR's annotators mark as cues in
# most of their occurrences (asked 77%, tweeted 89%, noting 97%), less the base forms that mostly
# follow "to" ("to tell", "to write").
SPAN_CUE_VERBS = (CUE_VERBS | {
    "ask", "asks", "asked", "tweet", "tweets", "tweeted", "telling", "calling", "noting", "argues", "denies",
    "declined", "declines", "responded", "replied", "expressed", "agreed", "agrees", "pointed out", "points out",
    "referring", "offered", "refused", "refuses", "cited", "cites", "concluded", "defended", "defends", "vowed",
    "vows", "promised", "promises", "endorsed", "found", "finds", "show", "shows", "showed", "continued",
    "predicted", "predicts", "questioned", "conceded", "countered", "testified", "emphasized", "insisting",
    "maintained", "complained", "acknowledges", "recalls", "explaining", "arguing", "warning", "stating",
    "announcing", "suggests", "suggesting", "thinks", "believed",
}) - {"tell", "write", "reporting", "describe", "explain", "blame", "call", "report", "estimated"}
# Words that open a clause before its subject: never part of a SOURCE ("But he said", "Even as Trump claimed").
SOURCE_LEADERS = ("but", "and", "so", "yet", "or", "even", "as", "although", "though", "while", "when", "if",
                  "because", "since", "after", "before", "then", "now", "still", "however", "instead",
                  "meanwhile", "where", "until", "once", "also", "indeed", "in fact", "of course", "yes", "no")
# Lower-case subjects that can be a SOURCE on their own.
SOURCE_PRONOUNS = ("he", "she", "they", "we", "i", "you", "it", "who", "which", "one", "some", "many", "most",
                   "others", "both", "all", "few", "several", "the", "a", "an", "two", "three", "his", "her",
                   "their", "its", "our", "my", "this", "that", "these", "those", "each", "another", "other",
                   "nobody", "no", "supporters", "critics", "officials", "experts", "analysts", "aides",
                   "polls", "republicans", "democrats", "voters", "people", "sources")
