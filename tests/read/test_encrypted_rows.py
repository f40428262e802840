"""On an encrypted store the read tables hold no clinical text in clear: the reason a step is blocked,
how many alerts are open and the event types live in the sealed payload only (issue 12, finding 8)."""

from __future__ import annotations

from eventsourcing.cryptography import AESCipher

from events.read.runtime import read_side_for
from tests.scheduling.journeys import CLINICIAN, phq9, record

CLINICAL_WORDS = (b"taper", b"benzodiazepine", b"alert", b"MedicationReviewed", b"AssessmentRecorded",
                  b"SafetyAlertRaised", b"ConsultationCompleted", b"MRN-CLEAR")


def _dump(side) -> bytes:  # type: ignore[no-untyped-def]
    """Every per-journey row (read_counts holds clinic-wide totals only, no journey)."""
    tables = ("read_journeys", "read_steps", "read_grams", "read_due")
    with side.store.read() as cur:
        rows = [dict(r) for t in tables for r in cur.run(f"SELECT * FROM {t}").all()]
    return b" ".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for r in rows for v in r.values())


def test_with_a_cipher_no_clinical_text_is_stored_in_clear_in_the_read_tables(make_app, store_url, clock):
    app = make_app(store_url, clock, cipher_key=AESCipher.create_key(32))
    blocked = app.open_journey("MRN-CLEAR-1", actor=CLINICIAN)
    record(app, blocked, "ConsultationCompleted")
    record(app, blocked, "MedicationReviewed", taper_required=True)
    alerted = app.open_journey("MRN-CLEAR-2", actor=CLINICIAN)
    phq9(app, alerted, 2, "other")
    side = read_side_for(app)
    assert "taper" in side.worklist("blocked", clock.now).notes[blocked]  # the reason is there, sealed
    assert side.summary(alerted).open_alerts == 1
    dumped = _dump(side)
    assert dumped and not [w for w in CLINICAL_WORDS if w.lower() in dumped.lower()]


def test_without_a_cipher_the_same_dump_finds_the_reason_so_the_check_can_fail(make_app, store_url, clock):
    app = make_app(store_url, clock)
    journey = app.open_journey("MRN-CLEAR-3", actor=CLINICIAN)
    record(app, journey, "ConsultationCompleted")
    record(app, journey, "MedicationReviewed", taper_required=True)
    assert b"taper" in _dump(read_side_for(app)).lower()
