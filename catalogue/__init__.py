"""The catalogue record (one definition of a service, OPD, app, category, life event) and its files."""

from .files import Catalogue, dump_record, load_catalogue, write_content
from .records import App, AppHealth, Category, Channel, JourneyStep, LifeEvent, Opd, RecordError, Service

__all__ = [
    "App",
    "AppHealth",
    "Catalogue",
    "Category",
    "Channel",
    "JourneyStep",
    "LifeEvent",
    "Opd",
    "RecordError",
    "Service",
    "dump_record",
    "load_catalogue",
    "write_content",
]
