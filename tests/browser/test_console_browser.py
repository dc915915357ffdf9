"""The console in a real headless Chromium, on the real stack: triage, answer, status page,
"bukan wewenang kami", another agency refused, complaints taken by a person, accessibility."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path

import httpx
import playwright
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, Route, expect

from tests.browser.conftest import Pages, Stack, screenshot, sign_in

TRIAGE_TEXT = "Tolong diperhatikan pak, sudah lama begini tidak ada yang peduli"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                "wcag22aa"]}, "resultTypes": ["violations"]}


def bundled_chromium_major() -> int:
    driver = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    browsers = json.loads(driver.read_text())["browsers"]
    return int(next(b for b in browsers if b["name"] == "chromium")["browserVersion"]
               .split(".")[0])


async def test_playwright_matches_debians_chromium(browser: Browser) -> None:
    debian, bundled = int(browser.version.split(".")[0]), bundled_chromium_major()
    assert debian == bundled, (
        f"Debian's chromium is {browser.version} but Playwright {playwright.__version__} is "
        f"built for Chromium {bundled}: pin the Playwright release whose bundled Chromium "
        f"major is {debian} in constraints.txt")


async def test_the_accessibility_scanner_does_find_problems(browser: Browser) -> None:
    """A page with a known fault, so a clean scan below means something."""
    page = await browser.new_page()
    try:
        await page.set_content('<html lang="id"><body><main><img src="data:,">'
                               '<input type="text"></main></body></html>')
        results = await Axe().run(page, options=WCAG)
        found = {v["id"] for v in results.response["violations"]}
        assert {"image-alt", "label"} <= found, found
    finally:
        await page.close()


async def test_the_agency_inbox_fits_a_phone(services: Stack, pages: Pages) -> None:
    case = await post_complaint(services, "Jalan rusak parah di Jl. Gajah Mada, banyak lubang")
    phone = await pages.open("pupr-ponsel", width=390, height=844)
    await sign_in(phone, services.console, "pupr")
    card = phone.locator("li.card", has_text=case["ticket"])
    await expect(card).to_contain_text(re.compile(r"sisa 4[78] j"), timeout=90_000)
    overflow = await phone.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"the inbox scrolls sideways by {overflow}px on a phone"
    box = await card.bounding_box()
    assert box is not None and box["height"] >= 44  # a big tap target
    await screenshot(phone, "7-kotak-masuk-ponsel")
    await card.get_by_role("link").click()
    overflow = await phone.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"the case page scrolls sideways by {overflow}px on a phone"
    await screenshot(phone, "8-kasus-ponsel")


async def post_complaint(stack: Stack, text: str) -> dict:
    async with httpx.AsyncClient() as http:
        posted = await http.post(f"{stack.intake}/v1/complaints", headers={
            "X-API-Key": stack.web_key}, json={"channel": "web", "text": text,
                                                "channel_message_id": uuid.uuid4().hex})
    assert posted.status_code == 202, posted.text
    return posted.json()


async def until_text(page: Page, url: str, pattern: str, timeout: float = 90.0) -> None:
    """Reload `url` until the page shows `pattern` (the projection follows Kafka)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await page.goto(url)
        if re.search(pattern, await page.content()):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{url} never showed {pattern!r}")
        await asyncio.sleep(1)


async def assign(page: Page, stack: Stack, case: dict, agency: str, reason: str) -> None:
    await page.goto(f"{stack.console}/kasus/{case['complaint_id']}")
    await page.get_by_label("Tugaskan ke").select_option(agency)
    await page.get_by_label("Alasan (wajib)").fill(reason)
    await page.get_by_role("button", name="Kirim penugasan").click()
    await expect(page.get_by_role("status")).to_contain_text("terkirim")


TEMPLATE_SWAPPED = """() => { window.templateSwapped = new Promise(done =>
    document.addEventListener("htmx:afterRequest", e => {
        if (e.detail.target && e.detail.target.id === "message-box") done(true); })); }"""


