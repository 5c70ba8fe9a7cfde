"""Places whose time an officer names after a time ("9am Suva time", "9am Honiara time", "14:00 Port Moresby time"):
read_place, near_place.

Only places an officer would name as a clock, never any word tzdata happens to name a zone after ("Christmas",
"Easter", "Wake", "Casey", "Davis", "Stanley", "General" are reminder text, not Christmas Island's or an Antarctic
station's time): the cities, capitals and regions of a vetted list of tzdata's zones (:data:`ZONE_PLACES`: "Apia",
"Manila", "Port Moresby", "Tokyo", "New York", "Pacific" for US Pacific), and, for the places tzdata does not name
(Suva, Honiara, Nuku'alofa, Delhi, Hanoi), the capitals and main ports of the nations we know and a few cities
officers name, each with its zone (:data:`CITIES`). Any zone is still read by its full name ("Pacific/Easter":
commands/when/zones.py). Names are read without case, accents or apostrophes ("Nuku'alofa", "Nukualofa"; "Malé",
"Male"; "Port-Vila", "Port Vila"). A name shared by places on different clocks ("Victoria": the Seychelles'
capital, the Australian state or British Columbia's capital) is refused with the zones to type, never picked."""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

from commands.when.errors import ReadButRefused
from commands.when.grammar import words_of
from commands.when.zones import WrittenZone, place_label

