"""Sign-in, sessions, sign-out, CSRF and the rate limit, in process."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from services.console import accounts
from services.console.ratelimit import Buckets
from tests.integration.console.conftest import PASSWORD, Console, csrf_of


def signin_token(client: TestClient) -> str:
    found = re.search(r'name="token" value="([^"]+)"', client.get("/masuk").text)
    assert found
    return found.group(1)


def fresh(console: Console) -> TestClient:
    client = TestClient(console.client.app, follow_redirects=False)
    client.portal = console.client.portal
    return client


def test_pages_redirect_to_signin_and_fragments_tell_htmx(console: Console) -> None:
    client = fresh(console)
    page = client.get("/operator/antrian")
    assert page.status_code == 303 and page.headers["location"] == "/masuk"
    fragment = client.get("/operator/antrian/isi", headers={"HX-Request": "true"})
    assert fragment.status_code == 401 and fragment.headers["hx-redirect"] == "/masuk"


def test_signin_sets_a_strict_httponly_signed_cookie(console: Console) -> None:
    client = fresh(console)
    done = client.post("/masuk", data={"username": "op1", "password": PASSWORD,
                                       "token": signin_token(client)})
    assert done.status_code == 303 and done.headers["location"] == "/operator/antrian"
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/operator/antrian").status_code == 200
    agency = fresh(console)
    done = agency.post("/masuk", data={"username": "pupr", "password": PASSWORD,
                                       "token": signin_token(agency)})
    assert done.headers["location"] == "/instansi"


def test_wrong_password_and_forged_token_are_refused(console: Console) -> None:
    client = fresh(console)
    wrong = client.post("/masuk", data={"username": "op2", "password": "salah",
                                        "token": signin_token(client)})
    assert wrong.status_code == 401 and "salah" in wrong.text
    forged = client.post("/masuk", data={"username": "op2", "password": PASSWORD,
                                         "token": "palsu"})
    assert forged.status_code == 403
    client.cookies.set("tanggap_konsol", "bukan-cookie-yang-sah")
    assert client.get("/operator/antrian").status_code == 303


def test_signin_is_rate_limited_per_username(console: Console) -> None:
    client = fresh(console)
    codes = [client.post("/masuk", data={"username": "spv", "password": "tebakan",
                                         "token": signin_token(client)}).status_code
             for _ in range(7)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    limited = client.post("/masuk", data={"username": "spv", "password": PASSWORD,
                                          "token": signin_token(client)})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    console.state.signin_limits = Buckets(rate=1 / 60, burst=5)  # other tests sign in as spv


def test_every_write_needs_the_sessions_csrf_token(console: Console) -> None:
    op = console.signed_in("op1")
    token = csrf_of(op.get("/operator/antrian").text)
    for path in ("/keluar", "/operator/tugaskan-massal", "/kasus/x/klaim", "/kasus/x/tugaskan"):
        assert op.post(path, data={}).status_code == 403, path
        assert op.post(path, data={"csrf": "0" * 64}).status_code == 403, path
    other = console.signed_in("op2")
    other_token = csrf_of(other.get("/operator/antrian").text)
    assert other_token != token
    assert op.post("/kasus/x/klaim", data={"csrf": other_token}).status_code == 403
    # The header htmx sends works like the field.
    assert op.post("/kasus/x/klaim", headers={"X-CSRF-Token": token}).status_code == 404


def test_signout_ends_the_session_even_for_a_kept_cookie(console: Console) -> None:
    op = console.signed_in("op2")
    kept = op.cookies.get("tanggap_konsol")
    token = csrf_of(op.get("/operator/antrian").text)
    assert op.post("/keluar", data={"csrf": token}).headers["location"] == "/masuk"
    replay = fresh(console)
    replay.cookies.set("tanggap_konsol", kept)
    assert replay.get("/operator/antrian").status_code == 303


def test_a_disabled_user_is_signed_out_at_once(console: Console) -> None:
    async def make() -> None:
        await accounts.create_user(console.state.pool, "sementara", "Sementara",
                                   accounts.Role.OPERATOR, None,
                                   console.state.hasher.hash(PASSWORD))
    console.run(make)
    op = console.signed_in("sementara")
    assert op.get("/operator/antrian").status_code == 200
    assert console.run(accounts.disable_user, console.state.pool, "sementara")
    assert op.get("/operator/antrian").status_code == 303
