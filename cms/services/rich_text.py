"""Wagtail's stored rich text → the sanitised HTML the portal shows.

Used by the exporter and the API's serializer fields (which the models use), so it imports no
catalogue model: an internal page link becomes the linked page's own `portal_path()`.
"""

from __future__ import annotations

from wagtail.models import Page
from wagtail.rich_text.rewriters import LinkRewriter

from catalogue.files import sanitize_rich_text


def portal_html(db_html: str) -> str:
    """Internal page links become portal URLs (/layanan/<id>/, /opd/<slug>/);
    links to anything not published lose their target."""
    if not db_html:
        return ""
    html = LinkRewriter(bulk_rules={"page": _portal_page_links})(db_html)
    return sanitize_rich_text(html)


def _portal_page_links(attrs_list: list[dict]) -> list[str]:
    ids = [attrs.get("id") for attrs in attrs_list]
    pages = Page.objects.live().public().filter(id__in=[i for i in ids if i and i.isdigit()]).specific()
    urls = {str(page.id): page.portal_path() if hasattr(page, "portal_path") else "/" for page in pages}
    return [f'<a href="{urls[i]}">' if i in urls else "<a>" for i in ids]
