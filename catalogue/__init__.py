"""The catalogue record (one definition of a service, OPD, app, category, life event) and its files."""

from .files import Catalogue, dump_record, load_catalogue, write_content
from .records import (
    App,
    AppHealth,
    BestBet,
    Category,
    Channel,
    JourneyStep,
    LifeEvent,
    Opd,
    RecordError,
    SearchTerm,
    Service,
)

__all__ = [
    "App",
    "AppHealth",
    "BestBet",
    "Catalogue",
    "Category",
    "Channel",
    "JourneyStep",
    "LifeEvent",
    "Opd",
    "RecordError",
    "SearchTerm",
    "Service",
    "dump_record",
    "load_catalogue",
    "write_content",
]
