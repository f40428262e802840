"""Search by any part of a patient reference, in any case, or by the start of a journey id; on an
encrypted store the index holds keyed hashes only."""

from __future__ import annotations

from eventsourcing.cryptography import AESCipher

from events.read.runtime import read_side_for
from tests.scheduling.journeys import CLINICIAN


def _found(side, term):  # type: ignore[no-untyped-def]
    return {s.patient_ref for s in side.journeys(search=term).items}


def test_a_reference_is_found_by_any_part_of_it_in_any_case(app):
    for n in (21, 121, 2100, 35):
        app.open_journey(f"demo-{n:06d}", actor=CLINICIAN)
    side = read_side_for(app)
    assert _found(side, "DEMO-000021") == {"demo-000021"}
    assert _found(side, "000021") == {"demo-000021"}
    assert _found(side, "21") == {"demo-000021", "demo-000121", "demo-002100"}
    assert _found(side, " Demo-0001 ") == {"demo-000121"}
    assert _found(side, "0035") == {"demo-000035"}
    assert _found(side, "demo-000022") == set()
    page = side.journeys(search="21", limit=2)
    assert page.total == 3 and len(page.items) == 2 and page.next_after is not None


def test_pieces_that_all_appear_but_not_together_do_not_match(app):
    app.open_journey("abc-xbcd", actor=CLINICIAN)  # has "abc" and "bcd", not "abcd"
    side = read_side_for(app)
    assert _found(side, "abcd") == set()
    assert _found(side, "bcd") == {"abc-xbcd"}


def test_a_journey_is_found_by_the_start_of_its_id_in_any_case(app):
    journey = app.open_journey("MRN-ID", actor=CLINICIAN)
    app.open_journey("MRN-OTHER", actor=CLINICIAN)
    side = read_side_for(app)
    assert [s.journey_id for s in side.journeys(search=str(journey)[:6].upper()).items] == [journey]
    assert [s.journey_id for s in side.journeys(search=str(journey)[:13]).items] == [journey]


def test_with_a_cipher_the_search_index_holds_no_piece_of_a_reference(make_app, store_url, clock):
    app = make_app(store_url, clock, cipher_key=AESCipher.create_key(32))
    app.open_journey("ZQX-WYVU", actor=CLINICIAN)
    side = read_side_for(app)
    assert _found(side, "qx-w") == {"ZQX-WYVU"}
    with side.store.read() as cur:
        stored = " ".join(str(r["gram"]) for r in cur.run("SELECT gram FROM read_grams").all()).lower()
    pieces = ("zq", "qx", "x-w", "wy", "vu")  # letters that no hex digest holds
    assert stored and not any(piece in stored for piece in pieces)


def test_the_exact_reference_is_found_however_it_is_typed(app):
    """The exact key is the normalised reference (NFKC, case-folded, trimmed), as the index compares it."""
    app.open_journey("MRN-55", actor=CLINICIAN)
    app.open_journey("MRN-555", actor=CLINICIAN)
    side = read_side_for(app)
    for typed in ("mrn-55", " Mrn-55 ", "ＭＲＮ－５５"):
        assert "MRN-55" in _found(side, typed)
    assert _found(side, "ｍｒｎ－５５５") == {"MRN-555"}
