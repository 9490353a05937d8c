"""Words about requests rather than the domain: verbs that would change data, things Meta-Agent
does not do, off-domain subjects, filler words, and the words of property names."""

from __future__ import annotations

from meta_agent.planning.vocabulary import phrase_set, word_set

# Verbs that change data: strong ones are refused anywhere, weak ones when they command a
# change to a data object (see refusals.refuse_changes).
STRONG_WRITE_VERBS = phrase_set(
    """
    alter | delete | deleted | deleting | destroy | erase | insert | overwrite | purge | rename
    | truncate | wipe | write down | write off | writedown | writeoff
"""
)
WEAK_WRITE_VERBS = word_set(
    """
    add adjust assign cancel change correct create cut drop edit fix import increase lower mark
    modify move raise reassign record reduce remove replace restructure set store terminate
    update upload
"""
)
# What 'add' or 'create' may not make.
ENTITY_OBJECTS = word_set(
    """
    appraisal asset building data database db deal entry financial holding lease lender loan
    mortgage property record row statement table tenant valuation
"""
)
# What 'change', 'set' or 'remove' may not touch.
DATA_OBJECTS = word_set(
    """
    address appraisal asset balance building data database db deal debt entry financial holding
    interest lease lender loan market mortgage name noi occupancy portfolio price property rate
    record rent row statement table tenant type valuation value
"""
)
# Things Meta-Agent does not do: send, post, trade, schedule.
ACTION_WORDS = word_set(
    """
    approve buy email invest mail notify pay post purchase refinance schedule sell send sign
    slack trade transfer tweet wire
"""
)
OFF_DOMAIN_WORDS = phrase_set(
    """
    baseball | basketball | bitcoin | capital of | celebrity | crypto | dow | election | essay |
    film | flight | football | forecast weather | game | headline | hello | hi | homework |
    horoscope | joke | lottery | math | movie | music | nasdaq | news | poem | population |
    president | rain | recipe | restaurant | score | snow | soccer | song | sport | stock |
    stocks | story | sunny | temperature | thanks | time zone | traffic | translate |
    translation | weather | wikipedia
"""
)
FORECAST_WORDS = phrase_set(
    """
    extrapolate | forecast | future | next month | next quarter | next year | outlook | predict
    | prediction | pro forma | proforma | projected | projection
"""
)
PROPERTY_NOUNS = phrase_set(
    """
    all | any | anything | asset | book | building | commercial | cre | deal | each | entire |
    prop | props | bldg | bldgs | name | names |
    every | everything | holding | investment | loan | location | one | portfolio | position |
    property | real estate | site | something | whole
"""
)
# Ordinary words of requests: known English, never a name and never a typo to correct. Many of
# them carry meaning ("not", "top", "total"): being known is not being understood (``coverage``).
COMMON_WORDS = word_set(
    """
    a about across across-the-board again all almost along alongside also am an analyse analysis
    analytics analyze and another answer answers any anyone anything approx approximately are
    around as asap ask asked asking assemble assess assets at attach attached bad based basis
    basis- be been being big bit book books both bottom bp bps break breakdown brief btw bucket
    buckets build buildings but by calc calcs calculate calculation calculations called can
    catch certain chart charts check clean column columns company compile complete computation
    compute computed could couple create crunch curious current currently cy d data date dates
    day days deals deep describe detail details detect determine did dig discover display dive
    do does doing done down download dozen draft drill e each early eg eight either email-ready
    entire eod eom etc evaluate every everything exact exactly explain export exported exporting
    exposure exposures fast fetch few field fields figure figures file files find fine firm
    first five flag for format formatted four friendly from full fund funds further fy fyi g
    generate get gimme give given go goes going good got grab grid group grouped grouping had
    happen happened happens has have having he healthy heatmap held hello help her here hey high
    highlight him his hmm hold holding holdings how i i'd i'm identify ie if in incl include
    included including individual individually info information into investments is isolate it
    it's item items its just kind kindly kinds know known kpi kpis large last late latest least
    let let's lets level levels like list listing ll locate look look-up lookup lot lots love
    low m make many matrix may me mean meaning means measure metric metrics might mine month
    months more most mtd much must my name named near nearly need needs neither new newest nice
    nicely nine no none not nothing now number number-crunch numbers of off ok okay old on once
    one ones only onto or order ordered ordering other our ours out output outputs over overall
    overview own owned owning particular pct per percent percentage perform performance
    performing period periods picture pinpoint please pls plus plz point points portfolio
    portfolios portfoliowide position positions prepare presently produce properties provide
    pull pull-up put q qtd quarter quarters question questions quick quickly quite rank ranked
    ranking rate rates ratio ratios re ready really recent respectively result results return
    review right roughly row rows run rundown s said same save saved say see segment segmented
    separately seven several shall she short should show showing shown side simple single six
    small snapshot so solid some somebody someone something soon sort sorted sorts specific
    split spot stand standing stat statistic statistics stats status strong stuff style such
    summarise summarize summary sure surface t table tables team tell ten term terms than thank
    thanks that that's the their them then there these they thing things this those three
    through time times to today today's todays together told too top total two type types uh um
    uncover under up update us use used using v. value ve versus very via view visual vs vs. w
    w/ walk want was way ways we we're we've weak week weeks went were what what's whats when
    where where's whether which who who's whole whom whose why wide will with within wo
    wondering work would x yeah year years yes you your yours ytd
"""
)
# The short list of words that carry no meaning for a plan: a request may contain them and they
# are dropped. Negations, comparisons, quantities, periods, groupings (not, no, under, over, only,
# each, per, share, average, total, except, top, bottom...) are never here.
FILLER_WORDS = word_set(
    """
    a about am an analyse analysis analyze and answer anyone are as asap ask assess at be been
    being both btw build by calc calcs calculate calculated calculation calculations can check
    compile computation compute computed could crunch current currently d data detail details
    determine did display do does doing done download draft e eg etc evaluate export exported
    fetch figure figures file find for from fyi get gimme give given go got grab have has had
    having hello help here hey hi how i i'd i'm identify ie if in info information into is it
    it's its just kind kindly know latest let let's lets like list ll look lookup love me metric
    metrics might mine my name names need needs now number numbers of ok okay on onto or our ours
    out output please pls plz prepare present presently produce provide pull put quick quickly
    ratio ratios re ready really result results return review run s save say see should show
    showing shown so some someone something status t table tables tell thank thanks that that's
    the their them then there these they this those to today today's todays us use using ve
    via view want was we we're we've were what what's whats when where where's which who who's
    whom whose why will with would yeah yes you your yours flag highlight pinpoint spot
    surface screen select filter also plus along across respectively snapshot rundown overview
    breakdown picture quick generate create make assemble pull-up walk through summary summarise
    summarize stats statistics stat performance performing perform doing holding holdings own
    owned owning have hold held currently right now handy please detect spot find update
    email ready apply while but among amongst
"""
)
QUESTION_WORDS = word_set(
    """
    are do how is what whats where which who
"""
)
LISTING_VERBS = word_set(
    """
    analyse analyze assess build calc calculate chart check compute create display evaluate
    export fetch filter find flag generate get gimme give graph highlight identify list make
    plot prepare produce provide pull report return review run screen see select show summarise
    summarize tell view what whats which
"""
)
# Words often found in property names; a name is recognised by its other, distinctive words.
GENERIC_NAME_WORDS = word_set(
    """
    and apartment apartments apt apts at ave avenue bay beach bldg blvd boulevard building
    business campus center center's centers central centre city club commerce common commons
    corporate court creek crossing crossings ct ctr distribution downtown dr drive east estate
    estates exchange field fields flat flats forest garden gardens grand great grove harbor
    harbour heights highway hill hills home homes hotel house houses hub hwy i ii iii industrial
    inn iv lake landing lane ln lodge loft lofts logistics lower mall market marketplace meadow
    meadows medical midtown mixed new north oak oaks of office offices old on one palm palms
    park parkway phase pine pines pk pkwy pl place plaza plazas plz point pointe portfolio rd
    res residence residences resort retail ridge river road row shoppes shops shore shores south
    spring springs sq square st station street studio studios suite suites tech terrace the
    three tower towers town towne trade trading two twr upper uptown use valley village
    warehouse warehouses way west wood woods works xing yard yards
"""
)
# Words that end a building's name: "X Plaza" right after a recognised name means another property.
NAME_SUFFIXES = word_set(
    """
    building campus center centre commons court crossing district exchange flats gardens heights
    hub inn landing lofts mall marketplace park place plaza point pointe quarter residences
    resort row shoppes shops square station suites terrace tower towers village
"""
)
# Ordinary words that may also be words of a name ("Grand", "Capital"): such a word is read as a name only with a cue ("for", "at") or a capital letter.
ORDINARY_WORDS = word_set(
    """
    american anchor atlantic average capital central classic common core cornerstone crown final
    first focus general global golden grand great heritage keystone landmark last legacy liberty
    main major metro minor modern national next overall pacific pioneer premier premium prime
    quality regular royal second select signature special standard summit third total union
    united urban value
"""
)
# Words that announce a name ("DSCR for ...").
NAME_CUES = word_set(
    """
    about against at called compare for named of on to versus vs with
"""
)
# Words that announce a place ("properties in ...").
PLACE_CUES = word_set(
    """
    across around in inside near throughout within
"""
)
NAME_ABBREVIATIONS: dict[str, str] = {
    "sq": "square",
    "ctr": "center",
    "centre": "center",
    "twr": "tower",
    "pl": "plaza",
    "plz": "plaza",
    "apts": "apartments",
    "apt": "apartments",
    "bldg": "building",
    "xing": "crossing",
    "pk": "park",
    "blvd": "boulevard",
    "ave": "avenue",
    "pkwy": "parkway",
    "mkt": "market",
    "hts": "heights",
    "vlg": "village",
    "comm": "commons",
    "ind": "industrial",
    "dist": "distribution",
    "intl": "international",
    "mt": "mount",
    "ft": "fort",
    "st": "saint",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
}
