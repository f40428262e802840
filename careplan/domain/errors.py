"""Errors the domain raises; each carries a stable code that the API returns to callers."""

from __future__ import annotations


class CarePlanError(Exception):
    """Base of every refusal the engine gives."""

    code = "careplan_error"


class RuleViolation(CarePlanError):
    """A protocol rule refuses the event. ``code`` names the rule; the message says why in a sentence.

    ``deviable`` marks a timing rule (DESIGN 6.3) that a clinician may knowingly depart from by giving a
    ``deviation`` reason; safety rules never are. A rule raising a deviable violation skips it when its
    code is in ``attempt.waived`` (use ``Attempt.deviable``), so the checks after it still run.
    """

    def __init__(self, code: str, message: str, deviable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.deviable = deviable


class UnknownJourney(CarePlanError):
    code = "unknown_journey"

    def __init__(self, journey_id: object) -> None:
        super().__init__(f"No journey with id {journey_id}.")
        self.journey_id = journey_id


class UnknownProtocol(CarePlanError):
    code = "unknown_protocol"

    def __init__(self, protocol_id: str, version: int | None) -> None:
        which = f"{protocol_id} version {version}" if version is not None else protocol_id
        super().__init__(f"No protocol {which} is registered.")


class UnknownEventType(CarePlanError):
    code = "unknown_event_type"

    def __init__(self, event_type: str) -> None:
        super().__init__(f"{event_type!r} is not an event type a person can record.")


class VersionConflict(CarePlanError):
    """Someone else changed the journey first; the caller retries on ``current_version``."""

    code = "version_conflict"

    def __init__(self, expected_version: int | None, current_version: int) -> None:
        super().__init__(
            f"The journey is at version {current_version}, not {expected_version}: "
            "someone else recorded an event first. Reload and try again."
        )
        self.expected_version = expected_version
        self.current_version = current_version


class InvalidEvent(CarePlanError):
    """An event's data is not of its type: a string for a boolean, an unknown code, a missing field.

    The domain's own guard, raised whoever builds the data (an API body, a form, a script, the demo
    generator); ``errors`` maps each field to its messages, as the API's 422 does.
    """

    code = "invalid_event"

    def __init__(self, event_type: str, errors: dict[str, list[str]]) -> None:
        self.event_type = event_type
        self.errors = errors
        detail = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in sorted(errors.items()))
        super().__init__(f"{event_type} data is invalid: {detail}")
        self.message = str(self)


class NotAllowed(CarePlanError):
    """The actor's role may not record this kind of event (``careplan.domain.roles``; the API's 403)."""

    code = "forbidden"

    def __init__(self, role: str, event_type: str, message: str | None = None) -> None:
        super().__init__(message or f"The {role} role may not record {event_type} events.")
        self.role = role
        self.event_type = event_type
        self.message = str(self)


class CorrectionNotAllowed(NotAllowed):
    """The actor may not mark that event as entered in error (its kind, or who recorded it)."""

    code = "correction_not_allowed"

    def __init__(self, role: str, target_type: str) -> None:
        super().__init__(
            role, "EventEnteredInError", f"The {role} role may not mark this {target_type} event as entered in error."
        )
        self.role = role
        self.target_type = target_type
        self.message = str(self)


class StoreBusy(CarePlanError):
    """A write without ``expected_version`` kept losing races for longer than the engine waits."""

    code = "store_busy"

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The journey kept changing for {seconds:g} s while this event waited to be recorded: "
            "nothing was recorded; try again."
        )
        self.message = str(self)


class JourneyExists(CarePlanError):
    """The patient reference already has a journey that is not closed (DESIGN 6.2: 409)."""

    code = "journey_exists"

    def __init__(self, journey_id: object, message: str | None = None) -> None:
        super().__init__(
            message
            or f"This patient reference already has an open journey ({journey_id}): close it before opening "
            "another course."
        )
        self.journey_id = journey_id
        self.message = str(self)


class BrokenRecord(CarePlanError):
    """A stored record (a journey, an account) does not hold together where it is read: a row does not
    chain onto the one before it, or does not open at its place. Such a row was altered, copied from
    elsewhere or added outside the application, so nothing is shown or judged from the record."""

    code = "record_broken"

    def __init__(self, kind: str, record_id: object, version: int) -> None:
        super().__init__(
            f"The stored {kind} {record_id} does not hold together at version {version}: a row was altered, "
            "copied from elsewhere or added outside the application. It is not read; run `careplan verify`."
        )
        self.kind = kind
        self.record_id = record_id
        self.version = version
        self.message = str(self)
