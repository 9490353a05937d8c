"""The words of the domain: metrics and their synonyms, property types, US states, groupings,
rankings, comparators, intents and outputs. (Words about the request itself are in ``words``.)

Everything here is data, written as text tables read once at import: ``key: phrase | phrase``
lines, or plain word lists. Phrases are compared word by word after ``lemma`` (so "cap rates"
and "cap rate" are one phrase). Vacancy is read as ``1 - occupancy`` (physical occupancy of the
latest month), so it is not a metric of its own: "vacancy above 10%" is "occupancy below 90%".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from meta_agent.formulas import GROUP_RATIOS, GROUP_SUMS


def _table(text: str) -> dict[str, tuple[str, ...]]:
    """``key: a | b`` lines (indented lines continue the previous one) -> {key: (a, b)}."""
    lines: dict[str, list[str]] = {}
    key = ""
    for line in text.strip("\n").splitlines():
        if line.startswith("        ") and key:
            lines[key].append(line)
            continue
        key, _, rest = line.strip().partition(":")
        lines[key] = [rest]
    return {k: _split(" ".join(" ".join(parts).split())) for k, parts in lines.items()}


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split("|") if p.strip())


def word_set(text: str) -> frozenset[str]:
    """A plain word list."""
    return frozenset(text.split())


def _pairs(text: str) -> dict[str, str]:
    """'AL alabama, AK alaska' -> {"AL": "alabama", "AK": "alaska"}."""
    items = (item.strip().partition(" ") for item in " ".join(text.split()).split(","))
    return {code: name for code, _, name in items}


def phrase_set(text: str) -> frozenset[str]:
    """'a | b c | d' -> {"a", "b c", "d"}."""
    return frozenset(_split(" ".join(text.split())))


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
    synonyms: tuple[str, ...] = ()  # for metrics declared by a registered tool
    declared_by: str | None = None  # the tool that adds it (a plug-in), None for built-ins


METRICS: dict[str, MetricInfo] = {
    "dscr": MetricInfo("DSCR", "multiple", True, ("noi", "debt_service")),
    "noi": MetricInfo("T12 NOI", "usd", True, (), "noi", "sum"),
    "egi": MetricInfo(
        "effective gross income (T12)", "usd", True, (), "effective_gross_income", "sum"
    ),
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

# DOMAIN.md's figures of a group: ratios of sums, occupancy weighted by square feet, sums.
RATIO_METRICS = frozenset({*GROUP_RATIOS, "occupancy"})
SUMMED_METRICS = frozenset(GROUP_SUMS)
GROUP_FIGURES = RATIO_METRICS | SUMMED_METRICS

METRIC_SYNONYMS = _table(
    """
    dscr: dscr | dcr | debt service coverage | debt service coverage ratio | debt coverage | debt
        coverage ratio | coverage ratio | coverage | dscr ratio | debt service cover
    noi: noi | net operating income | t12 noi | t12 | ttm noi | ttm | trailing noi | trailing twelve
        month noi | trailing twelve noi | operating income | income | net income
    egi: egi | effective gross income | revenue | total revenue | gross income | top line | rental
        income | rental revenue | income from rent
    operating_expenses: opex | operating expense | operating cost | expense | total expense
    expense_ratio: expense ratio | opex ratio | operating expense ratio | oer | cost ratio | expense to income
        | opex to egi | opex margin | expense margin
    debt_service: debt service | ds | annual debt service | debt payment | loan payment | mortgage payment |
        p&i | p and i
    loan_balance: loan balance | debt balance | outstanding debt | outstanding balance | loan amount | upb |
        unpaid principal | unpaid principal balance | principal balance | debt |
        current balance | loan size | mortgage balance | balance | debt outstanding | balance
        outstanding | outstanding loan balance | outstanding principal
    value: value | valuation | property value | market value | appraised value | appraisal | asset
        value | gav | latest valuation | current value | valued | valued at | appraised at | worth
    cap_rate: cap rate | caprate | cap | capitalization rate | capitalisation rate
    ltv: ltv | loan to value | leverage | ltv ratio | loan to value ratio
    debt_yield: debt yield | dy
    occupancy: occupancy | occ | occupancy rate | physical occupancy | percent leased | percent
        occupied | leased percentage | occupancy level | occupied | leased
    vacancy: vacancy | vacancy rate | vacancy level
    square_feet: square feet | square foot | square footage | sf | sqft | sq ft | nra | rentable area | size
        | area | footprint
    units: unit | unit count | hotel key | apartment unit | room
    year_built: year built | age | vintage | built
    loan_count: number of loan | loan count
    gross_potential_rent: gross potential rent | gpr | potential rent
    capex: capex | capital expenditure | cap ex | capital expense
