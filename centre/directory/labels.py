"""The directory's labels, translated: kinds of service, communes, languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import Commune, Language, PartnerKind

PARTNER_KIND_LABELS = {
    PartnerKind.DRUG_TREATMENT: _l("Drug treatment centre"),
    PartnerKind.OPIOID_SUBSTITUTION: _l("Opioid substitution prescriber"),
    PartnerKind.HOSPITAL: _l("Hospital or emergency"),
    PartnerKind.MENTAL_HEALTH: _l("Mental health"),
    PartnerKind.GENERAL_PRACTICE: _l("General practice or medical house"),
    PartnerKind.SOCIAL_WELFARE: _l("Social welfare (CPAS/OCMW)"),
    PartnerKind.HOUSING: _l("Housing service"),
    PartnerKind.EMPLOYMENT: _l("Employment or training"),
    PartnerKind.LEGAL_AID: _l("Legal aid"),
    PartnerKind.TESTING: _l("HIV/HCV testing"),
    PartnerKind.OTHER: _l("Other"),
}
# Proper names: the same in every language but for the bilingual ones (fr / nl).
COMMUNE_LABELS = {
    Commune.ANDERLECHT: "Anderlecht",
    Commune.AUDERGHEM: "Auderghem / Oudergem",
    Commune.BERCHEM_SAINTE_AGATHE: "Berchem-Sainte-Agathe / Sint-Agatha-Berchem",
    Commune.BRUXELLES: "Bruxelles / Brussel",
    Commune.ETTERBEEK: "Etterbeek",
    Commune.EVERE: "Evere",
    Commune.FOREST: "Forest / Vorst",
    Commune.GANSHOREN: "Ganshoren",
    Commune.IXELLES: "Ixelles / Elsene",
    Commune.JETTE: "Jette",
    Commune.KOEKELBERG: "Koekelberg",
    Commune.MOLENBEEK: "Molenbeek-Saint-Jean / Sint-Jans-Molenbeek",
    Commune.SAINT_GILLES: "Saint-Gilles / Sint-Gillis",
    Commune.SAINT_JOSSE: "Saint-Josse-ten-Noode / Sint-Joost-ten-Node",
    Commune.SCHAERBEEK: "Schaerbeek / Schaarbeek",
    Commune.UCCLE: "Uccle / Ukkel",
    Commune.WATERMAEL_BOITSFORT: "Watermael-Boitsfort / Watermaal-Bosvoorde",
    Commune.WOLUWE_SAINT_LAMBERT: "Woluwe-Saint-Lambert / Sint-Lambrechts-Woluwe",
    Commune.WOLUWE_SAINT_PIERRE: "Woluwe-Saint-Pierre / Sint-Pieters-Woluwe",
}
LANGUAGE_LABELS = {
    Language.FR: "Français",
    Language.NL: "Nederlands",
    Language.EN: "English",
    Language.OTHER: _l("Other languages"),
}
