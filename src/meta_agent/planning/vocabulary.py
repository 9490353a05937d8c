"""The words of the domain: metrics and their synonyms, property types, US states, request words.

Everything here is data. Phrases are written in their plain form; the tagger compares them word by
word after ``lemma`` (so "cap rates" and "cap rate" are one phrase). Vacancy is read as
``1 - occupancy`` (physical occupancy of the latest month), so it is not a metric of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["multiple", "fraction", "usd", "count", "year"]


@dataclass(frozen=True)
class MetricInfo:
    """A metric the tool library computes: how to show it, compare it and group it."""

    label: str
    unit: Unit
    higher_is_better: bool | None
    supporting: tuple[str, ...] = ()
    monthly_column: str | None = None  # the column in monthly financials, when there is one
    default_aggregation: Literal["mean", "sum"] = "mean"
    in_metrics_table: bool = True  # a column of fetch_portfolio_metrics
    portfolio_monthly: bool = True  # also a column of fetch_monthly_performance


METRICS: dict[str, MetricInfo] = {
    "dscr": MetricInfo("DSCR", "multiple", True, ("noi", "debt_service")),
    "noi": MetricInfo("T12 NOI", "usd", True, (), "noi", "sum"),
    "egi": MetricInfo("effective gross income (T12)", "usd", True, (), "effective_gross_income", "sum"),
    "operating_expenses": MetricInfo(
        "operating expenses (T12)", "usd", False, (), "operating_expenses", "sum"
    ),
    "expense_ratio": MetricInfo("expense ratio", "fraction", False, ("egi", "operating_expenses")),
    "debt_service": MetricInfo("annual debt service", "usd", False, (), None, "sum"),
    "loan_balance": MetricInfo("loan balance", "usd", False, (), None, "sum"),
    "value": MetricInfo("value (latest valuation)", "usd", True, (), None, "sum"),
    "cap_rate": MetricInfo("cap rate", "fraction", True, ("noi", "value")),
    "ltv": MetricInfo("LTV", "fraction", False, ("loan_balance", "value")),
    "debt_yield": MetricInfo("debt yield", "fraction", True, ("noi", "loan_balance")),
    "occupancy": MetricInfo("occupancy", "fraction", True, (), "occupancy"),
    "square_feet": MetricInfo("square feet", "count", None, (), None, "sum"),
    "units": MetricInfo("units", "count", None, (), None, "sum"),
    "year_built": MetricInfo("year built", "year", None),
    "loan_count": MetricInfo("number of loans", "count", None, (), None, "sum"),
    "gross_potential_rent": MetricInfo(
        "gross potential rent", "usd", True, (), "gross_potential_rent", "sum", False
    ),
    "capex": MetricInfo("capex", "usd", None, (), "capex", "sum", False, False),
}

METRIC_SYNONYMS: dict[str, tuple[str, ...]] = {
    "dscr": (
        "dscr", "dcr", "debt service coverage", "debt service coverage ratio", "debt coverage",
        "debt coverage ratio", "coverage ratio", "coverage", "dscr ratio", "debt service cover",
    ),
    "noi": (
        "noi", "net operating income", "t12 noi", "t12", "ttm noi", "ttm", "trailing noi",
        "trailing twelve month noi", "trailing twelve noi", "operating income", "income",
        "net income",
    ),
    "egi": (
        "egi", "effective gross income", "revenue", "total revenue", "gross income", "top line",
        "rental income", "rental revenue", "income from rent",
    ),
    "operating_expenses": (
        "opex", "operating expense", "operating cost", "expense", "total expense",
    ),
    "expense_ratio": (
        "expense ratio", "opex ratio", "operating expense ratio", "oer", "cost ratio",
        "expense to income", "opex to egi", "opex margin", "expense margin",
    ),
    "debt_service": (
        "debt service", "ds", "annual debt service", "debt payment", "loan payment",
        "mortgage payment", "p&i", "p and i",
    ),
    "loan_balance": (
        "loan balance", "debt balance", "outstanding debt", "outstanding balance", "loan amount",
        "upb", "unpaid principal", "unpaid principal balance", "principal balance", "debt",
        "total debt", "current balance", "loan size", "mortgage balance",
    ),
    "value": (
        "value", "valuation", "property value", "market value", "appraised value", "appraisal",
        "asset value", "gav", "latest valuation", "current value",
    ),
    "cap_rate": ("cap rate", "caprate", "cap", "capitalization rate", "capitalisation rate"),
    "ltv": ("ltv", "loan to value", "leverage", "ltv ratio", "loan to value ratio"),
    "debt_yield": ("debt yield", "dy"),
    "occupancy": (
        "occupancy", "occ", "occupancy rate", "occupied", "physical occupancy", "leased",
        "percent leased",
    ),
    "vacancy": ("vacancy", "vacancy rate", "vacant", "empty"),
    "square_feet": (
        "square feet", "square foot", "square footage", "sf", "sqft", "sq ft", "nra",
        "rentable area", "size", "area", "footprint",
    ),
    "units": ("unit", "unit count", "hotel key", "apartment unit", "room"),
    "year_built": ("year built", "age", "vintage", "built"),
    "loan_count": ("number of loan", "loan count"),
    "gross_potential_rent": ("gross potential rent", "gpr", "potential rent"),
    "capex": ("capex", "capital expenditure", "cap ex", "capital expense"),
}

# Metrics the tool library cannot answer, with the reason said to the user.
RETURN_REASON = (
    "the database holds 36 months of operating statements, the acquisition price and the latest "
    "valuation, but no equity, capital calls or distributions, so there is no cash-flow series "
    "since acquisition to compute a return on, and Meta-Agent does not estimate one"
)
UNSUPPORTED_METRICS: dict[str, tuple[str, str]] = {
    "irr": ("IRR", RETURN_REASON),
    "internal rate of return": ("IRR", RETURN_REASON),
    "levered irr": ("IRR", RETURN_REASON),
    "unlevered irr": ("IRR", RETURN_REASON),
    "roi": ("ROI", RETURN_REASON),
    "return on investment": ("ROI", RETURN_REASON),
    "total return": ("total return", RETURN_REASON),
    "npv": ("NPV", RETURN_REASON),
    "net present value": ("NPV", RETURN_REASON),
    "cash on cash": ("cash-on-cash return", RETURN_REASON),
    "coc": ("cash-on-cash return", RETURN_REASON),
    "equity multiple": ("equity multiple", RETURN_REASON),
    "moic": ("equity multiple", RETURN_REASON),
    "yield on cost": ("yield on cost", RETURN_REASON),
    "walt": ("WALT", "the database has no leases"),
    "wale": ("WALE", "the database has no leases"),
    "lease expiration": ("lease expirations", "the database has no leases"),
    "lease": ("lease data", "the database has no leases"),
    "tenant": ("tenant data", "the database has no tenants"),
    "rent per square foot": ("rent per square foot", "rents per square foot are not stored"),
    "rent psf": ("rent per square foot", "rents per square foot are not stored"),
    "psf": ("per-square-foot figures", "rents per square foot are not stored"),
    "credit rating": ("credit ratings", "the database has no credit ratings"),
}

PROPERTY_TYPES: dict[str, tuple[str, ...]] = {
    "retail": (
        "retail", "shopping center", "strip center", "strip mall", "retail center",
        "shopping mall", "retail book", "retail asset",
    ),
    "office": ("office", "office building", "office space", "office asset"),
    "multifamily": (
        "multifamily", "multi family", "mf", "apartment", "apt", "resi", "residential",
        "rental housing", "apartment complex",
    ),
    "industrial": (
        "industrial", "warehouse", "logistics", "distribution center", "distribution facility", "flex",
        "light industrial", "industrial book",
    ),
    "hotel": ("hotel", "hospitality", "lodging", "motel"),
    "mixed_use": ("mixed use", "mixeduse", "mxu", "mixed"),
}
TYPE_LABELS = {
    "retail": "retail",
    "office": "office",
    "multifamily": "multifamily",
    "industrial": "industrial",
    "hotel": "hotel",
    "mixed_use": "mixed-use",
}

US_STATES: dict[str, str] = {
    "AL": "alabama", "AK": "alaska", "AZ": "arizona", "AR": "arkansas", "CA": "california",
    "CO": "colorado", "CT": "connecticut", "DE": "delaware", "DC": "district of columbia",
    "FL": "florida", "GA": "georgia", "HI": "hawaii", "ID": "idaho", "IL": "illinois",
    "IN": "indiana", "IA": "iowa", "KS": "kansas", "KY": "kentucky", "LA": "louisiana",
    "ME": "maine", "MD": "maryland", "MA": "massachusetts", "MI": "michigan", "MN": "minnesota",
    "MS": "mississippi", "MO": "missouri", "MT": "montana", "NE": "nebraska", "NV": "nevada",
    "NH": "new hampshire", "NJ": "new jersey", "NM": "new mexico", "NY": "new york",
    "NC": "north carolina", "ND": "north dakota", "OH": "ohio", "OK": "oklahoma", "OR": "oregon",
    "PA": "pennsylvania", "RI": "rhode island", "SC": "south carolina", "SD": "south dakota",
    "TN": "tennessee", "TX": "texas", "UT": "utah", "VT": "vermont", "VA": "virginia",
    "WA": "washington", "WV": "west virginia", "WI": "wisconsin", "WY": "wyoming",
}
# Two-letter codes that are also English words: taken only when typed in capitals.
AMBIGUOUS_STATE_CODES = frozenset(
    {"al", "ar", "co", "de", "hi", "id", "in", "la", "ma", "me", "mo", "ne", "oh", "ok", "or",
     "pa", "ga", "md", "mt", "sd", "va", "wa", "ms", "mi", "nd", "ct", "ky", "ia", "ut", "sc"}
)
CITY_ALIASES: dict[str, str] = {
    "nyc": "new york", "dfw": "dallas", "philly": "philadelphia", "vegas": "las vegas",
    "nola": "new orleans", "atl": "atlanta", "chi town": "chicago", "saint louis": "st louis",
    "st. louis": "st louis", "ft worth": "fort worth", "ft lauderdale": "fort lauderdale",
    "washington dc": "washington", "d.c.": "washington", "dc": "washington",
}

GROUP_WORDS: dict[str, tuple[str, ...]] = {
    "property_type": (
        "type", "property type", "asset type", "asset class", "class", "sector", "product type",
        "category", "segment", "property class", "product",
    ),
    "market": ("market", "metro", "msa", "metropolitan area", "metro area", "region", "submarket"),
    "state": ("state",),
    "city": ("city",),
}
AGGREGATION_WORDS: dict[str, tuple[str, ...]] = {
    "mean": ("average", "avg", "mean", "weighted average", "typical"),
    "median": ("median",),
    "sum": ("total", "sum", "aggregate", "combined", "sum of", "in total", "overall total"),
    "count": ("count", "number of", "how many", "# of", "no. of", "count of", "tally"),
    "min": ("minimum", "min"),
    "max": ("maximum", "max"),
}
# Ranking words: direction is "desc", "asc", or "best"/"worst" (decided by the metric).
RANK_WORDS: dict[str, tuple[str, ...]] = {
    "desc": (
        "top", "highest", "largest", "biggest", "most", "greatest", "max", "strongest high",
        "descending", "desc", "highest first", "biggest first", "largest first", "high to low",
        "most first", "greatest first",
    ),
    "asc": (
        "bottom", "lowest", "smallest", "least", "fewest", "ascending", "asc", "lowest first",
        "smallest first", "low to high", "least first",
    ),
    "best": ("best", "strongest", "healthiest", "best first", "best performing", "top performing"),
    "worst": (
        "worst", "weakest", "poorest", "worst first", "weakest first", "worst performing",
        "most at risk", "riskiest", "least healthy", "underperforming", "bottom performing",
    ),
    "sort": ("sort", "sorted", "rank", "ranked", "ranking", "order", "ordered", "league table"),
}
COMPARATORS: dict[str, tuple[str, ...]] = {
    "<": (
        "below", "under", "less than", "lower than", "beneath", "sub", "<", "smaller than",
        "falling below", "short of", "underneath", "south of",
    ),
    "<=": ("at most", "no more than", "not more than", "<=", "=<", "≤", "or less", "up to",
           "max of", "or lower", "or below", "and below", "and under", "or under", "or worse"),
    ">": (
        "above", "over", "greater than", "more than", "higher than", "exceeding", "exceed", ">",
        "bigger than", "larger than", "north of", "in excess of",
    ),
    ">=": ("at least", "no less than", "not less than", ">=", "=>", "≥", "or more", "minimum of",
           "and up", "or higher", "or above", "and above", "and over", "or better"),
    "==": ("equal to", "equals", "exactly"),
}
POSTFIX_COMPARATORS = frozenset(
    {"or more", "or less", "and up", "or higher", "or above", "and above", "and over", "or better",
     "or lower", "or below", "and below", "and under", "or under", "or worse"}
)
BETWEEN_WORDS = ("between",)
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "dozen": 12, "fifty": 50, "hundred": 100,
}
# Ordinary words that may also be words of a property name ("Grand", "Capital"): such a word is
# read as a name only with a cue ("for", "at") or a capital letter.
ORDINARY_WORDS = frozenset(
    """grand overall general prime premier main core central global national royal golden
    great united union liberty heritage pioneer summit capital crown metro urban modern classic
    premium select signature legacy landmark keystone cornerstone anchor focus quality value
    pacific atlantic american first second third last next total final major minor standard
    special regular average common""".split()
)

INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "at_risk": (
        "at risk", "risk", "risky", "distressed", "troubled", "in trouble", "watch list",
        "watchlist", "on watch", "breach", "covenant breach", "covenant", "struggling",
    ),
    "trend": (
        "trend", "trending", "over time", "history", "historical", "month over month", "mom",
        "year over year", "yoy", "trajectory", "evolution", "time series", "growth", "over the month",
        "month by month", "by month", "per month", "each month", "monthly trend", "how has",
        "monthly", "over the last", "over the past",
        "changed", "change over time",
    ),
    "outliers": (
        "outlier", "anomaly", "anomalous", "unusual", "abnormal", "stand out", "stands out",
        "odd one out", "extreme",
    ),
    "zscore": ("z score", "zscore", "standard deviation", "sigma", "std dev", "stdev", "std"),
    "iqr": ("iqr", "interquartile", "interquartile range", "tukey"),
    "correlation": (
        "correlation", "correlate", "correlated", "relationship between", "relationship",
        "related to", "relate", "association between", "covary", "connection between",
    ),
    "spearman": ("spearman", "rank correlation"),
    "kendall": ("kendall",),
    "compare": (
        "compare", "comparison", "compared", "versus", "vs", "v", "against", "benchmark",
        "benchmarked", "stack up", "measure up", "side by side", "relative to",
    ),
    "peers": (
        "peer", "comp", "comparable", "similar", "similar property", "comparable property",
        "closest peer", "nearest peer", "like kind", "peer group", "peer set", "closest",
        "most similar", "look alike", "lookalike",
    ),
    "scenario": (
        "scenario", "stress", "stress test", "stressed", "shock", "shocked", "sensitivity",
        "what if", "what happen", "simulate", "simulation", "hypothetical", "haircut",
        "downside", "sensitivity analysis", "downside case", "stress case", "stress scenario",
    ),
    "noi_context": ("noi", "net operating income", "income", "cash flow", "t12", "t12 noi"),
    "rate_context": (
        "rate", "interest rate", "interest", "sofr", "coupon", "rate shock", "rate hike",
        "borrowing cost", "treasury", "libor", "base rate", "fed",
    ),
    "down": (
        "down", "decrease", "decline", "drop", "fall", "fell", "reduction", "reduce", "cut",
        "lower", "loss", "lose", "haircut", "shrink", "dip", "slide", "hit", "compress", "less",
        "negative", "worse", "minus", "declining", "dropping", "decreasing",
    ),
    "up": (
        "up", "increase", "rise", "rising", "higher", "hike", "jump", "climb", "go up", "grow",
        "gain", "more", "plus", "spike", "widen", "increasing", "raise", "raised",
    ),
    "report": (
        "performance report", "executive report", "exec report", "executive summary",
        "exec summary", "board pack", "board report", "board deck", "board package",
        "management report", "monthly report", "investor report", "executive team", "exec team",
        "leadership team", "leadership", "c suite", "management team", "board", "executive",
        "exec", "monthly performance", "portfolio report", "monthly update", "monthly pack",
        "investment committee", "ic memo", "quarterly report", "performance summary",
    ),
    "months": ("month", "mo", "mos", "mth", "mths"),
    "years": ("year", "yr", "yrs"),
    "quarters": ("quarter", "qtr"),
    "last": ("last", "past", "trailing", "previous", "prior", "recent", "latest", "lookback"),
}
OUTPUT_WORDS: dict[str, tuple[str, ...]] = {
    "excel": ("excel", "xlsx", "xls", "spreadsheet", "workbook", "sheet"),
    "pdf": ("pdf", "report", "pdf report", "printable", "document", "memo", "deck", "slides"),
    "chart": (
        "chart", "plot", "graph", "visual", "visualize", "visualise", "visualization",
        "visualisation", "viz", "figure", "histogram", "bar chart", "line chart", "png", "svg",
        "picture", "image", "dashboard", "graphic", "diagram",
    ),
    "csv": ("csv",),
}
DEBT_SCOPE: dict[bool, tuple[str, ...]] = {
    False: (
        "without debt", "without any debt", "no debt", "with no debt", "debt free", "zero debt",
        "unlevered", "unleveraged", "unencumbered", "free and clear", "no loan", "without loan",
        "without any loan", "with no loan", "no mortgage", "no financing", "all cash",
        "no leverage", "have no debt", "debtfree", "not levered", "not financed",
    ),
    True: (
        "with debt", "with loan", "levered", "leveraged", "encumbered", "financed", "with a loan",
        "with any debt", "that have debt", "have debt", "mortgaged", "has debt", "with financing",
    ),
}
EXCLUDE_WORDS = ("excluding", "except", "ex", "other than", "but not", "non", "not", "outside",
                 "remove", "drop", "leave out", "filter out", "take out", "omit", "ignore",
                 "exclude", "apart from", "besides", "minus the", "without the")

# Verbs that change data: "strong" ones are refused anywhere, "weak" ones when they command a
# change to a data object (see requirements.refuse_writes).
STRONG_WRITE_VERBS = frozenset(
    {"delete", "truncate", "purge", "erase", "wipe", "insert", "overwrite", "alter", "rename",
     "deleting", "deleted", "destroy", "writeoff", "write off", "write down", "writedown"}
)
WEAK_WRITE_VERBS = frozenset(
    {"remove", "drop", "update", "change", "modify", "edit", "set", "add", "mark", "record",
     "increase", "raise", "lower", "reduce", "cut", "adjust", "correct", "fix", "replace",
     "move", "assign", "reassign", "store", "upload", "import", "create", "restructure",
     "terminate", "cancel"}
)
ENTITY_OBJECTS = frozenset(
    {"loan", "property", "record", "row", "table", "entry", "tenant", "lease", "asset", "deal",
     "building", "valuation", "appraisal", "database", "db", "data", "holding", "mortgage",
     "lender", "financial", "statement"}
)
DATA_OBJECTS = frozenset(
    {"loan", "property", "record", "row", "table", "database", "db", "data", "value",
     "valuation", "balance", "rate", "interest", "noi", "rent", "occupancy", "name", "entry",
     "tenant", "lease", "asset", "deal", "building", "financial", "statement", "type", "market",
     "address", "price", "appraisal", "debt", "mortgage", "lender", "portfolio", "holding"}
)
ACTION_WORDS = frozenset(
    {"send", "email", "mail", "post", "tweet", "slack", "notify", "schedule", "buy", "purchase",
     "sell", "invest", "trade", "transfer", "pay", "wire", "sign", "refinance", "approve"}
)
OFF_DOMAIN_WORDS = frozenset(
    {"weather", "temperature", "forecast weather", "rain", "snow", "sunny", "joke", "recipe",
     "poem", "song", "movie", "film", "sport", "football", "basketball", "baseball", "soccer",
     "score", "bitcoin", "crypto", "stock", "stocks", "nasdaq", "dow", "news", "headline",
     "translate", "translation", "flight", "restaurant", "traffic", "horoscope", "lottery",
     "president", "election", "celebrity", "capital of", "population", "wikipedia", "math",
     "homework", "essay", "story", "game", "music", "time zone", "hello", "hi", "thanks"}
)
FORECAST_WORDS = frozenset(
    {"forecast", "predict", "prediction", "projection", "projected", "next year", "next month",
     "next quarter", "future", "outlook", "pro forma", "proforma", "extrapolate"}
)

# Words that carry no meaning for the plan but are fine to meet in a request.
PROPERTY_NOUNS = frozenset(
    {"property", "asset", "deal", "building", "holding", "investment", "one", "site", "location",
     "portfolio", "book", "loan", "position", "each", "every", "all", "whole", "entire", "everything",
     "anything", "something", "any", "real estate", "cre", "commercial"}
)
FILLER_WORDS = frozenset(
    """a an the of for to in on at by with from and or but as is are was were be been being am do
    does did done doing have has had having it its it's this that these those there their them
    they we our ours us i me my mine you your yours he she his her him who whom whose which what
    whats when where why how can could would should will shall may might must please pls plz
    kindly thanks thank hey hello ok okay so then than just also too very really quite bit lot
    lots some many much more most few each every all any both either neither none no not only
    own owned owning hold held holding have got get give gimme show list display tell let lets
    find see view pull fetch grab return provide produce generate create make build prepare run
    calculate calc compute work figure determine identify flag highlight spot surface check look
    review analyze analyse analysis assess evaluate measure want need like would love wondering
    know curious help quick quickly fast now today currently current latest recent here right
    me s re ve ll d t m about across within into onto per via vs versus up down out off over
    under again further once same other another such own overall whole entire full complete
    number numbers figure figures data info information detail details metric metrics stat
    stats statistic statistics kpi kpis breakdown overview summary summarize summarise table
    tables list listing view snapshot picture rundown update status result results output
    outputs file files export exporting exported save saved download attach attached include
    including included along together plus alongside also incl w with w/ wo name named called
    known everything anything thing things stuff way ways level levels value side team group
    our portfolio portfolios book books across assets properties deals buildings holdings
    investments company firm fund funds ours wide portfoliowide total currently basis basis-
    point points point percent percentage pct times x bp bps basis ratio ratios rate rates
    first last top bottom give do does performing perform performance currently today
    anything something nothing hmm um uh btw fyi asap eod eom soon please need needs go goes
    going went happen happens happened would could if whether yes yeah sure e g eg i e ie etc
    vs. v. using use used based basis term terms good bad healthy fine solid weak strong
    high low big small large new old recent early late date dates period periods time times
    day days week weeks month months year years quarter quarters q ytd mtd qtd fy cy now
    which ones one ones two three four five six seven eight nine ten dozen couple several
    item items row rows column columns field fields sorted sort order ordering ordered
    respectively individually separately each individual single specific particular
    certain given exact exactly approximately approx around about roughly near nearly
    almost least most whose who's where's what's that's it's let's we're we've i'd i'm
    calculate calculation calculations compute computation computed calc calcs analytics
    across-the-board currently standing stand position positions exposure exposures
    number-crunch crunch numbers look-up lookup pull-up pull up rank ranked ranking group
    grouped grouping bucket buckets split segment segmented by per each"""
    .split()
)
QUESTION_WORDS = frozenset({"what", "which", "how", "who", "where", "whats", "is", "are", "do"})
LISTING_VERBS = frozenset(
    {"show", "list", "display", "give", "gimme", "get", "pull", "fetch", "find", "see", "view",
     "tell", "which", "what", "whats", "return", "provide", "produce", "generate", "identify",
     "flag", "highlight", "calculate", "compute", "calc", "run", "check", "review", "report",
     "export", "create", "make", "build", "prepare", "analyze", "analyse", "assess", "evaluate",
     "screen", "filter", "select", "summarize", "summarise", "plot", "chart", "graph"}
)

# Words often found in property names; a name is recognised by its other, distinctive words.
GENERIC_NAME_WORDS = frozenset(
    """square sq center centre ctr plaza plz mall tower towers twr park pk place pl commons common
    village crossing crossings xing point pointe apartments apartment apts apt lofts loft
    residences residence res court ct gardens garden building bldg marketplace market shops
    shoppes station exchange hub campus business distribution logistics hotel inn suites suite
    resort landing terrace heights the at of and on north south east west central downtown
    midtown uptown city one two three office offices industrial retail medical tech corporate
    commerce centers plazas town towne row house houses home homes estates estate club lodge
    boulevard blvd avenue ave street st road rd drive dr way parkway pkwy lane ln highway hwy
    trade trading warehouse warehouses flats flat studios studio yards yard works
    lake river creek hills hill valley ridge grove springs spring bay harbor harbour beach
    shores shore pines pine oaks oak palms palm woods wood forest meadows meadow fields field
    new old grand great upper lower mixed use center's portfolio phase i ii iii iv""".split()
)
NAME_ABBREVIATIONS: dict[str, str] = {
    "sq": "square", "ctr": "center", "centre": "center", "twr": "tower", "pl": "plaza",
    "plz": "plaza", "apts": "apartments", "apt": "apartments", "bldg": "building",
    "xing": "crossing", "pk": "park", "blvd": "boulevard", "ave": "avenue", "pkwy": "parkway",
    "mkt": "market", "hts": "heights", "vlg": "village", "comm": "commons", "ind": "industrial",
    "dist": "distribution", "intl": "international", "mt": "mount", "ft": "fort", "st": "saint",
    "n": "north", "s": "south", "e": "east", "w": "west",
}
# Prepositions that announce a name or a place ("DSCR for ...", "properties in ...").
NAME_CUES = frozenset({"for", "at", "on", "of", "about", "compare", "vs", "versus", "to", "against",
                       "with", "named", "called"})
PLACE_CUES = frozenset({"in", "within", "across", "near", "around", "throughout", "inside"})


def lemma(word: str) -> str:
    """A crude singular form, used only to compare words with the vocabulary."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