"""
)

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


PROPERTY_TYPES = _table(
    """
    retail: retail | shopping center | strip center | strip mall | retail center | shopping mall |
        retail book | retail asset | town center | power center | lifestyle center |
        neighborhood center | community center
    office: office | office building | office space | office asset | office park | office tower |
        executive center | business center | office campus
    multifamily: multifamily | multi family | mf | apartment | apt | resi | residential |
        rental housing | apartment complex | apartment building | apartment community
    industrial: industrial | warehouse | logistics | distribution center | distribution facility |
        flex | light industrial | industrial book | industrial park | business park |
        logistics center | logistics park | distribution park | flex space | warehouse park
    hotel: hotel | hospitality | lodging | motel
    mixed_use: mixed use | mixeduse | mxu | mixed
"""
)
TYPE_LABELS = {
    "retail": "retail",
    "office": "office",
    "multifamily": "multifamily",
    "industrial": "industrial",
    "hotel": "hotel",
    "mixed_use": "mixed-use",
}
US_STATES: dict[str, str] = _pairs(
    """
    AL alabama, AK alaska, AZ arizona, AR arkansas, CA california, CO colorado, CT connecticut,
    DE delaware, DC district of columbia, FL florida, GA georgia, HI hawaii, ID idaho, IL
    illinois, IN indiana, IA iowa, KS kansas, KY kentucky, LA louisiana, ME maine, MD maryland,
    MA massachusetts, MI michigan, MN minnesota, MS mississippi, MO missouri, MT montana, NE
    nebraska, NV nevada, NH new hampshire, NJ new jersey, NM new mexico, NY new york, NC north
    carolina, ND north dakota, OH ohio, OK oklahoma, OR oregon, PA pennsylvania, RI rhode
    island, SC south carolina, SD south dakota, TN tennessee, TX texas, UT utah, VT vermont, VA
    virginia, WA washington, WV west virginia, WI wisconsin, WY wyoming
"""
)
# Two-letter codes that are also English words: taken only when typed in capitals.
AMBIGUOUS_STATE_CODES = word_set(
    """
    al ar co ct de ga hi ia id in ky la ma md me mi mo ms mt nd ne oh ok or pa sc sd ut va wa
"""
)
CITY_ALIASES: dict[str, str] = {
    "nyc": "new york",
    "dfw": "dallas",
    "philly": "philadelphia",
    "vegas": "las vegas",
    "nola": "new orleans",
    "atl": "atlanta",
    "chi town": "chicago",
    "saint louis": "st louis",
    "st. louis": "st louis",
    "ft worth": "fort worth",
    "ft lauderdale": "fort lauderdale",
    "washington dc": "washington",
    "d.c.": "washington",
    "dc": "washington",
    "tampa bay": "tampa",
    "bay area": "san francisco",
    "twin cities": "minneapolis",
    "big apple": "new york",
}

GROUP_WORDS = _table(
    """
    property_type: type | property type | asset type | asset class | class | sector | product type | category |
        segment | property class | product
    market: market | metro | msa | metropolitan area | metro area | region | submarket | mkt
    state: state
    city: city
