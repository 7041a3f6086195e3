"""The « Métier habituel » dropdown of the employee form shows each trade's code beside its name."""

from __future__ import annotations

import re


def test_usual_trade_options_show_the_code(client, auth, make_user, company, make_work_data):
    auth.login(make_user("superadmin"))
    make_work_data(company)
    employee = make_user("employee")
    page = client.get(f"/parametres/licences/{employee.id}").text
    select = re.search(r'<select[^>]*id="default_trade_id".*?</select>', page, re.S)[0]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == [
        "— Aucun —",
        "CHARP — Charpentier-menuisier",
    ]
