"""A person's browser tab for the cluster check and the benches: keep-alive HTTP(S), cookies, forms filled as a
browser would, and signing in (the second step's code included).

It honours what Braid asks of a browser: no Referer is sent (Braid's pages say Referrer-Policy: no-referrer), and
a Secure cookie goes back over plain HTTP only when a node is reached directly (as the check does to prove that
sessions are shared), never to the outside.
"""
from __future__ import annotations

import http.client
import re
import ssl
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlencode

# The server closed a kept-alive connection just as the next request went out (gunicorn closes idle ones after
# 2 s; a loaded client can be that slow to send): a browser sends it again on a new connection.
CLOSED_BEFORE_ANSWER = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
COOKIE = re.compile(r"\s*([^=;\s]+)=([^;]*)")
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer at all (connection refused or dropped)
    page: str
    seconds: float
    location: str = ""
    path: str = ""  # the path asked for

    def heading(self) -> str:
        found = HEADING.search(self.page)
        return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


class Browser:
    """One keep-alive connection to `port` (TLS when `tls` is a context), with the cookies it was given."""

    def __init__(self, port: int, tls: ssl.SSLContext | None = None, cookies: dict | None = None,
                 timeout: float = 60):
        self.port, self.tls, self.timeout = port, tls, timeout
        self.cookies: dict[str, str] = dict(cookies or {})
        self.connection = self._connect()
        self.reused = False  # the connection has carried an answer already
        self.resent = 0  # requests sent again on a new connection (see CLOSED_BEFORE_ANSWER)

    def _connect(self):
        if self.tls is not None:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=self.timeout, context=self.tls)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, fields) -> Answer:
        return self.request("POST", path, fields)

    def request(self, method: str, path: str, fields=None) -> Answer:
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if fields is not None:
            pairs = fields.items() if isinstance(fields, dict) else fields
            body = urlencode([(name, value) for name, value in pairs], doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            try:
                response, page = self._send(method, path, body, headers)
            except CLOSED_BEFORE_ANSWER:
                if not self.reused:
                    raise
                self._reconnect()
                self.resent += 1
                response, page = self._send(method, path, body, headers)
        except (http.client.HTTPException, OSError) as error:
            self._reconnect()
            elapsed = time.perf_counter() - started
            return Answer(0, f"<h1>no answer: {type(error).__name__} after {elapsed:.1f} s</h1>", elapsed, path=path)
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            match = COOKIE.match(header)
            if match:
                name, value = match.groups()
                if value and "max-age=0" not in header.lower() and "expires=thu, 01 jan 1970" not in header.lower():
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
        if response.getheader("Connection", "").lower() == "close":
            self._reconnect()
        return Answer(response.status, page, elapsed, response.getheader("Location", ""), path)

    def sign_in(self, email: str, password: str, code=None, note=None) -> bool:
        """Whether the sign-in form, then the second step's form when Braid asks for it, signed `email` in.

        `code()` gives the authenticator's code, asked only when the second step is (without it, that step fails);
        `note(answer)` is told of every answer on the way.
        """
        note = note or (lambda answer: None)
        page = self.get("/sign-in")
        note(page)
        fields = form_on(page, "sign-in")
        if page.status != 200 or fields is None:
            return False
        answer = self.post("/sign-in", with_values(fields, email=email, password=password))
        note(answer)
        if answer.status == 302 and answer.location.endswith("/sign-in/code"):
            if code is None:
                return False
            page = self.get("/sign-in/code")
            note(page)
            fields = form_on(page, "/sign-in/code")
            if fields is None:
                return False
            answer = self.post("/sign-in/code", with_values(fields, code=code()))
            note(answer)
        return answer.status == 302 and "/sign-in" not in answer.location

    def _send(self, method, path, body, headers):
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        page = response.read().decode(errors="replace")
        self.reused = True
        return response, page

    def _reconnect(self) -> None:
        self.connection.close()
        self.connection = self._connect()
        self.reused = False

    def close(self) -> None:
        self.connection.close()


class _Forms(HTMLParser):
    """Each form's fields as a browser would send them: inputs, checked boxes, textareas, selected options."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action") or "", "fields": []})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("radio", "checkbox") and "checked" not in attributes:
                return
            fields.append([name, attributes.get("value") or ("on" if kind in ("radio", "checkbox") else "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            fields.append(self._textarea)
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": False}
        elif tag == "option" and self._select is not None:
            value = attributes.get("value") or ""
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attributes:
                fields.append([self._select["name"], value])
                self._select["chosen"] = True

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if not self._select["chosen"] and self._select["first"] is not None:
                self.forms[-1]["fields"].append([self._select["name"], self._select["first"]])
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_on(page: Answer, action: str) -> list[list[str]] | None:
    """The fields of the first form on `page` posting to a path that contains `action` (and has a CSRF token),
    or None. A form with no action posts to the page's own path."""
    parser = _Forms()
    parser.feed(page.page)
    for form in parser.forms:
        target = form["action"] or page.path
        if action in target and any(name == "csrf_token" for name, _ in form["fields"]):
            return [list(field) for field in form["fields"]]
    return None


def with_values(fields: list[list[str]], **values) -> list[tuple[str, str]]:
    """`fields` with each named one replaced (every field of that name), and names not there added."""
    out, done = [], set()
    for name, value in fields:
        if name in values:
            if name in done:
                continue
            done.add(name)
            replacement = values[name]
            out.extend((name, item) for item in (replacement if isinstance(replacement, list) else [replacement]))
        else:
            out.append((name, value))
    for name, replacement in values.items():
        if name not in done:
            out.extend((name, item) for item in (replacement if isinstance(replacement, list) else [replacement]))
    return out