"""
)
AGGREGATION_WORDS = _table(
    """
    mean: average | avg | mean | typical | simple average | straight average | arithmetic mean
    median: median
    aggregate: aggregate | in aggregate | overall | blended | weighted | weighted average | wtd |
        wtd avg | wtd average | wgt avg | weighted avg |
        portfolio level | portfolio wide | portfoliowide | book level | combined
    sum: total | sum | sum of | in total | overall total
    count: count | number of | how many | # of | no. of | count of | tally
    min: minimum | min
    max: maximum | max
"""
)
# Ranking words: "desc", "asc", or "best"/"worst" (the metric decides), "sort" (no direction).
RANK_WORDS = _table(
    """
    desc: top | highest | largest | biggest | most | greatest | max | descending |
        desc | highest first | biggest first | largest first | high to low | most first | greatest
        first
    asc: bottom | lowest | smallest | least | fewest | ascending | asc | lowest first | smallest
        first | low to high | least first
    best: best | strongest | healthiest | best first | best performing | top performing
    worst: worst | weakest | poorest | worst first | weakest first | worst performing | most at risk |
        riskiest | least healthy | underperforming | bottom performing
    sort: sort | sorted | rank | ranked | ranking | order | ordered | league table
"""
)
COMPARATORS = _table(
    """
    <: below | under | less than | lower than | beneath | sub | < | smaller than | falling below |
        short of | underneath | south of | before | prior to | older than | fall below | falls below
        | fell below | dip below | dips below | drop below | drops below | miss | misses
        | fail | fails | failing | breach | breaches | breaching | breached | fall short of | falls
        short of | lesser than | fewer than | not meeting | fail to meet | fails to meet | break |
        breaks |
        breaking | go below | goes below | slip below | slips below | sink below | sinks below
    <=: at most | no more than | not more than | <= | =< | ≤ | or less | up to | max of | or lower |
        or below | and below | and under | or under | or worse | at or below | at or under | less
        than or equal to | lower than or equal to | no greater than | no higher than
        | not greater than | not higher than | not exceeding | maximum of | capped at | no
        bigger than | equal or below | equal to or below | equal to or less than
    >: above | over | greater than | more than | higher than | exceeding | exceed | > | bigger than
        | larger than | north of | in excess of | after | since | newer than | exceeds |
        upwards of | upward of | better than
    >=: at least | no less than | not less than | >= | => | ≥ | or more | minimum of | and up | or
        higher | or above | and above | and over | or better | at or above | at or over | at or
        better than | greater than or equal to | more than or equal to | higher than or equal to
        | no lower than | no smaller than | not lower than | beat | beats | beating | clear | clears
        | clearing | meet | meets | pass | passes | passing | satisfy | satisfies | cover
        | covers | equal or above | equal to or above | equal to or greater than | no worse than
    ==: equal to | equals | exactly
"""
)
# Comparators written after the number ("1.2x or less").
POSTFIX_COMPARATORS = phrase_set(
    """
    and above | and below | and over | and under | and up | or above | or below | or better | or
    higher | or less | or lower | or more | or under | or worse
