"""Requests as users type them -> RequirementAnalysis (on the handwritten directory)."""

from __future__ import annotations

from typing import Any

import pytest

from meta_agent.planning.models import RequirementAnalysis
from meta_agent.planning.rule_based import RuleBasedPlanner

OFS = "orlando_fashion_square"


def check(analysis: RequirementAnalysis, expected: dict[str, Any]) -> None:
    """Compare the fields named in ``expected``; a few keys have shorthand forms."""
    for key, want in expected.items():
        if key == "ids":
            assert [p.property_id for p in analysis.properties] == want
        elif key == "filters":
            got = [(f.metric, f.op, pytest.approx(f.value)) for f in analysis.filters]
            assert got == want
        elif key == "scenarios":
            got = [(s.noi_shock_pct, s.rate_shock_bp) for s in analysis.scenarios]
            assert got == want
        elif key == "ranking":
            r = analysis.ranking
            assert r is not None and (r.metric, r.descending, r.limit) == want
        elif key == "aggregation":
            g = analysis.aggregation
            assert g is not None and (g.function, g.metrics, g.group_by) == want
        elif key == "outputs_include":
            assert set(want) <= set(analysis.outputs)
        elif key == "note":
            assert any(want in line for line in analysis.interpretations), analysis.interpretations
        elif key in ("property_types", "markets", "states", "cities", "property_ids", "has_debt"):
            assert getattr(analysis.scope, key) == want
        else:
            assert getattr(analysis, key) == want, key


