"""Charts of accounts close to Xero's default UK, AU and NZ charts, built into Xero Account objects."""

from __future__ import annotations

import random

from demodata.numbers import bank_account, iban, uuid4

# Account Type -> the read-only Class Xero derives from it.
ACCOUNT_CLASS: dict[str, str] = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "EQUITY": "EQUITY",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}
# Account Type -> (ReportingCode, ReportingCodeName), a coarse version of Xero's reporting codes.
REPORTING: dict[str, tuple[str, str]] = {
    "BANK": ("ASS.CUR.CAS", "Cash and cash equivalents"),
    "CURRENT": ("ASS.CUR", "Current assets"),
    "PREPAYMENT": ("ASS.CUR.PRE", "Prepayments"),
    "INVENTORY": ("ASS.CUR.INY", "Inventory"),
    "FIXED": ("ASS.NCA.FIX", "Property, plant and equipment"),
    "CURRLIAB": ("LIA.CUR", "Current liabilities"),
    "TERMLIAB": ("LIA.NCL", "Non-current liabilities"),
    "EQUITY": ("EQU", "Equity"),
    "REVENUE": ("REV.TRA", "Revenue from trading"),
    "OTHERINCOME": ("REV.OTH", "Other revenue"),
    "DIRECTCOSTS": ("EXP.COS", "Cost of sales"),
    "DEPRECIATN": ("EXP.DEP", "Depreciation"),
    "EXPENSE": ("EXP", "Expense"),
    "OVERHEADS": ("EXP", "Expense"),
}
FOREIGN_BANK_CURRENCY = {"GB": "EUR", "AU": "USD", "NZ": "AUD"}

# code|name|type|tax type|system account|flags (E shown in expense claims, A archived, P payments allowed,
# F bank account in a foreign currency). "~" in the tax column means the country's "no tax" code.
_SHARED_EXPENSES = """400|Advertising|{X}|{IN}||E
404|Bank Fees|{X}|{EXIN}||
412|Consulting & Accounting|{X}|{IN}||
416|Depreciation|DEPRECIATN|~||
420|Entertainment|{X}|{ENT}||E
425|Freight & Courier|{X}|{IN}||E
429|General Expenses|{X}|{IN}||E
433|Insurance|{X}|{INS}||
437|Interest Expense|{X}|{EXIN}||
441|Legal expenses|{X}|{IN}||
445|Light, Power, Heating|{X}|{IN}||E
449|Motor Vehicle Expenses|{X}|{IN}||E
455|Fax & Telex|{X}|{IN}||EA
461|Printing & Stationery|{X}|{IN}||E
469|Rent|{X}|{IN}||
473|Repairs and Maintenance|{X}|{IN}||E
485|Subscriptions|{X}|{IN}||E
489|Telephone & Internet|{X}|{IN}||E
493|Travel - National|{X}|{IN}||E
494|Travel - International|{X}|{TRI}||E
497|Bank Revaluations|{X}|~|BANKCURRENCYGAIN|
498|Unrealised Currency Gains|{X}|~|UNREALISEDCURRENCYGAIN|
499|Realised Currency Gains|{X}|~|REALISEDCURRENCYGAIN|"""
_SHARED_BALANCE = """610|Accounts Receivable|CURRENT|~|DEBTORS|
615|Stripe Clearing|CURRENT|~||P
620|Prepayments|PREPAYMENT|~||
630|Inventory|INVENTORY|~||
710|Office Equipment|FIXED|{CAP}||
720|Computer Equipment|FIXED|{CAP}||
800|Accounts Payable|CURRLIAB|~|CREDITORS|
801|Unpaid Expense Claims|CURRLIAB|~|UNPAIDEXPCLM|
850|Suspense|CURRLIAB|~||
860|Rounding|CURRLIAB|~|ROUNDING|
900|Loan|TERMLIAB|~||
960|Retained Earnings|EQUITY|~|RETAINEDEARNINGS|"""

