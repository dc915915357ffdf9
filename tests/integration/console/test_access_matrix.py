"""Every route of the app, tried by the wrong agency and by each role: the server refuses."""

from __future__ import annotations

from fastapi.routing import APIRoute

from services.console.app import ROUTE_MODULES
from tests.integration.console.conftest import Console, csrf_of, new_id
from tests.integration.console.events import TEXT, assigned, received, started

PUBLIC = {"/masuk", "/lapor", "/lapor/{ticket}", "/healthz", "/metrics"}
# Routes an agency may open that hold no particular case (their content is checked below).
AGENCY_OWN = {"/", "/instansi", "/instansi/isi", "/kasus/templat", "/keluar"}
CENTER_ONLY_PREFIX = "/operator"


def routes(console: Console) -> list[tuple[str, str]]:
    found = []
    for route in (r for m in ROUTE_MODULES for r in m.router.routes):
        if isinstance(route, APIRoute):
            found.extend((method, route.path) for method in sorted(route.methods))
    return found


def test_the_route_list_is_what_this_test_knows(console: Console) -> None:
    paths = {path for _, path in routes(console)}
    case_paths = {p for p in paths if "{key}" in p}
    assert len(case_paths) >= 8 and all(p.startswith("/kasus/") for p in case_paths)
    unknown = paths - PUBLIC - AGENCY_OWN - case_paths - {
        p for p in paths if p.startswith(CENTER_ONLY_PREFIX)}
    assert not unknown, f"new routes need an access rule in this test: {unknown}"


def test_another_agency_can_open_nothing_of_a_case_it_does_not_hold(console: Console) -> None:
    cid = new_id()
    ticket = f"KTP-ACL-{cid[-6:].upper()}"
    console.seed(received(cid, ticket, console.now), assigned(cid, ticket, "dinas-pupr",
                                                              console.now),
                 started(cid, "dinas-pupr", console.now))
    dlh = console.signed_in("dlh")
    token = csrf_of(dlh.get("/instansi").text)
    tried = 0
    for method, path in routes(console):
        if path in PUBLIC:
            continue
        for key in (cid, ticket):
            url = path.replace("{key}", key)
            answer = dlh.request(method, url, data={"csrf": token, "kind": "progress",
                                                    "message": "x", "reason": "x",
                                                    "agency": "dlh", "parent": ticket})
            tried += 1
            if path.startswith(CENTER_ONLY_PREFIX):
                assert answer.status_code == 403, (method, url, answer.status_code)
            elif "{key}" in path:  # a center action (403) or another agency's case (404)
                assert answer.status_code in (403, 404), (method, url, answer.status_code)
                assert TEXT not in answer.text, (method, url)
            else:
                assert answer.status_code in (200, 303), (method, url, answer.status_code)
                assert ticket not in answer.text and TEXT not in answer.text, (method, url)
            if path == "/keluar":
                dlh = console.signed_in("dlh")
                token = csrf_of(dlh.get("/instansi").text)
    assert tried > 20
    pupr = console.signed_in("pupr")
    for suffix in ("", "/riwayat"):
        assert pupr.get(f"/kasus/{cid}{suffix}").status_code == 200
        assert pupr.get(f"/kasus/{ticket}{suffix}").status_code == 200


def test_roles_reach_only_their_pages(console: Console) -> None:
    expected = {  # path -> roles that get 200
        "/operator/antrian": {"op1", "spv"}, "/operator/antrian/isi": {"op1", "spv"},
        "/operator/sla": {"op1", "spv"}, "/operator/sla/isi": {"op1", "spv"},
        "/operator/cari": {"op1", "spv"}, "/operator/cari.csv": {"op1", "spv"},
        "/operator/aduan-baru": {"op1", "spv"}, "/operator/disaring": {"spv"},
        "/instansi": {"pupr"}, "/instansi/isi": {"pupr"}, "/kasus/templat": {"pupr"},
    }
    clients = {name: console.signed_in(name) for name in ("op1", "spv", "pupr")}
    for path, allowed in expected.items():
        for name, client in clients.items():
            code = client.get(path).status_code
            assert code == (200 if name in allowed else 403), (name, path, code)