CASES: list[tuple[str, dict[str, Any]]] = [
    # --- the four use cases -------------------------------------------------------------
    (
        "Calculate DSCR for all properties and identify at-risk assets",
        {
            "intent": "metrics",
            "metrics": ["dscr"],
            "at_risk": True,
            "threshold": 1.25,
            "property_types": [],
            "filters": [],
        },
    ),
    (
        "Compare Orlando Fashion Square performance against 5 similar properties",
        {"intent": "comparison", "ids": [OFS], "peer_count": 5, "outputs_include": ["chart"]},
    ),
    (
        "Run DSCR scenarios with 10%, 20%, 30% NOI decrease for all properties",
        {
            "intent": "scenario",
            "scenarios": [(10, 0), (20, 0), (30, 0)],
            "outputs_include": ["chart"],
        },
    ),
    (
        "Generate monthly performance report for executive team",
        {"intent": "report", "outputs_include": ["pdf", "excel", "markdown"]},
    ),
    # --- DSCR and at-risk, phrased many ways --------------------------------------------
    ("dscr by asset, worst first", {"intent": "ranking", "ranking": ("dscr", False, None)}),
    (
        "anything on the watch list? (<1.35x)",
        {"intent": "metrics", "at_risk": True, "threshold": 1.35},
    ),
    (
        "which multifamily deals are under 1.2 DSCR",
        {"at_risk": True, "threshold": 1.2, "property_types": ["multifamily"]},
    ),
    (
        "Calc DSCR for every property & flag the ones at risk",
        {"metrics": ["dscr"], "at_risk": True},
    ),
    ("DEBT SERVICE COVERAGE FOR ALL ASSETS", {"intent": "metrics", "metrics": ["dscr"]}),
    ("show me which assets are below 1.25x coverage", {"at_risk": True, "threshold": 1.25}),
    ("at risk assets in Florida", {"at_risk": True, "states": ["FL"]}),
    ("list at-risk loans in TX", {"at_risk": True, "states": ["TX"]}),
    ("watch list below 1.4", {"at_risk": True, "threshold": 1.4, "note": "DSCR threshold"}),
    ("properties with a DSCR of less than 1.1", {"at_risk": True, "threshold": 1.1}),
    (
        "DSCR between 1.0 and 1.25",
        {"at_risk": False, "filters": [("dscr", ">=", 1.0), ("dscr", "<=", 1.25)]},
    ),
    ("dcsr for all propertys", {"metrics": ["dscr"], "note": "read 'dcsr' as 'dscr'"}),
    (
        "give me a PDF of at-risk loans for the credit committee",
        {"at_risk": True, "outputs_include": ["pdf"]},
    ),
    # --- single properties, sloppy names ------------------------------------------------
    ("what's our LTV on orlando fashion square", {"ids": [OFS], "metrics": ["ltv"]}),
    (
        "Orlando Fashion Sq debt yield + occupancy",
        {"ids": [OFS], "metrics": ["debt_yield", "occupancy"], "note": "Orlando Fashion Square"},
    ),
    ("ltv on the Orlnado fashon square", {"ids": [OFS], "metrics": ["ltv"]}),
    ("NOI for Fashion Square", {"ids": [OFS], "metrics": ["noi"]}),
    ("orlando_fashion_square cap rate", {"ids": [OFS], "metrics": ["cap_rate"]}),
    ("occupancy at Lake Nona", {"ids": ["lake_nona_apartments"], "metrics": ["occupancy"]}),
    (
        "what is the LTV and DSCR of Mueller Flats and Scottsdale Quarter",
        {"ids": ["mueller_flats", "scottsdale_quarter"], "metrics": ["ltv", "dscr"]},
    ),
    ("cap rate at Capital Plaza", {"ids": ["capital_plaza"]}),
    ("Buckhead Grand Hotel NOI", {"ids": ["buckhead_grand_hotel"], "property_types": []}),
    # --- scope: types, markets, cities, states ------------------------------------------
    (
        "cap rates for the industrial book",
        {"metrics": ["cap_rate"], "property_types": ["industrial"]},
    ),
    ("show me hotels", {"intent": "metrics", "property_types": ["hotel"]}),
    ("list all the mixed-use properties", {"property_types": ["mixed_use"]}),
    ("MF and office DSCR", {"property_types": ["multifamily", "office"]}),
    ("warehouse and logistics cap rates", {"property_types": ["industrial"]}),
    ("hospitality occupancy", {"property_types": ["hotel"], "metrics": ["occupancy"]}),
    ("DSCR for the Orlando market", {"markets": ["Orlando, FL"], "ids": []}),
    ("NOI in Dallas", {"markets": ["Dallas-Fort Worth, TX"]}),
    ("DSCR for properties in the city of Orlando", {"cities": ["Orlando"], "markets": []}),
    ("Miami retail", {"intent": "metrics", "property_types": ["retail"], "markets": ["Miami, FL"]}),
    ("occupancy in Texas and Georgia", {"states": ["TX", "GA"]}),
    ("cap rates in AZ", {"states": ["AZ"]}),
    (
        "DSCR for all properties except Texas",
        {"states": ["AZ", "FL", "GA", "IL", "OR", "TN", "WA"], "note": "excluding TX"},
    ),
    (
        "non-retail properties with LTV over 70",
        {
            "property_types": ["hotel", "industrial", "mixed_use", "multifamily", "office"],
            "filters": [("ltv", ">", 0.70)],
            "note": "70%",
        },
    ),
    ("properties without any debt", {"has_debt": False, "intent": "metrics"}),
    ("list levered assets in Texas", {"has_debt": True, "states": ["TX"]}),
    # --- thresholds -----------------------------------------------------------------------
    ("show properties with LTV over 75%", {"filters": [("ltv", ">", 0.75)]}),
    ("LTV between 60% and 75%", {"filters": [("ltv", ">=", 0.6), ("ltv", "<=", 0.75)]}),
    ("properties with occupancy under 90%", {"filters": [("occupancy", "<", 0.9)]}),
    ("vacancy above 10%", {"filters": [("occupancy", "<", 0.9)], "note": "1 - occupancy"}),
    ("NOI over $5M", {"filters": [("noi", ">", 5_000_000)]}),
    ("debt yield at least 9%", {"filters": [("debt_yield", ">=", 0.09)]}),
    (
        "office properties with LTV > 70% and DSCR < 1.3",
        {
            "filters": [("ltv", ">", 0.7)],
            "at_risk": True,
            "threshold": 1.3,
            "property_types": ["office"],
        },
    ),
    ("properties built before 1990", {"filters": [("year_built", "<", 1990)]}),
    # --- rankings -------------------------------------------------------------------------
    ("top 10 assets by T12 NOI", {"intent": "ranking", "ranking": ("noi", True, 10)}),
    ("lowest 3 occupancy in Texas", {"ranking": ("occupancy", False, 3), "states": ["TX"]}),
    ("worst 5 DSCR", {"ranking": ("dscr", False, 5)}),
    ("Generate the monthly executive report", {"intent": "report"}),
    ("monthly executive report", {"intent": "report"}),
    # exclusions reach past the noun they qualify
    ("average DSCR by type excluding properties without debt", {"has_debt": True}),
    ("NOI for all properties except those with no debt", {"has_debt": True}),
    ("cap rate for everything except properties with debt", {"has_debt": False}),
    # one group phrase is one noun: "by property type" asks for every type
    ("NOI by property type, largest first, excel", {"ranking": ("noi", True, None)}),
    ("which property type has the highest NOI", {"ranking": ("noi", True, 1)}),
    # 'top' and 'bottom' say where the list starts; a word after them says its order
    ("top 5 worst DSCR", {"ranking": ("dscr", False, 5)}),
    ("top 10 lowest occupancy", {"ranking": ("occupancy", False, 10)}),
    ("top 3 weakest assets by DSCR", {"ranking": ("dscr", False, 3)}),
    ("top 5 worst LTV", {"ranking": ("ltv", True, 5)}),
    ("top 10 best DSCR", {"ranking": ("dscr", True, 10)}),
    ("which property has the highest LTV", {"ranking": ("ltv", True, 1)}),
    ("best 3 debt yields", {"ranking": ("debt_yield", True, 3)}),
    ("worst LTVs first", {"ranking": ("ltv", True, None)}),
    ("highest vacancy, top five", {"ranking": ("occupancy", False, 5)}),
    (
        "industrial cap rates sorted high to low",
        {"ranking": ("cap_rate", True, None), "property_types": ["industrial"]},
    ),
    ("biggest 5 loans", {"intent": "loans", "ranking": ("loan_balance", True, 5)}),
    # --- aggregations and counts ----------------------------------------------------------
    (
        "avg cap rate by property type",
        {"intent": "aggregation", "aggregation": ("mean", ["cap_rate"], "property_type")},
    ),
    (
        "total NOI by market, biggest first",
        {"aggregation": ("sum", ["noi"], "market"), "ranking": ("noi", True, None)},
    ),
    ("median LTV per state", {"aggregation": ("median", ["ltv"], "state")}),
    ("number of properties by state", {"aggregation": ("count", [], "state")}),
    ("portfolio-wide average DSCR", {"aggregation": ("mean", ["dscr"], None)}),
    (
        "top 3 markets by NOI",
        {"aggregation": ("aggregate", ["noi"], "market"), "ranking": ("noi", True, 3)},
    ),
    (
        "compare retail vs office cap rates",
        {
            "aggregation": ("aggregate", ["cap_rate"], "property_type"),
            "property_types": ["retail", "office"],
        },
    ),
    ("how many hotels do we own", {"intent": "count", "property_types": ["hotel"]}),
    ("how many properties are at risk", {"intent": "count", "at_risk": True}),
    ("# of office buildings in TX", {"intent": "count", "states": ["TX"]}),
    # --- scenarios ------------------------------------------------------------------------
    ("stress test: NOI down 15% and 25%", {"scenarios": [(15, 0), (25, 0)]}),
    ("what happens to DSCR if rates go up 150bps", {"scenarios": [(0, 150)]}),
    (
        "+100/+200/+300 bp rate shock on the office portfolio",
        {"scenarios": [(0, 100), (0, 200), (0, 300)], "property_types": ["office"]},
    ),
    ("stress NOI by 20 percent", {"scenarios": [(20, 0)]}),
    ("rates up 2%", {"scenarios": [(0, 200)], "note": "+200 bp"}),
    ("NOI -10% / -20%", {"scenarios": [(10, 0), (20, 0)]}),
    ("interest rates up 1% and NOI down 10%", {"scenarios": [(10, 100)], "note": "combined"}),
    ("what does DSCR look like with a 15% drop in NOI", {"scenarios": [(15, 0)]}),
    # --- comparisons, trends, outliers, correlations, reports ---------------------------
    (
        "Compare Orlando Fashion Square to its 3 closest peers, export to Excel",
        {"peer_count": 3, "outputs_include": ["excel", "chart"]},
    ),
    (
        "how does Orlando Fashion Square stack up vs peers",
        {"intent": "comparison", "peer_count": 5, "note": "default"},
    ),
    (
        "Orlando Fashion Square vs Tampa Bay Commons",
        {"intent": "comparison", "ids": [OFS, "tampa_bay_commons"], "peer_count": 1},
    ),
    (
        "NOI trend for Orlando Fashion Square over the last 12 months, with a chart",
        {"intent": "trend", "ids": [OFS], "trend_months": 12, "metrics": ["noi"]},
    ),
    (
        "occupancy history for the Atlanta market over the past 2 years",
        {"intent": "trend", "markets": ["Atlanta, GA"], "trend_months": 24},
    ),
    (
        "revenue over the last year for hotels",
        {"intent": "trend", "metrics": ["egi"], "trend_months": 12},
    ),
    (
        "flag outliers in opex ratio across the portfolio",
        {"intent": "outliers", "metrics": ["expense_ratio"], "outlier_method": "iqr"},
    ),
    (
        "detect anomalies in occupancy using z-score",
        {"outlier_method": "zscore", "metrics": ["occupancy"]},
    ),
    (
        "outliers in NOI more than 2 standard deviations",
        {"outlier_method": "zscore", "outlier_threshold": 2.0},
    ),
    (
        "correlation between occupancy and NOI",
        {"intent": "correlation", "metrics": ["occupancy", "noi"], "correlation_method": "pearson"},
    ),
    ("how does LTV correlate with DSCR (spearman)", {"correlation_method": "spearman"}),
    ("board pack", {"intent": "report"}),
    (
        "exec report for the industrial portfolio",
        {"intent": "report", "property_types": ["industrial"]},
    ),
    # --- outputs ----------------------------------------------------------------------------
    (
        "DSCR by property, export to excel and pdf with a chart",
        {"outputs_include": ["table", "excel", "pdf", "chart"]},
    ),
    ("cap rate report for retail", {"outputs_include": ["pdf"], "intent": "metrics"}),
    ("at-risk list as a spreadsheet", {"outputs_include": ["excel"]}),
    # --- more phrasings met while building ----------------------------------------------
    ("any unusual occupancy figures (z-score > 2.5)?",
     {"outlier_method": "zscore", "outlier_threshold": 2.5, "filters": [], "outputs": ["table"]}),
    ("Show DSCR under +50, +100 and +150 bps",
     {"scenarios": [(0, 50), (0, 100), (0, 150)], "threshold": 1.25}),
    ("report for the board", {"intent": "report"}),
    ("industrial park cap rates", {"property_types": ["industrial"], "ids": []}),
    ("hotels in Tampa Bay", {"markets": ["Tampa, FL"]}),
    ("weighted average LTV", {"aggregation": ("aggregate", ["ltv"], None)}),
    ("list properties built after 2010", {"filters": [("year_built", ">", 2010)]}),
    ("update me on DSCR for the office book", {"metrics": ["dscr"]}),
]  # fmt: skip


