"""Static place tables for the seed generator: towns, regions, postcodes, streets and phone area codes."""

from __future__ import annotations

from typing import NamedTuple


class Place(NamedTuple):
    """A town with what an address and a landline there need."""

    suburb: str  # NZ suburb (AddressLine2), else ""
    city: str
    region: str
    postcode: str  # fixed postcode (AU, NZ) or a UK postcode area such as "RG"
    phone_area: str


_UK = """London|Greater London|SE|020;London|Greater London|N|020;London|Greater London|E|020;Reading|Berkshire|RG|0118
Oxford|Oxfordshire|OX|01865;Bristol||BS|0117;Bath|Somerset|BA|01225;Cardiff||CF|029;Swansea||SA|01792
Birmingham|West Midlands|B|0121;Manchester|Greater Manchester|M|0161;Leeds|West Yorkshire|LS|0113
Sheffield|South Yorkshire|S|0114;York|North Yorkshire|YO|01904;Newcastle upon Tyne|Tyne and Wear|NE|0191
Liverpool|Merseyside|L|0151;Nottingham|Nottinghamshire|NG|0115;Leicester|Leicestershire|LE|0116
Norwich|Norfolk|NR|01603;Cambridge|Cambridgeshire|CB|01223;Ipswich|Suffolk|IP|01473;Brighton|East Sussex|BN|01273
Southampton|Hampshire|SO|023;Portsmouth|Hampshire|PO|023;Exeter|Devon|EX|01392;Plymouth|Devon|PL|01752
Truro|Cornwall|TR|01872;Gloucester|Gloucestershire|GL|01452;Cheltenham|Gloucestershire|GL|01242
Canterbury|Kent|CT|01227;Maidstone|Kent|ME|01622;Guildford|Surrey|GU|01483;Milton Keynes|Buckinghamshire|MK|01908
Edinburgh||EH|0131;Glasgow||G|0141;Aberdeen||AB|01224;Inverness|Highland|IV|01463;Belfast||BT|028
Derby|Derbyshire|DE|01332;Stoke-on-Trent|Staffordshire|ST|01782;Hull|East Riding of Yorkshire|HU|01482
Lincoln|Lincolnshire|LN|01522;Chester|Cheshire|CH|01244;Lancaster|Lancashire|LA|01524;Carlisle|Cumbria|CA|01228
Shrewsbury|Shropshire|SY|01743;Worcester|Worcestershire|WR|01905;Hereford|Herefordshire|HR|01432
Salisbury|Wiltshire|SP|01722;Swindon|Wiltshire|SN|01793;Bournemouth|Dorset|BH|01202;Taunton|Somerset|TA|01823
Northampton|Northamptonshire|NN|01604;Luton|Bedfordshire|LU|01582;St Albans|Hertfordshire|AL|01727
Colchester|Essex|CO|01206;Chelmsford|Essex|CM|01245;Harrogate|North Yorkshire|HG|01423;Durham|County Durham|DH|0191"""

_AU = """Bondi|NSW|2026;Parramatta|NSW|2150;Newcastle|NSW|2300;Wollongong|NSW|2500;Manly|NSW|2095;Cronulla|NSW|2230
Penrith|NSW|2750;Byron Bay|NSW|2481;Surry Hills|NSW|2010;Chatswood|NSW|2067;Dubbo|NSW|2830;Wagga Wagga|NSW|2650
Albury|NSW|2640;Sydney|NSW|2000;Marrickville|NSW|2204;Canberra|ACT|2600;Fyshwick|ACT|2609;Melbourne|VIC|3000
Fitzroy|VIC|3065;Geelong|VIC|3220;Ballarat|VIC|3350;Bendigo|VIC|3550;St Kilda|VIC|3182;Mildura|VIC|3500
Dandenong|VIC|3175;Richmond|VIC|3121;Hobart|TAS|7000;Launceston|TAS|7250;Brisbane|QLD|4000
Fortitude Valley|QLD|4006;Southport|QLD|4215;Toowoomba|QLD|4350;Cairns|QLD|4870;Townsville|QLD|4810
Maroochydore|QLD|4558;Noosa Heads|QLD|4567;Adelaide|SA|5000;Glenelg|SA|5045;Mount Gambier|SA|5290;Perth|WA|6000
Fremantle|WA|6160;Joondalup|WA|6027;Bunbury|WA|6230;Darwin|NT|0800;Alice Springs|NT|0870"""
_AU_AREA = {"NSW": "02", "ACT": "02", "VIC": "03", "TAS": "03", "QLD": "07", "SA": "08", "WA": "08", "NT": "08"}