async def answer_over_a_slow_template(page: Page, text: str) -> None:
    """Choose the kind of answer and type at once, while its template is still on the way (a
    slow link): what was typed stays. Twice in CI the template landed after the typing and
    replaced it, so the agency's words were never sent."""
    async def late(route: Route) -> None:
        await asyncio.sleep(1.0)
        await route.continue_()

    kind, box = page.get_by_label("Jenis jawaban"), page.get_by_label("Isi jawaban (dapat diubah)")
    await kind.select_option("progress")  # the box untouched: the kind's template comes in
    await expect(box).to_have_value(re.compile(r"^Petugas kami sudah meninjau lokasi"))
    await page.route("**/kasus/templat*", late)
    await page.evaluate(TEMPLATE_SWAPPED)
    await kind.select_option("first_response")
    await box.fill(text)
    await page.evaluate("() => window.templateSwapped")  # its swap was decided
    await expect(box).to_have_value(text)
    await page.unroute("**/kasus/templat*")


async def test_triage_assign_answer_status_page_and_another_agency(
        services: Stack, pages: Pages) -> None:
    operator = await pages.open("operator")
    await sign_in(operator, services.console, "operator")
    case = await post_complaint(services, TRIAGE_TEXT)
    # The queue refreshes itself (htmx polling): no reload here.
    await expect(operator.locator("#antrian")).to_contain_text(case["ticket"], timeout=90_000)
    await screenshot(operator, "1-antrean")
    await assign(operator, services, case, "dinas-pupr", "Jalan kabupaten, urusan PUPR")
    await until_text(operator, f"{services.console}/kasus/{case['complaint_id']}",
                     "Diteruskan ke instansi")

    agency = await pages.open("pupr")
    await sign_in(agency, services.console, "pupr")
    card = agency.locator("li.card", has_text=case["ticket"])
    await expect(card).to_contain_text(re.compile(r"sisa 4[78] j \d+ m"), timeout=90_000)
    await screenshot(agency, "2-kotak-masuk")
    await card.get_by_role("link").click()
    await answer_over_a_slow_template(agency, "Petugas kami meninjau lokasi besok pagi.")
    await agency.get_by_role("button", name="Kirim jawaban").click()
    await expect(agency.get_by_role("status")).to_contain_text("jawaban terkirim")
    await screenshot(agency, "3-kasus-instansi")

    citizen = await pages.open("warga")
    await until_text(citizen, f"{services.console}/lapor/{case['ticket']}",
                     "Petugas kami meninjau lokasi besok pagi")
    await expect(citizen.get_by_text("Sedang ditangani")).to_be_visible()
    assert TRIAGE_TEXT not in await citizen.content()  # the complaint's text is not shown
    await screenshot(citizen, "4-status-warga")

    other = await pages.open("dlh")
    await sign_in(other, services.console, "dlh")
    assert case["ticket"] not in await other.content()
    for path in (f"/kasus/{case['complaint_id']}", f"/kasus/{case['ticket']}",
                 f"/kasus/{case['complaint_id']}/riwayat"):
        answer = await other.goto(f"{services.console}{path}")
        assert answer is not None and answer.status == 404, path
    await expect(other.get_by_role("heading", name="Tidak ditemukan")).to_be_visible()


async def test_not_ours_puts_the_case_back_in_the_queue_with_reason_and_clock_history(
        services: Stack, pages: Pages) -> None:
    operator = await pages.open("operator")
    await sign_in(operator, services.console, "operator")
    case = await post_complaint(services, TRIAGE_TEXT)
    await until_text(operator, f"{services.console}/kasus/{case['complaint_id']}",
                     "Ditelaah petugas")
    await assign(operator, services, case, "dinas-pupr", "Coba PUPR dulu")

    agency = await pages.open("pupr")
    await sign_in(agency, services.console, "pupr")
    await until_text(agency, f"{services.console}/kasus/{case['complaint_id']}", "sisa 4[78] j")
    await agency.get_by_label("Bukan wewenang kami: alasan (wajib)").fill(
        "Bukan jalan kabupaten, ini jalan provinsi")
    await agency.get_by_role("button", name="Bukan wewenang kami").click()
    await agency.wait_for_url(re.compile(r"/instansi\?pesan="))

    await operator.goto(f"{services.console}/operator/antrian")
    await expect(operator.locator("#antrian")).to_contain_text(case["ticket"], timeout=90_000)
    await until_text(operator, f"{services.console}/kasus/{case['complaint_id']}",
                     "jam dinas-pupr dihentikan")
    text = await operator.content()
    assert "Bukan jalan kabupaten, ini jalan provinsi" in text  # the reason
    assert "Pernah dipegang" in text and "dinas-pupr" in text  # the chain
    await screenshot(operator, "5-kembali-ke-antrean")


