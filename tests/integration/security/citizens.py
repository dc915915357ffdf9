"""Generated citizens (fixed seed) for the personal-data test, and what counts as a raw hit."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

SEED = 20261201
FIRST = ["Rusdiana", "Wahyuningsih", "Sumarjono", "Hendrawati", "Kusnadiharja", "Marlinda",
         "Suryaningrum", "Bambangsutejo"]
LAST = ["Pardomuan", "Simanjuntakia", "Wiraatmaja", "Kartasasmita", "Lubisantara", "Nainggolanu"]


@dataclass(frozen=True)
class Citizen:
    first: str
    last: str
    national: str  # 8xxxxxxxxx: the digits every written form of the number contains
    email: str
    nik: str
    account: str  # digits of the platform user ids (Facebook, X, TikTok); their own on each

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def phone(self, form: int) -> str:
        n = self.national
        return [f"+62{n}", f"0{n}", f"+62 {n[:3]}-{n[3:7]}-{n[7:]}", f"0{n[:3]} {n[3:7]} {n[7:]}",
                f"62{n}"][form % 5]

    def text(self, form: int) -> str:
        return (f"Saya {self.first} dari Kelurahan Sampit. Jalan berlubang besar di depan SDN 3, "
                f"banyak lubang. Hubungi {self.phone(form + 1)} atau {self.email}, "
                f"NIK {self.nik}.")

    @property
    def handle(self) -> str:
        return f"{self.first.lower()}.{self.last.lower()}_ig"

    @property
    def x_handle(self) -> str:  # X usernames: [A-Za-z0-9_], at most 15
        return f"{self.first[:6].lower()}_{self.last[:5].lower()}{self.account[-2:]}"

    @property
    def tiktok_handle(self) -> str:
        return f"{self.first.lower()}.{self.last.lower()}.tt"

    def user_id(self, platform: str) -> str:
        """A stable id per platform; lengths no NIK (16) or phone pattern matches whole."""
        return {"facebook": "2" + self.account[:16], "x": "14" + self.account,
                "tiktok": "7" + self.account[::-1] + "9"}[platform]

    def raw(self) -> list[re.Pattern[str]]:
        """What counts as a raw hit: the number's digits, the address, the NIK, the names,
        the social-media handles and user ids."""
        digits = r"[\s.-]?".join(self.national)
        return [re.compile(digits), re.compile(re.escape(self.email), re.I),
                re.compile(self.nik), re.compile(rf"\b{self.first}\b", re.I),
                re.compile(rf"\b{self.last}\b", re.I)] + [
            re.compile(re.escape(h), re.I) for h in (self.handle, self.x_handle,
                                                     self.tiktok_handle)] + [
            re.compile(rf"(?<!\d){self.user_id(p)}(?!\d)") for p in ("facebook", "x", "tiktok")]


def citizens(count: int) -> list[Citizen]:
    rng = random.Random(SEED)
    made = []
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], rng.choice(LAST)
        national = "8" + rng.choice("1235789") + "".join(rng.choice("0123456789")
                                                         for _ in range(8))
        email = f"{first.lower()}.{last.lower()}{rng.randint(10, 99)}@surel.example"
        nik = "6104" + "".join(rng.choice("0123456789") for _ in range(12))
        made.append(Citizen(first, last, national, email, nik, ""))
    # Drawn after the others, so the seeded phones, addresses and NIKs stay what they were.
    return [Citizen(p.first, p.last, p.national, p.email, p.nik,
                    "".join(rng.choice("0123456789") for _ in range(17))) for p in made]


PEOPLE = citizens(8)


def hits(text: str, people: list[Citizen] = PEOPLE) -> list[str]:
    return [f"{p.name}: {pattern.pattern}" for p in people for pattern in p.raw()
            if pattern.search(text)]
