"""inventory.yaml: country names and day-first dates accepted, every mistake one line at file:line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from msgaudit.errors import ConfigError
from msgaudit.ingest.base import IngestContext, Source
from msgaudit.ingest.inventory_adapter import InventoryAdapter
from msgaudit.inventory import load_inventory, systems_table

TEMPLATE = """\
organisation:
  name: Associazione Culturale Esempio APS
  country: {org_country}
  timezone: Europe/Rome
systems:
  - name: WhatsApp
    country: {system_country}
    transfers:
      - {{mechanism: dpf, from: {claim_from}, certified: true}}
"""


def _write(tmp_path: Path, org_country: str = "IT", system_country: str = "US", claim_from: str = "2023-09-01") -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(TEMPLATE.format(org_country=org_country, system_country=system_country, claim_from=claim_from),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("written", "code"), [
    ("IT", "IT"), ("it", "IT"), ("Italia", "IT"), ("Italy", "IT"), ("Stati Uniti", "US"), ("United States", "US"),
    ("Regno Unito", "GB"), ("UK", "GB"), ('"NO"', "NO"), ("Norvegia", "NO"), ("Germania", "DE"), ("Svizzera", "CH"),
    ('"Côte d’Ivoire"', "CI"), ("Cote d'Ivoire", "CI"), ("Città del Vaticano", "VA"),
])
def test_country_names_in_english_and_italian(tmp_path: Path, written: str, code: str) -> None:
    inv, _ = load_inventory(_write(tmp_path, org_country=written, system_country=written))
    assert (inv.organisation.country, inv.systems[0].country) == (code, code)


@pytest.mark.parametrize(("written", "hint"), [
    ("Narnia", "use a two-letter ISO 3166-1 code: AC AD AE"),
    ("XX", "use a two-letter ISO 3166-1 code:"),
    ("usa", "did you mean US (United States)?"),
    ('"Stati Uniti d\'America"', "did you mean US (United States)?"),
    ("Itlay", "did you mean IT (Italy)?"),
    ("NO", "YAML read an unquoted country code as true/false: quote it"),
])
def test_unknown_countries_are_refused_never_guessed(tmp_path: Path, written: str, hint: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_inventory(_write(tmp_path, system_country=written))
    assert str(err.value).startswith(f"{tmp_path / 'inventory.yaml'}:7: systems.0.country: ")
    assert hint in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(("written", "day"), [
    ("2023-09-01", date(2023, 9, 1)), ("01/09/2023", date(2023, 9, 1)), ("1/9/2023", date(2023, 9, 1)),
    ("01.09.2023", date(2023, 9, 1)), ('"2023-09-01"', date(2023, 9, 1)),
])
def test_dates_iso_and_day_first(tmp_path: Path, written: str, day: date) -> None:
    inv, positions = load_inventory(_write(tmp_path, claim_from=written))
    assert inv.systems[0].transfers[0].from_ == day
    assert systems_table(inv, positions)["claim_from"].iloc[0].date() == day


@pytest.mark.parametrize(("written", "message"), [
    ("2020-02-30", "inventory.yaml:9: 2020-02-30 is not a date (no such day)"),
    ("30/02/2020", "inventory.yaml:9: systems.0.transfers.0.from: '30/02/2020' is not a date (no such day)"),
    ("9999-12-31", "inventory.yaml:9: systems.0.transfers.0.from: 9999-12-31 is outside the dates msgaudit can hold"),
    ("31/12/9999", "inventory.yaml:9: systems.0.transfers.0.from: 9999-12-31 is outside the dates msgaudit can hold"),
    ("2023", "inventory.yaml:9: systems.0.transfers.0.from: 2023 is not a date; write it as 2023-09-01 or 01/09/2023"),
    ("ieri", "inventory.yaml:9: systems.0.transfers.0.from: 'ieri' is not a date"),
])
def test_impossible_dates_are_one_line_at_their_line(tmp_path: Path, written: str, message: str) -> None:
    path = _write(tmp_path, claim_from=written)
    with pytest.raises(ConfigError) as err:
        load_inventory(path)
    assert message in str(err.value) and "\n" not in str(err.value)
    # The same inventory met among the inputs fails the same way.
    with pytest.raises(ConfigError) as again:
        InventoryAdapter().read(Source(path=path, data=path.read_bytes(), name="inventory.yaml"), IngestContext())
    assert message in str(again.value)


def test_wrong_types_are_explained_not_pydantic_text(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text("organisation:\n  name: A\nsystems:\n  - name: CRM\n    country: IT\n    channels: whatsapp\n"
                    "    transfers:\n      - {mechanism: dpf, certified: forse}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_inventory(path)
    assert str(err.value) == f"{path}:6: systems.0.channels: must be a list, e.g. [a, b] (found 'whatsapp')"


@pytest.mark.parametrize("written", ["2020-02-30", "9999-12-31", "Narnia"])
def test_cli_exits_2_with_one_line(tmp_path: Path, written: str) -> None:
    path = _write(tmp_path, claim_from=written) if written[0].isdigit() else _write(tmp_path, system_country=written)
    notes = tmp_path / "soci.csv"
    notes.write_text("Nome;Cellulare\nMario;333 123 4567\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MSGAUDIT_DEBUG"}
    proc = subprocess.run([sys.executable, "-c", "from msgaudit.cli import main; main()", "inspect", "--inventory",
                           str(path), str(notes)], capture_output=True, text=True, env=env, timeout=120)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "inventory.yaml:" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
