"""Synthetic details for the demo's patients, so the banner shows what a clinic's would.

Made-up names from short lists (never drawn from real records), a date of birth, sometimes an
allergy, and contact details in the ranges reserved for fiction: phone numbers 555-01xx and the
``example.org`` domain (RFC 2606), so a demo message could never reach a real person. Drawn from their
own seeded generator, so the cohort's stories are the same with or without them.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from careplan.domain.patient import PatientDetails

GIVEN = ("Avery", "Jordan", "Rosalind", "Tobias", "Imani", "Mateo", "Priya", "Oskar", "Leona", "Dmitri",
         "Noor", "Harriet", "Kenji", "Beatrix", "Emeka", "Sunniva", "Callum", "Ines", "Ravi", "Marisol")
FAMILY = ("Quill", "Ashdown", "Fairweather", "Okonkwo", "Lindqvist", "Marchetti", "Haverford", "Castellanos",
          "Whitlock", "Nakamura", "Pemberton", "Abernathy", "Delacroix", "Thornbury", "Valdivia", "Kowalczyk")
ALLERGIES = ("Penicillin", "Sulfonamides", "Latex", "Iodinated contrast", "Codeine")


def demo_details(number: int, seed: int, today: date) -> PatientDetails:
    rng = Random(f"careplan-demo-people-{seed}-{number}")
    name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
    born = today - timedelta(days=rng.randint(19 * 365, 72 * 365))
    allergies = tuple(rng.sample(ALLERGIES, k=rng.choice((0, 0, 0, 1, 1, 2))))
    phone = f"+1 212 555 01{number % 100:02d}"
    email = f"demo-{number:06d}@example.org"
    return PatientDetails(name=name, birth_date=born, allergies=allergies, phone=phone, email=email)
