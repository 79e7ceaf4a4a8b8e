"""Business errors carry the HTTP status and a message a person understands.

Services raise them; views, API endpoints and tasks turn them into answers. Nothing is
written when one is raised inside a service's transaction.
"""


class EnsembleError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs to, when there is one


class NotAllowed(EnsembleError):
    status = 403


class NotFound(EnsembleError):
    status = 404


class Conflict(EnsembleError):
    status = 409


class TooLarge(EnsembleError):
    status = 413


class UnsupportedMedia(EnsembleError):
    status = 415
