"""Text side of the pipeline: load, clean, split, find mentions, group them into incidents.

Nothing here touches the database, geometry or the network (except
:func:`loading.load_articles` with ``fetch=True``); :mod:`geo.extract` adds geocoding and
the spatial join. Offsets everywhere are into :attr:`records.Article.text`, the cleaned
text.

Modules, one concern each:

- :mod:`.records`     dataclasses shared by the others (Article, Sentence, mentions, Incident)
- :mod:`.loading`     bytes / file / JSON / HTML / RSS / Atom / URL -> :class:`~.records.Article`
- :mod:`.clean`       characters, whitespace, boilerplate, repeated paragraphs and sentences, datelines
- :mod:`.sentences`   sentence spans
- :mod:`.folding`     accent/case-folded copy of the text with offset maps (all patterns run on it)
- :mod:`.phrases`     regex tables expanded to literals and scanned with one Aho-Corasick pass
- :mod:`.places`      gazetteer matching, context cues, regions, vague areas, border zones
- :mod:`.dates`       explicit, weekday and relative dates resolved against their anchors
- :mod:`.actors`      alias table of armed groups, forces and victims
- :mod:`.events`      ACLED-like event types
- :mod:`.fatalities`  casualty figures with qualifier, victims and who reported them
- :mod:`.incidents`   clauses, event frames, grouping into incidents with evidence
"""
