"""Errors the domain raises; each carries a stable code that the API returns to callers."""

from __future__ import annotations


class CarePlanError(Exception):
    """Base of every refusal the engine gives."""

    code = "careplan_error"


class RuleViolation(CarePlanError):
    """A protocol rule refuses the event. ``code`` names the rule; the message says why in a sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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