#: Capitals and main ports of the nations we know (storage/reference/nations.yaml, which has no capitals), and cities
#: officers name, that tzdata does not name a zone after: (name, zone, where it is). Places tzdata names ("Apia",
#: "Majuro", "Manila", "Port Moresby", "Tokyo") need no row.
CITIES: tuple[tuple[str, str, str], ...] = (
    # South Asia and the Indian Ocean
    ("Malé", "Indian/Maldives", "Maldives"),
    ("Sri Jayawardenepura Kotte", "Asia/Colombo", "Sri Lanka"),
    ("Kotte", "Asia/Colombo", "Sri Lanka"),
    ("Hambantota", "Asia/Colombo", "Sri Lanka"),
    ("Trincomalee", "Asia/Colombo", "Sri Lanka"),
    ("Delhi", "Asia/Kolkata", "India"),
    ("New Delhi", "Asia/Kolkata", "India"),
    ("Mumbai", "Asia/Kolkata", "India"),
    ("Bombay", "Asia/Kolkata", "India"),
    ("Chennai", "Asia/Kolkata", "India"),
    ("Madras", "Asia/Kolkata", "India"),
    ("Kochi", "Asia/Kolkata", "India"),
    ("Cochin", "Asia/Kolkata", "India"),
    ("Visakhapatnam", "Asia/Kolkata", "India"),
    ("Chittagong", "Asia/Dhaka", "Bangladesh"),
    ("Chattogram", "Asia/Dhaka", "Bangladesh"),
    ("Mongla", "Asia/Dhaka", "Bangladesh"),
    ("Naypyidaw", "Asia/Yangon", "Myanmar"),
    ("Nay Pyi Taw", "Asia/Yangon", "Myanmar"),
    ("Port Louis", "Indian/Mauritius", "Mauritius"),
    ("Victoria", "Indian/Mahe", "Seychelles"),
    ("Moroni", "Indian/Comoro", "Comoros"),
    ("Mamoudzou", "Indian/Mayotte", "Mayotte"),
    ("Saint-Denis", "Indian/Reunion", "Réunion"),
    ("Le Port", "Indian/Reunion", "Réunion"),
    ("Toamasina", "Indian/Antananarivo", "Madagascar"),
    ("Diego Garcia", "Indian/Chagos", "British Indian Ocean Territory"),
    ("Flying Fish Cove", "Indian/Christmas", "Christmas Island"),
    ("West Island", "Indian/Cocos", "Cocos (Keeling) Islands"),
    # Southeast Asia
    ("Bandar Seri Begawan", "Asia/Brunei", "Brunei"),
    ("Muara", "Asia/Brunei", "Brunei"),
    ("Sihanoukville", "Asia/Phnom_Penh", "Cambodia"),
    ("Tanjung Priok", "Asia/Jakarta", "Indonesia"),
    ("Surabaya", "Asia/Jakarta", "Indonesia"),
    ("Semarang", "Asia/Jakarta", "Indonesia"),
    ("Medan", "Asia/Jakarta", "Indonesia"),
    ("Belawan", "Asia/Jakarta", "Indonesia"),
    ("Batam", "Asia/Jakarta", "Indonesia"),
    ("Denpasar", "Asia/Makassar", "Indonesia"),
    ("Bali", "Asia/Makassar", "Indonesia"),
    ("Balikpapan", "Asia/Makassar", "Indonesia"),
    ("Bitung", "Asia/Makassar", "Indonesia"),
    ("Nusantara", "Asia/Makassar", "Indonesia"),
    ("Ambon", "Asia/Jayapura", "Indonesia"),
    ("Sorong", "Asia/Jayapura", "Indonesia"),
    ("Putrajaya", "Asia/Kuala_Lumpur", "Malaysia"),
    ("Port Klang", "Asia/Kuala_Lumpur", "Malaysia"),
    ("Penang", "Asia/Kuala_Lumpur", "Malaysia"),
    ("Johor Bahru", "Asia/Kuala_Lumpur", "Malaysia"),
    ("Tanjung Pelepas", "Asia/Kuala_Lumpur", "Malaysia"),
    ("Kota Kinabalu", "Asia/Kuching", "Malaysia"),
    ("Cebu", "Asia/Manila", "Philippines"),
    ("Davao", "Asia/Manila", "Philippines"),
    ("Subic", "Asia/Manila", "Philippines"),
    ("Subic Bay", "Asia/Manila", "Philippines"),
    ("Batangas", "Asia/Manila", "Philippines"),
    ("Laem Chabang", "Asia/Bangkok", "Thailand"),
    ("Sattahip", "Asia/Bangkok", "Thailand"),
    ("Phuket", "Asia/Bangkok", "Thailand"),
    ("Hanoi", "Asia/Ho_Chi_Minh", "Vietnam"),
    ("Ha Noi", "Asia/Ho_Chi_Minh", "Vietnam"),
    ("Ho Chi Minh City", "Asia/Ho_Chi_Minh", "Vietnam"),
    ("Haiphong", "Asia/Ho_Chi_Minh", "Vietnam"),
    ("Hai Phong", "Asia/Ho_Chi_Minh", "Vietnam"),
    ("Da Nang", "Asia/Ho_Chi_Minh", "Vietnam"),
    ("Danang", "Asia/Ho_Chi_Minh", "Vietnam"),
    ("Cam Ranh", "Asia/Ho_Chi_Minh", "Vietnam"),
    # Northeast Asia
    ("Yokohama", "Asia/Tokyo", "Japan"),
    ("Yokosuka", "Asia/Tokyo", "Japan"),
    ("Yokota", "Asia/Tokyo", "Japan"),
    ("Osaka", "Asia/Tokyo", "Japan"),
    ("Kobe", "Asia/Tokyo", "Japan"),
    ("Nagoya", "Asia/Tokyo", "Japan"),
    ("Sasebo", "Asia/Tokyo", "Japan"),
    ("Okinawa", "Asia/Tokyo", "Japan"),
    ("Naha", "Asia/Tokyo", "Japan"),
    ("Busan", "Asia/Seoul", "South Korea"),
    ("Pusan", "Asia/Seoul", "South Korea"),
    ("Incheon", "Asia/Seoul", "South Korea"),
    ("Ulsan", "Asia/Seoul", "South Korea"),
    ("Pyeongtaek", "Asia/Seoul", "South Korea"),
    ("Nampo", "Asia/Pyongyang", "North Korea"),
    ("Beijing", "Asia/Shanghai", "China"),
    ("Peking", "Asia/Shanghai", "China"),
    ("Shenzhen", "Asia/Shanghai", "China"),
    ("Guangzhou", "Asia/Shanghai", "China"),
    ("Ningbo", "Asia/Shanghai", "China"),
    ("Qingdao", "Asia/Shanghai", "China"),
    ("Tianjin", "Asia/Shanghai", "China"),
    ("Kaohsiung", "Asia/Taipei", "Taiwan"),
    ("Keelung", "Asia/Taipei", "Taiwan"),
    ("Taichung", "Asia/Taipei", "Taiwan"),
    # Australia and New Zealand
    ("Cairns", "Australia/Brisbane", "Australia"),
    ("Townsville", "Australia/Brisbane", "Australia"),
    ("Gladstone", "Australia/Brisbane", "Australia"),
    ("Fremantle", "Australia/Perth", "Australia"),
    ("Wellington", "Pacific/Auckland", "New Zealand"),
    ("Christchurch", "Pacific/Auckland", "New Zealand"),
    ("Lyttelton", "Pacific/Auckland", "New Zealand"),
    ("Tauranga", "Pacific/Auckland", "New Zealand"),
    # the Pacific Islands
    ("Lae", "Pacific/Port_Moresby", "Papua New Guinea"),
    ("Madang", "Pacific/Port_Moresby", "Papua New Guinea"),
    ("Rabaul", "Pacific/Port_Moresby", "Papua New Guinea"),
    ("Kimbe", "Pacific/Port_Moresby", "Papua New Guinea"),
    ("Wewak", "Pacific/Port_Moresby", "Papua New Guinea"),
    ("Buka", "Pacific/Bougainville", "Papua New Guinea"),
    ("Suva", "Pacific/Fiji", "Fiji"),
    ("Lautoka", "Pacific/Fiji", "Fiji"),
    ("Nadi", "Pacific/Fiji", "Fiji"),
    ("Levuka", "Pacific/Fiji", "Fiji"),
    ("Savusavu", "Pacific/Fiji", "Fiji"),
    ("Honiara", "Pacific/Guadalcanal", "Solomon Islands"),
    ("Noro", "Pacific/Guadalcanal", "Solomon Islands"),
    ("Gizo", "Pacific/Guadalcanal", "Solomon Islands"),
    ("Tulagi", "Pacific/Guadalcanal", "Solomon Islands"),
    ("Port Vila", "Pacific/Efate", "Vanuatu"),
    ("Luganville", "Pacific/Efate", "Vanuatu"),
    ("Nuku'alofa", "Pacific/Tongatapu", "Tonga"),
    ("Neiafu", "Pacific/Tongatapu", "Tonga"),
    ("Vava'u", "Pacific/Tongatapu", "Tonga"),
    ("South Tarawa", "Pacific/Tarawa", "Kiribati"),
    ("Betio", "Pacific/Tarawa", "Kiribati"),
    ("Bairiki", "Pacific/Tarawa", "Kiribati"),
    ("Yaren", "Pacific/Nauru", "Nauru"),
    ("Koror", "Pacific/Palau", "Palau"),
    ("Ngerulmud", "Pacific/Palau", "Palau"),
    ("Malakal", "Pacific/Palau", "Palau"),
    ("Palikir", "Pacific/Pohnpei", "Federated States of Micronesia"),
    ("Kolonia", "Pacific/Pohnpei", "Federated States of Micronesia"),
    ("Weno", "Pacific/Chuuk", "Federated States of Micronesia"),
    ("Colonia", "Pacific/Chuuk", "Federated States of Micronesia"),
    ("Lelu", "Pacific/Kosrae", "Federated States of Micronesia"),
    ("Tofol", "Pacific/Kosrae", "Federated States of Micronesia"),
    ("Ebeye", "Pacific/Kwajalein", "Marshall Islands"),
    ("Delap", "Pacific/Majuro", "Marshall Islands"),
    ("Avarua", "Pacific/Rarotonga", "Cook Islands"),
    ("Alofi", "Pacific/Niue", "Niue"),
    ("Papeete", "Pacific/Tahiti", "French Polynesia"),
    ("Mata-Utu", "Pacific/Wallis", "Wallis and Futuna"),
    ("Nukunonu", "Pacific/Fakaofo", "Tokelau"),
    ("Adamstown", "Pacific/Pitcairn", "Pitcairn Islands"),
    ("Kingston", "Pacific/Norfolk", "Norfolk Island"),
    ("Norfolk", "America/New_York", "Virginia"),  # also Norfolk Island: asked which
    ("Norfolk", "Pacific/Norfolk", "Norfolk Island"),
    ("Hagåtña", "Pacific/Guam", "Guam"),
    ("Agana", "Pacific/Guam", "Guam"),
    ("Apra", "Pacific/Guam", "Guam"),
    ("Apra Harbor", "Pacific/Guam", "Guam"),
    # nations beyond the area
    ("Yaoundé", "Africa/Douala", "Cameroon"),
    ("Abuja", "Africa/Lagos", "Nigeria"),
    ("Sanaa", "Asia/Aden", "Yemen"),
    ("Kingston", "America/Jamaica", "Jamaica"),
    # the United States and cities officers name elsewhere
    ("UK", "Europe/London", "United Kingdom"),
    ("Britain", "Europe/London", "United Kingdom"),
    ("Washington", "America/New_York", "Washington, DC"),
    ("Washington DC", "America/New_York", "Washington, DC"),
    ("DC", "America/New_York", "Washington, DC"),
    ("Boston", "America/New_York", "Massachusetts"),
    ("Baltimore", "America/New_York", "Maryland"),
    ("Philadelphia", "America/New_York", "Pennsylvania"),
    ("Miami", "America/New_York", "Florida"),
    ("Atlanta", "America/New_York", "Georgia"),
    ("Charleston", "America/New_York", "South Carolina"),
    ("Houston", "America/Chicago", "Texas"),
    ("Dallas", "America/Chicago", "Texas"),
    ("New Orleans", "America/Chicago", "Louisiana"),
    ("San Francisco", "America/Los_Angeles", "California"),
    ("Oakland", "America/Los_Angeles", "California"),
    ("Alameda", "America/Los_Angeles", "California"),
    ("San Diego", "America/Los_Angeles", "California"),
    ("Seattle", "America/Los_Angeles", "Washington"),
    ("Kodiak", "America/Anchorage", "Alaska"),
    ("Ottawa", "America/Toronto", "Canada"),
    ("Montreal", "America/Toronto", "Canada"),
    ("Geneva", "Europe/Zurich", "Switzerland"),
    ("The Hague", "Europe/Amsterdam", "the Netherlands"),
    ("Rotterdam", "Europe/Amsterdam", "the Netherlands"),
    ("Antwerp", "Europe/Brussels", "Belgium"),
    ("Hamburg", "Europe/Berlin", "Germany"),
    ("Frankfurt", "Europe/Berlin", "Germany"),
    ("Munich", "Europe/Berlin", "Germany"),
    ("Milan", "Europe/Rome", "Italy"),
    ("Barcelona", "Europe/Madrid", "Spain"),
    ("Piraeus", "Europe/Athens", "Greece"),
    ("Abu Dhabi", "Asia/Dubai", "United Arab Emirates"),
    ("Jeddah", "Asia/Riyadh", "Saudi Arabia"),
    ("Tel Aviv", "Asia/Jerusalem", "Israel"),
    ("Islamabad", "Asia/Karachi", "Pakistan"),
    ("Mombasa", "Africa/Nairobi", "Kenya"),
    ("Cape Town", "Africa/Johannesburg", "South Africa"),
    ("Durban", "Africa/Johannesburg", "South Africa"),
    ("Pretoria", "Africa/Johannesburg", "South Africa"),
    ("Rio de Janeiro", "America/Sao_Paulo", "Brazil"),
    # names of more than one place on different clocks: asked which, never picked
    ("Victoria", "Australia/Melbourne", "Victoria, Australia"),
    ("Victoria", "America/Vancouver", "British Columbia"),
)

