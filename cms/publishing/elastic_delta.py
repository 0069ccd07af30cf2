"""The Elasticsearch side of a portal update: re-index only the services that changed.

Runs after the portal switched (when ELASTICSEARCH_URL is set). A service's document also
carries its OPD, app, categories and life events, so a change to one of those re-indexes
the services that show it.
"""

from __future__ import annotations

from django.conf import settings

from catalogue import Catalogue


def changed_services(before: Catalogue, after: Catalogue) -> tuple[set[str], set[str]]:
    """(ids to index, ids to remove) going from `before` to `after`."""

    def context(catalogue: Catalogue, service) -> tuple:
        return (
            catalogue.opds.get(service.opd),
            catalogue.apps.get(service.app) if service.app else None,
            tuple(catalogue.categories.get(c) for c in service.categories),
            tuple(catalogue.life_events.get(e) for e in service.life_events),
        )

    upsert = {
        sid
        for sid, service in after.services.items()
        if before.services.get(sid) != service or context(before, service) != context(after, service)
    }
    remove = set(before.services) - set(after.services)
    return upsert, remove


def apply(before: Catalogue | None, after: Catalogue) -> str:
    """Bring the Elasticsearch index up to date; returns a one-line summary."""
    from search import elastic

    client = elastic.shared_client(settings.ELASTICSEARCH_URL)
    alias = settings.ELASTICSEARCH_INDEX
    if before is None:  # the worker just started: what the index holds is unknown, load it afresh
        name = elastic.reindex(client, after, alias=alias)
        return f"Elasticsearch: dimuat penuh ke {name}."
    synonyms = ""
    if before.search_terms != after.search_terms:
        # the search analyzers reload the new set: no document needs re-indexing for it
        elastic.put_synonyms(client, elastic.catalogue_dictionary(after))
        synonyms = " Set sinonim diperbarui."
    upsert, remove = changed_services(before, after)
    if not upsert and not remove:
        return f"Elasticsearch: tidak ada perubahan dokumen.{synonyms}"
    for sid in sorted(upsert):
        elastic.upsert_service(client, after.services[sid], after, alias=alias)
    for sid in sorted(remove):
        elastic.remove_service(client, sid, alias=alias)
    return f"Elasticsearch: {len(upsert)} dokumen diperbarui, {len(remove)} dihapus.{synonyms}"
