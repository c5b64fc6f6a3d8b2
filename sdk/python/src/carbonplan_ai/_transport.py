"""Sending requests: authentication, retries with backoff, idempotency keys on POST, typed errors, JSON decoding."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from contextlib import asynccontextmanager, contextmanager
from typing import Any, AsyncIterator, Iterator, Mapping, Optional, Union

import httpx

from ._errors import APIConnectionError, APIError, error_from_response, parse_retry_after
from ._retry import RetryPolicy
from ._version import __version__

DEFAULT_BASE_URL = "http://127.0.0.1:3000"
DEFAULT_TIMEOUT = 30.0
IDEMPOTENCY_HEADER = "Idempotency-Key"

Params = Optional[Mapping[str, Any]]


def resolve_api_key(api_key: Optional[str]) -> Optional[str]:
    return api_key if api_key is not None else os.environ.get("CARBONPLAN_API_KEY") or None


def resolve_base_url(base_url: Optional[str]) -> str:
    url = base_url if base_url is not None else os.environ.get("CARBONPLAN_BASE_URL") or DEFAULT_BASE_URL
    return url.rstrip("/")


def clean_params(params: Params) -> dict[str, str]:
    """Query parameters without the unset ones; booleans as the API spells them."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def decode_json(response: httpx.Response, body: bytes) -> Any:
    if response.status_code == 204 or not body:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError as err:
        raise APIError(f"the API answered {response.status_code} with a body that is not JSON", status=response.status_code) from err


class _Base:
    def __init__(
        self,
        *,
        api_key: Optional[str],
        base_url: Optional[str],
        timeout: Union[float, httpx.Timeout],
        retry: RetryPolicy,
        default_headers: Optional[Mapping[str, str]],
    ) -> None:
        self.api_key = resolve_api_key(api_key)
        self.base_url = resolve_base_url(base_url)
        self.timeout = timeout
        self.retry = retry
        self.headers = {"User-Agent": f"carbonplan-ai-python/{__version__}", "Accept": "application/json", **(default_headers or {})}
        if self.api_key:
            self.headers["Authorization"] = f"Bearer {self.api_key}"

    def _build(self, client: Union[httpx.Client, httpx.AsyncClient], method: str, path: str, params: Params, body: Any,
               idempotency_key: Optional[str], accept: Optional[str]) -> httpx.Request:
        headers = dict(self.headers)
        if accept:
            headers["Accept"] = accept
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        return client.build_request(method, self.base_url + path, params=clean_params(params), json=body, headers=headers, timeout=self.timeout)

    @staticmethod
    def _idempotency_key(method: str, given: Optional[str]) -> Optional[str]:
        # One key per logical call, reused by every retry, so a retried POST is answered once (Stripe's convention).
        if method.upper() != "POST":
            return given
        return given if given is not None else str(uuid.uuid4())

    def _next_wait(self, error: APIError, retry: int) -> Optional[float]:
        """Seconds before the next attempt, or None to raise `error` now."""
        if retry > self.retry.max_retries or not self.retry.is_retryable(error):
            return None
        return self.retry.delay(retry, parse_retry_after(error.headers.get("retry-after")))


def _connection_error(err: httpx.TransportError) -> APIConnectionError:
    return APIConnectionError(f"could not reach the API: {type(err).__name__}: {err}")


class SyncTransport(_Base):
    def __init__(self, *, http_client: Optional[httpx.Client] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owns_client = http_client is None
        self.http = http_client or httpx.Client(follow_redirects=True)

    def close(self) -> None:
        if self._owns_client:
            self.http.close()

    def _send(self, method: str, path: str, *, params: Params = None, body: Any = None, idempotency_key: Optional[str] = None,
              stream: bool = False, accept: Optional[str] = None) -> httpx.Response:
        key = self._idempotency_key(method, idempotency_key)
        retry = 0
        while True:
            retry += 1
            request = self._build(self.http, method, path, params, body, key, accept)
            try:
                response = self.http.send(request, stream=stream, follow_redirects=True)
            except httpx.TransportError as err:
                error: APIError = _connection_error(err)
            else:
                if response.status_code < 400:
                    return response
                error = error_from_response(response, response.read())
                response.close()
            wait = self._next_wait(error, retry)
            if wait is None:
                raise error
            time.sleep(wait)

    def request(self, method: str, path: str, *, params: Params = None, body: Any = None, idempotency_key: Optional[str] = None,
                accept: Optional[str] = None) -> Any:
        response = self._send(method, path, params=params, body=body, idempotency_key=idempotency_key, accept=accept)
        return decode_json(response, response.content)

    def get_bytes(self, path: str, *, params: Params = None, accept: Optional[str] = None) -> bytes:
        return self._send("GET", path, params=params, accept=accept).content

    @contextmanager
    def stream(self, path: str, *, params: Params = None, accept: Optional[str] = None) -> Iterator[httpx.Response]:
        """A GET whose body is read as it arrives; retries happen only before the first byte is handed out."""
        response = self._send("GET", path, params=params, stream=True, accept=accept)
        try:
            yield response
        finally:
            response.close()


class AsyncTransport(_Base):
    def __init__(self, *, http_client: Optional[httpx.AsyncClient] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owns_client = http_client is None
        self.http = http_client or httpx.AsyncClient(follow_redirects=True)

    async def close(self) -> None:
        if self._owns_client:
            await self.http.aclose()

    async def _send(self, method: str, path: str, *, params: Params = None, body: Any = None, idempotency_key: Optional[str] = None,
                    stream: bool = False, accept: Optional[str] = None) -> httpx.Response:
        key = self._idempotency_key(method, idempotency_key)
        retry = 0
        while True:
            retry += 1
            request = self._build(self.http, method, path, params, body, key, accept)
            try:
                response = await self.http.send(request, stream=stream, follow_redirects=True)
            except httpx.TransportError as err:
                error: APIError = _connection_error(err)
            else:
                if response.status_code < 400:
                    return response
                error = error_from_response(response, await response.aread())
                await response.aclose()
            wait = self._next_wait(error, retry)
            if wait is None:
                raise error
            await asyncio.sleep(wait)

    async def request(self, method: str, path: str, *, params: Params = None, body: Any = None, idempotency_key: Optional[str] = None,
                      accept: Optional[str] = None) -> Any:
        response = await self._send(method, path, params=params, body=body, idempotency_key=idempotency_key, accept=accept)
        return decode_json(response, response.content)

    async def get_bytes(self, path: str, *, params: Params = None, accept: Optional[str] = None) -> bytes:
        return (await self._send("GET", path, params=params, accept=accept)).content

    @asynccontextmanager
    async def stream(self, path: str, *, params: Params = None, accept: Optional[str] = None) -> AsyncIterator[httpx.Response]:
        response = await self._send("GET", path, params=params, stream=True, accept=accept)
        try:
            yield response
        finally:
            await response.aclose()
