"""The outbox's dispatcher beside smtplib alone: N queued messages delivered to a local SMTP server.

    python -m benchmarks.dispatcher [--messages 1000] [--per-journey 10] [--url URL]

Both sides send the same messages over one STARTTLS connection to the same in-process server (the
tests' aiosmtpd server, ``tests.messaging.servers``); the dispatcher also reads each journey, records
each ``NotificationSent`` under the journey's version and reads the address from the patient. The
rate of each and their ratio are printed (the issue's target: the dispatcher at 0.8 of the bare loop
or better).
"""

from __future__ import annotations

import argparse
import os
import smtplib
import ssl
import tempfile
import time
from pathlib import Path
from uuid import UUID

from careplan.adapters.channels import Outgoing, SmtpChannel
from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.domain.clinic import clinic
from careplan.domain.values import Actor
from careplan.entrypoints.scheduling.sweep import sweep
from careplan.messaging import questionnaires
from careplan.messaging.outbox import dispatch, outgoing
from careplan.messaging.settings import MessagingSettings, smtp_settings, use_messaging
from careplan.patients import Patients
from events.protocol_file import default_protocols
from events.read.runtime import read_store_for
from tests.messaging.servers import smtp_server

CLINICIAN = Actor("bench", "clinician")


def queue(app: CarePlan, messages: int, per_journey: int) -> list[tuple[UUID, str]]:
    """Journeys with a patient's email and ``per_journey`` links each, queued by one sweep."""
    for n in range(messages // per_journey):
        journey = app.open_journey(f"BENCH-{n}", actor=CLINICIAN)
        Patients(app).record(journey, {"email": f"p{n}@home.example"}, actor=CLINICIAN)
        for _ in range(per_journey):
            questionnaires.send_now(app, journey, "PHQ9", actor=CLINICIAN)
    sweep(app, read_store_for(app))
    return [(j, k) for j in app.journey_ids() for k, m in app.get(j).chart.outbox.items() if m["state"] == "queued"]


def bare_loop(app: CarePlan, settings: MessagingSettings, queued: list[tuple[UUID, str]]) -> float:
    """smtplib alone: the same messages (built beforehand), one connection, no store."""
    made: list[Outgoing] = []
    for journey_id, key in queued:
        journey = app.get(journey_id)
        made.append(outgoing(app, settings, journey, {"key": key, **journey.chart.outbox[key]}, "p@home.example"))
    assert settings.smtp is not None
    channel = SmtpChannel(settings.smtp)
    started = time.perf_counter()
    for message in made:
        channel.send(message)
    channel.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--per-journey", type=int, default=10)
    parser.add_argument("--url", default=None, help="a store URL (default: a SQLite file in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, smtp_server(Path(folder)) as server:
        os.environ["SSL_CERT_FILE"] = str(server.cert_file)
        ssl.create_default_context()  # fail here, not mid-run, if the certificate is not trusted
        url = args.url or f"sqlite:///{folder}/bench.sqlite"
        app = CarePlan(StoreSettings(url=url), default_protocols())
        settings = MessagingSettings(clinic=clinic("UTC", {}, 1), smtp=smtp_settings(server.url))
        use_messaging(app, settings)
        try:
            queued = queue(app, args.messages, args.per_journey)
            bare = bare_loop(app, settings, queued)
            started = time.perf_counter()
            result = dispatch(app)
            took = time.perf_counter() - started
        finally:
            app.close()
        assert len(result.sent) == len(queued), (len(result.sent), len(queued))
        received = len(server.mailbox.messages)
    count = len(queued)
    print(f"{count} messages ({args.per_journey} per journey), local SMTP server with STARTTLS ({received} received)")
    print(f"smtplib in a bare loop: {count / bare:8.0f} messages/s")
    print(f"the dispatcher:         {count / took:8.0f} messages/s  (records each NotificationSent)")
    print(f"ratio: {bare / took:.2f} of the bare loop (target 0.8)")


if __name__ == "__main__":
    smtplib.SMTP.debuglevel = 0
    main()