_NZ = """Ponsonby|Auckland|Auckland|1011|09;Takapuna|Auckland|Auckland|0622|09;Newmarket|Auckland|Auckland|1023|09
Manukau|Auckland|Auckland|2104|09;Penrose|Auckland|Auckland|1061|09;Albany|Auckland|Auckland|0632|09
Te Aro|Wellington|Wellington|6011|04;Petone|Lower Hutt|Wellington|5012|04;|Paraparaumu|Wellington|5032|04
|Porirua|Wellington|5022|04;Riccarton|Christchurch|Canterbury|8011|03;Sydenham|Christchurch|Canterbury|8023|03
|Rangiora|Canterbury|7400|03;|Timaru|Canterbury|7910|03;Central|Dunedin|Otago|9016|03;|Queenstown|Otago|9300|03
|Wanaka|Otago|9305|03;|Invercargill|Southland|9810|03;|Nelson|Nelson|7010|03;|Richmond|Tasman|7020|03
|Blenheim|Marlborough|7201|03;Frankton|Hamilton|Waikato|3204|07;|Cambridge|Waikato|3434|07
|Tauranga|Bay of Plenty|3110|07;Mount Maunganui|Tauranga|Bay of Plenty|3116|07;|Rotorua|Bay of Plenty|3010|07
|Napier|Hawke's Bay|4110|06;|Hastings|Hawke's Bay|4122|06;|New Plymouth|Taranaki|4310|06
|Palmerston North|Manawatu-Whanganui|4410|06;|Whanganui|Manawatu-Whanganui|4500|06;|Whangarei|Northland|0110|09
|Masterton|Wellington|5810|06;|Gisborne|Gisborne|4010|06;|Greymouth|West Coast|7805|03;|Thames|Waikato|3500|07"""


def _split(text: str) -> tuple[str, ...]:
    """Split a '|'-separated table into a tuple."""
    return tuple(text.split("|"))


def _rows(text: str) -> list[list[str]]:
    """Split ';'/newline-separated rows of '|'-separated fields."""
    return [row.split("|") for line in text.splitlines() for row in line.split(";") if row]


PLACES: dict[str, tuple[Place, ...]] = {
    "GB": tuple(Place("", t, r, pc, area) for t, r, pc, area in _rows(_UK)),
    "AU": tuple(Place("", t, s, pc, _AU_AREA[s]) for t, s, pc in _rows(_AU)),
    "NZ": tuple(Place(sub, c, r, pc, area) for sub, c, r, pc, area in _rows(_NZ)),
}

STREETS: dict[str, tuple[str, ...]] = {
    "GB": _split(
        "High Street|Station Road|Church Lane|Mill Lane|Victoria Road|Park Road|London Road|Queen Street|"
        "King Street|The Green|Manor Road|Market Place|North Street|Bridge Street|Castle Street|Chapel Lane|"
        "School Lane|Riverside Industrial Estate|Wharf Road|Brewery Lane|Albert Road|New Road|Springfield Road|"
        "Kingsway|Commercial Road|Canal Street|Dock Road|Abbey Road|Orchard Way|Meadow Lane"
    ),
    "AU": _split(
        "George St|Pitt St|Campbell Pde|Smith St|Bridge Rd|Chapel St|Brunswick St|Oxford St|Victoria St|Main Rd|"
        "Pacific Hwy|Beach Rd|Station St|Railway Pde|Sturt St|Hay St|Murray St|Flinders St|Elizabeth St|King St|"
        "Parramatta Rd|Princes Hwy|Ann St|Wickham St|Rundle St|Gouger St|Stirling Hwy|Mitchell St|Esplanade|"
        "Industrial Dr"
    ),
    "NZ": _split(
        "Queen Street|Ponsonby Road|Cuba Street|Lambton Quay|Colombo Street|George Street|Devonport Road|"
        "Great North Road|Main Street|Tay Street|Victoria Street|Karangahape Road|Moorhouse Avenue|Te Rapa Road|"
        "Jackson Street|Riccarton Road|Dominion Road|Manners Street|Hereford Street|Cameron Road|Heretaunga Street|"
        "Devon Street|Broadway|Emerson Street|Trafalgar Street|High Street|Station Road|Beach Road|Marine Parade|"
        "Springs Road"
    ),
}
# Second address lines for business premises.
PREMISES: dict[str, tuple[str, ...]] = {
    "GB": ("Unit {n}", "Suite {n}", "Floor {n}", "The Old Dairy", "Riverside House", "Unit {n}, Enterprise Park"),
    "AU": ("Unit {n}", "Suite {n}", "Level {n}", "Shop {n}", "Factory {n}"),
    "NZ": ("Unit {n}", "Suite {n}", "Level {n}", "Shop {n}", "Building {n}"),
}
COUNTRY_NAMES = {"GB": "United Kingdom", "AU": "Australia", "NZ": "New Zealand"}
PHONE_COUNTRY = {"GB": "44", "AU": "61", "NZ": "64"}
MOBILE_PREFIXES: dict[str, tuple[str, ...]] = {
    "GB": ("07700", "07712", "07723", "07734", "07745", "07756", "07767", "07788", "07799", "07800", "07812", "07930"),
    "AU": ("0400", "0401", "0402", "0403", "0411", "0412", "0413", "0415", "0418", "0421", "0422", "0438", "0447"),
    "NZ": ("021", "021", "022", "027", "027", "029"),
}
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a UK inward code may use