_CHARTS = {
    "GB": """090|Business Bank Account|BANK|~||
092|EUR Account|BANK|~||F
200|Sales|REVENUE|OUTPUT2||
260|Other Revenue|REVENUE|OUTPUT2||
270|Interest Income|OTHERINCOME|EXEMPTOUTPUT||
310|Cost of Goods Sold|DIRECTCOSTS|INPUT2||
424|Entertainment - 0%|{X}|~||EA
477|Salaries|{X}|~||
478|Employers National Insurance|{X}|~||
814|Wages Payable - Payroll|CURRLIAB|~|WAGEPAYABLES|
820|VAT|CURRLIAB|~|GST|
825|PAYE Payable|CURRLIAB|~||
835|Directors' Loan Account|CURRLIAB|~||
950|Capital - Ordinary Shares|EQUITY|~||""",
    "AU": """090|Business Bank Account|BANK|~||
092|USD Account|BANK|~||F
200|Sales|REVENUE|OUTPUT||
260|Other Revenue|REVENUE|OUTPUT||
270|Interest Income|OTHERINCOME|INPUTTAXED||
310|Cost of Goods Sold|DIRECTCOSTS|INPUT||
477|Wages and Salaries|{X}|~||
478|Superannuation|{X}|~||
804|Wages Payable - Payroll|CURRLIAB|~|WAGEPAYABLES|
820|GST|CURRLIAB|~|GST|
825|PAYG Withholdings Payable|CURRLIAB|~||
826|Superannuation Payable|CURRLIAB|~||
880|Owner A Drawings|CURRLIAB|~||
970|Owner A Share Capital|EQUITY|~||""",
    "NZ": """090|Business Bank Account|BANK|~||
092|AUD Account|BANK|~||F
200|Sales|REVENUE|OUTPUT2||
260|Other Revenue|REVENUE|OUTPUT2||
270|Interest Income|OTHERINCOME|~||
310|Cost of Goods Sold|DIRECTCOSTS|INPUT2||
477|Wages and Salaries|{X}|~||
478|KiwiSaver Employer Contributions|{X}|~||
814|Wages Payable - Payroll|CURRLIAB|~|WAGEPAYABLES|
820|GST|CURRLIAB|~|GST|
821|GST On Imports|CURRLIAB|GSTONIMPORTS|GSTONIMPORTS|
825|PAYE Payable|CURRLIAB|~||
880|Owner A Drawings|CURRLIAB|~||
970|Owner A Share Capital|EQUITY|~||""",
}
# Per-country substitutions in the shared rows.
_CODES = {
    "GB": {"X": "OVERHEADS", "IN": "INPUT2", "EXIN": "EXEMPTINPUT", "ENT": "INPUT2", "INS": "EXEMPTINPUT",
           "TRI": "ZERORATEDINPUT", "CAP": "CAPEXINPUT2", "~": "NONE"},
    "AU": {"X": "EXPENSE", "IN": "INPUT", "EXIN": "INPUTTAXED", "ENT": "BASEXCLUDED", "INS": "INPUT",
           "TRI": "EXEMPTEXPENSES", "CAP": "CAPEXINPUT", "~": "BASEXCLUDED"},
    "NZ": {"X": "EXPENSE", "IN": "INPUT2", "EXIN": "NONE", "ENT": "INPUT2", "INS": "INPUT2", "TRI": "NONE",
           "CAP": "INPUT2", "~": "NONE"},
}  # fmt: skip
# Where Xero's UK chart names a shared account differently.
_RENAMES = {
    "GB": {
        "404": "Bank Charges",
        "412": "Audit & Accountancy fees",
        "420": "Entertainment-100% business",
        "425": "Postage, Freight & Courier",
        "437": "Interest Paid",
        "441": "Legal Expenses",
        "473": "Repairs & Maintenance",
    }
}


def chart_rows(country: str) -> list[tuple[str, str, str, str, str, str]]:
    """The country's chart as (code, name, type, tax type, system account, flags) rows, sorted by code."""
    codes = _CODES[country]
    text = "\n".join((_CHARTS[country], _SHARED_EXPENSES, _SHARED_BALANCE)).format(**codes)
    rows = []
    for line in text.splitlines():
        code, name, kind, tax, system, flags = line.split("|")
        name = _RENAMES.get(country, {}).get(code, name)
        rows.append((code, name, kind, codes["~"] if tax == "~" else tax, system, flags))
    return sorted(rows)


def build_accounts(rng: random.Random, country: str, currency: str) -> list[dict]:
    """Xero Account objects for the country's default-like chart; ids drawn from rng."""
    accounts = []
    for code, name, kind, tax, system, flags in chart_rows(country):
        account = {
            "AccountID": uuid4(rng),
            "Code": code,
            "Name": name,
            "Status": "ARCHIVED" if "A" in flags else "ACTIVE",
            "Type": kind,
            "TaxType": tax,
            "Class": ACCOUNT_CLASS[kind],
            "EnablePaymentsToAccount": "P" in flags,
            "ShowInExpenseClaims": "E" in flags,
            "BankAccountType": "",
            "ReportingCode": REPORTING[kind][0],
            "ReportingCodeName": REPORTING[kind][1],
            "HasAttachments": False,
            "AddToWatchlist": False,
        }
        if system:
            account["SystemAccount"] = system
        if kind == "BANK":
            foreign = "F" in flags
            account["BankAccountType"] = "BANK"
            account["CurrencyCode"] = FOREIGN_BANK_CURRENCY[country] if foreign else currency
            account["BankAccountNumber"] = _bank_number(rng, country, foreign)
        accounts.append(account)
    return accounts


def _bank_number(rng: random.Random, country: str, foreign: bool) -> str:
    """The organisation's own bank account number; an IBAN for a UK foreign-currency account."""
    if country == "GB" and foreign:
        bban = f"{rng.choice(('NWBK', 'BARC', 'LOYD', 'HBUK', 'MIDL'))}{rng.randrange(10**14):014d}"
        return iban("GB", bban)
    number = bank_account(rng, country)
    return number.replace("-", "").replace(" ", "") if country == "NZ" else number
