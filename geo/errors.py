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


class FetchError(InvalidInputError):
    """A URL given as input could not be downloaded: unreachable, an HTTP error status, a
    broken response. The message names the URL and the reason."""


class FetchRefusedError(FetchError):
    """A URL the download policy refuses: a scheme other than http(s), a loopback, private
    or otherwise non-public address, too many redirects, a content type that is not an
    article or a feed. No body is read from it."""


class FetchTimeoutError(FetchError, TimeoutError):
    """A download took longer than the configured timeout or total deadline."""


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
