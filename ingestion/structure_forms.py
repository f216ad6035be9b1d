"""What the forms look like: Item and Part heading patterns, each form's Items in order,
their usual titles (squeezed) and canonical names.

The canonical order ranks Item candidates (a heading chain must follow it); the title
patterns tell a real heading ("Item 7. Management's ...") from a mention.
"""

from __future__ import annotations

import re

__all__ = [
    "ITEM_RE",
    "K_CANON",
    "K_ORDER",
    "K_PART_OF",
    "K_TITLE_RE",
    "PART_RE",
    "PART_TITLE_RE",
    "Q_ORDER",
    "Q_TITLE_RE",
    "ROMAN",
    "ROMAN_OUT",
]

ITEM_RE = re.compile(
    r"^items?\s*(\d{1,2}(?:\.\d{2})?[A-Ca-c]?)\b"
    r"(?:\s*(?:and|&|,|through|-|–|to)\s*\d{1,2}[A-Ca-c]?\b)?"  # "Items 1 and 2."
    r"\s*(.*)$",
    re.IGNORECASE,
)
PART_RE = re.compile(r"^part\s+(i\s?v|i\s?i\s?i|i\s?i|i|1|2|3|4)\b\s*(.*)$", re.IGNORECASE)
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
ROMAN_OUT = {1: "I", 2: "II", 3: "III", 4: "IV"}

K_ORDER = {
    "1": 1,
    "1A": 2,
    "1B": 3,
    "1C": 4,
    "2": 5,
    "3": 6,
    "4": 7,
    "5": 11,
    "6": 12,
    "7": 13,
    "7A": 14,
    "8": 15,
    "9": 16,
    "9A": 17,
    "9B": 18,
    "9C": 19,
    "10": 21,
    "11": 22,
    "12": 23,
    "13": 24,
    "14": 25,
    "15": 31,
    "16": 32,
}
K_PART_OF = {k: (1 if v < 10 else 2 if v < 20 else 3 if v < 30 else 4) for k, v in K_ORDER.items()}
Q_ORDER = {
    1: {"1": 1, "2": 2, "3": 3, "4": 4},
    2: {"1": 11, "1A": 12, "1B": 13, "2": 14, "3": 15, "4": 16, "5": 17, "6": 18},
}


_K_TITLES = {
    "1": "business",
    "1A": "riskfactors",
    "1B": "unresolved",
    "1C": "cyber",
    "2": "propert",
    "3": "legal",
    "4": "(?:mine|submission|removed|reserved)",
    "5": "market",
    "6": "(?:selected|reserved)",
    "7": "management",
    "7A": "(?:quantitative|marketrisk)",
    "8": "(?:consolidated)?financialstatements",
    "9": "changesin",
    "9A": "controls",
    "9B": "otherinformation",
    "9C": "disclosure",
    "10": "directors",
    "11": "executivecompensation",
    "12": "securityownership",
    "13": "certainrelationships",
    "14": "principalaccount",
    "15": "exhibit",
    "16": "(?:form10k)?summary",
}
_Q_TITLES = {
    1: {
        "1": "(?:condensed)?(?:consolidated)?financialstatements",
        "2": "management",
        "3": "(?:quantitative|market)",
        "4": "controls",
    },
    2: {
        "1": "legal",
        "1A": "riskfactors",
        "1B": "unresolved",
        "2": "(?:unregistered|purchases|changesinsecurities|issuerpurchases)",
        "3": "defaults",
        "4": "(?:mine|submission|removed|reserved)",
        "5": "otherinformation",
        "6": "exhibits",
    },
}
K_TITLE_RE = {k: re.compile(v) for k, v in _K_TITLES.items()}
Q_TITLE_RE = {p: {k: re.compile(v) for k, v in d.items()} for p, d in _Q_TITLES.items()}
K_CANON = {
    "1": "Business",
    "1A": "Risk Factors",
    "1B": "Unresolved Staff Comments",
    "1C": "Cybersecurity",
    "2": "Properties",
    "3": "Legal Proceedings",
    "4": "Mine Safety Disclosures",
    "5": "Market for Registrant's Common Equity, Related Stockholder Matters and Issuer Purchases of Equity Securities",
    "6": "Selected Financial Data",
    "7": "Management's Discussion and Analysis of Financial Condition and Results of Operations",
    "7A": "Quantitative and Qualitative Disclosures About Market Risk",
    "8": "Financial Statements and Supplementary Data",
    "9": "Changes in and Disagreements with Accountants on Accounting and Financial Disclosure",
    "9A": "Controls and Procedures",
    "9B": "Other Information",
    "9C": "Disclosure Regarding Foreign Jurisdictions that Prevent Inspections",
    "10": "Directors, Executive Officers and Corporate Governance",
    "11": "Executive Compensation",
    "12": "Security Ownership of Certain Beneficial Owners and Management and Related Stockholder Matters",
    "13": "Certain Relationships and Related Transactions, and Director Independence",
    "14": "Principal Accountant Fees and Services",
    "15": "Exhibits and Financial Statement Schedules",
    "16": "Form 10-K Summary",
}
PART_TITLE_RE = re.compile(
    r"^\W{0,3}(?:financial\s+information|other\s+information)", re.IGNORECASE
)
