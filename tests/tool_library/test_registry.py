"""The tool registry: schemas from type hints, lookups, built-ins and entry-point plug-ins."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Literal

import pytest

from meta_agent.errors import UnknownTool
from meta_agent.tool_library.tool_registry import (
    BUILTIN_MODULES,
    CATEGORIES,
    ENTRY_POINT_GROUP,
    SIDE_EFFECTS,
    ToolRegistry,
    build_tool,
    default_registry,
    json_schema,
    plugins_may_exist,
    tool,
)

CONTRACT_TOOLS = {
    "database": {"query_database", "fetch_property_data", "fetch_financial_data", "batch_query",
                 "aggregate_data", "fetch_portfolio_metrics", "fetch_loans",
                 "fetch_monthly_performance", "fetch_property_directory"},
    "calculation": {"calculate_dscr", "calculate_cap_rate", "calculate_irr", "calculate_npv",
                    "calculate_roi", "calculate_loan_payment", "calculate_annual_debt_service",
                    "calculate_ltv", "calculate_debt_yield", "calculate_cash_on_cash",
                    "calculate_equity_multiple", "financial_ratios"},
    "data": {"transform_data", "filter_data", "aggregate_metrics", "export_to_csv",
             "export_to_excel", "export_to_pdf", "write_results_json"},
    "analysis": {"trend_analysis", "comparative_analysis", "find_similar_properties",
                 "outlier_detection", "correlation_analysis", "scenario_analysis"},
    "external": {"call_external_api", "geocode_address", "fetch_market_data", "get_demographics"},
    "validation": {"validate_property_id", "validate_data_format", "check_data_quality",
                   "verify_calculations"},
}  # fmt: skip


@tool(category="analysis", version="2.1.0", side_effects=["reads_database"])
def sample_tool(
    data: pd.DataFrame,  # noqa: F821
    threshold: float = 1.25,
    kinds: list[str] | None = None,
    mode: Literal["iqr", "zscore"] = "iqr",
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """Score a table.

    Args:
        data: the table to score.
        threshold: where risk starts.
    """
    return {}


def test_schema_is_derived_from_the_signature() -> None:
    built = build_tool(sample_tool)
    assert built.name == "sample_tool" and built.version == "2.1.0"
    assert built.description == "Score a table."
    assert built.side_effects == frozenset({"reads_database"})
    props = built.parameters["properties"]
    assert built.parameters["required"] == ["data"]
    assert props["data"]["x-python-type"] == "pandas.DataFrame"
    assert props["data"]["description"] == "the table to score."
    assert props["threshold"] == {
        "type": "number",
        "default": 1.25,
        "description": "where risk starts.",
    }
    assert props["kinds"] == {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}],
        "default": None,
    }
    assert props["mode"] == {"enum": ["iqr", "zscore"], "default": "iqr"}
    assert props["as_of"]["anyOf"][0] == {"type": "string", "format": "date"}
    assert built.returns == {"type": "object"}


def test_json_schema_of_common_types() -> None:
    assert json_schema(int) == {"type": "integer"}
    assert json_schema(dict[str, float]) == {
        "type": "object",
        "additionalProperties": {"type": "number"},
    }
    assert json_schema(tuple[int, str]) == {
        "type": "array",
        "prefixItems": [{"type": "integer"}, {"type": "string"}],
    }
    with pytest.raises(TypeError):
        json_schema(object())


def test_a_tool_must_be_fully_typed_and_documented() -> None:
    @tool(category="data")
    def untyped(x) -> int:  # type: ignore[no-untyped-def]
        """Doc."""
        return 1

    @tool(category="data")
    def undocumented(x: int) -> int:
        return x

    with pytest.raises(TypeError, match="no type annotation"):
        build_tool(untyped)
    with pytest.raises(TypeError, match="no docstring"):
        build_tool(undocumented)
    with pytest.raises(ValueError, match="unknown tool category"):
        tool(category="magic")
    with pytest.raises(ValueError, match="unknown side effects"):
        tool(category="data", side_effects=["teleports"])


def test_lookup_and_close_names() -> None:
    registry = ToolRegistry()
    registry.register(sample_tool)
    assert "sample_tool" in registry and registry.get("sample_tool").function is sample_tool
    with pytest.raises(UnknownTool, match="sample_tool"):
        registry.get("sample_tol")
    registry.register(sample_tool)  # the same function again is harmless

    @tool(category="data", name="sample_tool")
    def impostor() -> None:
        """Another function under the same name."""

    with pytest.raises(ValueError, match="already registered"):
        registry.register(impostor)


def test_every_contract_tool_is_registered_in_its_category() -> None:
    registry = default_registry(load_plugins=False)
    by_category: dict[str, set[str]] = {}
    for item in registry.tools():
        by_category.setdefault(item.category, set()).add(item.name)
        assert item.category in CATEGORIES and item.side_effects <= SIDE_EFFECTS
        assert item.description and item.module in BUILTIN_MODULES
    for category, names in CONTRACT_TOOLS.items():
        assert names <= by_category[category], names - by_category[category]


def test_contract_parameter_order_of_calculation_tools() -> None:
    registry = default_registry(load_plugins=False)
    order = {
        name: list(registry.get(name).parameters["properties"])
        for name in CONTRACT_TOOLS["calculation"]
    }
    assert order["calculate_dscr"] == ["noi", "debt_service"]
    assert order["calculate_loan_payment"] == ["rate", "n_periods", "principal"]
    assert order["calculate_annual_debt_service"] == [
        "original_balance",
        "interest_rate",
        "amortization_months",
    ]
    assert order["calculate_irr"] == ["cash_flows", "dates"]
    assert order["calculate_npv"] == ["rate", "cash_flows", "dates"]
    assert order["calculate_roi"] == ["initial", "final", "period"]


def test_entry_point_plugins_register_like_builtins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A third-party pack: a module with @tool functions, advertised in its dist-info."""
    package = tmp_path / "acme_tools.py"
    package.write_text(
        textwrap.dedent('''
        from meta_agent.tool_library.tool_registry import tool

        @tool(category="calculation", version="0.3.0")
        def acme_noi_margin(noi: float, revenue: float) -> float:
            """NOI as a share of revenue."""
            return noi / revenue
    ''')
    )
    dist = tmp_path / "acme_tools-0.3.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-tools\nVersion: 0.3.0\n")
    (dist / "entry_points.txt").write_text("[meta_agent.tools]\nacme = acme_tools\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert plugins_may_exist()  # the quick scan sees the pack, so importlib.metadata is asked
    registry = ToolRegistry()
    registry.load_entry_points()
    assert registry.get("acme_noi_margin").version == "0.3.0"
    assert registry.get("acme_noi_margin")(50.0, 200.0) == 0.25
    sys.modules.pop("acme_tools", None)


def test_listing_tools_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from meta_agent.tool_library.tool_registry import default_registry\n"
        "default_registry()\n"
        "print([m for m in ('pandas', 'numpy', 'sqlalchemy', 'matplotlib', 'httpx') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_quick_plugin_scan_never_misses_a_declared_plugin() -> None:
    """False only when importlib.metadata would find no entry point of the group either."""
    from importlib.metadata import entry_points

    if not plugins_may_exist():
        assert not list(entry_points(group=ENTRY_POINT_GROUP))
    code = (
        "import sys\n"
        "from meta_agent.tool_library.tool_registry import default_registry, plugins_may_exist\n"
        "default_registry()\n"
        "print(plugins_may_exist() or 'importlib.metadata' not in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"  # no plug-in declared: importlib.metadata never loaded
