"""The planner on the real sample portfolio (60 properties, seed 42), read from its database."""

from __future__ import annotations

from pathlib import Path

import pytest

from meta_agent.errors import DatabaseError, RequestRejected
from meta_agent.planning.resolve import PortfolioDirectory
from meta_agent.planning.rule_based import RuleBasedPlanner


@pytest.fixture(scope="module")
def sample_planner(sample_db_path: Path) -> RuleBasedPlanner:
    return RuleBasedPlanner(PortfolioDirectory.from_database(f"sqlite:///{sample_db_path}"))


def test_directory_from_the_database(sample_planner: RuleBasedPlanner) -> None:
    directory = sample_planner.directory
    assert len(directory) == 60
    entry = directory.get("orlando_fashion_square")
    assert entry is not None
    assert (entry.name, entry.property_type, entry.city, entry.state, entry.market) == (
        "Orlando Fashion Square", "retail", "Orlando", "FL", "Orlando, FL"
    )  # fmt: skip
    assert len(directory.types) == 6 and len(directory.markets) >= 15


def test_a_database_without_a_portfolio_is_a_database_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError):
        PortfolioDirectory.from_database(f"sqlite:///{tmp_path / 'empty.db'}")


def test_the_four_use_cases(sample_planner: RuleBasedPlanner) -> None:
    p = sample_planner
    dscr = p.plan(p.analyse("Calculate DSCR for all properties and identify at-risk assets"))
    assert dscr.tools_used()[:2] == ["fetch_portfolio_metrics", "flag_at_risk"]
    compare = p.analyse("Compare Orlando Fashion Square performance against 5 similar properties")
    assert [m.property_id for m in compare.properties] == ["orlando_fashion_square"]
    assert "plot_comparison" in p.plan(compare).tools_used()
    stress = p.analyse("Run DSCR scenarios with 10%, 20%, 30% NOI decrease for all properties")
    assert [s.noi_shock_pct for s in stress.scenarios] == [10, 20, 30]
    report = p.plan(p.analyse("Generate monthly performance report for executive team"))
    assert "build_executive_report" in report.tools_used()


@pytest.mark.parametrize(
    ("request_text", "property_ids"),
    [
        ("regancy flats dscr", ["regency_flats"]),
        ("Occupancy at Windermere", ["windermere_apartments"]),
        ("Pinecrest Inn & Suites cap rate", ["pinecrest_inn_suites"]),
        ("NOI for old mill", ["old_mill_town_center"]),
        (
            "DSCR at Victoria District and Whitehall District",
            ["victoria_district", "whitehall_district"],
        ),
        ("compare Marlow Hotel and Pinecrest Inn", ["marlow_hotel", "pinecrest_inn_suites"]),
        ("dscr for emerald bay town ctr", ["emerald_bay_town_center"]),
        ("town center cap rates", []),
        ("executive center NOI", []),
    ],
)
def test_real_names(
    sample_planner: RuleBasedPlanner, request_text: str, property_ids: list[str]
) -> None:
    analysis = sample_planner.analyse(request_text)
    assert [p.property_id for p in analysis.properties] == property_ids


def test_washington_is_the_dc_market_here(sample_planner: RuleBasedPlanner) -> None:
    analysis = sample_planner.analyse("properties in Washington")
    assert analysis.scope.markets == ["Washington, DC"] and analysis.scope.states == []


def test_unknown_names_get_the_real_close_names(sample_planner: RuleBasedPlanner) -> None:
    with pytest.raises(RequestRejected) as caught:
        sample_planner.analyse("compare Regancy Plaza to peers")
    assert caught.value.suggestions == ["Regency Flats"]


def test_the_directory_reads_the_same_from_a_sqlite_file_with_or_without_sqlalchemy(
    sample_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meta_agent.planning import directory

    plain = directory.PortfolioDirectory.from_database(sample_db_url)
    monkeypatch.setattr(directory, "_read_sqlite_file", lambda url: None)
    assert directory.PortfolioDirectory.from_database(sample_db_url) == plain
    assert len(plain) == 60
