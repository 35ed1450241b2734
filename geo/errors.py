"""Exceptions raised by the library.

Like geopy's, each also subclasses the built-in it resembles, so callers that only know
the standard library (``except ValueError``) still catch them.
"""

from __future__ import annotations


class GeoError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidInputError(GeoError, ValueError):
    """Input the library cannot use: bad coordinates, empty or binary text, and so on."""


class InputTooLargeError(InvalidInputError):
    """Input over the configured size limit."""


class DataFileError(GeoError, FileNotFoundError):
    """An embedded or downloaded data file is missing or corrupt.

    The message names the file and the command that rebuilds it.
    """

    def __init__(self, path: object, problem: str, fix: str = "python -m geo data build") -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}: {problem}. Rebuild it with: {fix}")


class DownloadError(GeoError, ConnectionError):
    """A download failed or its checksum did not match; previous data is left intact."""


class GeocoderUnavailable(GeoError, ConnectionError):
    """The online geocoder could not be reached or kept failing."""


class GeocoderRateLimited(GeocoderUnavailable):
    """The online geocoder answered 429 Too Many Requests."""


class GeocoderTimedOut(GeoError, TimeoutError):
    """The online geocoder did not answer in time."""


class GeocoderConfigError(GeoError, ValueError):
    """The online geocoder settings cannot work: unknown service, bad URL or option."""