@pytest.mark.parametrize(("request_text", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_requests_are_understood(
    planner: RuleBasedPlanner, request_text: str, expected: dict[str, Any]
) -> None:
    check(planner.analyse(request_text), expected)


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 60


def test_interpretations_are_stated_and_copied_to_the_plan(planner: RuleBasedPlanner) -> None:
    analysis = planner.analyse("Orlando Fashon Sq NOI")
    assert analysis.properties[0].exact is False
    assert "read 'Orlando Fashon Sq' as Orlando Fashion Square" in analysis.interpretations[0]
    plan = planner.plan(analysis)
    assert analysis.interpretations[0] in plan.interpretations


def test_a_city_alone_is_a_market_not_a_property(planner: RuleBasedPlanner) -> None:
    analysis = planner.analyse("DSCR for Orlando")
    assert analysis.properties == []
    assert analysis.scope.markets == ["Orlando, FL"]


def test_a_name_containing_a_city_beats_the_city(planner: RuleBasedPlanner) -> None:
    analysis = planner.analyse("cap rate of the Orlando Airport Hotel")
    assert [p.property_id for p in analysis.properties] == ["orlando_airport_hotel"]
    assert analysis.scope.markets == [] and analysis.scope.property_types == []


def test_casing_does_not_matter(planner: RuleBasedPlanner) -> None:
    variants = ["top 5 properties by NOI", "TOP 5 PROPERTIES BY NOI", "Top 5 Properties By Noi"]
    readings = [planner.analyse(v).model_dump(exclude={"request"}) for v in variants]
    assert readings[0] == readings[1] == readings[2]


def test_the_same_request_gives_the_same_analysis_and_plan(planner: RuleBasedPlanner) -> None:
    request = "Compare Orlando Fashion Square to its 3 closest peers, export to Excel"
    first, second = planner.analyse(request), planner.analyse(request)
    assert first == second
    assert planner.plan(first).content_hash() == planner.plan(second).content_hash()
