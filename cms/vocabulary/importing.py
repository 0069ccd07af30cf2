"""The vocabulary of a catalogue folder into the CMS: upsert by slug, publish what changed.

Called by cms.services.importing inside its transaction, after the services: a model
validation error becomes a RecordError naming file, entry and field (nothing is kept). The
services are reached through the best bets' own links to them: this app imports nothing of
cms.services (which imports it).
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.core.exceptions import ValidationError

from catalogue import BestBet, Catalogue, RecordError, SearchTerm

from .models import SERVICE_FIELDS, BestBetEntry, SearchTermEntry

FIELD_NAMES = dict.fromkeys(SERVICE_FIELDS, "services")


def import_vocabulary(catalogue: Catalogue, result: dict[str, Counter], touched: list) -> None:
    service_pages = BestBetEntry._meta.get_field(SERVICE_FIELDS[0]).related_model._default_manager
    entries = {e.slug: e for e in SearchTermEntry.objects.all()}
    for record in catalogue.search_terms.values():
        entry = entries.get(record.slug) or SearchTermEntry(slug=record.slug)
        _upsert(catalogue, record, entry, _term_values(record), "istilah pencarian", result, touched)
    pages = {
        p.slug: p
        for p in service_pages.filter(slug__in={s for b in catalogue.best_bets.values() for s in b.services})
    }
    bets = {b.slug: b for b in BestBetEntry.objects.select_related(*SERVICE_FIELDS)}
    for record in catalogue.best_bets.values():
        bet = bets.get(record.slug) or BestBetEntry(slug=record.slug)
        _upsert(catalogue, record, bet, _bet_values(record, pages), "hasil unggulan", result, touched)


def _term_values(record: SearchTerm) -> dict:
    return {
        "kind": record.kind,
        "terms": ", ".join(record.terms),
        "means": ", ".join(record.means),
        "note": record.note,
    }


def _bet_values(record: BestBet, pages: dict) -> dict:
    services = [pages[s] for s in record.services] + [None] * len(SERVICE_FIELDS)
    return {
        "query": record.query,
        **dict(zip(SERVICE_FIELDS, services, strict=False)),
        "expires": datetime.date.fromisoformat(record.expires) if record.expires else None,
        "note": record.note,
    }


def _upsert(catalogue, record, obj, values: dict, kind: str, result, touched) -> None:
    if obj.pk is not None and obj.live and obj.to_record() == record:
        result["unchanged"][kind] += 1
        return
    created = obj.pk is None
    for name, value in values.items():
        setattr(obj, name, value)
    try:
        obj.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        name, messages = next(iter(errors.items()))
        field = FIELD_NAMES.get(name, "-" if name == "__all__" else name)
        raise RecordError(catalogue.source(record), record.key, field, " ".join(messages)) from exc
    obj.save()
    obj.save_revision(log_action=True).publish()
    result["created" if created else "updated"][kind] += 1
    touched.append(obj)