async def next_refresh(page: Page, target: str) -> None:
    """Wait until htmx has swapped `target` once more (the list refreshed itself)."""
    await page.evaluate("""target => new Promise(done => document.querySelector(target)
        .addEventListener('htmx:afterSettle', done, {once: true}))""", target)


async def test_bulk_assign_keeps_ticks_across_refreshes_and_moves_every_ticked_case(
        services: Stack, pages: Pages) -> None:
    cases = [await post_complaint(services, TRIAGE_TEXT) for _ in range(2)]
    operator = await pages.open("operator")
    await sign_in(operator, services.console, "operator")
    for case in cases:
        await expect(operator.locator("#antrian")).to_contain_text(case["ticket"],
                                                                   timeout=90_000)
        await operator.get_by_label(f"Pilih {case['ticket']}").check()
    await next_refresh(operator, "#antrian")
    for case in cases:
        await expect(operator.get_by_label(f"Pilih {case['ticket']}")).to_be_checked()
    await operator.get_by_label("Tugaskan yang dipilih ke").select_option("dlh")
    await operator.locator("#bulk-reason").fill("Sampah liar, urusan DLH")
    await operator.get_by_role("button", name="Tugaskan yang dipilih").click()
    await expect(operator.get_by_role("status")).to_contain_text("2 perintah penugasan")
    for case in cases:
        await expect(operator.locator("#antrian")).not_to_contain_text(case["ticket"],
                                                                       timeout=90_000)
    await until_text(operator, f"{services.console}/kasus/{cases[0]['complaint_id']}",
                     "Dinas Lingkungan Hidup")


async def test_a_complaint_taken_by_phone_gets_one_ticket_even_if_sent_twice(
        services: Stack, pages: Pages) -> None:
    operator = await pages.open("operator")
    await sign_in(operator, services.console, "operator")
    await operator.goto(f"{services.console}/operator/aduan-baru")
    await operator.get_by_label("Telepon 112").check()
    await operator.get_by_label("Isi aduan").fill("Lampu jalan mati di depan masjid Al-Ikhlas")
    await operator.get_by_label("Nama").fill("Siti Aminah")
    await operator.get_by_label("Telepon", exact=True).fill("081234567890")
    form = {name: await operator.locator(f"#isi input[name={name}]").input_value()
            for name in ("csrf", "token")}
    await operator.get_by_role("button", name="Kirim dan buat tiket").click()
    ticket = (await operator.locator("#tiket").inner_text()).strip()
    assert ticket.startswith("KTP-")
    await screenshot(operator, "6-tiket-telepon")
    again = await operator.request.post(f"{services.console}/operator/aduan-baru", form={
        **form, "mode": "telepon", "text": "Lampu jalan mati di depan masjid Al-Ikhlas"})
    assert again.status == 200 and ticket in await again.text()
    assert "sudah pernah dikirim" in await again.text()


@pytest.mark.parametrize("who", ["anonim", "operator", "kepala", "pupr"])
async def test_every_page_passes_an_axe_wcag_22_aa_scan(services: Stack, pages: Pages,
                                                        who: str) -> None:
    case = await post_complaint(services, TRIAGE_TEXT)
    page = await pages.open(who)
    paths = {"anonim": ["/masuk", "/lapor", f"/lapor/{case['ticket']}"],
             "operator": ["/operator/antrian", "/operator/sla", "/operator/cari?teks=a",
                          "/operator/aduan-baru", f"/kasus/{case['complaint_id']}"],
             "kepala": ["/operator/disaring"],
             "pupr": ["/instansi"]}[who]
    if who != "anonim":
        await sign_in(page, services.console, who)
    if who == "anonim":
        await until_text(page, f"{services.console}/lapor/{case['ticket']}", "Status:")
    axe = Axe()
    problems = {}
    for path in paths:
        await page.goto(f"{services.console}{path}")
        await screenshot(page, f"axe-{who}-{path.strip('/').replace('/', '-')[:40] or 'root'}")
        results = await axe.run(page, options=WCAG)
        serious = [v for v in results.response["violations"]
                   if v.get("impact") in ("serious", "critical")]
        if serious:
            problems[path] = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                              for v in serious]
    assert not problems, problems