#: The zones of tzdata whose last part an officer names as a clock ("9am Manila time", "9am Pacific time" for US
#: Pacific): cities, capitals and regions, vetted by hand. Left out on purpose: Antarctic stations ("Casey",
#: "Davis"), remote islands and everyday words ("Christmas", "Easter", "Wake", "Midway", "Stanley", "Canary"),
#: tzdata's old and odd names ("Mexico/General", "America/Virgin", "Australia/North"), small towns ("Knox",
#: "Center"). Such zones are still read by their full name ("9am Pacific/Easter").
ZONE_PLACES: frozenset[str] = frozenset(
    f"{area}/{city}"
    for area, cities in (
        (
            "Asia",
            "Aden Almaty Amman Ashgabat Baghdad Bahrain Baku Bangkok Beirut Bishkek Brunei Calcutta Colombo Damascus "
            "Dhaka Dili Dubai Dushanbe Ho_Chi_Minh Hong_Kong Istanbul Jakarta Jayapura Jerusalem Kabul Karachi "
            "Kathmandu Kolkata Kuala_Lumpur Kuching Kuwait Macau Makassar Manila Muscat Nicosia Phnom_Penh Pyongyang "
            "Qatar Rangoon Riyadh Saigon Seoul Shanghai Singapore Taipei Tashkent Tbilisi Tehran Tel_Aviv Thimphu "
            "Tokyo Ulaanbaatar Vientiane Vladivostok Yangon Yerevan",
        ),
        (
            "Pacific",
            "Apia Auckland Bougainville Chuuk Efate Fakaofo Fiji Funafuti Guadalcanal Guam Honolulu Kiritimati Kosrae "
            "Kwajalein Majuro Nauru Niue Noumea Pago_Pago Palau Pitcairn Pohnpei Port_Moresby Rarotonga Saipan Tahiti "
            "Tarawa Tongatapu",
        ),
        ("Australia", "Adelaide Brisbane Canberra Darwin Hobart Melbourne Perth Queensland Sydney Tasmania"),
        (
            "America",
            "Anchorage Asuncion Barbados Bogota Boise Buenos_Aires Cancun Caracas Chicago Costa_Rica Denver Detroit "
            "Edmonton Guatemala Guayaquil Halifax Havana Indianapolis Jamaica Juneau La_Paz Lima Los_Angeles "
            "Louisville Managua Mexico_City Montevideo Montreal Nassau New_York Panama Phoenix Port-au-Prince "
            "Port_of_Spain Puerto_Rico Santiago Santo_Domingo Sao_Paulo St_Johns Tegucigalpa Tijuana Toronto "
            "Vancouver Winnipeg",
        ),
        (
            "Europe",
            "Amsterdam Athens Belfast Belgrade Berlin Bratislava Brussels Bucharest Budapest Copenhagen Dublin "
            "Helsinki Istanbul Kyiv Kiev Lisbon Ljubljana London Luxembourg Madrid Minsk Moscow Oslo Paris Prague "
            "Riga Rome Sarajevo Skopje Sofia Stockholm Tallinn Tirane Vienna Vilnius Warsaw Zagreb Zurich",
        ),
        (
            "Africa",
            "Abidjan Accra Addis_Ababa Algiers Cairo Casablanca Dakar Dar_es_Salaam Djibouti Douala Freetown Harare "
            "Johannesburg Kampala Khartoum Kigali Kinshasa Lagos Luanda Lusaka Maputo Mogadishu Monrovia Nairobi "
            "Tripoli Tunis Windhoek",
        ),
        ("Indian", "Antananarivo Chagos Cocos Comoro Mahe Maldives Mauritius Mayotte"),
        ("Atlantic", "Azores Bermuda Cape_Verde Madeira Reykjavik"),
        # regions: "Pacific time" (US Pacific), "Eastern time", "Hawaii time", "Atlantic time" (Canada)
        ("US", "Alaska Arizona Central Eastern Hawaii Mountain Pacific"),
        ("Canada", "Atlantic Central Eastern Mountain Newfoundland Pacific"),
    )
    for city in words_of(cities)
)


