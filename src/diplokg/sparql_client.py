"""The one SPARQL-over-HTTP client, used by `KnowledgeGraph.remote` and by `diplokg publish`.

Queries and updates are POSTed as forms (SPARQL 1.1 Protocol, sections 2.1.2 and 2.2.1); other
requests (the Graph Store Protocol's) are sent as given. A request that cannot reach the
server, or that gets 429, 502, 503 or 504, is tried again up to `retries` times, after
`retry_delay` seconds and then twice as long each time: a gateway or an overloaded store may
recover, a 4xx or a 500 will not. Credentials go only to the origins in `auth_origins`.
Redirects are not followed. The caller turns a failure (`HttpFailure`) into its own message.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

import httpx

__all__ = ["RETRYABLE", "HttpFailure", "SparqlClient", "origin", "safe_url"]

RETRYABLE = frozenset({429, 502, 503, 504})

Origin = tuple[str, str | None, int | None]


def origin(url: str) -> Origin:
    """Scheme, host and port: where credentials may go."""
    parts = urlsplit(url)
    return (parts.scheme, parts.hostname, parts.port)


def safe_url(url: str) -> str:
    """The URL without query string or credentials, for messages (a query string may carry a
    token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"


class HttpFailure(Exception):
    """No successful (2xx) answer after `attempts` requests: `response` is the last answer, or
    None when the server could not be reached, and then `cause` says why."""

    def __init__(
        self,
        url: str,
        attempts: int,
        response: httpx.Response | None = None,
        cause: httpx.TransportError | None = None,
    ) -> None:
        super().__init__(f"{safe_url(url)}: {cause if response is None else response.status_code}")
        self.url = url
        self.attempts = attempts
        self.response = response
        self.cause = cause


class SparqlClient:
    """An HTTP connection pool speaking the SPARQL 1.1 Protocol to one or more endpoints."""

    def __init__(
        self,
        *,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        auth_origins: Iterable[str] = (),
        retries: int = 0,
        retry_delay: float = 0.5,
    ) -> None:
        self.http = httpx.Client(
            timeout=timeout, headers=dict(headers or {}), follow_redirects=False
        )
        self.auth = auth
        self.auth_origins = {origin(url) for url in auth_origins}
        self.retries = retries
        self.retry_delay = retry_delay

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The successful answer to one request; HttpFailure once the retries are spent."""
        auth = self.auth if origin(url) in self.auth_origins else None
        attempts = 0
        while True:
            if attempts:
                time.sleep(self.retry_delay * 2 ** (attempts - 1))
            attempts += 1
            try:
                response = self.http.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    content=content,
                    headers=headers,
                    auth=auth,
                )
            except httpx.TransportError as exc:
                if attempts > self.retries:
                    raise HttpFailure(url, attempts, cause=exc) from exc
                continue
            if response.is_success:
                return response
            if response.status_code not in RETRYABLE or attempts > self.retries:
                raise HttpFailure(url, attempts, response)

    def query(self, url: str, text: str, accept: str) -> httpx.Response:
        """POST a query as a form, asking for `accept`."""
        return self.request("POST", url, data={"query": text}, headers={"Accept": accept})

    def update(self, url: str, text: str) -> httpx.Response:
        """POST an update as a form."""
        return self.request("POST", url, data={"update": text})
