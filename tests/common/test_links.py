"""Links to pages by name: a page exists only where its app registered it, on the public address."""

from common import links


def test_a_registered_page_is_linked_on_the_public_address(settings, monkeypatch):
    monkeypatch.setattr(links, "_pages", {})
    settings.PORTAL_BASE_URL = "https://licenses.example.com/"
    links.register_pages({"report": lambda company_id: f"/companies/{company_id}/report/"})

    assert links.page_path("report", 7) == "/companies/7/report/"
    assert (
        links.page_url("report", 7, query={"start": "2026-11-01", "end": "2026-11-30"})
        == "https://licenses.example.com/companies/7/report/?start=2026-11-01&end=2026-11-30"
    )


def test_a_page_no_app_serves_has_no_link(monkeypatch):
    monkeypatch.setattr(links, "_pages", {})

    assert links.page_path("portal:usage") is None
    assert links.page_url("portal:usage") is None


def test_password_links_use_the_public_address_with_its_path(settings):
    settings.PORTAL_BASE_URL = "https://example.com/licensing/"

    assert links.public_site() == ("example.com/licensing", True)