"""
)
BETWEEN_WORDS = ("between",)
NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "dozen": 12,
    "fifty": 50,
    "hundred": 100,
}
INTENT_WORDS = _table(
    """
    at_risk: at risk | risk | risky | distressed | troubled | in trouble | watch list | watchlist | on
        watch | breach | breaches | breaching | covenant breach | covenant breaches | covenant |
        struggling | at risk of default | risk of
        default | default risk | defaulting | in default | near default | likely to default |
        weak coverage | thin coverage | poor coverage | low coverage | tight coverage |
        insufficient coverage
    trend: trend | trending | over time | history | historical | month over month | mom | year over
        year | yoy | trajectory | evolution | time series | growth | over the month | month by
        month | by month | per month | each month | monthly trend | how has | monthly | over the
        last | over the past | changed | change over time
    yoy: year over year | yoy | annual change | yearly change | vs last year | versus last year |
        over last year | compared to last year
    change: growth | change | changed | delta | movement | grew | shrank | moved
    mom: month over month | mom | monthly change | vs last month | versus last month | over last
        month | compared to last month
    outliers: outlier | anomaly | anomalous | unusual | abnormal | stand out | stands out | odd one out |
        extreme
    zscore: z score | zscore | standard deviation | sigma | std dev | stdev | std
    iqr: iqr | interquartile | interquartile range | tukey
    correlation: correlation | correlate | correlated | relationship between | relationship | related to |
        relate | association between | covary | connection between
    spearman: spearman | rank correlation
    kendall: kendall
    compare: compare | comparison | compared | versus | vs | v | against | benchmark | benchmarked |
        stack up | measure up | side by side | relative to
    peers: peer | comp | comparable | similar | similar property | comparable property | closest peer |
        nearest peer | like kind | peer group | peer set | closest | most similar | look alike |
        lookalike
    scenario: scenario | stress | stress test | stressed | shock | shocked | sensitivity | what if | what
        happen | simulate | simulation | hypothetical | haircut | downside | sensitivity analysis
        | downside case | stress case | stress scenario | model | modeled | modelled | modeling
        | modelling | run the numbers on | sensitize | sensitise | affect | affects | impact |
        impacts | impact on | effect | effect on | effects
    noi_context: noi | net operating income | income | cash flow | t12 | t12 noi
    rate_context: rate | interest rate | interest | sofr | coupon | rate shock | rate hike | borrowing cost |
        treasury | libor | base rate | fed
    down: down | decrease | decline | drop | fall | fell | reduction | reduce | cut | lower | loss |
        lose | haircut | shrink | dip | slide | hit | compress | less | worse | minus |
        declining | dropping | decreasing | slip | slipped | slipping | slid | sliding | sink | sank
        | sinking | erode | eroded | eroding | soften | softened | softening | weaken | weakened |
        deteriorate | deteriorates | deteriorated | tumble | tumbled | plunge | plunged | crater |
        contract | contraction | compression | compressed | decreased | declined | dropped |
        falling | go down | move down | tick down | shrank | shrinking | dipped | dipping |
        reduced | lowered | cuts | come down | comes down | came down | slump | slumps
        | slumped | tank | tanks | tanked
    up: up | increase | rise | rising | higher | hike | jump | climb | go up | grow | gain | more |
        plus | spike | widen | increasing | raise | raised | climbed | climbing | widened | widening
        | jumped | jumping | rose | risen | increased | spiked | surge | surged | surging | move up
        | tick up | hiked | hiking | grew | growing | gained | shoot up | shot up | goes up |
        went up | higher by | add | added | adding | expand | expanded | back up | backs up
    report: performance report | executive report | exec report | executive summary |
        exec summary | board pack | board report | board deck | board package | management report |
        monthly report | investor report | monthly performance | portfolio report |
        monthly update | monthly pack | ic memo | quarterly report | performance summary |
        performance pack | exec pack | executive pack
    audience: executive team | exec team | leadership team | leadership | c suite | credit committee
        | committee | ic | lender | lenders | investor | investors | asset management | am team |
        partners | client | clients | credit team | risk team | risk committee |
        management team | board | executive | exec | investment committee | senior management |
        execs | executives
    deliverable: report | pack | deck | summary | update | memo | overview | briefing |
        presentation
    months: month | mo | mos | mth | mths
    years: year | yr | yrs
    quarters: quarter | qtr
    last: last | past | trailing | previous | prior | recent | latest | lookback
"""
)
# Loan questions (docs/DOMAIN.md, "Loans"): maturities, interest-only loans, lenders.
LOAN_WORDS = _table(
    """
    maturity: mature | matures | maturing | matured | maturity | maturity date | coming due | come
        due | comes due | due | fall due | falls due | expire | expires | expiring | roll over |
        rolls over | rollover | refinancing wall | maturity wall | maturity schedule | maturity
        profile | balloon | balloon payment | refi wall | refinance risk | refinancing risk
    interest_only: interest only | io | i/o | non amortizing | nonamortizing | interest only loan |
        io loan | zero amortization | no amortization
    lender: lender | bank | by lender | per lender | each lender | lender name | creditor
