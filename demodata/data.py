"""Static word tables for the seed generator: people's names and the parts of business names, per country."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    """Split a '|'-separated table into a tuple of stripped entries."""
    return tuple(part.strip() for part in text.split("|") if part.strip())


_FIRST_COMMON = _words(
    "James|John|David|Michael|Peter|Paul|Mark|Andrew|Richard|Thomas|Daniel|Matthew|Christopher|Simon|Stephen|"
    "Robert|William|Benjamin|Samuel|Joseph|Jack|Oliver|Harry|George|Charlie|Lucas|Ethan|Liam|Noah|Leo|Oscar|"
    "Henry|Alexander|Nathan|Ryan|Adam|Luke|Sam|Tom|Ben|Sarah|Emma|Rachel|Laura|Claire|Helen|Karen|Susan|"
    "Elizabeth|Jessica|Hannah|Sophie|Charlotte|Amelia|Olivia|Isla|Grace|Chloe|Emily|Lucy|Ella|Ruby|Zoe|Anna|"
    "Katie|Amy|Rebecca|Victoria|Nicola|Michelle|Kate|Alice|Megan|Jade|Priya|Aisha|Mei|Sofia|Maria|Elena"
)
_FIRST_EXTRA = {
    "GB": _words(
        "Alistair|Angus|Callum|Colin|Dylan|Euan|Fergus|Gareth|Hamish|Iain|Rhys|Owain|Alfie|Archie|Freddie|"
        "Fiona|Siobhan|Morag|Bethan|Cerys|Niamh|Imogen|Harriet|Poppy|Rosie|Gemma|Kirsty|Eilidh|Ffion|Mhairi"
    ),
    "AU": _words(
        "Bruce|Shane|Darren|Brett|Craig|Wayne|Jarrah|Lachlan|Cooper|Mitchell|Brodie|Hamish|Kane|Tyson|Bailey|"
        "Sheila|Kylie|Narelle|Tegan|Jacinta|Bronwyn|Shannon|Courtney|Mia|Matilda|Indi|Sienna|Minh|Linh|Thi"
    ),
    "NZ": _words(
        "Tama|Wiremu|Rawiri|Nikau|Manaia|Ari|Hemi|Tane|Kahu|Mikaere|Blair|Hamish|Stuart|Craig|Corey|"
        "Mere|Aroha|Anahera|Kiri|Moana|Ngaio|Hine|Maia|Awhina|Tui|Kahurangi|Marama|Ngaire|Aria|Stacey"
    ),
}
_LAST_COMMON = _words(
    "Smith|Jones|Williams|Brown|Taylor|Wilson|Johnson|White|Martin|Anderson|Thompson|Walker|Wright|Robinson|"
    "Thomson|Hughes|Edwards|Green|Hall|Wood|Harris|Lewis|Clarke|Jackson|Scott|Young|King|Baker|Turner|Hill|"
    "Moore|Cooper|Ward|Morris|Evans|Phillips|Roberts|Campbell|Stewart|Murphy|Kelly|Ryan|Kennedy|Mitchell|"
    "Bennett|Carter|Watson|Parker|Shaw|Cook|Bell|Murray|Bailey|Collins|Richardson|Cox|Howard|Gray|Fisher|"
    "Marshall|Chapman|Reid|Hunt|Mills|Grant|Knight|Fraser|Palmer|Lloyd|Russell|Mason|Webb|Stevens|Wallace|"
    "Singh|Patel|Chen|Wang|Li|Zhang|Kumar|Sharma|Ali|Lee|Kim|Park|Nguyen|Tran|Le|Pham|Rossi|Costa|Silva"
)
_LAST_EXTRA = {
    "GB": _words(
        "Khan|Hussain|Begum|Ahmed|Shah|Davies|Jenkins|Price|Griffiths|Morgan|Owen|Powell|Rees|Vaughan|Pritchard|"
        "McDonald|MacLeod|Fergusson|Sinclair|Buchanan|Doherty|Quinn|Gallagher|Whitfield|Ashworth|Hargreaves|"
        "Pemberton|Fairbairn|Hollingsworth|Cartwright|Thornton|Blackwood|Pennington|Ainsworth|Oakley|Rowntree"
    ),
    "AU": _words(
        "Papadopoulos|Nikolaidis|Russo|Romano|Bianchi|Ferrari|Esposito|Kowalski|Novak|OBrien|Sullivan|Gallagher|"
        "Hoang|Vo|Huynh|Dang|Bui|Do|Ngo|Duong|Lim|Tan|Wong|Chan|Ho|Sutherland|McKenzie|Henderson|Dawson|"
        "Fitzgerald|Brennan|Crowley|Lawson|Chisholm|Hawke|Menzies"
    ),
    "NZ": _words(
        "Parata|Ngata|Tawhiri|Walker|Tipene|Horomona|Te Rangi|Kereama|Whaanga|Paewai|Rangihuna|Tuhoe|Herewini|"
        "Ruawai|Tamihana|Mahuta|Pomare|Katene|Karaka|Hohaia|Fa'alogo|Tuilagi|Leota|Sapolu|Faleolo|Tupou|"
        "McKenzie|Sinclair|Donaldson|Henderson|Ferguson|Urquhart|Gillies|Cameron|Munro|Brownlee|Halberg"
    ),
}

FIRST_NAMES: dict[str, tuple[str, ...]] = {c: _FIRST_COMMON + extra for c, extra in _FIRST_EXTRA.items()}
LAST_NAMES: dict[str, tuple[str, ...]] = {c: _LAST_COMMON + extra for c, extra in _LAST_EXTRA.items()}

# Place-like words that start a business name ("Thames Valley Flour Co").
BUSINESS_PLACES: dict[str, tuple[str, ...]] = {
    "GB": _words(
        "Thames Valley|Cotswold|Pennine|Mendip|Chiltern|Severn|Wessex|Mercia|Northumbria|Cheshire|Harbourside|"
        "Bristol|Kentish|Suffolk|Norfolk|Yorkshire Dales|Peak District|Solent|Tyneside|Clyde|Highland|Cambrian|"
        "Fenland|Dartmoor|Exmoor|Lakeland|Malvern|Wirral|Cornish|Devon|Somerset|Sussex Downs|Weald|Broadland|"
        "Cairngorm|Trossachs|Snowdonia|Gower|Brecon|Wye Valley|Forest of Dean|Quantock|Purbeck|Isle of Wight|"
        "Riverside|Castle|Abbey|Minster|Market|Wharf|Quayside|Canal Side|Old Mill|Millstone|Greenwich|"
        "Camden|Hackney|Brixton|Shoreditch|Clerkenwell|Islington|Richmond|Kingston|Ealing"
    ),
    "AU": _words(
        "Bondi|Hunter Valley|Barossa|Yarra|Gold Coast|Sunshine Coast|Blue Mountains|Illawarra|Fremantle|Outback|"
        "Southern Cross|Murray River|Darling Downs|Kimberley|Coral Sea|Daintree|Gippsland|Mornington|Byron|"
        "Parramatta|Cronulla|Manly|Geelong|Ballarat|Bendigo|Toowoomba|Cairns|Hobart|Adelaide Hills|Swan Valley|"
        "Margaret River|Clare Valley|Coonawarra|Hawkesbury|Nepean|Shoalhaven|Eurobodalla|Riverina|Mallee|"
        "Wimmera|Grampians|Otway|Bellarine|Tamar|Huon|Derwent|Noosa|Whitsunday|Capricorn|Pilbara|Nullarbor|"
        "Top End|Arnhem|Eyre|Fleurieu|Limestone Coast|Harbour City|Northern Beaches|Inner West|Eastern Suburbs"
    ),
    "NZ": _words(
        "Kapiti Coast|Hauraki|Waikato|Otago|Canterbury|Marlborough|Hawke's Bay|Taranaki|Coromandel|Rotorua|"
        "Tasman|Southern Alps|Aoraki|Waitemata|Manukau|Kaikoura|Wairarapa|Northland|Bay of Plenty|Ruapehu|"
        "Tui|Kiwi|Pohutukawa|Kauri|Manuka|Karaka|Rimu|Totara|Kowhai|Harakeke|Matai|Nikau|Tawa|Kereru|Takahe|"
        "Central Otago|Mackenzie|Waitaki|Catlins|Fiordland|Golden Bay|Abel Tasman|Hokianga|Kaipara|Matakana|"
        "Waiheke|Raglan|Taupo|Tongariro|Manawatu|Horowhenua|Hutt Valley|Harbour|Southern|Mainland|Te Puke"
    ),
}

BUSINESS_ADJECTIVES = _words(
    "Golden|Silver|Red Kite|Blue Wren|Green Leaf|Oak Tree|Evergreen|Northern Star|True North|Summit|Keystone|"
    "Cornerstone|Bright Spark|Fresh Start|Honest|Precision|Premier|Reliable|Rapid|Smart|Bluebird|Kingfisher|"
    "Blackbird|Wild Thyme|Sunrise|Horizon|Lighthouse|Anchor|Compass|Harbour Light|Iron Bark|Little|Big Sky|"
    "Hilltop|Valley|Coastal|Urban|Village|Heritage|Artisan|Crafty|Clever|Happy|Simply|Total|First Choice|"
    "Ace|Apex|Pinnacle|Vantage|Meridian|Atlas|Phoenix|Orchard|Meadow|Willow|Hawthorn|Bramble|Ember|Copper"
)

TRADES = _words(
    "Flour|Bakery Supplies|Dairy|Plumbing|Electrical|Joinery|Roofing|Catering|Print|Packaging|Logistics|"
    "Couriers|Cleaning Services|Landscaping|Accountants|Signs|Timber|Hardware|Coffee Roasters|Butchers|"
    "Greengrocers|Farm Supplies|Builders|Glass|Tiles|Paints|IT Services|Web Design|Removals|Scaffolding|"
    "Nurseries|Eggs|Seafood|Meats|Brewing|Vineyards|Office Supplies|Uniforms|Laundry|Pest Control|Security|"
    "Fencing|Concrete|Plant Hire|Tyres|Motors|Engineering|Fabrication|Refrigeration|Air Conditioning|Solar|"
    "Insurance Brokers|Recruitment|Marketing|Design|Consulting|Photography|Events|Florists|Stationers|Freight|"
    "Waste Management|Water|Energy|Telecom|Kitchens|Bathrooms|Flooring|Carpets|Upholstery|Locksmiths|"
    "Drainage|Gas Services|Heating|Irrigation|Garden Centre|Produce|Organics|Cheese|Chocolates|Spices|"
    "Tea Company|Cafe Supplies|Hospitality|Linen|Embroidery|Trophies|Vending|Hygiene|Safety Supplies|"
    "Storage|Self Storage|Transport|Haulage|Cranes|Surveying|Architects|Legal|Bookkeeping|Payroll|Training"
)
TRADES_EXTRA: dict[str, tuple[str, ...]] = {
    "GB": _words("Chippy Supplies|Bakehouse|Mill|Creamery|Ironmongers|Chandlery|Tearooms|Pubs|Brewery|Cider"),
    "AU": _words("Sparkies|Tradies|Bottle Shop|Pies|Surf Supplies|Pool Services|Aircon|Ute Hire|Rural|Smallgoods"),
    "NZ": _words("Nurseries|Honey|Kiwifruit|Wool|Shearing|Boatbuilders|Bach Rentals|Fish Supply|Orchards|Baches"),
}

# Legal-form endings, weighted by repetition.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "GB": ("Ltd", "Ltd", "Ltd", "Limited", "Co", "& Co", "& Sons", "LLP", "Group", "UK Ltd", ""),
    "AU": ("Pty Ltd", "Pty Ltd", "Pty Ltd", "Pty Limited", "Co", "Group", "Trading", "Australia", "Services", ""),
    "NZ": ("Ltd", "Ltd", "Ltd", "Limited", "NZ Ltd", "Co", "Group", "Holdings", "Trading", ""),
}

# Free-mail domains sole traders use, per country (first entries most common).
PERSONAL_DOMAINS: dict[str, tuple[str, ...]] = {
    "GB": ("gmail.com", "gmail.com", "outlook.com", "hotmail.co.uk", "btinternet.com", "yahoo.co.uk", "icloud.com"),
    "AU": ("gmail.com", "gmail.com", "bigpond.com", "outlook.com.au", "optusnet.com.au", "hotmail.com", "icloud.com"),
    "NZ": ("gmail.com", "gmail.com", "xtra.co.nz", "outlook.co.nz", "slingshot.co.nz", "orcon.net.nz", "icloud.com"),
}
# Top-level suffixes for business domains.
BUSINESS_TLDS: dict[str, tuple[str, ...]] = {
    "GB": (".co.uk", ".co.uk", ".co.uk", ".com", ".uk"),
    "AU": (".com.au", ".com.au", ".com.au", ".com", ".net.au"),
    "NZ": (".co.nz", ".co.nz", ".co.nz", ".nz", ".com"),
}
MAILBOXES = ("accounts", "accounts", "info", "hello", "sales", "admin", "office", "enquiries", "billing", "orders")

CONTACT_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    # (group name, which contacts it draws from: S suppliers, C customers, A anyone active)
    "GB": (
        ("Trade accounts", "C"),
        ("Local suppliers", "S"),
        ("Cafés & restaurants", "C"),
        ("Do not use", "A"),
        ("Overseas suppliers", "S"),
        ("Key accounts", "C"),
    ),
    "AU": (
        ("Trade accounts", "C"),
        ("Local suppliers", "S"),
        ("Builders & developers", "C"),
        ("Do not use", "A"),
        ("Overseas suppliers", "S"),
        ("Strata managers", "C"),
    ),
    "NZ": (
        ("Trade accounts", "C"),
        ("Local suppliers", "S"),
        ("Landscapers", "C"),
        ("Do not use", "A"),
        ("Overseas suppliers", "S"),
        ("Garden clubs", "C"),
    ),
}
# Every organisation has these two groups first.
CORE_GROUPS: tuple[tuple[str, str], ...] = (("Preferred suppliers", "S"), ("Wholesale customers", "C"))
