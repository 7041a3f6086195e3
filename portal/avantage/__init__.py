"""Avantage integration: the AVTCP/1 codec, the MainTCP client and its typed errors.

Self-contained: imports nothing from the rest of ``portal``.
"""

from portal.avantage.batch_errors import LineTooLargeError, ReversalNotSupportedError
from portal.avantage.bounds import (
    DEFAULT_MAX_FRAME_BYTES,
    DEFAULT_MAX_PAGES,
    ListingOverrunError,
    Overrun,
    ResponseTooLargeError,
)
from portal.avantage.client import AvantageClient
from portal.avantage.diagnostics import Diagnosis, diagnose
from portal.avantage.endpoint import EndpointError, parse_endpoint, public_addresses_only
from portal.avantage.errors import (
    AddressNotAllowedError,
    AuthenticationError,
    AvantageError,
    ConnectionLostError,
    EncryptionKeyRequiredError,
    HostNotFoundError,
    NoAnswerError,
    NotAvantageServerError,
    PortClosedError,
    ProtocolError,
    RequestTimeoutError,
    ServerBusyError,
    ServerError,
    Step,
    WrongEncryptionKeyError,
)
from portal.avantage.protocol import DEFAULT_PORT, Greeting
from portal.avantage.responses import BatchResult, Page, PingResult
from portal.avantage.steps import StepResult, StepStatus

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "DEFAULT_MAX_PAGES",
    "DEFAULT_PORT",
    "AddressNotAllowedError",
    "AuthenticationError",
    "AvantageClient",
    "AvantageError",
    "BatchResult",
    "ConnectionLostError",
    "Diagnosis",
    "EncryptionKeyRequiredError",
    "EndpointError",
    "Greeting",
    "HostNotFoundError",
    "LineTooLargeError",
    "ListingOverrunError",
    "NoAnswerError",
    "NotAvantageServerError",
    "Overrun",
    "Page",
    "PingResult",
    "PortClosedError",
    "ProtocolError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "ReversalNotSupportedError",
    "ServerBusyError",
    "ServerError",
    "Step",
    "StepResult",
    "StepStatus",
    "WrongEncryptionKeyError",
    "diagnose",
    "parse_endpoint",
    "public_addresses_only",
]
