"""UNESCO's five regions, by ISO 3166-1 alpha-2 code (UNESCO's own grouping: Egypt and
Morocco are Arab States; Israel, Turkey and the Caucasus are Europe and North America;
Central Asia is Asia and the Pacific; Caribbean territories are Latin America and the
Caribbean)."""

from __future__ import annotations

_GROUPS = {
    "africa": """AO BJ BW BF BI CV CM CF TD KM CG CD CI GQ ER SZ ET GA GM GH GN GW KE LS LR MG MW
        ML MU MZ NA NE NG RW ST SN SC SL SS TZ TG UG ZA ZM ZW RE YT SH""",
    "arab-states": "DZ BH DJ EG IQ JO KW LB LY MR MA OM PS QA SA SO SD SY TN AE YE EH",
    "asia-pacific": """AF AU BD BT BN KH CN CK FJ IN ID IR JP KZ KI KP KR KG LA MY MV MH FM MN MM NR
        NP NZ NU PK PW PG PH WS SG SB LK TJ TH TL TO TM TV UZ VU VN HK MO TW NC PF GU AS""",
    "europe-north-america": """AL AD AM AT AZ BY BE BA BG CA HR CY CZ DK EE FI FR GE DE GR HU IS
        IE IL IT LV LT LU MT MC ME NL MK NO PL PT MD RO RU SM RS SK SI ES SE CH TR UA GB US VA LI
        XK FO GL GI IM JE GG AX""",
    "latin-america-caribbean": """AG AR BS BB BZ BO BR CL CO CR CU DM DO EC SV GD GT GY HT HN JM MX
        NI PA PY PE KN LC VC SR TT UY VE AW CW SX BQ AI MS VG KY TC BM PR VI GP MQ GF BL MF""",
}

REGION_OF_COUNTRY: dict[str, str] = {code: region for region, codes in _GROUPS.items() for code in codes.split()}
