"""The live vocabulary as catalogue records, added to an exported catalogue (after its services)."""

from __future__ import annotations

from catalogue import Catalogue

from .models import SERVICE_FIELDS, BestBetEntry, SearchTermEntry


def add_vocabulary(catalogue: Catalogue) -> Catalogue:
    """Add the live entries; a best bet keeps only its live services (none left: it is left out)."""
    for entry in SearchTermEntry.objects.filter(live=True).order_by("slug"):
        record = entry.to_record()
        catalogue.add(record, f"search/terms/{record.slug}.json")
    bets = BestBetEntry.objects.filter(live=True).select_related(*SERVICE_FIELDS)
    live = set(catalogue.services)
    for bet in bets.order_by("slug"):
        if any(s.slug in live for s in bet.services()):
            record = bet.to_record(live)
            catalogue.add(record, f"search/best-bets/{record.slug}.json")
    return catalogue
