"""The words the simulated company uses: channels, touch types, reasons, firmographics, names.

Each vocabulary is a tuple; the simulator works on integer codes into it, so the tuples' order is part of
the output (changing it changes the generated files for a seed).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ASSETS",
    "BANDS",
    "CHANNELS",
    "COUNTRIES",
    "DEPARTMENTS",
    "DEPARTMENT_SHARES",
    "DETOUR_REASONS",
    "FIRST_NAMES",
    "INDUSTRIES",
    "INDUSTRY_SHARES",
    "LAST_NAMES",
    "MARKETING_CHANNELS",
    "NAME_PARTS",
    "PAGES",
    "PERSONAS",
    "REGIONS",
    "SENIORITIES",
    "SENIORITY_SHARES",
    "STAGES",
    "TECHNOLOGIES",
    "TOUCH_TYPES",
    "Channel",
    "Stage",
    "Touch",
]


class Channel(IntEnum):
    """Where a touch came from; `SALES` is a person of ours, not marketing."""

    PAID_SEARCH = 0
    ORGANIC = 1
    EMAIL = 2
    WEBINAR = 3
    TRADE_SHOW = 4
    PODCAST = 5
    LINKEDIN_ADS = 6
    DIRECT = 7
    REFERRAL = 8
    EVENTS = 9
    SALES = 10


CHANNELS = tuple(channel.name.lower() for channel in Channel)
MARKETING_CHANNELS = tuple(channel for channel in Channel if channel is not Channel.SALES)


class Touch(IntEnum):
    """The type of one touchpoint."""

    PAGE_VIEW = 0
    PRICING_PAGE_VIEW = 1
    DOWNLOAD = 2
    WEBINAR_REGISTRATION = 3
    WEBINAR_ATTENDANCE = 4
    CONTACT_REQUEST = 5
    FORM_SUBMISSION = 6
    EMAIL_OPEN = 7
    EMAIL_CLICK = 8
    AD_CLICK = 9
    TRADE_SHOW_VISIT = 10
    CALL = 11
    EMAIL = 12
    MEETING = 13


TOUCH_TYPES = tuple(touch.name.lower() for touch in Touch)


class Stage(IntEnum):
    """A stage or detour of the example pact (src/revcycle/pact/examples/default.yaml)."""

    KNOWN = 0
    ENGAGED = 1
    MQL = 2
    SAL = 3
    SQL = 4
    OPPORTUNITY = 5
    CUSTOMER = 6
    RECYCLED = 7
    DISQUALIFIED = 8
    LOST = 9


STAGES = tuple(stage.name.lower() for stage in Stage)

# Reason codes, one vocabulary for all detours (the pact's codes); index 0 is "no reason".
DETOUR_REASONS = (
    "",
    "no_budget",
    "bad_timing",
    "no_response",
    "not_decision_maker",
    "competitor",
    "student",
    "company_too_small",
    "bad_fit",
    "spam",
    "duplicate",
    "price",
    "competitor_chosen",
    "no_decision",
    "timing",
)

REGIONS = ("americas", "emea", "apac")

# country, region, share of accounts, UTC offsets people there live at (standard time is enough for
# when a prospect browses; users' calendars use real IANA zones).
COUNTRIES = (
    ("US", 0, 0.40, (-5, -6, -7, -8)),
    ("CA", 0, 0.05, (-5, -8)),
    ("BR", 0, 0.04, (-3,)),
    ("MX", 0, 0.02, (-6,)),
    ("GB", 1, 0.09, (0,)),
    ("DE", 1, 0.08, (1,)),
    ("FR", 1, 0.05, (1,)),
    ("NL", 1, 0.03, (1,)),
    ("ES", 1, 0.03, (1,)),
    ("SE", 1, 0.02, (1,)),
    ("IE", 1, 0.02, (0,)),
    ("IT", 1, 0.02, (1,)),
    ("AU", 2, 0.04, (10,)),
    ("IN", 2, 0.05, (5.5,)),
    ("SG", 2, 0.03, (8,)),
    ("JP", 2, 0.03, (9,)),
)

INDUSTRIES = (
    "software",
    "financial_services",
    "healthcare",
    "manufacturing",
    "retail",
    "education",
    "government",
    "media",
    "logistics",
    "professional_services",
)
INDUSTRY_SHARES = (0.22, 0.12, 0.10, 0.12, 0.09, 0.06, 0.04, 0.07, 0.07, 0.11)

# employee bands: label, lowest, highest, share of accounts
BANDS = (
    ("1-49", 1, 49, 0.27),
    ("50-199", 50, 199, 0.25),
    ("200-999", 200, 999, 0.22),
    ("1000-4999", 1000, 4999, 0.17),
    ("5000+", 5000, 60000, 0.09),
)

SENIORITIES = ("ic", "manager", "director", "vp", "c_level", "owner")
SENIORITY_SHARES = (0.38, 0.27, 0.17, 0.09, 0.06, 0.03)

DEPARTMENTS = (
    ("marketing", "Marketing", "CMO"),
    ("sales", "Sales", "CRO"),
    ("revenue_operations", "Revenue Operations", "COO"),
    ("it", "IT", "CIO"),
    ("engineering", "Engineering", "CTO"),
    ("finance", "Finance", "CFO"),
    ("operations", "Operations", "COO"),
    ("customer_success", "Customer Success", "CCO"),
)
DEPARTMENT_SHARES = (0.22, 0.20, 0.10, 0.12, 0.12, 0.08, 0.10, 0.06)

PERSONAS = ("economic_buyer", "champion", "technical_evaluator", "end_user", "influencer")

# fmt: off
TECHNOLOGIES = (
    "salesforce", "hubspot", "marketo", "pardot", "slack", "microsoft_teams", "snowflake", "bigquery", "aws",
    "azure", "gcp", "zendesk", "intercom", "shopify", "workday", "sap", "outreach", "gong",
)
# fmt: on

# fmt: off
NAME_PARTS = (
    ("North", "Blue", "Bright", "Iron", "Silver", "Green", "Red", "Summit", "Harbor", "Cedar", "Maple",
     "Stone", "Swift", "Clear", "True", "Open", "Prime", "Union", "Pioneer", "Atlas", "Polar", "Sun", "Oak",
     "River"),
    ("wind", "field", "bridge", "point", "stack", "works", "line", "gate", "path", "forge", "light", "view",
     "base", "wave", "peak", "rock", "star", "well", "ridge", "port"),
    ("Analytics", "Systems", "Labs", "Group", "Health", "Logistics", "Bank", "Media", "Foods", "Energy",
     "Software", "Partners", "Industries", "Retail", "Capital", "Learning"),
)

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Paul", "Emily", "Steven",
    "Donna", "Andrew", "Michelle", "Kenji", "Yuki", "Priya", "Arjun", "Sofia", "Lukas", "Emma", "Hannah",
    "Mateo", "Lucia", "Oliver", "Chloe", "Noah", "Amelia", "Liam", "Isabella", "Ethan", "Mia", "Wei", "Mei",
    "Olga", "Ivan", "Fatima", "Omar", "Aisha", "Lars",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Mueller",
    "Schmidt", "Schneider", "Fischer", "Dubois", "Bernard", "Rossi", "Bianchi", "Tanaka", "Suzuki", "Sato",
    "Patel", "Sharma", "Singh", "Chen", "Wang", "Kim", "Park", "Jensen", "Larsen",
)
# fmt: on

# content assets: (name, funnel stage), four per stage in funnel order
ASSETS = (
    ("guide-to-lead-scoring", "top"),
    ("ebook-revenue-operations-101", "top"),
    ("blog-sla-between-sales-and-marketing", "top"),
    ("checklist-lead-handoff", "top"),
    ("report-state-of-b2b-pipeline", "middle"),
    ("case-study-northwind", "middle"),
    ("whitepaper-funnel-metrics", "middle"),
    ("webinar-recording-lead-routing", "middle"),
    ("roi-calculator", "bottom"),
    ("competitor-comparison", "bottom"),
    ("pricing-guide", "bottom"),
    ("implementation-plan", "bottom"),
)

# fmt: off
PAGES = ("/", "/product", "/features/scoring", "/features/routing", "/customers", "/blog", "/about",
         "/integrations", "/security", "/docs")
# fmt: on
