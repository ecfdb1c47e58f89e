"""Variants of the stub SETU server for the mutation test of the conformance kit.

``ConformingStub`` is tests/stub_setu_server.py plus what the stub leaves out
on purpose and the kit checks: schema and business-rule validation of what is
posted, and rule 295 on PUT. With no defect it passes every MUST check of the
kit; each name in ``DEFECTS`` breaks exactly one behaviour, as counterparties'
servers are seen to.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from stub_setu_server import COLLECTIONS, RecordedRequest, Reply, StubSetuServer, _Answer, _Handler

from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import check_replacement, validate_message
from setu_planning.interface import wire

DEFECTS = {
    "200-for-201": "a message POST answers 200 instead of 201",
    "no-location": "a message POST answers no Location",
    "202": "a message POST answers 202 Accepted",
    "bad-error-body": "refusals carry a JSON body that is not the SETU error object",
    "missing-document": "a message missing documentId is accepted",
    "5xx-on-malformed": "malformed JSON answers 500",
    "cancelled-still-200": "a cancelled resource still answers 200",
    "ignore-version": "setuVersionId is not checked: any value, or none, is read as 2.0",
    "5xx-on-invalid": "a well-formed but schema-invalid message answers 500",
}


class ConformingStub(StubSetuServer):
    """The stub, validating as the standard asks, with ``defects`` switched on."""

    def __init__(self, *defects: str):
        unknown = set(defects) - set(DEFECTS)
        assert not unknown, f"unknown defects {unknown}"
        super().__init__()
        self.defects = set(defects)
        self._cancelled: set[str] = set()

    def _body_format_and_version(self, request: RecordedRequest) -> tuple[str, str]:
        if "ignore-version" in self.defects:
            try:
                fmt = wire.body_format(request.header("Content-Type"))
            except wire.UnsupportedMediaType:
                fmt = None
            if fmt not in self.formats:
                raise _Answer(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type not accepted here")
            return fmt, "2.0"
        return super()._body_format_and_version(request)

    def _decode_message(self, request: RecordedRequest, name: str) -> dict[str, Any]:
        fmt, version = self._body_format_and_version(request)
        kind = COLLECTIONS[name].kind
        try:
            message = wire.decode_message(request.body, fmt, kind, version)
        except wire.MalformedBody as error:
            if "5xx-on-malformed" in self.defects:
                raise _Answer(500, "INTERNAL", "the parser crashed") from None
            raise _Answer(400, "INVALID_MESSAGE", error.description) from None
        except SetuError as error:
            raise _Answer(400, "INVALID_MESSAGE", error.description) from None
        if "missing-document" in self.defects and "documentId" not in message:
            agency = "Supplier" if name == "constraints" else "Customer"
            message["documentId"] = {"value": str(uuid.uuid4()), "schemeAgencyId": agency}
            return message
        try:
            validate_message(kind, message)
        except SetuError as error:
            if "5xx-on-invalid" in self.defects:
                raise _Answer(500, "INTERNAL", "validation crashed") from None
            raise _Answer(400, "INVALID_MESSAGE", error.description) from None
        return message

    def _submit(self, request: RecordedRequest, name: str) -> Reply:
        status, headers, body = super()._submit(request, name)
        if status == 201 and "200-for-201" in self.defects:
            status = 200
        if status == 201 and "202" in self.defects:
            status = 202
        if "no-location" in self.defects:
            headers = {k: v for k, v in headers.items() if k.lower() != "location"}
        return status, headers, body

    def _replace(self, request: RecordedRequest, name: str, resource_id: str) -> Reply:
        with self._lock:
            stored = self._resource(name, resource_id).message
        message = self._decode_message(request, name)
        try:
            check_replacement(COLLECTIONS[name].kind, stored, message)
        except SetuError as error:
            raise _Answer(400, "BR-295", error.description) from None
        return super()._replace(request, name, resource_id)

    def _cancel(self, request: RecordedRequest, name: str, resource_id: str) -> Reply:
        if "cancelled-still-200" in self.defects:
            with self._lock:
                self._resource(name, resource_id)
            return 204, {}, b""
        return super()._cancel(request, name, resource_id)

    def _error_body(self, request: RecordedRequest, code: str, description: str) -> tuple[str, bytes]:
        if "bad-error-body" in self.defects:
            return "application/json", json.dumps({"error": True, "message": description}).encode()
        return super()._error_body(request, code, description)


__all__ = ["ConformingStub", "DEFECTS", "_Handler"]
