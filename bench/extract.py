"""Benchmark: article -> incidents throughput (``python bench/run.py extract --json``).

The corpus is generated (seeded, so every run sees the same text): articles of about 600
words in English (two thirds) and French, in wire style. Each names two or three incidents
at Malian places drawn from the gazetteer (sometimes a region, a vague area, a border
zone, or a village no gazetteer has), with weekday, explicit and relative dates, actors,
casualty figures, and background paragraphs without incidents, plus one repeated
paragraph. The timed part is the whole pipeline after loading: cleaning, extraction,
offline geocoding (gazetteer only, no persistent cache) and the spatial join, in batches
of 100 articles as a feed or upload would run it. The automaton, boundaries and join
caches are warmed on a separate corpus first (their build is a one-off per process).

Prints ``{"name": "extract", "articles": N, "seconds": s, "articles_per_s": r}`` plus
``words_per_article`` (after cleaning, i.e. without the repeated paragraph) and ``incidents``.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ARTICLES = 600
BATCH = 100
SEED = 7
TARGET_WORDS = 600

_EN_EVENTS = [
    "Suspected jihadists attacked a military camp in {place} on {day}, killing {n} soldiers, the army said in a statement.",
    "Gunmen killed at least {n} civilians in the village of {village} near {place} on {day}, local officials said.",
    "A Malian army convoy struck an improvised explosive device near {place} on {day}, killing {n} soldiers.",
    "Fighters from {group} ambushed an army patrol outside {place} a day earlier, according to security sources.",
    "Armed men abducted {n} passengers on the road between {place} and {place2} on {day}, residents said.",
    "Clashes between the army and {group} broke out in the {region} region on {date_en}, leaving {n} dead.",
    "Militants looted shops and burned houses in {place}, {region} region, on {day}, witnesses told reporters.",
    "A drone strike hit a gathering in central Mali on {day}, killing {n} people, according to a local official.",
    "Attacks were also reported near the {adj} border on {day}, where the army said it had neutralised {n} militants.",
]
_FR_EVENTS = [
    "Des hommes armés ont attaqué un poste militaire à {place} {day_fr}, tuant {n} soldats, selon l'armée.",
    "Au moins {n} civils ont été tués dans le village de {village}, près de {place}, {day_fr}, selon des sources locales.",
    "Un convoi des FAMa a sauté sur un engin explosif improvisé près de {place} le {date_fr}, faisant {n} morts.",
    "Le lendemain, des affrontements ont opposé l'armée au {group} dans la région de {region}.",
    "Des jihadistes présumés ont enlevé {n} personnes entre {place} et {place2} {day_fr}.",
    "Des assaillants ont pillé et incendié des boutiques à {place} {day_fr}, a indiqué un élu local.",
]
_EN_BACKGROUND = [
    "Mali has faced a security crisis since 2012, when separatist and jihadist insurgencies erupted in the north.",
    "The ruling authorities have turned to Russian partners after the departure of French forces and the United Nations mission.",
    "Humanitarian agencies say hundreds of thousands of people have been displaced by the violence across the Sahel.",
    "Analysts note that armed groups have expanded their operations towards the south and the coastal states of West Africa.",
    "The government has repeatedly said that the security situation is improving and that the army is regaining ground.",
    "Local markets have been disrupted for months, and many schools remain closed in rural districts.",
    "Officials declined to give further details, citing the ongoing military operation.",
    "Residents described a climate of fear, with roads cut off and fuel in short supply.",
    "The authorities have imposed a curfew on motorcycles and pick-up trucks in several localities.",
    "Independent verification of casualty figures is difficult because access to the area is restricted.",
]
_FR_BACKGROUND = [
    "Le Mali est confronté depuis 2012 à une crise sécuritaire profonde, partie du nord du pays.",
    "Les autorités de transition se sont tournées vers de nouveaux partenaires après le départ des forces françaises.",
    "Selon les organisations humanitaires, des centaines de milliers de personnes ont fui leurs foyers.",
    "Les groupes armés étendent leurs opérations vers le sud et les pays côtiers d'Afrique de l'Ouest.",
    "Le gouvernement affirme que la situation sécuritaire s'améliore et que l'armée reprend du terrain.",
    "Les marchés locaux sont perturbés depuis des mois et de nombreuses écoles restent fermées.",
    "Les autorités ont décrété un couvre-feu sur la circulation des motos dans plusieurs localités.",
    "La vérification indépendante des bilans est difficile, l'accès à la zone étant restreint.",
]
_EN_FILLER = [
    "In {month}, {n} families left {place} for the regional capital, according to {source}.",
    "{source} said on {day} that {n} schools around {place} had been closed since {month}.",
    "Traders in {place} reported that the price of millet had risen by {n} percent since {month}.",
    "A meeting of community leaders was held in {place} in {month} to discuss local reconciliation.",
    "The road from {place} to {place2} has been cut for {n} weeks, drivers told {source}.",
    "Aid convoys reached {place} in {month} after a delay of {n} days, {source} said.",
    "Farmers near {place} said they could not reach their fields during the rainy season.",
    "Mobile phone networks around {place} were down for {n} days in {month}, residents said.",
]
_FR_FILLER = [
    "En {month_fr}, {n} familles ont quitté {place} pour le chef-lieu de région, selon {source_fr}.",
    "Les commerçants de {place} affirment que le prix du mil a augmenté de {n} pour cent depuis {month_fr}.",
    "Une rencontre des chefs communautaires s'est tenue à {place} en {month_fr} pour parler de réconciliation.",
    "La route entre {place} et {place2} est coupée depuis {n} semaines, selon des transporteurs.",
    "Des convois humanitaires ont atteint {place} en {month_fr} après {n} jours de retard.",
    "Les réseaux de téléphonie autour de {place} ont été coupés pendant {n} jours, selon des habitants.",
]
_SOURCES = ["a local official", "the regional council", "a humanitarian worker", "the mayor's office", "OCHA"]
_SOURCES_FR = ["un élu local", "le conseil régional", "un travailleur humanitaire", "la mairie"]
_GROUPS = ["JNIM", "the Islamic State Sahel", "Katiba Macina", "the CSP", "Dan Na Ambassagou"]
_GROUPS_FR = ["JNIM", "GSIM", "l'État islamique au Sahel", "FLA"]
_REGIONS = ["Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal"]
_ADJ = ["Senegalese", "Mauritanian", "Burkinabe", "Nigerien", "Algerian", "Guinean", "Ivorian"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_DAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
_VILLAGES = ["Tagabou", "Niagassadou", "Kouroumbara", "Sogodiana", "Tinakarane", "Dialoumbéré"]


def _article(rng: random.Random, mali_places: list[str], french: bool) -> tuple[str, date]:
    pub = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
    events = _FR_EVENTS if french else _EN_EVENTS
    background = _FR_BACKGROUND if french else _EN_BACKGROUND
    paragraphs: list[str] = []
    for _ in range(rng.randint(2, 3)):
        ev_date = pub - timedelta(days=rng.randrange(1, 20))
        fill = {
            "place": rng.choice(mali_places),
            "place2": rng.choice(mali_places),
            "village": rng.choice(_VILLAGES),
            "n": rng.randint(2, 60),
            "group": rng.choice(_GROUPS_FR if french else _GROUPS),
            "region": rng.choice(_REGIONS),
            "adj": rng.choice(_ADJ),
            "day": rng.choice(_DAYS),
            "day_fr": rng.choice(_DAYS_FR),
            "date_en": f"{_MONTHS[ev_date.month - 1]} {ev_date.day}",
            "date_fr": f"{ev_date.day} {_MONTHS_FR[ev_date.month - 1]}",
        }
        paragraphs.append(" ".join(rng.choice(events).format(**fill) for _ in range(2)))
        paragraphs.append(" ".join(rng.sample(background, 2)))
    filler = _FR_FILLER if french else _EN_FILLER
    while sum(len(p.split()) for p in paragraphs) < TARGET_WORDS:
        fill = {
            "place": rng.choice(mali_places),
            "place2": rng.choice(mali_places),
            "n": rng.randint(2, 90),
            "month": rng.choice(_MONTHS),
            "month_fr": rng.choice(_MONTHS_FR),
            "day": rng.choice(_DAYS),
            "source": rng.choice(_SOURCES),
            "source_fr": rng.choice(_SOURCES_FR),
        }
        paragraphs.append(" ".join(rng.choice(filler).format(**fill) for _ in range(3)))
    paragraphs.append(paragraphs[0])  # scraped pages repeat themselves
    return "\n\n".join(paragraphs), pub


def corpus(n: int = ARTICLES, seed: int = SEED) -> list[tuple[str, date, str]]:
    """``n`` generated articles as (text, published date, language)."""
    from geo import gazetteer

    gaz = gazetteer.load()
    mali_places = sorted(
        {p.name for p in gaz.places if p.country_code == "ML" and " " not in p.name and len(p.name) > 4}
    )
    rng = random.Random(seed)
    out = []
    for i in range(n):
        french = i % 3 == 2
        text, pub = _article(rng, mali_places, french)
        out.append((text, pub, "fr" if french else "en"))
    return out


def run(size: int = ARTICLES) -> dict:
    """Time the pipeline over ``size`` generated articles; the benchmark's JSON document."""
    from geo.extract import Extractor
    from geo.geocode import Geocoder
    from geo.text.loading import make_article

    warm = corpus(50, seed=SEED + 1)
    docs = corpus(size)
    ex = Extractor(geocoder=Geocoder(online=False, cache=False))
    ex.extract_many([make_article(t, published=p, language=lang) for t, p, lang in warm])
    incidents = 0
    words = 0
    t0 = time.perf_counter()
    for i in range(0, len(docs), BATCH):
        batch = [make_article(t, published=p, language=lang) for t, p, lang in docs[i : i + BATCH]]
        words += sum(len(a.text.split()) for a in batch)
        incidents += sum(len(r.incidents) for r in ex.extract_many(batch))
    seconds = time.perf_counter() - t0
    words = words / max(1, len(docs))
    return {
        "name": "extract",
        "articles": len(docs),
        "seconds": round(seconds, 3),
        "articles_per_s": round(len(docs) / seconds, 1) if seconds > 0 else None,
        "words_per_article": round(words),
        "incidents": incidents,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