"""
)
OUTPUT_WORDS = _table(
    """
    excel: excel | xlsx | xls | spreadsheet | workbook | sheet
    pdf: pdf | report | pdf report | printable | document | memo | deck | slides
    chart: chart | plot | graph | visual | visualize | visualise | visualization | visualisation | viz
        | histogram | bar chart | line chart | png | svg | picture | image | dashboard |
        graphic | diagram | distribution | distribution chart | distribution plot
    csv: csv
"""
)
_DEBT_SCOPE = _table(
    """
    without: without debt | without any debt | no debt | with no debt | debt free | zero debt | unlevered
        | unleveraged | unencumbered | free and clear | no loan | without loan | without any loan
        | with no loan | no mortgage | no financing | all cash | no leverage | have no debt |
        debtfree | not levered | not financed
    with: with debt | with loan | levered | leveraged | encumbered | financed | with a loan | with any
        debt | that have debt | have debt | mortgaged | has debt | with financing
"""
)
DEBT_SCOPE: dict[bool, tuple[str, ...]] = {False: _DEBT_SCOPE["without"], True: _DEBT_SCOPE["with"]}
EXCLUDE_WORDS = tuple(
    phrase_set(
        """excluding | except | except for | ex | excl | other than | but not | non | not | outside | outside of
        | remove | drop | leave out | filter out | take out | omit | ignore | exclude | apart from |
        besides | minus the | without the | anything but | everything but | all but | anything
        except | everything except | excepting | not in | aside from | save for | barring | no | arent |
        isnt | are not | is not | that arent | which arent | not a | not an"""
    )
)
# Words that are a threshold by themselves (docs/DOMAIN.md, "Words of the trade"): metric
# (None: the metric named beside it), operator, value.
PRESET_THRESHOLDS: dict[str, tuple[str | None, str, float]] = {
    "negative": (None, "<", 0.0),
    "below zero": (None, "<", 0.0),
    "less than zero": (None, "<", 0.0),
    "under zero": (None, "<", 0.0),
    "positive": (None, ">", 0.0),
    "above zero": (None, ">", 0.0),
    "in the red": ("noi", "<", 0.0),
    "losing money": ("noi", "<", 0.0),
    "lose money": ("noi", "<", 0.0),
    "underwater": ("ltv", ">", 1.0),
    "under water": ("ltv", ">", 1.0),
    "upside down": ("ltv", ">", 1.0),
    "negative equity": ("ltv", ">", 1.0),
}
# "top decile", "bottom quartile", "top half": a share of the properties.
QUANTILE_WORDS: dict[str, float] = {
    "decile": 0.1,
    "quintile": 0.2,
    "quartile": 0.25,
    "tercile": 1 / 3,
    "third": 1 / 3,
    "half": 0.5,
    "percentile": 0.01,
}
# Every metric of the metrics table at once: "export all property metrics to Excel".
ALL_METRICS_WORDS = phrase_set(
    """
    all metric | all the metric | all property metric | all of the metric | every metric |
    property metric | full metric | key metric | main metric | all kpi | all the kpi | kpi |
    key figure | all figure | all the figure | all number | all the number | all data | all the
    data | full set of metric | all stat | all the stat | all property data |
    property data | portfolio metric | all portfolio metric | core metric | headline metric
"""
)
# A part of a whole: "what fraction of NOI comes from office", "NOI share by market".
SHARE_WORDS = phrase_set(
    """
    share | fraction | proportion | portion | contribution | percentage | percent of total |
    share of | what percent | what percentage | how much of | comes from | come from | coming from
    | contributed by | contribute | contributes | % of | percent of
"""
)


def lemma(word: str) -> str:
    """A crude singular form, used only to compare words with the vocabulary."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("sses"):  # classes, addresses
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