def fold(text: str) -> str:
    """A place's name as it is looked up: lower case, without accents or apostrophes, hyphens and underscores as
    spaces ("Nuku'alofa" and "Nukuʻalofa" -> "nukualofa", "Malé" -> "male", "Port-Vila" -> "port vila")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    plain = re.sub(r"['’‘ʻʼ`.]", "", plain)
    return " ".join(re.sub(r"[-_]", " ", plain).lower().split())


@dataclass(frozen=True)
class Place:
    """A place whose time can be named: as it is written, its zone, and where it is (for telling two apart)."""

    name: str
    zone: str
    where: str

    @property
    def label(self) -> str:
        return f"{self.name} time"


def _clocks(key: str) -> tuple:
    """A zone's offsets in January and July: two zones with the same are the same clock."""
    zone, year = ZoneInfo(key), _dt.date.today().year
    return tuple(_dt.datetime(year, m, 15, tzinfo=_dt.UTC).astimezone(zone).utcoffset() for m in (1, 7))


@functools.cache
def places() -> dict[str, tuple[Place, ...]]:
    """Places by folded name: one, or several on different clocks (a name to ask about)."""
    named: dict[str, list[Place]] = {}
    known = available_timezones()
    for key in sorted(ZONE_PLACES & known, reverse=True):  # "US/Pacific" before "Canada/Pacific"
        label = place_label(key).removesuffix(" time")
        labels = [label]
        if label.startswith(("US ", "Canada ")):
            labels.append(label.split(" ", 1)[1])  # "Pacific time": US/Pacific, Canada/Pacific
        for name in labels:
            named.setdefault(fold(name), []).append(Place(label, key, key))
    for name, zone, where in CITIES:
        named.setdefault(fold(name), []).append(Place(name, zone, where))
    found: dict[str, tuple[Place, ...]] = {}
    for name, candidates in named.items():
        by_clock: dict[tuple, Place] = {}
        for place in candidates:
            by_clock.setdefault(_clocks(place.zone), place)
        found[name] = tuple(by_clock.values())
    return found


def read_place(typed: str, used: int = 1) -> WrittenZone | None:
    """ "Tokyo", "Suva", "Nuku'alofa", "Pacific" (US) as in "9am Suva time": the zone of that place, or None. A name
    of places on different clocks is refused with the zones to type. ``used``: the words the zone takes."""
    found = places().get(fold(typed))
    if not found:
        return None
    if len(found) > 1:
        choices = " or ".join(
            f"{place.where} ({place.zone})" if place.where != place.zone else place.zone for place in found
        )
        raise ReadButRefused(
            f"“{typed} time” names places on different clocks: {choices}. Type the zone, e.g. “9am {found[0].zone}”."
        )
    place = found[0]
    label = place_label(place.zone) if place.where == place.zone else place.label
    return WrittenZone(ZoneInfo(place.zone), label, used)


def near_place(typed: str) -> str | None:
    """The place that ``typed`` is a likely misspelling of ("Tokio" -> "Tokyo", "Honiarra" -> "Honiara"), or None."""
    if len(typed) < 4:
        return None
    close = difflib.get_close_matches(fold(typed), list(places()), n=1, cutoff=0.8)
    return places()[close[0]][0].name if close else None
