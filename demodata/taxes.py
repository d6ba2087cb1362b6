"""Tax rates per country with Xero's TaxType codes, built into Xero TaxRate objects."""

from __future__ import annotations

# TaxType|Name|ReportTaxType|rate|applies to (assets, equity, expenses, liabilities, revenue as 1/0)
_RATES = {
    "GB": """OUTPUT2|20% (VAT on Income)|OUTPUT|20|11011
INPUT2|20% (VAT on Expenses)|INPUT|20|11110
RROUTPUT|5% (VAT on Income)|OUTPUT|5|11011
RRINPUT|5% (VAT on Expenses)|INPUT|5|11110
ZERORATEDOUTPUT|Zero Rated Income|ZERORATEDOUTPUT|0|11011
ZERORATEDINPUT|Zero Rated Expenses|ZERORATEDINPUT|0|11110
EXEMPTOUTPUT|Exempt Income|EXEMPTOUTPUT|0|11011
EXEMPTINPUT|Exempt Expenses|EXEMPTINPUT|0|11110
NONE|No VAT|NONE|0|11111
ECZROUTPUT|Zero Rated EC Goods Income|ECOUTPUT|0|00011
ECZROUTPUTSERVICES|Zero Rated EC Services|ECOUTPUTSERVICES|0|00011
ECZRINPUT|Zero Rated EC Expenses|ECINPUT|0|11110
CAPEXINPUT2|20% (VAT on Capital Purchases)|CAPITALEXPENSESINPUT|20|10000
CAPEXOUTPUT2|20% (VAT on Capital Sales)|CAPITALSALESOUTPUT|20|10000""",
    "AU": """OUTPUT|GST on Income|OUTPUT|10|11011
INPUT|GST on Expenses|INPUT|10|11110
EXEMPTOUTPUT|GST Free Income|EXEMPTOUTPUT|0|11011
EXEMPTEXPENSES|GST Free Expenses|EXEMPTEXPENSES|0|11110
BASEXCLUDED|BAS Excluded|BASEXCLUDED|0|11111
GSTONIMPORTS|GST on Imports|GSTONIMPORTS|0|00010
INPUTTAXED|Input Taxed|INPUTTAXED|0|11111
CAPEXINPUT|GST on Capital|CAPEXINPUT|10|10010
EXEMPTCAPITAL|GST Free Capital|EXEMPTCAPITAL|0|10010
EXEMPTEXPORT|GST Free Exports|EXEMPTEXPORT|0|00011
GSTONCAPIMPORTS|GST on Capital Imports|GSTONCAPIMPORTS|0|00010""",
    "NZ": """INPUT2|15% GST on Expenses|INPUT|15|11110
OUTPUT2|15% GST on Income|OUTPUT|15|11011
GSTONIMPORTS|GST on Imports|GSTONIMPORTS|0|00010
NONE|No GST|NONE|0|11111
ZERORATED|Zero Rated|OUTPUT|0|00011""",
}
# User-defined rates: TaxType|Name|ReportTaxType|status|applies|components as Name:rate[:C for compound],...
_CUSTOM = {
    "GB": """TAX001|VAT + Sugar Levy|OUTPUT|ACTIVE|11011|VAT:20,Sugar Levy:2.5
TAX002|Import Duty + VAT|INPUT|ACTIVE|11110|Import Duty:4,VAT on duty-paid value:20:C
TAX003|17.5% VAT (old)|OUTPUT|DELETED|11011|VAT:17.5""",
    "AU": """TAX001|GST + Wine Equalisation Tax|OUTPUT|ACTIVE|11011|GST:10,WET:29
TAX002|Fuel Levy + GST|INPUT|ACTIVE|11110|Fuel Levy:2,GST on levy:10:C
TAX003|Old Council Levy|INPUT|DELETED|11110|Council Levy:1.5""",
    "NZ": """TAX001|GST + Waste Levy|OUTPUT|ACTIVE|11011|GST:15,Waste Levy:1.5
TAX002|Biosecurity Levy + GST|INPUT|ACTIVE|11110|Biosecurity Levy:3,GST on levy:15:C
TAX003|12.5% GST (old)|OUTPUT|ARCHIVED|11011|GST:12.5""",
}
_COMPONENT = {"GB": "VAT", "AU": "GST", "NZ": "GST"}


def combined_rates(components: list[dict]) -> tuple[float, float]:
    """(DisplayTaxRate, EffectiveRate): the plain sum, and the rate with compound components applied on top."""
    simple = sum(c["Rate"] for c in components if not c["IsCompound"])
    compound = sum(c["Rate"] * (1 + simple / 100) for c in components if c["IsCompound"])
    display = sum(c["Rate"] for c in components)
    return round(display, 4), round(simple + compound, 4)


def _tax_rate(tax_type: str, name: str, report: str, status: str, applies: str, components: list[dict]) -> dict:
    """One Xero TaxRate object."""
    display, effective = combined_rates(components)
    flags = [flag == "1" for flag in applies]
    return {
        "Name": name,
        "TaxType": tax_type,
        "ReportTaxType": report,
        "CanApplyToAssets": flags[0],
        "CanApplyToEquity": flags[1],
        "CanApplyToExpenses": flags[2],
        "CanApplyToLiabilities": flags[3],
        "CanApplyToRevenue": flags[4],
        "DisplayTaxRate": display,
        "EffectiveRate": effective,
        "Status": status,
        "TaxComponents": components,
    }


def _component(name: str, rate: float, compound: bool = False) -> dict:
    """One Xero TaxComponent object."""
    return {"Name": name, "Rate": float(rate), "IsCompound": compound, "IsNonRecoverable": False}


def build_tax_rates(country: str) -> list[dict]:
    """The country's system tax rates followed by three user-defined ones (two multi-component, one retired)."""
    rates = []
    for line in _RATES[country].splitlines():
        tax_type, name, report, rate, applies = line.split("|")
        rates.append(_tax_rate(tax_type, name, report, "ACTIVE", applies, [_component(_COMPONENT[country], rate)]))
    for line in _CUSTOM[country].splitlines():
        tax_type, name, report, status, applies, spec = line.split("|")
        components = []
        for part in spec.split(","):
            bits = part.split(":")
            components.append(_component(bits[0], float(bits[1]), len(bits) > 2))
        rates.append(_tax_rate(tax_type, name, report, status, applies, components))
    return rates


def tax_codes(country: str) -> dict[str, str]:
    """Role -> TaxType for contacts' default tax types: sales, purchases, no tax, overseas purchases."""
    if country == "GB":
        return {"sales": "OUTPUT2", "purchases": "INPUT2", "none": "NONE", "imports": "ZERORATEDINPUT"}
    if country == "AU":
        return {"sales": "OUTPUT", "purchases": "INPUT", "none": "BASEXCLUDED", "imports": "EXEMPTEXPENSES"}
    return {"sales": "OUTPUT2", "purchases": "INPUT2", "none": "NONE", "imports": "NONE"}
