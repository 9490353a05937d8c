"""Reference data for the sample portfolio: real US markets, per-type operating profiles, names.

Figures are typical of the US market in 2023-2025 (rents, NOI margins, occupancy, cap rates and
loan terms by property type); the generator draws each property around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Market:
    """A metropolitan market: its main city, where it is, and how it prices real estate."""

    city: str
    state: str
    latitude: float
    longitude: float
    zip_prefix: str  # first three digits of the city's ZIP codes
    zip_max: int  # last two digits run 01..zip_max in the city
    rent_factor: float  # rents relative to the national average
    cap_adjustment: float  # added to the property type's cap rate (gateway markets trade lower)
    warm: bool  # sun-belt seasonality: hotels peak in winter and spring

    @property
    def name(self) -> str:
        """The market as stored in ``properties.market``, e.g. "Orlando, FL"."""
        return f"{self.city}, {self.state}"


# fmt: off
MARKETS: tuple[Market, ...] = (
    Market("Orlando", "FL", 28.5383, -81.3792, "328", 39, 0.95, 0.0015, True),
    Market("Miami", "FL", 25.7617, -80.1918, "331", 99, 1.25, -0.0015, True),
    Market("Tampa", "FL", 27.9506, -82.4572, "336", 47, 0.97, 0.0010, True),
    Market("Atlanta", "GA", 33.7490, -84.3880, "303", 60, 1.00, 0.0005, True),
    Market("Charlotte", "NC", 35.2271, -80.8431, "282", 80, 0.98, 0.0010, False),
    Market("Raleigh", "NC", 35.7796, -78.6382, "276", 17, 0.95, 0.0015, False),
    Market("Nashville", "TN", 36.1627, -86.7816, "372", 40, 1.05, 0.0005, False),
    Market("Dallas", "TX", 32.7767, -96.7970, "752", 54, 1.00, 0.0000, True),
    Market("Houston", "TX", 29.7604, -95.3698, "770", 99, 0.92, 0.0025, True),
    Market("Austin", "TX", 30.2672, -97.7431, "787", 59, 1.10, 0.0000, True),
    Market("Phoenix", "AZ", 33.4484, -112.0740, "850", 54, 0.95, 0.0010, True),
    Market("Las Vegas", "NV", 36.1699, -115.1398, "891", 49, 0.92, 0.0030, True),
    Market("Denver", "CO", 39.7392, -104.9903, "802", 39, 1.10, 0.0000, False),
    Market("Salt Lake City", "UT", 40.7608, -111.8910, "841", 28, 0.95, 0.0015, False),
    Market("Los Angeles", "CA", 34.0522, -118.2437, "900", 89, 1.35, -0.0040, True),
    Market("San Diego", "CA", 32.7157, -117.1611, "921", 31, 1.25, -0.0030, True),
    Market("San Francisco", "CA", 37.7749, -122.4194, "941", 34, 1.55, -0.0045, False),
    Market("Seattle", "WA", 47.6062, -122.3321, "981", 99, 1.30, -0.0035, False),
    Market("Chicago", "IL", 41.8781, -87.6298, "606", 61, 1.05, 0.0020, False),
    Market("Minneapolis", "MN", 44.9778, -93.2650, "554", 19, 0.92, 0.0025, False),
    Market("Boston", "MA", 42.3601, -71.0589, "021", 36, 1.40, -0.0040, False),
    Market("New York", "NY", 40.7128, -74.0060, "100", 40, 1.60, -0.0050, False),
    Market("Philadelphia", "PA", 39.9526, -75.1652, "191", 54, 1.05, 0.0015, False),
    Market("Washington", "DC", 38.9072, -77.0369, "200", 37, 1.30, -0.0030, False),
)
# fmt: on


@dataclass(frozen=True)
class TypeProfile:
    """How a property type operates: size, rent, occupancy, margins, trends, valuation, debt."""

    share: float  # of the portfolio
    size: tuple[float, float]  # square feet (or units/keys for multifamily and hotel)
    rent: tuple[float, float]  # USD per sf per year; per unit per month; ADR for hotels
    occupancy: tuple[float, float]
    occupancy_drift: float  # change per year
    other_income: float  # share of gross potential rent
    expense_ratio: tuple[float, float]  # operating expenses / EGI
    fixed_expenses: float  # share of expenses that does not move with revenue
    growth: float  # rent growth per year
    cap_rate: float  # market cap rate, 2025
    rate_spread: float  # added to the origination-year base rate
    interest_only: float  # share of senior loans that are interest-only
    amortization: tuple[int, ...]  # months, for amortizing loans
    suffixes: tuple[str, ...]  # of display names
    year_built: tuple[int, int]


# fmt: off
PROFILES: dict[str, TypeProfile] = {
    "retail": TypeProfile(
        share=0.20, size=(60_000, 380_000), rent=(16.0, 32.0), occupancy=(0.87, 0.96),
        occupancy_drift=-0.003, other_income=0.05, expense_ratio=(0.30, 0.38), fixed_expenses=0.7,
        growth=0.015, cap_rate=0.0700, rate_spread=0.0020, interest_only=0.10,
        amortization=(300, 300, 360), year_built=(1968, 2016),
        suffixes=("Commons", "Marketplace", "Town Center", "Shopping Center", "Crossing"),
    ),
    "office": TypeProfile(
        share=0.17, size=(60_000, 520_000), rent=(24.0, 48.0), occupancy=(0.74, 0.90),
        occupancy_drift=-0.012, other_income=0.03, expense_ratio=(0.40, 0.48), fixed_expenses=0.8,
        growth=0.005, cap_rate=0.0800, rate_spread=0.0035, interest_only=0.15,
        amortization=(300, 300, 360), year_built=(1972, 2019),
        suffixes=("Corporate Center", "Office Park", "Tower", "Executive Center", "Plaza"),
    ),
    "multifamily": TypeProfile(
        share=0.25, size=(120, 420), rent=(1250.0, 2600.0), occupancy=(0.925, 0.97),
        occupancy_drift=0.001, other_income=0.06, expense_ratio=(0.38, 0.45), fixed_expenses=0.6,
        growth=0.030, cap_rate=0.0540, rate_spread=-0.0020, interest_only=0.25,
        amortization=(360, 360, 360, 300), year_built=(1975, 2022),
        suffixes=("Apartments", "Residences", "Lofts", "Flats", "Village"),
    ),
    "industrial": TypeProfile(
        share=0.20, size=(120_000, 850_000), rent=(6.5, 12.0), occupancy=(0.94, 0.99),
        occupancy_drift=-0.002, other_income=0.015, expense_ratio=(0.22, 0.30), fixed_expenses=0.8,
        growth=0.045, cap_rate=0.0575, rate_spread=0.0000, interest_only=0.20,
        amortization=(300, 300, 360), year_built=(1978, 2022),
        suffixes=("Logistics Center", "Distribution Center", "Industrial Park", "Commerce Center"),
    ),
    "hotel": TypeProfile(
        share=0.08, size=(120, 380), rent=(140.0, 260.0), occupancy=(0.64, 0.77),
        occupancy_drift=0.004, other_income=0.30, expense_ratio=(0.66, 0.72), fixed_expenses=0.3,
        growth=0.025, cap_rate=0.0850, rate_spread=0.0060, interest_only=0.10,
        amortization=(300, 300, 240), year_built=(1970, 2020),
        suffixes=("Hotel", "Inn & Suites", "Grand Hotel", "Resort"),
    ),
    "mixed_use": TypeProfile(
        share=0.10, size=(80_000, 320_000), rent=(22.0, 40.0), occupancy=(0.86, 0.94),
        occupancy_drift=0.000, other_income=0.04, expense_ratio=(0.35, 0.42), fixed_expenses=0.7,
        growth=0.020, cap_rate=0.0650, rate_spread=0.0015, interest_only=0.15,
        amortization=(300, 360), year_built=(1980, 2021),
        suffixes=("Square", "Quarter", "Yards", "Station", "District"),
    ),
}
# fmt: on

# Distinct first words, so fuzzy matching on a name never confuses two properties. No name may
# come close to what users try as a missing property (for example "Sunset Plaza Mall").
# fmt: off
NAME_PREFIXES: tuple[str, ...] = (
    "Lakeside", "Willow Creek", "Cypress Point", "Magnolia", "Riverside", "Oak Hollow",
    "Harbor View", "Pinecrest", "Brookfield", "Stonegate", "Fairview", "Meadowbrook",
    "Cedar Ridge", "Highland", "Bayshore", "Granite Park", "Summit", "Hawthorne", "Juniper",
    "Kingsbridge", "Lexington", "Marlow", "Northgate", "Oakmont", "Parkside", "Queensbury",
    "Redwood", "Silverlake", "Tanglewood", "Unionville", "Vista Verde", "Westbrook",
    "Yorktown", "Aspen Grove", "Birchwood", "Canyon Ridge", "Dogwood", "Evergreen", "Foxhall",
    "Glenwood", "Heritage", "Ironwood", "Jasmine Hill", "Keystone", "Laurel Oaks", "Millbrook",
    "Newport", "Orchard Hill", "Palisades", "Quailwood", "Rosewood", "Sycamore", "Timberline",
    "Upland", "Valley Forge", "Whitehall", "Alder", "Beacon Hill", "Coral Gables", "Driftwood",
    "Emerald Bay", "Falcon Ridge", "Greystone", "Hidden Springs", "Ivy Gate", "Larkspur",
    "Mission Hills", "Northshore", "Old Mill", "Prairie Wind", "Regency", "Saddlebrook",
    "Trinity", "Victoria", "Windermere", "Arbor Lakes", "Bluewater", "Copperfield",
    "Eastwood", "Fountainhead",
)

STREETS: tuple[str, ...] = (
    "Main St", "Park Ave", "Commerce Blvd", "Oak St", "Market St", "Center Dr", "Lake Dr",
    "Industrial Pkwy", "Broadway", "Washington Ave", "Jefferson Blvd", "Madison Ave",
    "Lincoln Way", "Sunrise Blvd", "Gateway Dr", "Corporate Dr", "Harbor Blvd", "River Rd",
    "Highland Ave", "Pine St", "Maple Ave", "Elm St", "Cedar Ln", "University Blvd",
)

LENDERS: tuple[str, ...] = (
    "Wells Fargo", "JPMorgan Chase", "Bank of America", "MetLife Investment Management",
    "PGIM Real Estate Finance", "New York Life", "Northwestern Mutual", "Goldman Sachs",
    "Morgan Stanley", "PNC Real Estate", "Truist", "KeyBank", "U.S. Bank", "Citi",
)
AGENCY_LENDERS: tuple[str, ...] = ("Fannie Mae DUS", "Freddie Mac Optigo")
MEZZANINE_LENDERS: tuple[str, ...] = (
    "Blackstone Mortgage Trust", "Ares Commercial Real Estate", "Starwood Property Trust",
    "Mesa West Capital",
)

# Base commercial mortgage rate by origination year (Treasury plus a typical spread).
BASE_RATES: dict[int, float] = {
    2014: 0.0440, 2015: 0.0415, 2016: 0.0395, 2017: 0.0420, 2018: 0.0470, 2019: 0.0405,
    2020: 0.0345, 2021: 0.0330, 2022: 0.0500, 2023: 0.0665, 2024: 0.0650, 2025: 0.0625,
}

# Market cap rates moved with rates: added to the 2025 cap rate of the type, by year.
CAP_RATE_SHIFT: dict[int, float] = {
    2008: 0.0120, 2009: 0.0150, 2010: 0.0130, 2011: 0.0110, 2012: 0.0090, 2013: 0.0070,
    2014: 0.0050, 2015: 0.0030, 2016: 0.0020, 2017: 0.0010, 2018: 0.0005, 2019: 0.0000,
    2020: -0.0005, 2021: -0.0030, 2022: -0.0025, 2023: -0.0010, 2024: 0.0000, 2025: 0.0000,
}

# fmt: on

# The one property every portfolio has (DOMAIN.md), with the drivers of its statements.
ORLANDO_FASHION_SQUARE: dict[str, Any] = {
    "property_id": "orlando_fashion_square",
    "name": "Orlando Fashion Square",
    "property_type": "retail",
    "address": "3201 E Colonial Dr",
    "city": "Orlando",
    "state": "FL",
    "zip": "32803",
    "market": "Orlando, FL",
    "latitude": 28.552736,
    "longitude": -81.344582,
    "year_built": 1973,
    "square_feet": 1_075_000,
    "acquisition_date": "2016-06-15",
    "rent": 12.5,
    "occupancy": 0.84,
}

# DOMAIN.md's property types and valuation methods, as stored.
PROPERTY_TYPES: tuple[str, ...] = (
    "retail", "office", "multifamily", "industrial", "hotel", "mixed_use",
)  # fmt: skip
VALUATION_METHODS: tuple[str, ...] = ("appraisal", "broker_opinion", "internal")

# fmt: off
US_STATES: dict[str, str] = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
}
# fmt: on
