"""Finding a journey by any part of its patient reference or by the start of its journey id.

References are compared normalised (NFKC, case-folded, trimmed; ``events.read.keys.normalise``), as
the one-open-course rule compares them: `` mrn-5`` finds ``MRN-5``.

The term never reaches SQL in clear when it could be a reference: it is turned into keyed hashes
(``events.read.keys``) first. The candidates are the union of the exact reference, every journey whose
reference holds all the term's pieces, and every journey id starting with the term (a range on the
primary key). ``matches`` checks a found summary against the term after decryption, dropping the rare
journey whose reference has every 3-character piece of the term but not the term itself.
"""

from __future__ import annotations

import re
from typing import Any

from careplan.application import CarePlan
from events.read.keys import gram_keys, normalise, patient_key, term_grams
from events.read.store import Cursor
from events.read.summary import JourneySummary

_ID_PREFIX = re.compile(r"[0-9a-f-]{1,36}")


def candidates(app: CarePlan, cur: Cursor, term: str) -> tuple[str, list[Any]]:
    """A subquery of the journey ids that may match ``term``, with its parameters. The pieces are
    intersected from the rarest one: the cost is that piece's journeys, not every reference's."""
    parts = ["SELECT journey_id FROM read_journeys WHERE patient_key = ?"]
    params: list[Any] = [patient_key(app, term)]
    keys = sorted(gram_keys(app, term_grams(term)), key=lambda key: _frequency(cur, key))
    if keys:
        others = "".join(
            " AND EXISTS (SELECT 1 FROM read_grams o WHERE o.gram = ? AND o.journey_id = g.journey_id)" for _ in keys[1:]
        )
        parts.append(f"SELECT g.journey_id FROM read_grams g WHERE g.gram = ?{others}")
        params += keys
    norm = normalise(term)
    if _ID_PREFIX.fullmatch(norm):
        parts.append("SELECT journey_id FROM read_journeys WHERE journey_id >= ? AND journey_id < ?")
        params += [norm, norm + "~"]  # "~" sorts after every character of a journey id
    return " UNION ".join(parts), params


def _frequency(cur: Cursor, key: str) -> int:
    """How many references hold the piece: a maintained counter (``read_counts``), no scan."""
    row = cur.run("SELECT n FROM read_counts WHERE name = ?", ("gram:" + key,)).one()
    return int(row["n"]) if row else 0


def matches(summary: JourneySummary, term: str) -> bool:
    norm, ref = normalise(term), normalise(summary.patient_ref)
    return ref == norm or (len(norm) >= 2 and norm in ref) or str(summary.journey_id).startswith(norm)
